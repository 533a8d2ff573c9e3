import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { idms, runCli, tempDir } from '../helpers/cli.js';
import { OUTPUT_MARKER } from '../../src/io/output-tree.js';

let workspace: ReturnType<typeof tempDir>;
beforeEach(() => {
  workspace = tempDir({
    'repo/quay.yaml': idms('quay', 'quay.io', ['mirror.example/quay']),
    'repo/k8s.yml': idms('k8s', 'registry.k8s.io', ['mirror.example/k8s']),
  });
});
afterEach(() => workspace.cleanup());

const tree = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      if (existsSync(path.join(dir, rel, '.'))) {
        try {
          walk(rel);
          continue;
        } catch {
          /* a file */
        }
      }
      out.push(rel);
    }
  };
  walk('');
  return out;
};

describe('render', () => {
  test('writes exactly one hosts.toml per registry and the marker that lists them, nothing else', async () => {
    const result = await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(0);
    expect(tree(path.join(workspace.dir, 'out'))).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml', 'registry.k8s.io/hosts.toml']);
    expect(readdirSync(workspace.dir).sort()).toEqual(['out', 'repo']);
    expect(result.stdout).toBe('');
  });

  test('replaces a previous output directory as a whole, removing registries that are gone', async () => {
    await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
    writeFileSync(path.join(workspace.dir, 'repo/k8s.yml'), '');
    const result = await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(0);
    expect(tree(path.join(workspace.dir, 'out'))).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml']);
  });

  test('invalid input exits 1, names file, line and field, and leaves the previous output untouched', async () => {
    await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
    const before = readFileSync(path.join(workspace.dir, 'out/quay.io/hosts.toml'), 'utf8');
    writeFileSync(path.join(workspace.dir, 'repo/quay.yaml'), idms('quay', 'quay.io', ['mirror.example/quay'], 'Never'));
    const result = await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('repo/quay.yaml:8:25: error SCHEMA_ENUM spec.imageDigestMirrors[0].mirrorSourcePolicy:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path.join(workspace.dir, 'out/quay.io/hosts.toml'), 'utf8')).toBe(before);
    expect(tree(path.join(workspace.dir, 'out'))).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml', 'registry.k8s.io/hosts.toml']);
    expect(readdirSync(workspace.dir).sort()).toEqual(['out', 'repo']);
  });

  test('an output path that is a file is a usage error and the file is kept', async () => {
    writeFileSync(path.join(workspace.dir, 'out'), 'not a directory');
    const result = await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out out exists and is not a directory');
    expect(readFileSync(path.join(workspace.dir, 'out'), 'utf8')).toBe('not a directory');
  });

  test('a read-only parent directory fails with a clear message and writes nothing', async () => {
    mkdirSync(path.join(workspace.dir, 'ro'));
    // root ignores permission bits, so make the parent unusable by putting a file where a directory must go.
    writeFileSync(path.join(workspace.dir, 'ro/blocker'), '');
    const result = await runCli(['render', '--out', 'ro/blocker/out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot write ro/blocker/out');
    expect(readdirSync(path.join(workspace.dir, 'ro'))).toEqual(['blocker']);
    chmodSync(path.join(workspace.dir, 'ro'), 0o755);
  });

  test('a missing input path is a usage error', async () => {
    const result = await runCli(['render', '--out', 'out', 'nope'], { cwd: workspace.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read input nope: no such file or directory');
    expect(existsSync(path.join(workspace.dir, 'out'))).toBe(false);
  });

  test('a dangling symlink or a symlink loop in an input directory is reported, not skipped', async () => {
    symlinkSync('/nonexistent/idms.yaml', path.join(workspace.dir, 'repo/dangling.yaml'));
    symlinkSync('loop.yaml', path.join(workspace.dir, 'repo/loop.yaml'));
    const result = await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('repo/dangling.yaml:1:1: error READ_FAILED: cannot read the file: no such file or directory');
    expect(result.stderr).toContain('repo/loop.yaml:1:1: error READ_FAILED: cannot read the file: too many levels of symbolic links');
    expect(existsSync(path.join(workspace.dir, 'out'))).toBe(false);
  });

  test('a directory without mirror sets is an error, so an empty render never wipes the nodes', async () => {
    mkdirSync(path.join(workspace.dir, 'empty'));
    writeFileSync(path.join(workspace.dir, 'empty/kustomization.yaml'), 'resources: []\n');
    const result = await runCli(['render', '--out', 'out', 'empty'], { cwd: workspace.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error NO_MIRROR_SETS');
  });

  test('reads manifests from stdin with -', async () => {
    const result = await runCli(['render', '--out', 'out', '-'], {
      cwd: workspace.dir,
      stdin: idms('stdin', 'ghcr.io', ['mirror.example/ghcr']),
    });
    expect(result.code).toBe(0);
    expect(tree(path.join(workspace.dir, 'out'))).toEqual([OUTPUT_MARKER, 'ghcr.io/hosts.toml']);
  });

  test('accepts globs', async () => {
    const result = await runCli(['render', '--out', 'out', 'repo/*.yaml'], { cwd: workspace.dir });
    expect(result.code).toBe(0);
    expect(tree(path.join(workspace.dir, 'out'))).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml']);
  });

  test('--profile wmco writes host:port directories as WMCO does', async () => {
    writeFileSync(path.join(workspace.dir, 'repo/local.yaml'), idms('local', 'registry.local:5000', ['mirror.example/local']));
    const result = await runCli(['render', '--profile', 'wmco', '--out', 'out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(0);
    expect(tree(path.join(workspace.dir, 'out'))).toContain('registry.local:5000/hosts.toml');
    expect(result.stderr).toContain('warning WMCO_WINDOWS_ILLEGAL_DIRECTORY');
  });

  test('--strict fails on warnings and writes nothing', async () => {
    writeFileSync(path.join(workspace.dir, 'repo/scoped.yaml'), idms('scoped', 'ghcr.io/org', ['mirror.example/org']));
    const result = await runCli(['render', '--strict', '--out', 'out', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error SCOPE_BROADENED');
    expect(existsSync(path.join(workspace.dir, 'out'))).toBe(false);
  });

  test.each([
    [['render', 'repo'], 'render needs --out DIR'],
    [['render', '--out', 'out'], 'render needs at least one PATH'],
    [['render', '--profile', 'docker', '--out', 'out', 'repo'], '--profile must be one of containerd, wmco'],
    [['render', '--bogus', '--out', 'out', 'repo'], "Unknown option '--bogus'"],
    [['frobnicate'], 'unknown command "frobnicate"'],
  ])('usage error %j exits 2', async (argv, message) => {
    const result = await runCli(argv, { cwd: workspace.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('lint', () => {
  test('prints diagnostics and exits 0 on warnings only, writing nothing', async () => {
    writeFileSync(path.join(workspace.dir, 'repo/scoped.yaml'), idms('scoped', 'ghcr.io/org', ['mirror.example/org']));
    const result = await runCli(['lint', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('repo/scoped.yaml:7:13: warning SCOPE_BROADENED spec.imageDigestMirrors[0].source:');
    expect(readdirSync(workspace.dir).sort()).toEqual(['repo']);
  });

  test('exits 1 on an error', async () => {
    writeFileSync(path.join(workspace.dir, 'repo/bad.yaml'), idms('bad', 'quay.io/Org', ['mirror.example/org']));
    const result = await runCli(['lint', 'repo'], { cwd: workspace.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('repo/bad.yaml:7:13: error SCHEMA_PATTERN spec.imageDigestMirrors[0].source:');
  });
});

test('render and lint print the same finding the same way: gcc-style lines and a count on stderr', async () => {
  writeFileSync(path.join(workspace.dir, 'repo/bad.yaml'), idms('bad', 'quay.io/Org', ['mirror.example/org']));
  const render = await runCli(['render', '--out', 'out', 'repo'], { cwd: workspace.dir });
  const lint = await runCli(['lint', 'repo'], { cwd: workspace.dir });
  const findings = [
    expect.stringMatching(/^repo\/bad\.yaml:7:13: error SCHEMA_PATTERN spec\.imageDigestMirrors\[0\]\.source: /),
    'mirrorset-hosts: 1 error, 0 warnings, 0 info',
  ];
  expect(lint.stderr.trimEnd().split('\n')).toEqual(findings);
  expect(render.stderr.trimEnd().split('\n')).toEqual([...findings, 'mirrorset-hosts: nothing written to out']);
  expect(render.stderr.split('\n')[0]).toBe(lint.stderr.split('\n')[0]);
});

test('render --help prints the options of render, not the global help', async () => {
  const help = await runCli(['render', '--help'], { cwd: workspace.dir });
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: mirrorset-hosts render /);
  expect(help.stdout).toContain('--out DIR');
  expect(help.stdout).not.toContain('mirrorset-hosts lint');
});

test('--help and --version print to stdout and exit 0', async () => {
  const help = await runCli(['--help'], { cwd: workspace.dir });
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('mirrorset-hosts render');
  const version = await runCli(['--version'], { cwd: workspace.dir });
  expect(version.code).toBe(0);
  expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
});
