// The hooks of .pre-commit-hooks.yaml under Debian's real pre-commit, installed from THIS repository
// the way a user's .pre-commit-config.yaml names it: `repo:` a Git clone of this checkout's HEAD
// (uncommitted files do not leak in), `rev:` its commit. pre-commit's `language: node` then does what
// it does for every user (pre_commit/languages/node.py, install_environment): `npm install` in its
// own clone (the `prepare` script builds dist/, which is not committed), `npm pack`, whose standard
// output it takes as the tarball name, and `npm install -g` of that tarball into the hook
// environment. That install needs the npm registry for the build tools unless the npm cache already
// holds them: it uses this machine's npm cache (the one `npm ci` filled). One install per file: the
// tests share PRE_COMMIT_HOME. Then real commits in a temporary repository, through `git commit`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { mirrorSet } from '../../lint/manifests.js';
import { createGitRepo, hasTool, REQUIRE_TOOLS, type GitRepo } from '../../plan/git-fixture.js';
import { PACKED_FILES } from '../install/packed.js';

// Running git commit with the hooks takes seconds; the first hook install (npm install of the build
// tools, the build, npm pack, npm install -g) takes a minute with a warm npm cache, more with a cold one.
const SLOW = 180_000;
const INSTALL = 900_000;

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../..');
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

