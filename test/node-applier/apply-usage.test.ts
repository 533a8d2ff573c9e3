// `mirrorset-hosts apply` refuses bad flags and bad inputs before it connects anywhere (exit 2).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../../src/io/cli-io.js';
import { runApply } from '../../src/adapters/apply-command.js';
import { encodeKey } from '../../src/bundle/bundle-manifest.js';

let dir: string;
const run = async (args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '', stdinIsTTY: true, cwd: dir, env };
  const code = await runApply(args, io);
  return { code, stdout, stderr };
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'msh-usage-'));
  const content = 'server = "https://quay.io/v2"\n';
  const sha = createHash('sha256').update(content).digest('hex');
  await mkdir(path.join(dir, 'bundle'));
  await writeFile(path.join(dir, 'bundle', encodeKey('quay.io/hosts.toml')), content);
  await writeFile(
    path.join(dir, 'bundle', 'manifest.json'),
    JSON.stringify({ apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: 'BundleManifest', profile: 'containerd', contentHash: 'h', files: [{ key: encodeKey('quay.io/hosts.toml'), path: 'quay.io/hosts.toml', sha256: sha, object: 'cm' }] }),
  );
  await mkdir(path.join(dir, 'torn'));
  await writeFile(path.join(dir, 'torn', encodeKey('quay.io/hosts.toml')), 'half a fi');
  await writeFile(
    path.join(dir, 'torn', 'manifest.json'),
    JSON.stringify({ apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: 'BundleManifest', profile: 'containerd', contentHash: 'h', files: [{ key: encodeKey('quay.io/hosts.toml'), path: 'quay.io/hosts.toml', sha256: sha, object: 'cm' }] }),
  );
  await writeFile(path.join(dir, 'key'), '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { mode: 0o600 });
  await writeFile(path.join(dir, 'open-key'), 'x', { mode: 0o644 });
  await writeFile(path.join(dir, 'known_hosts'), '10.0.0.5 ssh-ed25519 AAAA\n');
  await writeFile(path.join(dir, 'inventory.yaml'), '- {name: win-a, address: 10.0.0.5, prot: 22}\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ok = ['--bundle', 'bundle', '--ssh-key', 'key', '--known-hosts', 'known_hosts'];

describe('usage errors exit 2 and say what to do', () => {
  test.each([
    ['no --bundle', ['--ssh-key', 'key'], '--bundle DIR is required: the directory where the bundle ConfigMap or Secret is mounted'],
    ['no --known-hosts', ['--bundle', 'bundle', '--ssh-key', 'key'], "--known-hosts FILE is required: every node's host key is verified against it"],
    ['both --known-hosts and the opt-out', [...ok, '--insecure-ignore-host-keys'], '--known-hosts and --insecure-ignore-host-keys contradict each other'],
    ['an unknown flag', [...ok, '--parallel', '3'], "Unknown option '--parallel'"],
    ['a bad number', [...ok, '--max-parallel', '0'], '--max-parallel must be an integer from 1 to 1000, found "0"'],
    ['a bad target', [...ok, '--target', 'macos'], '--target must be linux or windows, found "macos"'],
    ['a relative config dir', [...ok, '--target', 'linux', '--config-dir', 'certs.d'], '--config-dir must be an absolute linux path, found "certs.d"'],
    ['a shard index out of range', [...ok, '--shard-count', '2', '--shard-index', '2'], '--shard-index must be an integer from 0 to 1, found "2"'],
    ['a missing bundle', ['--bundle', 'nope', '--ssh-key', 'key', '--known-hosts', 'known_hosts'], 'cannot read the bundle manifest'],
    ['a torn bundle mount', ['--bundle', 'torn', '--ssh-key', 'key', '--known-hosts', 'known_hosts'], 'the mounted bundle is torn or stale'],
    ['a key others can read', ['--bundle', 'bundle', '--ssh-key', 'open-key', '--known-hosts', 'known_hosts'], 'it is readable by others (mode 644); chmod 600 it'],
    ['an inventory with a typo', [...ok, '--inventory', 'inventory.yaml'], 'inventory.yaml:1:36: error SCHEMA_UNKNOWN_FIELD nodes[0].prot: unknown field "prot"'],
    ['a canary that is not a node', [...ok, '--inventory', 'inv2.yaml', '--canary', 'win-z'], 'canary node "win-z" is not among the nodes of this run'],
  ])('%s', async (_name, args, message) => {
    await writeFile(path.join(dir, 'inv2.yaml'), '- {name: win-a, address: 10.0.0.5}\n- {name: win-b, address: 10.0.0.6}\n');
    const result = await run(args);
    expect(result.stderr).toContain(message);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('AAAA'); // the key's content, never
  });

  test('the shard index defaults to JOB_COMPLETION_INDEX, which is checked too', async () => {
    const result = await run([...ok, '--shard-count', '3'], { JOB_COMPLETION_INDEX: '7' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('JOB_COMPLETION_INDEX must be an integer from 0 to 2, found "7"');
  });

  test('--help prints every flag and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--bundle', '--inventory', '--selector', '--target', '--config-dir', '--containerd-config', '--ssh-key', '--known-hosts', '--insecure-ignore-host-keys', '--max-parallel', '--max-failures', '--canary', '--shard-index', '--shard-count', '--connect-timeout', '--command-timeout', '--lock-timeout', '--dry-run', '--adopt']) {
      expect(result.stdout).toContain(flag);
    }
  });
});

// A secret file passed where another file was expected (the key as --inventory, a token as the
// inventory, a key with a path ssh cannot take): the error names the file, never its content.
describe('no usage error quotes a secret file', () => {
  const body = fc.array(fc.stringMatching(/^[A-Za-z0-9+/]{20,70}$/), { minLength: 1, maxLength: 4 });
  test('whatever flag names the private key or a token, stderr holds its path and none of its bytes', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('pem', 'token'), fc.constantFrom('--inventory', 'bundle-manifest', '--ssh-key-path'), async (lines, kind, where) => {
        const text = kind === 'pem' ? `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n` : `${lines.join('')}\n`;
        const secretDir = path.join(dir, `secret ${kind} \${x}`);
        await mkdir(path.join(secretDir, 'b'), { recursive: true });
        const secret = path.join(secretDir, 'id');
        await writeFile(secret, text, { mode: 0o600 });
        await writeFile(path.join(secretDir, 'b', 'manifest.json'), text);
        const args =
          where === '--inventory'
            ? [...ok, '--inventory', secret]
            : where === 'bundle-manifest'
              ? ['--bundle', path.join(secretDir, 'b'), '--ssh-key', 'key', '--known-hosts', 'known_hosts']
              : ['--bundle', 'bundle', '--ssh-key', secret, '--known-hosts', 'known_hosts'];
        const result = await run(args);
        expect(result.code).toBe(2);
        for (const line of lines) expect(result.stderr).not.toContain(line.slice(0, 16));
      }),
      { numRuns: 40 },
    );
  });
});
