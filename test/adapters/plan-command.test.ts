// `mirrorset-hosts plan` on real temporary Git repositories: the mirror sets at two revisions, read from
// Git objects (the working tree by default, dirty or not), per registry hosts.toml changes and node impact.
import path from 'node:path';
import { PLAN_COMMENT_MARKER } from '../../src/adapters/formats/plan.js';
import { runCli } from '../helpers/cli.js';
import { mirrorSet } from '../lint/manifests.js';
import { createGitRepo, describeWith, type GitRepo } from '../plan/git-fixture.js';

const quay = (mirror: string): string => mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: [mirror] }]);

describeWith('git')('plan', () => {
  let repo: GitRepo;
  let base: string;
  beforeEach(() => {
    repo = createGitRepo({
      'mirrorsets/quay.yaml': quay('mirror.example/quay'),
      'mirrorsets/k8s.yaml': mirrorSet('IDMS', 'k8s', [{ source: 'registry.k8s.io', mirrors: ['mirror.example/k8s'] }]),
      'README.md': 'docs\n',
    });
    base = repo.commitAll('base');
  });
  afterEach(() => repo.cleanup());

  const plan = (argv: string[], cwd = repo.dir) => runCli(['plan', ...argv], { cwd });

  test('against the dirty working tree: per registry diff, containerd and MCO impact; no checkout, nothing staged', async () => {
    repo.write({
      'mirrorsets/quay.yaml': quay('mirror2.example/quay'),
      'mirrorsets/local.yaml': mirrorSet('IDMS', 'local', [{ source: 'registry.local:5000/team', mirrors: ['mirror.example/team'] }]),
    });
    const status = repo.git('status', '--porcelain=v1', '--branch');
    const result = await plan(['--base', 'main', 'mirrorsets']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Plan: main (${base.slice(0, 12)}) -> working tree, profile containerd\n`);
    expect(result.stdout).toContain('quay.io: changed (quay.io/hosts.toml changed)\n');
    expect(result.stdout).toContain('    -[host."https://mirror.example/v2/quay"]\n    +[host."https://mirror2.example/v2/quay"]\n');
    expect(result.stdout).toContain('registry.local:5000: added (registry.local_5000_/hosts.toml added)\n');
    expect(result.stdout).not.toContain('registry.k8s.io:');
    expect(result.stdout).toContain('Windows and containerd nodes: 2 file(s) change on every node (1 added, 1 changed, 0 removed)');
    expect(result.stdout).toContain('no restart, no drain');
    expect(result.stdout).toContain(
      'Linux nodes (OpenShift MCO): every node is drained and rebooted\n  - ImageDigestMirrorSet/quay modified: modifying an ImageDigestMirrorSet drains and reboots the nodes (docs 5.6.1)\n',
    );
    // The working tree's findings go to stderr.
    expect(result.stderr).toContain('mirrorsets/local.yaml:7:13: warning SCOPE_BROADENED');
    expect(repo.git('status', '--porcelain=v1', '--branch')).toBe(status);
  });

  test('--head compares two commits, whatever the working tree holds', async () => {
    repo.git('checkout', '-q', '-b', 'feature');
    repo.write({ 'mirrorsets/tags.yaml': mirrorSet('ITMS', 'tags', [{ source: 'docker.io', mirrors: ['mirror.example/docker'] }]) });
    const head = repo.commitAll('add an ITMS');
    repo.write({ 'mirrorsets/quay.yaml': 'uncommitted: [' });
    const result = await plan(['--base', 'main', '--head', 'feature', '--format', 'json', 'mirrorsets']);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.base).toEqual({ revision: 'main', commit: base, workingTree: false, rendered: true });
    expect(document.head).toEqual({ revision: 'feature', commit: head, workingTree: false });
    expect(document.registries.map((r: { registry: string; change: string }) => [r.registry, r.change])).toEqual([['docker.io', 'added']]);
    expect(document.objects).toEqual([{ kind: 'ImageTagMirrorSet', name: 'tags', change: 'created' }]);
    expect(document.nodes.containerd).toEqual({ added: ['docker.io/hosts.toml'], changed: [], removed: [], restart: false, drain: false });
    expect(document.nodes.mco.action).toBe('drain-reboot');
    expect(document.nodes.mco.reasons[0]).toMatch(/^ImageTagMirrorSet\/tags created: creating an ImageTagMirrorSet drains and reboots the nodes/);
  });

  test('the first mirror sets of a repository: everything is added, and creating IDMS does not drain', async () => {
    repo.git('rm', '-q', '-r', 'mirrorsets');
    const empty = repo.commitAll('no mirror sets yet');
    repo.git('checkout', '-q', base, '--', 'mirrorsets');
    const result = await plan(['--base', empty, '--format', 'json', 'mirrorsets']);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.registries.map((r: { change: string }) => r.change)).toEqual(['added', 'added']);
    expect(document.nodes.mco.action).toBe('no-drain');
  });

  test('deleting every mirror set: every file is removed, and deleting drains', async () => {
    repo.remove('mirrorsets');
    const result = await plan(['--base', 'HEAD', 'mirrorsets']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('quay.io: removed (quay.io/hosts.toml removed)');
    expect(result.stdout).toContain('(0 added, 0 changed, 2 removed)');
    expect(result.stdout).toContain('ImageDigestMirrorSet/k8s deleted: deleting an ImageDigestMirrorSet drains and reboots the nodes');
  });

  test('nothing changed: says so for both kinds of node', async () => {
    const result = await plan(['--base', 'HEAD', 'mirrorsets']);
    expect(result.stdout).toContain('hosts.toml: no changes\n');
    expect(result.stdout).toContain('Windows and containerd nodes: no hosts.toml changes: nothing to do on the nodes\n');
    expect(result.stdout).toContain('Linux nodes (OpenShift MCO): no change\n');
  });

  test('--format markdown: a pull-request comment that starts with the marker, with a table and diff blocks', async () => {
    repo.write({ 'mirrorsets/quay.yaml': quay('mirror2.example/quay') });
    const result = await plan(['--base', 'main', '--format', 'markdown', 'mirrorsets']);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(PLAN_COMMENT_MARKER);
    expect(result.stdout).toContain('| Linux nodes (OpenShift MCO) | **every node is drained and rebooted** |');
    expect(result.stdout).toContain('#### `quay.io`: changed\n\n`quay.io/hosts.toml` changed\n\n```diff\n--- a/quay.io/hosts.toml\n+++ b/quay.io/hosts.toml\n');
    expect(result.stdout).toContain('\n```\n');
  });

  test('--profile wmco names the files as WMCO does and says how WMCO delivers them', async () => {
    repo.write({ 'mirrorsets/local.yaml': mirrorSet('IDMS', 'local', [{ source: 'registry.local:5000', mirrors: ['mirror.example/local'] }]) });
    const result = await plan(['--base', 'main', '--profile', 'wmco', 'mirrorsets']);
    expect(result.stdout).toContain('registry.local:5000: added (registry.local:5000/hosts.toml added)');
    expect(result.stdout).toContain('WMCO copies them to each Windows node in turn over SSH');
  });

  test('runs from a subdirectory, paths relative to it; inputs and profile may come from the settings file', async () => {
    repo.write({ 'mirrorsets/.mirrorset-hosts.yaml': 'inputs: [.]\n', 'mirrorsets/quay.yaml': quay('mirror2.example/quay') });
    const result = await plan(['--base', 'main'], path.join(repo.dir, 'mirrorsets'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('quay.io: changed');
  });

  test('a change that repairs a base that does not render still gets its plan: what the head renders, in full, marked as such', async () => {
    repo.write({ 'mirrorsets/quay.yaml': quay('mirror.example/Quay') });
    const broken = repo.commitAll('broken');
    repo.write({ 'mirrorsets/quay.yaml': quay('mirror.example/quay') });
    const text = await plan(['--base', broken, 'mirrorsets']);
    expect(text.code).toBe(0);
    expect(text.stderr).toContain(`the mirror sets at --base ${broken} do not render (1 error(s), the first: mirrorsets/quay.yaml:9:7: error SCHEMA_PATTERN`);
    expect(text.stdout).toContain(`Note: the base ${broken} (${broken.slice(0, 12)}) does not render (1 error(s)), so nothing can be compared: below is every file the head renders, in full.\n`);
    expect(text.stdout).toContain('quay.io: added (quay.io/hosts.toml added)\n');
    expect(text.stdout).toContain('registry.k8s.io: added (registry.k8s.io/hosts.toml added)\n');
    expect(text.stdout).toContain('    +[host."https://mirror.example/v2/quay"]\n');
    expect(text.stdout).toContain('Linux nodes (OpenShift MCO): unknown: the base does not render\n');
    const markdown = await plan(['--base', broken, '--format', 'markdown', 'mirrorsets']);
    expect(markdown.stdout).toContain('> [!WARNING]\n> the base');
    const json = JSON.parse((await plan(['--base', broken, '--format', 'json', 'mirrorsets'])).stdout);
    expect(json.base).toMatchObject({ commit: broken, rendered: false, errors: 1 });
    expect(json.nodes.mco.action).toBe('unknown');
  });

  test('a head that does not render: exit 1, the findings, no plan', async () => {
    repo.write({ 'mirrorsets/quay.yaml': quay('mirror.example/Quay') });
    const result = await plan(['--base', 'main', 'mirrorsets']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('mirrorsets/quay.yaml:9:7: error SCHEMA_PATTERN');
    expect(result.stderr).toContain('the mirror sets at the working tree do not render, so there is no plan');
  });

  test.each([
    [['--base', 'nope', 'mirrorsets'], 'unknown revision "nope"'],
    [['mirrorsets'], 'plan needs --base REV'],
    [['--base', 'main', 'missing'], 'missing: nothing at main nor in the working tree'],
    [['--base', 'main', 'mirrorsets/*.yaml'], 'takes files and directories, not the pattern mirrorsets/*.yaml'],
    [['--base', 'main', '--format', 'html', 'mirrorsets'], '--format must be one of text, markdown, json'],
  ])('usage error %j exits 2', async (argv, message) => {
    const result = await plan(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

test('outside a Git repository plan is a usage error', async () => {
  const result = await runCli(['plan', '--base', 'main', '.'], { cwd: path.parse(process.cwd()).root });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('is not inside a Git work tree');
});
