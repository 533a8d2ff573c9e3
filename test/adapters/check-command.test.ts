// `mirrorset-hosts check`: the committed output directory against what the mirror sets render, byte for
// byte; stale means exit 1 with a diff that `git apply` accepts and the list of files to change, add, delete.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { mirrorSet } from '../lint/manifests.js';
import { describeWith } from '../plan/git-fixture.js';

let workspace: ReturnType<typeof tempDir>;
const write = (relative: string, content: string): void => {
  mkdirSync(path.dirname(path.join(workspace.dir, relative)), { recursive: true });
  writeFileSync(path.join(workspace.dir, relative), content);
};
const read = (relative: string): string => readFileSync(path.join(workspace.dir, relative), 'utf8');

beforeEach(async () => {
  workspace = tempDir({
    'mirrorsets/quay.yaml': mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
    'mirrorsets/k8s.yaml': mirrorSet('IDMS', 'k8s', [{ source: 'registry.k8s.io', mirrors: ['mirror.example/k8s'] }]),
  });
  expect((await runCli(['render', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir })).code).toBe(0);
});
afterEach(() => workspace.cleanup());

test('an up-to-date directory passes quietly (exit 0, nothing on stdout)', async () => {
  const result = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('');
  expect(result.stderr).toBe('mirrorset-hosts: rendered is up to date (2 file(s), profile containerd)\n');
});

test('a stale directory: exit 1, a unified diff per file, the files to change, add and delete, and the fix', async () => {
  write('mirrorsets/quay.yaml', mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: ['mirror2.example/quay'] }]));
  write('mirrorsets/ghcr.yaml', mirrorSet('IDMS', 'ghcr', [{ source: 'ghcr.io', mirrors: ['mirror.example/ghcr'] }]));
  rmSync(path.join(workspace.dir, 'mirrorsets/k8s.yaml'));
  const result = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toBe(
    [
      'mirrorset-hosts: rendered is stale: it is not what the mirror sets render (profile containerd):',
      '  change  rendered/.mirrorset-hosts-output',
      '  add     rendered/ghcr.io/hosts.toml',
      '  change  rendered/quay.io/hosts.toml',
      '  delete  rendered/registry.k8s.io/hosts.toml',
      'Update it with: mirrorset-hosts render --profile containerd --out rendered mirrorsets',
      '',
    ].join('\n'),
  );
  expect(result.stdout).toContain('--- /dev/null\n+++ b/rendered/ghcr.io/hosts.toml\n@@ -0,0 +1,7 @@\n');
  expect(result.stdout).toContain('-[host."https://mirror.example/v2/quay"]\n+[host."https://mirror2.example/v2/quay"]\n');
  expect(result.stdout).toContain('--- a/rendered/registry.k8s.io/hosts.toml\n+++ /dev/null\n');
});

test('a file added to the output by hand is named, and the fix says render will not delete it', async () => {
  write('rendered/NOTES.md', 'my notes\n');
  const result = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('  delete  rendered/NOTES.md\n');
  expect(result.stderr).toContain(
    'render will not replace rendered while it holds NOTES.md, which mirrorset-hosts did not write (no .mirrorset-hosts-output lists it): ' +
      'move that out first, then\nupdate it with: mirrorset-hosts render --profile containerd --out rendered mirrorsets\n',
  );
  // And it is true: the command refuses, and the notes survive.
  const render = await runCli(['render', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(render.code).toBe(2);
  expect(read('rendered/NOTES.md')).toBe('my notes\n');
});

describeWith('git')('the diff is a patch', () => {
  test('git apply of the printed diff makes the directory up to date', async () => {
    write('mirrorsets/quay.yaml', mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: ['a.example/quay', 'mirror.example/quay'] }]));
    write('mirrorsets/ghcr.yaml', mirrorSet('IDMS', 'ghcr', [{ source: 'ghcr.io:5000', mirrors: ['mirror.example/ghcr'] }]));
    write('rendered/unexpected/hosts.toml', 'no newline at the end');
    const stale = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
    expect(stale.code).toBe(1);
    write('fix.patch', stale.stdout);
    execFileSync('git', ['apply', 'fix.patch'], { cwd: workspace.dir, stdio: 'pipe' });
    const fixed = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
    expect([fixed.code, fixed.stdout]).toEqual([0, '']);
  });
});

test('a missing output directory is stale: every file is to add', async () => {
  rmSync(path.join(workspace.dir, 'rendered'), { recursive: true });
  const result = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('  add     rendered/quay.io/hosts.toml\n  add     rendered/registry.k8s.io/hosts.toml\n');
});

test('comparison is byte for byte: CRLF line endings are stale', async () => {
  write('rendered/quay.io/hosts.toml', read('rendered/quay.io/hosts.toml').replace(/\n/g, '\r\n'));
  const result = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('  change  rendered/quay.io/hosts.toml');
});

test('a file render would not write, even a hidden one, is to delete; a symbolic link is to replace', async () => {
  write('rendered/.gitkeep', '');
  rmSync(path.join(workspace.dir, 'rendered/quay.io/hosts.toml'));
  symlinkSync('../registry.k8s.io/hosts.toml', path.join(workspace.dir, 'rendered/quay.io/hosts.toml'));
  const result = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('  delete  rendered/.gitkeep\n  replace rendered/quay.io/hosts.toml (not a regular file)\n');
});

test('the profile is part of the comparison: wmco output is stale against containerd output', async () => {
  const result = await runCli(['check', '--profile', 'wmco', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('Update it with: mirrorset-hosts render --profile wmco --out rendered mirrorsets');
});

test('inputs that do not render: the findings, exit 1, nothing compared', async () => {
  write('mirrorsets/bad.yaml', mirrorSet('IDMS', 'bad', [{ source: 'quay.io/Org', mirrors: ['m.example/org'] }]));
  const result = await runCli(['check', '--out', 'rendered', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('mirrorsets/bad.yaml:7:13: error SCHEMA_PATTERN');
  expect(result.stderr).toContain('mirrorset-hosts: cannot check rendered: the inputs do not render; fix the errors above');
});

test('settings from .mirrorset-hosts.yaml (a pre-commit hook needs no arguments)', async () => {
  write('.mirrorset-hosts.yaml', 'inputs: [mirrorsets]\nout: rendered\n');
  expect((await runCli(['check'], { cwd: workspace.dir })).code).toBe(0);
  write('mirrorsets/quay.yaml', mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: ['other.example/quay'] }]));
  expect((await runCli(['check'], { cwd: workspace.dir })).code).toBe(1);
});

test.each([
  [['check', 'mirrorsets'], 'check needs --out DIR, or out in .mirrorset-hosts.yaml'],
  [['check', '--out', 'rendered'], 'check needs at least one PATH'],
  [['check', '--out', 'mirrorsets/quay.yaml', 'mirrorsets'], '--out mirrorsets/quay.yaml is not a directory'],
])('usage error %j exits 2', async (argv, message) => {
  const result = await runCli(argv, { cwd: workspace.dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
});
