// README.md's Install section, run as a user runs it, in a clone of this repository's HEAD (so
// uncommitted files do not leak in): `npm pack` then `npm install -g ./mirrorset-hosts-<version>.tgz`
// into a temporary prefix, offline and with an empty npm cache (a package with a dependency to fetch
// fails to install), and `npm link` from the clone. Then the installed command, found on PATH with
// no NODE_PATH and no node_modules above the working directory, runs the README's commands: render,
// lint, plan (through git), the KRM function and the kustomize exec plugin. `npm ci` in the clone is
// the one step replaced: it links this checkout's node_modules instead of downloading them again.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot, requireBuiltCli } from '../kustomize/gitops-harness.js';
import { hasTool, REQUIRE_TOOLS } from '../../plan/git-fixture.js';
import { PACKED_FILES } from './packed.js';

// Cloning, building (the prepare script) and installing take seconds.
const SLOW = 240_000;

const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const tarball = `mirrorset-hosts-${pkg.version}.tgz`;
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The README's Install section, up to the next second-level heading. */
function installSection(): string {
  const start = readme.indexOf('\n## Install\n');
  expect(start).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Shell lines of the section's ```sh blocks, comments dropped. */
function shellLines(section: string): string[] {
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '' && !l.startsWith('#')));
}

test('the Install section names the clone, tarball and single-executable routes, at this version', () => {
  const lines = shellLines(installSection());
  expect(lines).toEqual(expect.arrayContaining(['npm ci && npm link', 'npm pack', `npm install -g ./${tarball}`, 'npm ci && npm run build:sea', 'mirrorset-hosts --version']));
  expect(installSection()).toContain('npm install -g mirrorset-hosts');
});

if (REQUIRE_TOOLS) {
  test('git is installed (CI must run the install, not skip it)', () => expect(hasTool('git')).toBe(true));
}
const describeInstall = hasTool('git') || REQUIRE_TOOLS ? describe : describe.skip;

