// docs/walkthrough.md, executed: every ```sh block of the page, in order, in one bash with
// `set -euo pipefail`, in an empty temporary directory, as a new user would type them. Only the
// variables the page names in its step 0 (MSH_CLONE, NODE_ADDRESS, NODE_PORT, SSH_KEY,
// NODE_CONFIG_DIR, NODE_CONTAINERD_CONFIG) are set from here: MSH_CLONE to a Git clone of this
// checkout's HEAD (node_modules linked in place of `npm ci`, as test/e2e/install does), the node
// ones to a real sshd (test/e2e/ssh/sshd-node.ts) whose directory stands in for the node's. The
// user's environment is a fresh HOME whose ~/.npmrc sets the global prefix (README, Install) and
// this machine's npm cache, which the pre-commit hook install needs for the build tools.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTool, REQUIRE_TOOLS } from '../../plan/git-fixture.js';
import { makeKeyPair, missingSshTools, SshdNode } from '../ssh/sshd-node.js';

// The pre-commit hook install (npm install of the build tools in its clone, the build, npm pack)
// takes a minute with a warm npm cache; the rest takes seconds.
const WALK = 900_000;

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const page = readFileSync(path.join(repoRoot, 'docs', 'walkthrough.md'), 'utf8');
const blocks = [...page.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);

test('the page has its shell blocks, and the README links it from its first screen', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(8);
  const firstScreen = readFileSync(path.join(repoRoot, 'README.md'), 'utf8').split('\n').slice(0, 40).join('\n');
  expect(firstScreen).toContain('(docs/walkthrough.md)');
  // The variables the test sets are the ones step 0 names, and no block sets them again.
  const named = [...(blocks[0] as string).matchAll(/^([A-Z_]+)="\$\{\1:-/gm)].map((m) => m[1]);
  expect(named).toEqual(['MSH_CLONE', 'NODE_ADDRESS', 'NODE_PORT', 'SSH_KEY', 'NODE_CONFIG_DIR', 'NODE_CONTAINERD_CONFIG']);
});

const missing = await missingSshTools(['ssh-keyscan']);
const tools = ['git', 'pre-commit', 'bash', 'npm'].filter((t) => !hasTool(t));
if (REQUIRE_TOOLS && tools.length > 0) throw new Error(`the walkthrough needs ${tools.join(', ')}; CI=true, so this is a failure, not a skip`);
if (missing || tools.length > 0) console.warn(`skipping the walkthrough: ${missing ?? `missing ${tools.join(', ')}`}`);
const describeWalk = missing || tools.length > 0 ? describe.skip : describe;

describeWalk('docs/walkthrough.md, run as written', () => {
  let scratch: string;
  let node: SshdNode | undefined;

  afterAll(async () => {
    await node?.dispose();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test(
    'from an empty repository: install, render, strict lint, pre-commit, plan, build --bundle-dir and apply to a node',
    async () => {
      scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-walkthrough-')));
      const clone = path.join(scratch, 'mirrorset-hosts');
      execFileSync('git', ['clone', '-q', '--no-hardlinks', repoRoot, clone], { stdio: 'pipe' });
      symlinkSync(path.join(repoRoot, 'node_modules'), path.join(clone, 'node_modules'));

      const home = path.join(scratch, 'home');
      mkdirSync(home);
      const npmCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
      writeFileSync(
        path.join(home, '.npmrc'),
        [`prefix=${path.join(home, '.local')}`, `cache=${npmCache}`, 'prefer-offline=true', 'audit=false', 'fund=false', 'update-notifier=false', ''].join('\n'),
      );

      const keys = path.join(scratch, 'keys');
      mkdirSync(keys);
      const key = await makeKeyPair(keys, 'id_ed25519');
      node = await SshdNode.start({ name: 'worker-1', address: '127.0.43.1', authorizedKeys: [key.publicKey] });
      const containerdConfig = path.join(node.root, 'config.toml');
      writeFileSync(containerdConfig, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${node.configDir}"\n`);

      const work = path.join(scratch, 'work');
      mkdirSync(work);
      const env: NodeJS.ProcessEnv = {
        PATH: [path.join(home, '.local', 'bin'), path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(path.delimiter),
        HOME: home,
        LANG: 'C.UTF-8',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: 'Walkthrough',
        GIT_AUTHOR_EMAIL: 'walkthrough@example.com',
        GIT_COMMITTER_NAME: 'Walkthrough',
        GIT_COMMITTER_EMAIL: 'walkthrough@example.com',
        MSH_CLONE: clone,
        NODE_ADDRESS: node.address,
        NODE_PORT: String(node.port),
        SSH_KEY: key.privateKeyFile,
        NODE_CONFIG_DIR: node.configDir,
        NODE_CONTAINERD_CONFIG: containerdConfig,
      };
      const script = ['set -euo pipefail', 'set -x', ...blocks].join('\n');
      const walked = spawnSync('bash', ['-c', script], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const output = `${walked.stdout}${walked.stderr}`;
      if (walked.status !== 0) throw new Error(`the walkthrough stopped (exit ${walked.status}):\n${output.slice(-6000)}`);

      // Installed from the tarball into the prefix ~/.npmrc names, not linked to the clone.
      expect(existsSync(path.join(home, '.local', 'lib', 'node_modules', 'mirrorset-hosts', 'package.json'))).toBe(true);
      // Both commits went through both hooks.
      const log = execFileSync('git', ['log', '--format=%s'], { cwd: path.join(work, 'my-mirrors'), env, encoding: 'utf8' });
      expect(log.trim().split('\n')).toEqual(['Mirror registry.access.redhat.com/ubi9', 'Mirror quay.io']);
      expect(output).toMatch(/lint mirror sets \(mirrorset-hosts\)\.+Passed/);
      expect(output).toMatch(/rendered hosts\.toml is up to date \(mirrorset-hosts\)\.+Passed/);
      // Strict refused the unaccepted warning, then the plan showed the change.
      expect(output).toContain('lint refused the change: exit 1');
      expect(output).toContain('registry.access.redhat.com: added');
      // The node holds the rendered files, byte for byte.
      const rendered = path.join(work, 'my-mirrors', 'rendered');
      for (const registry of ['quay.io', 'registry.access.redhat.com']) {
        expect(readFileSync(path.join(node.configDir, registry, 'hosts.toml'), 'utf8')).toBe(readFileSync(path.join(rendered, registry, 'hosts.toml'), 'utf8'));
      }
      expect(readdirSync(node.configDir).filter((n) => !n.startsWith('.')).sort()).toEqual(['quay.io', 'registry.access.redhat.com']);
    },
    WALK,
  );
});
