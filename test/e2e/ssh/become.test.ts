// `--become sudo` (spec.ssh.become) against a real sshd and the real sudo, as on a cloud image that
// forbids root SSH: a non-root user with a NOPASSWD rule for /bin/sh updates a config directory only
// root can reach; a user without the rule fails on its own, with the sudoers line to add. Both users
// come from the inventory (per-node user). The test creates the two users and one sudoers.d file and
// removes them afterwards; it needs root (as sshd does).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmod, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { apply, hostsToml, hostsTreeOf, logLines, writeBundle } from './fleet.js';
import { makeKeyPair, missingSshTools, SshdNode, tempDir, type KeyPair } from './sshd-node.js';

const run = promisify(execFile);
const missing = (await missingSshTools(['sudo', 'useradd', 'userdel'])) ?? (process.getuid?.() === 0 ? null : 'creating users needs root');
if (missing) {
  if (process.env['CI'] === 'true') throw new Error(`${missing}; CI=true, so this is a failure, not a skip`);
  console.warn(`skipping: ${missing}`);
}
const describeSsh = missing ? describe.skip : describe;

const WITH_RULE = 'mshe2esudo';
const WITHOUT_RULE = 'mshe2enosudo';
const SUDOERS = '/etc/sudoers.d/mirrorset-hosts-e2e';
const V1 = { 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror.example.com/quay') };

async function removeUsers(): Promise<void> {
  await rm(SUDOERS, { force: true });
  for (const user of [WITH_RULE, WITHOUT_RULE]) await run('userdel', ['-r', user]).catch(() => undefined);
}

describeSsh('apply --become sudo as a non-root SSH user', () => {
  let dir: string;
  let key: KeyPair;
  let node: SshdNode;
  let inventory: string;
  let knownHosts: string;
  const configDir = (user: string): string => path.join(node.root, `certs.d-${user}`);

  beforeAll(async () => {
    await removeUsers();
    for (const user of [WITH_RULE, WITHOUT_RULE]) {
      await run('useradd', ['--create-home', '--shell', '/bin/sh', user]);
      // A locked account ('!') is refused by sshd without PAM; '*': no password, key login only.
      await run('usermod', ['-p', '*', user]);
    }
    // The same rule the error message tells an administrator to add, checked by visudo as sudo would.
    await writeFile(SUDOERS, `${WITH_RULE} ALL=(root) NOPASSWD: /bin/sh\n`, { mode: 0o440 });
    await run('visudo', ['-c', '-f', SUDOERS]);
    dir = await tempDir('become');
    await chmod(dir, 0o755);
    key = await makeKeyPair(dir, 'id_ed25519');
    // sshd reads authorized keys as the user logging in: a file those users can read.
    const keys = path.join(dir, 'authorized_keys');
    await writeFile(keys, `${key.publicKey}\n`, { mode: 0o644 });
    node = await SshdNode.start({
      name: 'node-a',
      address: '127.0.52.1',
      authorizedKeys: [],
      extraConfig: [`Match User ${WITH_RULE},${WITHOUT_RULE}`, `  AuthorizedKeysFile ${keys}`],
    });
    knownHosts = path.join(dir, 'known_hosts');
    await writeFile(knownHosts, `${node.knownHostsLine}\n`);
    // Two inventory entries on the one sshd, each with its own user and config directory. The
    // directories sit in the node's root-only (0700) directory: only root can write there.
    inventory = path.join(dir, 'inventory.yaml');
    const entry = (name: string, user: string): string[] => [
      `  - name: ${name}`,
      `    address: ${node.address}`,
      `    port: ${node.port}`,
      `    user: ${user}`,
      `    os: linux`,
      `    configDir: ${configDir(user)}`,
      `    containerdConfig: ''`,
    ];
    await writeFile(inventory, ['nodes:', ...entry('with-rule', WITH_RULE), ...entry('without-rule', WITHOUT_RULE)].join('\n') + '\n');
    expect((await stat(node.root)).mode & 0o077).toBe(0);
  });
  afterAll(async () => {
    await node?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
    await removeUsers();
  });

  const args = (bundle: string, more: string[] = []): string[] => [
    '--bundle', bundle, '--inventory', inventory, '--ssh-key', key.privateKeyFile, '--known-hosts', knownHosts,
    '--connect-timeout', '3', '--command-timeout', '30', ...more,
  ];

  test('the user with a NOPASSWD rule writes as root; the user without one fails alone, with the sudoers line to add', async () => {
    const result = await apply(args(await writeBundle(path.join(dir, 'bundles', 'v1'), V1), ['--become', 'sudo']));
    expect(result.stdout).toMatch(/^with-rule +127\.0\.52\.1:\d+ +changed +\S+ +1 +0/m);
    expect(await hostsTreeOf(configDir(WITH_RULE))).toEqual(V1);
    // Written by root (through sudo), not by the SSH user.
    expect((await stat(path.join(configDir(WITH_RULE), 'quay.io', 'hosts.toml'))).uid).toBe(0);

    const failed = logLines(result.stderr, 'without-rule').find((l) => l['result'] === 'failed');
    expect(failed?.['step']).toBe('sudo');
    expect(failed?.['msg']).toContain(`user ${WITHOUT_RULE} may not run the node program as root with non-interactive sudo (sudo: a password is required)`);
    expect(failed?.['msg']).toContain(`"${WITHOUT_RULE} ALL=(root) NOPASSWD: /bin/sh"`);
    expect(result.stdout).toMatch(/^without-rule +127\.0\.52\.1:\d+ +failed +.*sudo: user mshe2enosudo may not run/m);
    await expect(stat(configDir(WITHOUT_RULE))).rejects.toThrow();
    expect(result.code).toBe(1);
  });

  test('a re-run through sudo sees its own ownership record: nothing to change', async () => {
    const result = await apply(args(await writeBundle(path.join(dir, 'bundles', 'v1b'), V1), ['--become', 'sudo']));
    expect(result.stdout).toMatch(/^with-rule +127\.0\.52\.1:\d+ +unchanged/m);
  });

  test('without --become the same non-root user cannot reach the root-only directory (what sudo is for)', async () => {
    const result = await apply(args(await writeBundle(path.join(dir, 'bundles', 'v2'), { 'docker.io/hosts.toml': hostsToml('registry-1.docker.io', 'mirror.example.com/docker') })));
    expect(result.stdout).toMatch(/^with-rule +127\.0\.52\.1:\d+ +failed/m);
    expect(await hostsTreeOf(configDir(WITH_RULE))).toEqual(V1);
    expect(result.code).toBe(1);
  });
});