describeHooks('pre-commit with the hooks of this repository', () => {
  let scratch: string;
  let repo: GitRepo;
  let env: NodeJS.ProcessEnv;
  /** The hook environment pre-commit made (node_env-<version>), and the mirrorset-hosts it installed there. */
  let hookEnv: string;
  let installed: string;

  const commit = (message: string): { status: number | null; output: string } => {
    const result = spawnSync('git', ['commit', '-m', message], { cwd: repo.dir, env, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  // The output is rendered with the very program the hooks run.
  const render = (): void => void execFileSync(installed, ['render', '--out', 'rendered', 'mirrorsets'], { cwd: repo.dir, env, stdio: 'pipe' });
  const head = (): string => repo.git('rev-parse', 'HEAD').trim();

  beforeAll(() => {
    scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-pre-commit-')));
    const hookRepo = path.join(scratch, 'mirrorset-hosts');
    execFileSync('git', ['clone', '-q', '--no-hardlinks', root, hookRepo], { stdio: 'pipe' });
    const rev = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: hookRepo, encoding: 'utf8' }).trim();

    repo = createGitRepo({
      '.pre-commit-config.yaml': [
        'repos:',
        `- repo: ${hookRepo}`,
        `  rev: ${rev}`,
        '  hooks:',
        '  - id: mirrorset-hosts-lint',
        '  - id: mirrorset-hosts-check',
        '',
      ].join('\n'),
      '.mirrorset-hosts.yaml': 'inputs: [mirrorsets]\nout: rendered\n',
      'mirrorsets/quay.yaml': quay('mirror.example/quay'),
    });
    const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
    env = {
      ...repo.env,
      PRE_COMMIT_HOME: path.join(scratch, 'pre-commit-home'),
      npm_config_cache: npmCache,
      npm_config_prefer_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    execFileSync('pre-commit', ['install'], { cwd: repo.dir, env, stdio: 'pipe' });
    const install = spawnSync('pre-commit', ['install-hooks'], { cwd: repo.dir, env, encoding: 'utf8' });
    if (install.status !== 0) {
      let log = '';
      try {
        log = readFileSync(path.join(scratch, 'pre-commit-home', 'pre-commit.log'), 'utf8');
      } catch {}
      throw new Error(`pre-commit install-hooks failed (${install.status}); it needs the npm registry unless the npm cache holds the build tools:\n${install.stdout}${install.stderr}\n${log}`);
    }
    const home = path.join(scratch, 'pre-commit-home');
    const envs = readdirSync(home, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => readdirSync(path.join(home, e.name)).filter((n) => n.startsWith('node_env-')).map((n) => path.join(home, e.name, n)));
    expect(envs).toHaveLength(1);
    hookEnv = envs[0]!;
    installed = path.join(hookEnv, 'bin', 'mirrorset-hosts');
    render();
  }, INSTALL);
  afterAll(() => {
    repo?.cleanup();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('the hook environment holds the packed package and nothing beside it', () => {
    const packageDir = path.join(hookEnv, 'lib', 'node_modules', 'mirrorset-hosts');
    const files = readdirSync(packageDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(packageDir, path.join(e.parentPath, e.name)))
      .sort();
    expect(files).toEqual(PACKED_FILES);
    expect(readdirSync(path.join(hookEnv, 'lib', 'node_modules'))).toEqual(['mirrorset-hosts']);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(execFileSync(installed, ['--version'], { env, encoding: 'utf8' }).trim()).toBe(pkg.version);
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
    repo.git('checkout', '-q', 'HEAD', '--', 'rendered/quay.io/hosts.toml');
  }, SLOW);

  test('pre-commit run --all-files: both hooks pass on the committed tree, and lint fails on a bad file in it', () => {
    const clean = spawnSync('pre-commit', ['run', '--all-files'], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(clean.stdout).toMatch(/lint mirror sets \(mirrorset-hosts\)\.+Passed/);
    expect(clean.stdout).toMatch(/rendered hosts\.toml is up to date \(mirrorset-hosts\)\.+Passed/);
    expect(clean.status).toBe(0);
    repo.write({ 'mirrorsets/bad.yaml': mirrorSet('IDMS', 'bad', [{ source: 'quay.io/team', mirrors: ['mirror.example/team:latest'] }]) });
    repo.git('add', 'mirrorsets/bad.yaml');
    const bad = spawnSync('pre-commit', ['run', '--all-files'], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/lint mirror sets \(mirrorset-hosts\)\.+Failed/);
    expect(bad.stdout).toMatch(/mirrorsets\/bad\.yaml:9:7: error SCHEMA_PATTERN/);
  }, SLOW);

  test('repo: local with the packed tarball as docs/git-workflows.md writes it: installs offline and runs', () => {
    const docs = readFileSync(path.join(root, 'docs', 'git-workflows.md'), 'utf8');
    const blocks = [...docs.matchAll(/```yaml\n(# \.pre-commit-config\.yaml\nrepos:\n {2}- repo: local\n[\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(1);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const documented = `/opt/mirrorset-hosts/mirrorset-hosts-${pkg.version}.tgz`;
    expect(blocks[0]).toContain(`additional_dependencies: ['${documented}']`);
    // The tarball of the README's tarball route, packed from the clone pre-commit built above.
    const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: path.dirname(hookEnv), env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tarball = path.join(scratch, packed.trim());
    const local = createGitRepo({
      '.pre-commit-config.yaml': blocks[0]!.replaceAll(documented, tarball),
      '.mirrorset-hosts.yaml': 'inputs: [mirrorsets]\nout: rendered\n',
      'mirrorsets/quay.yaml': quay('mirror.example/quay'),
    });
    try {
      // An empty npm cache and --offline: the hook environment gets nothing from the registry.
      const offline = { ...local.env, PRE_COMMIT_HOME: env['PRE_COMMIT_HOME'], npm_config_cache: path.join(scratch, 'empty-npm-cache'), npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
      execFileSync(installed, ['render', '--out', 'rendered', 'mirrorsets'], { cwd: local.dir, env: offline, stdio: 'pipe' });
      local.git('add', '-A');
      const good = spawnSync('pre-commit', ['run', '--all-files'], { cwd: local.dir, env: offline, encoding: 'utf8' });
      expect(good.stdout).toMatch(/lint mirror sets \(mirrorset-hosts\)\.+Passed/);
      expect(good.stdout).toMatch(/rendered hosts\.toml is up to date \(mirrorset-hosts\)\.+Passed/);
      expect(good.status).toBe(0);
      local.write({ 'mirrorsets/bad.yaml': mirrorSet('IDMS', 'bad', [{ source: 'quay.io/team', mirrors: ['mirror.example/team:latest'] }]) });
      local.git('add', '-A');
      const bad = spawnSync('pre-commit', ['run', '--all-files'], { cwd: local.dir, env: offline, encoding: 'utf8' });
      expect(bad.stdout).toMatch(/mirrorsets\/bad\.yaml:9:7: error SCHEMA_PATTERN/);
      expect(bad.status).toBe(1);
    } finally {
      local.cleanup();
    }
  }, SLOW);
});