describeInstall('installed from a clone, as the README says', () => {
  let scratch: string;
  let clone: string;
  let prefix: string;
  let linked: string;
  /** The environment of a user shell: the installed command and node on PATH, nothing else of this checkout. */
  let userEnv: NodeJS.ProcessEnv;
  let npmEnv: NodeJS.ProcessEnv;

  const sh = (command: string, cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> =>
    spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8' });
  const run = (args: string[], cwd: string, input?: string): SpawnSyncReturns<string> =>
    spawnSync('mirrorset-hosts', args, { cwd, env: userEnv, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env: userEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  /** The example repository, in its own Git repository outside this checkout. */
  const example = (name: string): string => {
    const dir = path.join(scratch, name);
    cpSync(path.join(repoRoot, 'fixtures', 'example-repo'), dir, { recursive: true });
    return dir;
  };

  beforeAll(() => {
    requireBuiltCli();
    scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-install-')));
    clone = path.join(scratch, 'mirrorset-hosts');
    prefix = path.join(scratch, 'prefix');
    linked = path.join(scratch, 'linked');
    mkdirSync(path.join(scratch, 'home'));
    execFileSync('git', ['clone', '-q', '--no-hardlinks', repoRoot, clone], { stdio: 'pipe' });
    // In place of `npm ci`: the same lockfile's packages, already installed in this checkout.
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'));
    const base: NodeJS.ProcessEnv = {
      PATH: [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
      HOME: path.join(scratch, 'home'),
      LANG: 'C',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test Author',
      GIT_AUTHOR_EMAIL: 'author@example.com',
      GIT_COMMITTER_NAME: 'Test Committer',
      GIT_COMMITTER_EMAIL: 'committer@example.com',
      NODE_PATH: '',
    };
    // Nothing to download: an empty cache and --offline make any dependency an install error.
    npmEnv = { ...base, npm_config_prefix: prefix, npm_config_cache: path.join(scratch, 'npm-cache'), npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
    userEnv = { ...base, PATH: [path.join(prefix, 'bin'), base['PATH']].join(path.delimiter) };
  }, SLOW);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('npm pack builds the package and prints its file name alone (what pre-commit reads)', () => {
    const packed = sh('npm pack', clone, npmEnv);
    expect(packed.stderr).not.toMatch(/npm error/);
    expect(packed.status).toBe(0);
    expect(packed.stdout).toBe(`${tarball}\n`);
    expect(existsSync(path.join(clone, tarball))).toBe(true);
  }, SLOW);

  test('npm install -g of the tarball installs the one package, offline, with nothing beside it', () => {
    const installed = sh(`npm install -g ./${tarball}`, clone, npmEnv);
    expect(installed.stderr).not.toMatch(/npm error/);
    expect(installed.status).toBe(0);
    const packageDir = path.join(prefix, 'lib', 'node_modules', 'mirrorset-hosts');
    const files = readdirSync(packageDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(packageDir, path.join(e.parentPath, e.name)))
      .sort();
    expect(files).toEqual(PACKED_FILES);
    expect(readdirSync(path.join(prefix, 'lib', 'node_modules'))).toEqual(['mirrorset-hosts']);
    expect(sh('command -v mirrorset-hosts', scratch, userEnv).stdout).toBe(`${path.join(prefix, 'bin', 'mirrorset-hosts')}\n`);
  }, SLOW);

  test('mirrorset-hosts --version prints the package version', () => {
    const version = run(['--version'], scratch);
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(version.status).toBe(0);
  });

  test('render writes one hosts.toml per registry; lint passes with warnings', () => {
    const dir = example('render');
    const rendered = run(['render', '--out', 'rendered', 'mirror-sets'], dir);
    expect(rendered.status).toBe(0);
    expect(readdirSync(path.join(dir, 'rendered')).filter((e) => !e.startsWith('.')).sort()).toEqual(['mcr.microsoft.com', 'quay.io', 'registry.access.redhat.com']);
    expect(readFileSync(path.join(dir, 'rendered', 'mcr.microsoft.com', 'hosts.toml'), 'utf8')).toContain('[host."https://mirror.corp.example:8443/v2/windows"]');
    const linted = run(['lint', 'mirror-sets'], dir);
    expect(linted.stderr + linted.stdout).toMatch(/warning SCOPE_BROADENED/);
    expect(linted.status).toBe(0);
    const checked = run(['check', '--out', 'rendered', 'mirror-sets'], dir);
    expect(checked.status).toBe(0);
  });

  test('plan reads the base revision through git', () => {
    const dir = example('plan');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'mirror sets');
    const file = path.join(dir, 'mirror-sets', 'windows-idms.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('mirror.corp.example:8443', 'mirror2.corp.example:8443'));
    const plan = run(['plan', '--base', 'HEAD', 'mirror-sets'], dir);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(/^Plan: HEAD \([0-9a-f]+\) -> working tree/);
    expect(plan.stdout).toContain('+[host."https://mirror2.corp.example:8443/v2/windows"]');
  });

  test('as a KRM function (a ResourceList on standard input) and as the kustomize exec plugin', () => {
    const dir = example('krm');
    const functionConfig = ['apiVersion: mirrorset-hosts.io/v1alpha1', 'kind: MirrorSetHosts', 'metadata: {name: mirrors, namespace: mirrorset-hosts}', 'spec:', '  inputs: [mirror-sets]'];
    const krm = run([], dir, ['apiVersion: config.kubernetes.io/v1', 'kind: ResourceList', 'items: []', 'functionConfig:', ...functionConfig.map((l) => `  ${l}`), ''].join('\n'));
    expect(krm.status).toBe(0);
    expect(krm.stdout).toMatch(/^apiVersion: config\.kubernetes\.io\/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n {2}kind: ConfigMap\n/);
    expect(krm.stdout).toContain('"path": "quay.io/hosts.toml"');
    // kustomize runs $KUSTOMIZE_PLUGIN_HOME/<group>/<version>/<kind>/<Kind> CONFIG from the kustomization
    // directory, with the config also in its environment (api/internal/plugins/execplugin/execplugin.go).
    const config = `${functionConfig.join('\n')}\n`;
    writeFileSync(path.join(dir, 'generator.yaml'), config);
    const plugin = path.join(prefix, 'lib', 'node_modules', 'mirrorset-hosts', 'plugins', 'mirrorset-hosts.io', 'v1alpha1', 'mirrorsethosts', 'MirrorSetHosts');
    const pluginEnv = { ...userEnv, KUSTOMIZE_PLUGIN_CONFIG_ROOT: dir, KUSTOMIZE_PLUGIN_CONFIG_STRING: config };
    const exec = spawnSync(plugin, ['generator.yaml'], { cwd: dir, env: pluginEnv, encoding: 'utf8' });
    expect(exec.status).toBe(0);
    expect(exec.stdout).toMatch(/^apiVersion: v1\nkind: ConfigMap\n/);
  });

  test('npm ci && npm link: the command on PATH is the clone itself, built by the prepare script', () => {
    rmSync(path.join(clone, 'dist'), { recursive: true, force: true });
    const link = sh('npm link', clone, { ...npmEnv, npm_config_prefix: linked });
    expect(link.stderr).not.toMatch(/npm error/);
    expect(link.status).toBe(0);
    expect(realpathSync(path.join(linked, 'bin', 'mirrorset-hosts'))).toBe(path.join(clone, 'dist', 'mirrorset-hosts.cjs'));
    const version = spawnSync('mirrorset-hosts', ['--version'], { cwd: scratch, env: { ...userEnv, PATH: `${path.join(linked, 'bin')}${path.delimiter}${userEnv['PATH']}` }, encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(pkg.version);
  }, SLOW);
});
