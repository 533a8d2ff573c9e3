// Nodes that must not get files, or cannot: wrong or missing host keys, a node that never answers,
// refused keys, a directory the user cannot write. The other nodes are updated all the same, and the
// canary / maxFailures policy decides when to stop.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { apply, Fleet, hostsToml, hostsTreeOf, logLines, nodeOses, writeBundle } from './fleet.js';
import { freePort, makeKeyPair, missingSshTools, SshdNode } from './sshd-node.js';

const missing = await missingSshTools(['setpriv']);
if (missing) console.warn(`skipping: ${missing}`);
const describeSsh = missing ? describe.skip : describe;
jest.setTimeout(180_000);

const V1 = { 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror.example.com/quay') };
const V2 = { 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror2.example.com/quay') };

/** Accepts TCP connections and never says a word: a node whose sshd hangs, or a black-holed path. */
async function tarpit(address: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  const port = await freePort(address);
  await new Promise<void>((r) => server.listen(port, address, r));
  return {
    port,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describeSsh('nodes that fail', () => {
  let fleet: Fleet;
  let hang: { port: number; close: () => Promise<void> };
  let bundle: string;

  beforeAll(async () => {
    fleet = await Fleet.start(32, 3);
    hang = await tarpit('127.0.32.200');
    bundle = await writeBundle(fleet.bundleDir('v1'), V1);
  });
  afterAll(async () => {
    await hang?.close();
    await fleet?.dispose();
  });

  test('a wrong host key and a missing one are refused before anything is sent; the other nodes are updated', async () => {
    const [a, b, c] = fleet.nodes as [SshdNode, SshdNode, SshdNode];
    const impostor = await makeKeyPair(fleet.dir, 'impostor');
    const [type, key] = impostor.publicKey.split(' ');
    await fleet.writeKnownHosts([a.knownHostsLine, `[${b.address}]:${b.port} ${type} ${key}`]);
    try {
      const result = await apply(fleet.args(bundle, ['--canary', 'none', '--max-failures', '5']));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^node-a +\S+ +changed +\S+ +1 +0\b/m);
      expect(result.stdout).toMatch(/^node-b +\S+ +failed +\S+ +- +- +connect: refused: the host key of \[127\.0\.32\.2\]:\d+ does not match the known_hosts file/m);
      expect(result.stdout).toMatch(/^node-c +\S+ +failed +\S+ +- +- +connect: refused: no host key for \[127\.0\.32\.3\]:\d+ in the known_hosts file/m);
      expect(await hostsTreeOf(b.configDir)).toEqual({});
      expect(await hostsTreeOf(c.configDir)).toEqual({});
    } finally {
      await fleet.writeKnownHosts();
    }
  });

  test('--insecure-ignore-host-keys connects anyway, and says so loudly on every node line', async () => {
    const args = fleet.args(bundle).filter((x, i, all) => x !== '--known-hosts' && all[i - 1] !== '--known-hosts');
    const result = await apply([...args, '--insecure-ignore-host-keys']);
    expect(result.code).toBe(0);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('HOST KEYS ARE NOT VERIFIED'));
    expect(warnings).toHaveLength(2); // at the start and after the summary
    const nodeLines = logLines(result.stderr).filter((l) => l['node']);
    expect(nodeLines.length).toBeGreaterThan(6);
    expect(nodeLines.every((l) => l['host_key'] === 'unverified')).toBe(true);
  });

  test('a node that never answers times out after --connect-timeout while the others are updated', async () => {
    await fleet.writeInventory(['  - {name: node-hung, address: 127.0.32.200, port: ' + hang.port + ', user: root, os: linux, configDir: /nonexistent}']);
    try {
      const v2 = await writeBundle(fleet.bundleDir('v2'), V2);
      const result = await apply([...fleet.args(v2, ['--canary', 'node-a']), '--connect-timeout', '1']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^node-hung +127\.0\.32\.200:\d+ +failed +\S+ +- +- +connect: no SSH answer from 127\.0\.32\.200:\d+ within 1s \(connect timeout\)/m);
      for (const n of fleet.nodes) expect(await hostsTreeOf(n.configDir)).toEqual(V2);
      expect(result.stdout).toContain('3 changed, 0 unchanged, 1 failed, 0 skipped');
    } finally {
      await fleet.writeInventory();
    }
  });

  test('when the canary fails no other node is started', async () => {
    await fleet.writeInventory(['  - {name: node-hung, address: 127.0.32.200, port: ' + hang.port + ', user: root, os: linux, configDir: /nonexistent}']);
    try {
      const result = await apply([...fleet.args(bundle, ['--canary', 'node-hung']), '--connect-timeout', '1']);
      expect(result.code).toBe(1);
      for (const name of ['node-a', 'node-b', 'node-c']) {
        expect(result.stdout).toMatch(new RegExp(`^${name} +\\S+ +skipped +- +- +- +not started: canary node node-hung failed\\n`, 'm'));
      }
      for (const n of fleet.nodes) expect(await hostsTreeOf(n.configDir)).toEqual(V2); // still the previous bundle
    } finally {
      await fleet.writeInventory();
    }
  });

  test('after maxFailures failures no new node is started', async () => {
    const lines = ['  - {name: bad-1, address: 127.0.32.201, port: 9, user: root, os: linux, configDir: /nonexistent}', '  - {name: bad-2, address: 127.0.32.202, port: 9, user: root, os: linux, configDir: /nonexistent}'];
    await fleet.writeInventory(lines);
    try {
      const result = await apply(fleet.args(bundle, ['--canary', 'none', '--max-parallel', '1', '--max-failures', '1']));
      expect(result.code).toBe(1);
      // bad-1 is first by name and fails (connection refused); everything after it is skipped
      expect(result.stdout).toMatch(/^bad-1 +\S+ +failed +\S+ +- +- +connect: connection refused by 127\.0\.32\.201:9/m);
      expect(result.stdout).toMatch(/^bad-2 +\S+ +skipped .*not started: 1 node\(s\) failed \(maxFailures 1\)/m);
      expect(result.stdout).toMatch(/^node-c +\S+ +skipped /m);
    } finally {
      await fleet.writeInventory();
    }
  });

  test('a key the node does not accept is reported as refused authentication', async () => {
    const stranger = await makeKeyPair(fleet.dir, 'stranger');
    const args = fleet.args(bundle, ['--canary', 'none']).map((x) => (x === fleet.key.privateKeyFile ? stranger.privateKeyFile : x));
    const result = await apply(args);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +connect: authentication refused for user root at 127\.0\.32\.1:\d+: expected the public half of --ssh-key/m);
    expect(result.stdout).toContain('0 changed, 0 unchanged, 3 failed, 0 skipped');
  });
});

// Root without CAP_DAC_OVERRIDE obeys file modes like any user: how "permission denied" on the
// node's directory is produced without adding users to this machine. On both node OSes (the
// connection failures above are the transport's, the same for either).
for (const { os, missing: missingFor } of await nodeOses(['setpriv'])) {
// .NET says "Access to the path '...' is denied." where sh says "Permission denied".
const denied = os === 'windows' ? "Access to the path '[^']*' is denied" : 'Permission denied';

(missingFor ? describe.skip : describe)(`a node user who may not write the directory (${os})`, () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await Fleet.start(os === 'windows' ? 133 : 33, 2, { dropCapabilities: ['dac_override', 'dac_read_search'], os });
  });
  afterAll(async () => {
    for (const n of fleet?.nodes ?? []) await chmod(n.configDir, 0o755).catch(() => undefined);
    await fleet?.dispose();
  });

  test('preflight refuses a config directory the user cannot write, and nothing is changed', async () => {
    const [a] = fleet.nodes as [SshdNode];
    await mkdir(a.configDir, { recursive: true, mode: 0o555 });
    await chmod(a.configDir, 0o555);
    const result = await apply(fleet.args(await writeBundle(fleet.bundleDir('v1'), V1), ['--canary', 'none']));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`preflight: user root cannot write ${a.nodeConfigDir}; connect as a user who can`);
    expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +preflight: user root cannot write /m);
    expect(result.stdout).toMatch(/^node-b +\S+ +changed +\S+ +1 +0/m);
    await chmod(a.configDir, 0o755);
  });

  test('permission denied while writing leaves the old file whole; a re-run after the fix converges', async () => {
    const [a] = fleet.nodes as [SshdNode];
    const v1 = await writeBundle(fleet.bundleDir('v1'), V1);
    expect((await apply(fleet.args(v1))).code).toBe(0);
    await chmod(path.join(a.configDir, 'quay.io'), 0o555);
    const v2 = await writeBundle(fleet.bundleDir('v2'), V2);
    const result = await apply(fleet.args(v2, ['--canary', 'none']));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^node-a +\\S+ +failed +\\S+ +- +- +upload: .*${denied}.*every file on the node is still either its old or its new complete version`, 'm'));
    expect(result.stdout).not.toMatch(/CLIXML|_x001B_|\u001b/);
    expect(await readFile(path.join(a.configDir, 'quay.io/hosts.toml'), 'utf8')).toBe(V1['quay.io/hosts.toml']);

    await chmod(path.join(a.configDir, 'quay.io'), 0o755);
    const rerun = await apply(fleet.args(v2));
    expect(rerun.code).toBe(0);
    expect(await hostsTreeOf(a.configDir)).toEqual(V2);
  });
});
}
