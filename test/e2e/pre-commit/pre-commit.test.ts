// The hooks of .pre-commit-hooks.yaml under Debian's real pre-commit, in a temporary Git repository,
// through `git commit`. The hook repository is this package as npm would install it: the manifest
// verbatim, the built dist/ (the bundled CLI needs no dependencies) and package.json without dependencies or build
// scripts, so pre-commit's `language: node` install (npm install, npm pack, npm install -g) runs offline.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { mirrorSet } from '../../lint/manifests.js';
import { createGitRepo, hasTool, REQUIRE_TOOLS, type GitRepo } from '../../plan/git-fixture.js';
import { fileURLToPath } from 'node:url';

// Installing the hook environment and running git commit take seconds, not milliseconds.
const SLOW = 180_000;

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'dist/mirrorset-hosts.cjs');
const quay = (mirror: string): string => mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: [mirror] }]);

test('the hook manifest: lint and check, language node, inputs found by the tool itself', () => {
  const hooks = parse(readFileSync(path.join(root, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
  expect(hooks.map((h) => [h['id'], h['entry'], h['language'], h['pass_filenames']])).toEqual([
    ['mirrorset-hosts-lint', 'mirrorset-hosts lint', 'node', false],
    ['mirrorset-hosts-check', 'mirrorset-hosts check', 'node', false],
  ]);
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  expect(Object.keys(pkg.bin)).toContain('mirrorset-hosts');
});

if (REQUIRE_TOOLS) {
  test('pre-commit is installed (CI must run the hooks, not skip them)', () => {
    expect(hasTool('pre-commit')).toBe(true);
  });
}

const describeHooks = hasTool('git') && hasTool('pre-commit') ? describe : REQUIRE_TOOLS ? describe : describe.skip;

describeHooks('pre-commit with the mirrorset-hosts hooks', () => {
  let hookRepo: GitRepo;
  let repo: GitRepo;
  let env: NodeJS.ProcessEnv;

  const commit = (message: string): { status: number | null; output: string } => {
    const result = spawnSync('git', ['commit', '-m', message], { cwd: repo.dir, env, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  const render = (): void => void execFileSync('node', [cli, 'render', '--out', 'rendered', 'mirrorsets'], { cwd: repo.dir, stdio: 'pipe' });
  const head = (): string => repo.git('rev-parse', 'HEAD').trim();

  beforeAll(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
    hookRepo = createGitRepo();
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const published = { name: pkg.name, version: pkg.version, description: pkg.description, license: pkg.license, bin: pkg.bin, files: ['dist/'], engines: pkg.engines };
    hookRepo.write({ 'package.json': JSON.stringify(published, null, 2) + '\n', '.pre-commit-hooks.yaml': readFileSync(path.join(root, '.pre-commit-hooks.yaml'), 'utf8') });
    cpSync(path.join(root, 'dist'), path.join(hookRepo.dir, 'dist'), { recursive: true });
    const rev = hookRepo.commitAll('hooks');

    repo = createGitRepo({
      '.pre-commit-config.yaml': [
        'repos:',
        `- repo: ${hookRepo.dir}`,
        `  rev: ${rev}`,
        '  hooks:',
        '  - id: mirrorset-hosts-lint',
        '  - id: mirrorset-hosts-check',
        '',
      ].join('\n'),
      '.mirrorset-hosts.yaml': 'inputs: [mirrorsets]\nout: rendered\n',
      'mirrorsets/quay.yaml': quay('mirror.example/quay'),
    });
    const scratch = path.dirname(repo.dir);
    env = {
      ...repo.env,
      PRE_COMMIT_HOME: path.join(scratch, 'pre-commit-home'),
      npm_config_cache: path.join(scratch, 'npm-cache'),
      npm_config_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    execFileSync('pre-commit', ['install'], { cwd: repo.dir, env, stdio: 'pipe' });
    render();
  }, SLOW);
  afterAll(() => {
    repo?.cleanup();
    hookRepo?.cleanup();
  });

  test('a good change passes both hooks and is committed', () => {
    repo.git('add', '-A');
    const result = commit('mirror quay.io');
    expect(result.output).toMatch(/lint mirror sets \(mirrorset-hosts\)\.+Passed/);
    expect(result.output).toMatch(/rendered hosts\.toml is up to date \(mirrorset-hosts\)\.+Passed/);
    expect(result.status).toBe(0);
    expect(repo.git('log', '--format=%s')).toBe('mirror quay.io\n');
  }, SLOW);

  test('a staged bad IDMS blocks the commit with a file:line:col message', () => {
    const before = head();
    repo.write({ 'mirrorsets/bad.yaml': mirrorSet('IDMS', 'bad', [{ source: 'quay.io/team', mirrors: ['mirror.example/team:latest'] }]) });
    repo.git('add', 'mirrorsets/bad.yaml');
    const result = commit('add a bad mirror set');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/lint mirror sets \(mirrorset-hosts\)\.+Failed\n- hook id: mirrorset-hosts-lint\n- exit code: 1/);
    expect(result.output).toMatch(/mirrorsets\/bad\.yaml:9:7: error SCHEMA_PATTERN spec\.imageDigestMirrors\[0\]\.mirrors\[0\]: .*remove the tag/);
    expect(head()).toBe(before);
    repo.git('rm', '-q', '--cached', 'mirrorsets/bad.yaml');
    repo.remove('mirrorsets/bad.yaml');
  }, SLOW);

  test('a stale rendered directory blocks the commit with a diff', () => {
    const before = head();
    repo.write({ 'mirrorsets/quay.yaml': quay('mirror2.example/quay') });
    repo.git('add', '-A');
    const result = commit('move quay.io to another mirror');
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/lint mirror sets \(mirrorset-hosts\)\.+Passed/);
    expect(result.output).toMatch(/rendered hosts\.toml is up to date \(mirrorset-hosts\)\.+Failed\n- hook id: mirrorset-hosts-check\n- exit code: 1/);
    expect(result.output).toContain('--- a/rendered/quay.io/hosts.toml\n+++ b/rendered/quay.io/hosts.toml\n');
    expect(result.output).toContain('-[host."https://mirror.example/v2/quay"]\n+[host."https://mirror2.example/v2/quay"]\n');
    expect(result.output).toContain('Update it with: mirrorset-hosts render --profile containerd --out rendered mirrorsets');
    expect(head()).toBe(before);
  }, SLOW);

  test('the same change with the output rendered and staged passes', () => {
    render();
    repo.git('add', '-A');
    const result = commit('move quay.io to another mirror');
    expect(result.status).toBe(0);
    expect(repo.git('show', 'HEAD:rendered/quay.io/hosts.toml')).toContain('[host."https://mirror2.example/v2/quay"]');
  }, SLOW);

  test('deleting a rendered file alone is caught too (the check hook always runs)', () => {
    const before = head();
    repo.git('rm', '-q', 'rendered/quay.io/hosts.toml');
    const result = commit('drop the output');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('  add     rendered/quay.io/hosts.toml');
    expect(head()).toBe(before);
  }, SLOW);
});
