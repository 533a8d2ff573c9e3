// The single-file executable (Node SEA) for runners without Node, such as Argo CD's repo-server:
// built for real with scripts/build-sea.mjs (node --experimental-sea-config + postject), then run
// with no Node.js on PATH as a CLI and as a KRM function, and compared with the bundled CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath, repoRoot } from '../kustomize/gitops-harness.js';

const sea = path.join(repoRoot, 'dist', 'mirrorset-hosts-sea');
const example = path.join(repoRoot, 'fixtures', 'example-repo');
let scratch: string;

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-sea.mjs')], { cwd: repoRoot, stdio: 'pipe' });
  scratch = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-sea-'));
}, 120_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const tree = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.path, entry.name)))
      .sort()
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );

// No node on PATH: what a repo-server without Node.js gives the plugin.
const noNodeEnv = { PATH: '/usr/sbin:/sbin', HOME: '/nonexistent' };

test('the executable renders the example repo exactly as the bundled CLI does, without Node.js on PATH', () => {
  const bySea = spawnSync(sea, ['render', '--out', path.join(scratch, 'sea'), example], { env: noNodeEnv, encoding: 'utf8' });
  expect(bySea.status).toBe(0);
  const byCli = spawnSync(process.execPath, [cliPath, 'render', '--out', path.join(scratch, 'cli'), example], { encoding: 'utf8' });
  expect(byCli.status).toBe(0);
  expect(tree(path.join(scratch, 'sea'))).toEqual(tree(path.join(scratch, 'cli')));
  expect(Object.keys(tree(path.join(scratch, 'sea')))).toContain('mcr.microsoft.com/hosts.toml');
  expect(bySea.stderr).toBe(byCli.stderr.replaceAll(path.join(scratch, 'cli'), path.join(scratch, 'sea')));
});

test('the executable is a KRM function: a ResourceList on stdin gives a ResourceList with the bundle', () => {
  const idms = readFileSync(path.join(example, 'mirror-sets', 'windows-idms.yaml'), 'utf8').replace(/^#.*\n/gm, '');
  const input = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${idms
    .trim()
    .split('\n')
    .map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`))
    .join('\n')}\n`;
  const result = spawnSync(sea, [], { env: noNodeEnv, input, encoding: 'utf8' });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^apiVersion: config.kubernetes.io\/v1\nkind: ResourceList\n/);
  expect(result.stdout).toContain('kind: ConfigMap');
  expect(result.stdout).toContain('name: windows-images');
});

test('an invalid mirror set makes the executable exit 1 with a positioned message', () => {
  const bad = spawnSync(sea, ['lint', path.join(repoRoot, 'fixtures', 'cases', 'invalid-enum-policy', 'input')], { env: noNodeEnv, encoding: 'utf8' });
  expect(bad.status).toBe(1);
  expect(bad.stderr).toMatch(/idms\.yaml:10:25: error SCHEMA_ENUM spec\.imageDigestMirrors\[0\]\.mirrorSourcePolicy/);
});
