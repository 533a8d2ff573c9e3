// `mirrorset-hosts lint` as users and CI run it: formats on the right stream, settings from a file,
// the documentation rules on top of render's findings, exit codes.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../helpers/cli.js';
import { mirrorSet } from '../lint/manifests.js';

let workspace: ReturnType<typeof tempDir>;
beforeEach(() => {
  workspace = tempDir({
    'mirrorsets/windows.yaml': mirrorSet('IDMS', 'windows', [{ source: 'mcr.microsoft.com/windows/servercore', mirrors: ['mirror.example/windows/servercore'] }]),
    'mirrorsets/tags.yaml': mirrorSet('ITMS', 'tags', [{ source: 'quay.io/remote-org/image', mirrors: ['mirror.example/remote-org/image'] }]),
  });
});
afterEach(() => workspace.cleanup());

test('text (default): documentation rules and profile findings as file:line:col lines on stderr, exit 0 on warnings', async () => {
  const result = await runCli(['lint', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  // Each line up to its field: `file:line:col: severity CODE field`.
  expect(lines.slice(0, -1).map((l) => l.split(': ').slice(0, 2).join(': '))).toEqual([
    'mirrorsets/tags.yaml:7:13: warning ITMS_REGISTRY_WIDE spec.imageTagMirrors[0].source',
    'mirrorsets/tags.yaml:7:13: warning SCOPE_BROADENED spec.imageTagMirrors[0].source',
    'mirrorsets/windows.yaml:7:13: warning PAUSE_IMAGE_NOT_MIRRORED spec.imageDigestMirrors[0].source',
    'mirrorsets/windows.yaml:7:13: warning SCOPE_BROADENED spec.imageDigestMirrors[0].source',
  ]);
  expect(lines.at(-1)).toBe('mirrorset-hosts: 0 errors, 4 warnings, 0 info');
  expect(readdirSync(workspace.dir).sort()).toEqual(['mirrorsets']);
});

test('--strict turns the warnings into errors (exit 1)', async () => {
  const result = await runCli(['lint', '--strict', 'mirrorsets'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('mirrorsets/windows.yaml:7:13: error PAUSE_IMAGE_NOT_MIRRORED');
});

test('--format json, github and sarif write to stdout, nothing to stderr', async () => {
  for (const format of ['json', 'github', 'sarif']) {
    const result = await runCli(['lint', '--format', format, 'mirrorsets'], { cwd: workspace.dir });
    expect([format, result.code, result.stderr]).toEqual([format, 0, '']);
    if (format === 'github') expect(result.stdout).toContain('::warning file=mirrorsets/windows.yaml,line=7,col=13,title=PAUSE_IMAGE_NOT_MIRRORED::');
    else expect(JSON.parse(result.stdout)).toBeTruthy();
  }
  const json = JSON.parse((await runCli(['lint', '-f', 'json', 'mirrorsets'], { cwd: workspace.dir })).stdout);
  expect(json.summary).toEqual({ error: 0, warning: 4, info: 0 });
});

test('the exit code follows the findings in every format', async () => {
  tempDirWrite('mirrorsets/bad.yaml', mirrorSet('IDMS', 'bad', [{ source: 'quay.io/Org', mirrors: ['mirror.example/org'] }]));
  for (const format of ['text', 'json', 'github', 'sarif']) {
    const result = await runCli(['lint', '--format', format, 'mirrorsets'], { cwd: workspace.dir });
    expect([format, result.code]).toEqual([format, 1]);
  }
});

test('settings come from .mirrorset-hosts.yaml when no PATH is given; flags win', async () => {
  tempDirWrite('.mirrorset-hosts.yaml', 'profile: wmco\ninputs: [mirrorsets]\n');
  const fromFile = await runCli(['lint'], { cwd: workspace.dir });
  expect(fromFile.code).toBe(0);
  expect(fromFile.stderr).toContain('warning WMCO_REGISTRY_WIDE');
  const overridden = await runCli(['lint', '--profile', 'containerd'], { cwd: workspace.dir });
  expect(overridden.stderr).not.toContain('WMCO_');
  expect(overridden.stderr).toContain('warning SCOPE_BROADENED');
});

test('--config names another settings file; its paths are relative to it', async () => {
  tempDirWrite('mirrorsets/lint.yaml', 'inputs: [windows.yaml]\nstrict: true\n');
  const result = await runCli(['lint', '--config', 'mirrorsets/lint.yaml'], { cwd: workspace.dir });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('mirrorsets/windows.yaml:7:13: error PAUSE_IMAGE_NOT_MIRRORED');
  expect(result.stderr).not.toContain('tags.yaml');
});

test('--config in a subdirectory cannot reach up out of it (the settings belong to the repository): exit 2 with the position', async () => {
  tempDirWrite('ci/lint.yaml', 'inputs: [../mirrorsets/windows.yaml]\nstrict: true\n');
  const result = await runCli(['lint', '--config', 'ci/lint.yaml'], { cwd: workspace.dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('mirrorset-hosts: ci/lint.yaml:1:10: error INPUT_OUTSIDE_ROOT inputs[0]: expected a path inside ci (the directory of the settings file');
});

test.each([
  [['lint'], 'lint needs at least one PATH, or inputs in .mirrorset-hosts.yaml'],
  [['lint', '--format', 'xml', 'mirrorsets'], '--format must be one of text, json, github, sarif, found "xml"'],
  [['lint', '--config', 'missing.yaml', 'mirrorsets'], 'cannot read --config missing.yaml: no such file or directory'],
])('usage error %j exits 2', async (argv, message) => {
  const result = await runCli(argv, { cwd: workspace.dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(message);
});

test('a settings file with an unknown key is a usage error naming the key, at its position', async () => {
  tempDirWrite('.mirrorset-hosts.yaml', 'input: [mirrorsets]\n');
  const result = await runCli(['lint'], { cwd: workspace.dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('.mirrorset-hosts.yaml:1:1: error SCHEMA_UNKNOWN_FIELD input: unknown field "input"; expected one of: accept, exclude, inputs, out, profile, strict');
});

test('--help describes the formats', async () => {
  const result = await runCli(['lint', '--help'], { cwd: workspace.dir });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('--format sarif');
});

function tempDirWrite(relative: string, content: string): void {
  mkdirSync(path.dirname(path.join(workspace.dir, relative)), { recursive: true });
  writeFileSync(path.join(workspace.dir, relative), content);
}
