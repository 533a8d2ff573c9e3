// What `npm pack` puts in the package, as npm itself lists it (`npm pack --dry-run --json`): the CLI
// launcher and its V8 code cache, the exec plugin, the schema, the README and package.json. Nothing
// else that a build leaves in dist/ (the 100 MB single executable, the library and plain bundles)
// and no runtime dependency: the esbuild bundle holds them all. --ignore-scripts: the list is of the
// dist/ that `npm test` built; the `prepare` build is not rerun under the other suites' feet.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { repoRoot, requireBuiltCli } from '../kustomize/gitops-harness.js';
import { MAX_UNPACKED_BYTES, PACKED_FILES } from './packed.js';

interface PackEntry {
  filename: string;
  unpackedSize: number;
  files: { path: string; size: number; mode: number }[];
}

function dryRun(dir: string): PackEntry {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  const entries = JSON.parse(out) as PackEntry[];
  expect(entries).toHaveLength(1);
  return entries[0]!;
}

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;

test('the package is exactly the CLI, its code cache, the plugin, the schema and the README, under the stated size', () => {
  requireBuiltCli();
  const packed = dryRun(repoRoot);
  expect(packed.filename).toBe(`mirrorset-hosts-${String(pkg['version'])}.tgz`);
  expect(packed.files.map((f) => f.path).sort()).toEqual(PACKED_FILES);
  expect(packed.unpackedSize).toBeLessThan(MAX_UNPACKED_BYTES);
  // The bin and the plugin are executable in the package, not only in the checkout.
  const mode = (p: string): number => packed.files.find((f) => f.path === p)!.mode;
  expect(mode('dist/mirrorset-hosts.cjs') & 0o111).toBe(0o111);
  expect(mode('plugins/mirrorset-hosts.io/v1alpha1/mirrorsethosts/MirrorSetHosts') & 0o111).toBe(0o111);
});

test('publish-ready metadata: the bin is packed, Node is pinned, and nothing is installed beside the bundle', () => {
  expect(pkg['bin']).toEqual({ 'mirrorset-hosts': 'dist/mirrorset-hosts.cjs' });
  expect(PACKED_FILES).toContain((pkg['bin'] as Record<string, string>)['mirrorset-hosts']);
  expect(pkg['engines']).toEqual({ node: expect.stringMatching(/^>=20\./) });
  expect(pkg['files']).toEqual(expect.arrayContaining(['plugins/', 'schema/']));
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
    expect([field, pkg[field]]).toEqual([field, undefined]);
  }
  // Lifecycle scripts a consumer's npm would run on install: none (prepare only runs in a checkout).
  const scripts = pkg['scripts'] as Record<string, string>;
  for (const hook of ['preinstall', 'install', 'postinstall']) expect([hook, scripts[hook]]).toEqual([hook, undefined]);
});

test('whatever else a build leaves in dist/ stays out of the package', () => {
  // This package.json, the directories it names, and a dist/ holding every file the build scripts
  // write (scripts/build.mjs, code-cache.mjs, build-sea.mjs) plus generated and hostile names.
  const scratch = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-pack-'));
  try {
    for (const entry of ['package.json', 'README.md', 'plugins', 'schema', '.npmrc']) {
      cpSync(path.join(repoRoot, entry), path.join(scratch, entry), { recursive: true });
    }
    const dist = path.join(scratch, 'dist');
    mkdirSync(dist);
    const built = ['mirrorset-hosts.cjs', 'mirrorset-hosts.code-cache', 'mirrorset-hosts.bundle.cjs', 'index.cjs', 'mirrorset-hosts-sea', 'sea-main.cjs', 'sea-prep.blob', 'sea-config.json'];
    const lookalikes = ['mirrorset-hosts.cjs.map', 'mirrorset-hosts.cjs~', '.mirrorset-hosts.cjs.swp', 'mirrorset-hosts.code-cache.tmp', 'mirrorset-hosts', 'MIRRORSET-HOSTS.CJS.bak'];
    const generated = fc.sample(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/), { numRuns: 200, seed: 14 });
    const names = [...new Set([...built, ...lookalikes, ...generated])].filter((n) => n !== '.' && n !== '..');
    for (const name of names) writeFileSync(path.join(dist, name), 'x');
    mkdirSync(path.join(dist, 'nested'));
    writeFileSync(path.join(dist, 'nested', 'mirrorset-hosts.cjs'), 'x');
    const listed = dryRun(scratch).files.map((f) => f.path).sort();
    expect(listed).toEqual(PACKED_FILES);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('the README states the size bound this file checks', () => {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  expect(readme).toContain(`(under ${MAX_UNPACKED_BYTES / 1_000_000} MB unpacked)`);
});
