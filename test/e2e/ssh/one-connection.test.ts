// One SSH connection per node, as WMCO's one ssh.Dial per node: the probe, the apply and a probe
// again after a conflict share it (OpenSSH multiplexing, src/io/ssh.ts createSshTransport). Counted
// where it happens: each sshd logs at LogLevel VERBOSE one "Connection from" per TCP connection, one
// "Accepted publickey" per authentication and one "Starting session" per session. After every run,
// whatever its outcome, no ssh process with our ControlPath is alive and the socket directory is gone.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { apply, Fleet, holdLock, hostsToml, hostsTreeOf, logLines, nodeOses, release, writeBundle, type Captured } from './fleet.js';
import { descendantsOf, makeKeyPair, missingSshTools, type SshdNode, tempDir } from './sshd-node.js';
import { createSshTransport } from '../../../src/io/ssh.js';
import { resolveTarget, type NodeTarget } from '../../../src/node-applier/node-target.js';

jest.setTimeout(180_000);

const A = { 'quay.io/hosts.toml': hostsToml('quay.io', 'a.example.com/quay') };
const B = { 'quay.io/hosts.toml': hostsToml('quay.io', 'b.example.com/quay'), 'ghcr.io/hosts.toml': hostsToml('ghcr.io', 'b.example.com/ghcr') };

/** Restarts the node's sshd with LogLevel VERBOSE (sshd_config keeps a keyword's first value, so the line is replaced). */
async function logVerbose(node: SshdNode): Promise<void> {
  await node.stop();
  const config = await readFile(node.configFile, 'utf8');
  await writeFile(node.configFile, config.replace(/^LogLevel ERROR$/m, 'LogLevel VERBOSE'));
  const from = node.stderr.length;
  await node.startProcess();
  // startProcess knows sshd listens once a TCP connect succeeds: wait for that probe's last line, so it is not counted.
  await waitFor(async () => /Connection closed by \S+ port \d+\r?\n/.test(node.stderr.slice(from)), `${node.name}'s sshd to log the start-up probe`);
}

interface Counts {
  connections: number;
  authentications: number;
  sessions: number;
}

/** What each node's sshd logged while `run` ran. */
async function countedPerNode<T>(nodes: SshdNode[], run: () => Promise<T>): Promise<{ result: T; counts: Record<string, Counts> }> {
  const from = new Map(nodes.map((n) => [n.name, n.stderr.length]));
  const result = await run();
  const counts: Record<string, Counts> = {};
  for (const n of nodes) {
    const log = n.stderr.slice(from.get(n.name));
    const count = (re: RegExp): number => log.split('\n').filter((l) => re.test(l)).length;
    counts[n.name] = { connections: count(/Connection from 127\./), authentications: count(/Accepted publickey for /), sessions: count(/Starting session: /) };
  }
  return { result, counts };
}

/** Live processes whose command line names `dir` (a ControlPath under it, or a master's "<path> [mux]" title). */
async function processesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(`${entry}: ${cmdline.replace(/\0/g, ' ').trim()}`);
  }
  return found;
}

async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The transport's sockets go under the run's TMPDIR: a directory of this test's own, so that what is
 * left behind (sockets, masters naming them) can be told from anything else on the machine.
 */
async function privateTmp(): Promise<{ dir: string; restore: () => Promise<void> }> {
  const dir = await tempDir('mux-tmp');
  return { dir, restore: () => rm(dir, { recursive: true, force: true }) };
}

/** Nothing of the transport is left: no process naming a socket under `tmp`, no socket directory. */
async function expectNothingLeft(tmp: string): Promise<void> {
  // The master removes its socket, then exits (ssh.c main): the exit may trail the run by a moment.
  await waitFor(async () => (await processesUnder(tmp)).length === 0, `no ssh process under ${tmp}`).catch(() => undefined);
  expect(await processesUnder(tmp)).toEqual([]);
  expect(await readdir(tmp)).toEqual([]);
}

for (const { os, missing } of await nodeOses(['flock'])) {
// Long enough for both runs to probe, plan and queue on the lock (as concurrency.test.ts).
const queueMs = os === 'windows' ? 15000 : 1500;

(missing ? describe.skip : describe)(`one SSH connection per node (${os})`, () => {
  let fleet: Fleet;
  let tmp: Awaited<ReturnType<typeof privateTmp>>;
  const holders: ChildProcess[] = [];

  const applyIn = (args: string[]): Promise<Captured> => apply(args, { TMPDIR: tmp.dir });

  beforeAll(async () => {
    fleet = await Fleet.start(os === 'windows' ? 137 : 37, 3, { os });
    for (const n of fleet.nodes) await logVerbose(n);
    tmp = await privateTmp();
  });
  afterAll(async () => {
    for (const h of holders) await release(h);
    await tmp?.restore();
    await fleet?.dispose();
  });

  test('a first apply (probe + apply) to three nodes in parallel: each node one connection, one authentication, two sessions', async () => {
    const bundle = await writeBundle(fleet.bundleDir('a'), A);
    const { result, counts } = await countedPerNode(fleet.nodes, () => applyIn(fleet.args(bundle, ['--canary', 'none', '--max-parallel', '3'])));
    expect(result.code).toBe(0);
    for (const n of fleet.nodes) {
      expect(result.stdout).toMatch(new RegExp(`^${n.name} +\\S+ +changed `, 'm'));
      expect(await hostsTreeOf(n.configDir)).toEqual(A);
    }
    expect(counts).toEqual(Object.fromEntries(fleet.nodes.map((n) => [n.name, { connections: 1, authentications: 1, sessions: 2 }])));
    await expectNothingLeft(tmp.dir);
  });

  // The transport is the same for both node OSes (the client is this machine's ssh); the retry's
  // extra sessions are shown on Linux only, where they take seconds instead of a minute.
  (os === 'linux' ? test : test.skip)('a conflict makes a run probe again: still one connection per node and run, four sessions on it', async () => {
    const bundleA = await writeBundle(fleet.bundleDir('a2'), A);
    const bundleB = await writeBundle(fleet.bundleDir('b2'), B);
    // Start from a third bundle, so that both runs have something to write.
    expect((await applyIn(fleet.args(await writeBundle(fleet.bundleDir('c2'), { 'quay.io/hosts.toml': hostsToml('quay.io', 'c.example.com/quay') }), ['--canary', 'none']))).code).toBe(0);
    // Every node locked: both runs probe, plan and queue on the lock; the one that gets it second
    // finds the record changed under it, probes again and applies (as concurrency.test.ts).
    const locks = await Promise.all(fleet.nodes.map((n) => holdLock(n.configDir)));
    holders.push(...locks);
    const { result, counts } = await countedPerNode(fleet.nodes, async (): Promise<[Captured, Captured]> => {
      const both = Promise.all([applyIn(fleet.args(bundleA, ['--canary', 'none', '--max-parallel', '3'])), applyIn(fleet.args(bundleB, ['--canary', 'none', '--max-parallel', '3']))]);
      await new Promise((r) => setTimeout(r, queueMs));
      await Promise.all(locks.map(release));
      return both;
    });
    const [ra, rb] = result;
    expect([ra.code, rb.code]).toEqual([0, 0]);
    for (const n of fleet.nodes) {
      const retried = [ra, rb].flatMap((r) => logLines(r.stderr, n.name)).filter((l) => l['step'] === 'lock' && l['result'] === 'retry');
      expect(retried).toHaveLength(1);
      // Two runs: one connection each; sessions: probe + apply, and probe + apply + probe + apply.
      expect({ node: n.name, ...counts[n.name] }).toEqual({ node: n.name, connections: 2, authentications: 2, sessions: 6 });
    }
    await expectNothingLeft(tmp.dir);
  });
});
}

const missingLinux = await missingSshTools(['flock']);

(missingLinux ? describe.skip : describe)('the shared connection when things go wrong (linux)', () => {
  let fleet: Fleet;
  let tmp: Awaited<ReturnType<typeof privateTmp>>;
  const holders: ChildProcess[] = [];
  let target: NodeTarget;
  let node: SshdNode;
  const applyIn = (args: string[]): Promise<Captured> => apply(args, { TMPDIR: tmp.dir });

  beforeAll(async () => {
    fleet = await Fleet.start(38, 2);
    for (const n of fleet.nodes) await logVerbose(n);
    node = fleet.nodes[0] as SshdNode;
    target = resolveTarget({ name: node.name, address: node.address, port: node.port, user: 'root', os: 'linux', configDir: node.nodeConfigDir }, { os: 'linux', port: 22 });
    tmp = await privateTmp();
  });
  afterAll(async () => {
    for (const h of holders) await release(h);
    await tmp?.restore();
    await fleet?.dispose();
  });

  const transport = () => createSshTransport({ identityFile: fleet.key.privateKeyFile, knownHostsFile: fleet.knownHosts, connectTimeoutSeconds: 3, commandTimeoutSeconds: 30 }, { tempDir: tmp.dir });

  test("a session's result comes back while the master it started stays up in the background, holding none of our pipes", async () => {
    const t = transport();
    try {
      const { result: first, counts } = await countedPerNode([node], () => t.exec(target, 'cat; echo to-stderr >&2', 'through the master\n'));
      expect(first).toEqual({ exitCode: 0, stdout: 'through the master\n', stderr: 'to-stderr\n', timedOut: false });
      // The session is over ('close' fired) and the master that the first ssh became is still there.
      const masters = (await processesUnder(tmp.dir)).filter((p) => p.includes('[mux]'));
      expect(masters).toHaveLength(1);
      const second = await t.exec(target, 'echo second', '');
      expect(second.stdout).toBe('second\n');
      expect(counts[node.name]).toEqual({ connections: 1, authentications: 1, sessions: 1 });
      await t.closeNode(target);
      expect((await processesUnder(tmp.dir)).filter((p) => p.includes('[mux]'))).toEqual([]);
    } finally {
      await t.close();
    }
    await expectNothingLeft(tmp.dir);
  });

  test.each([
    ['the master process killed (its socket left behind, stale)', 'master'],
    ["the node's side of the connection killed (the master sees it end and goes)", 'connection'],
  ])('%s: the next session opens a new connection and works', async (_, what) => {
    const t = transport();
    try {
      const { counts } = await countedPerNode([node], async () => {
        expect((await t.exec(target, 'echo one', '')).stdout).toBe('one\n');
        const master = (await processesUnder(tmp.dir)).find((p) => p.includes('[mux]'));
        expect(master).toBeDefined();
        if (what === 'master') {
          process.kill(Number((master as string).split(':')[0]), 'SIGKILL');
        } else {
          // The listener's children are the per-connection sshd processes (and their sessions): only the connection is ours.
          for (const pid of await descendantsOf(node.process?.pid as number)) process.kill(pid, 'SIGKILL');
        }
        await waitFor(async () => !(await processesUnder(tmp.dir)).some((p) => p.includes('[mux]')), 'the master to be gone');
        const again = await t.exec(target, 'echo two', '');
        expect(again).toMatchObject({ exitCode: 0, stdout: 'two\n', timedOut: false });
      });
      expect(counts[node.name]).toMatchObject({ connections: 2, authentications: 2 });
    } finally {
      await t.close();
    }
    await expectNothingLeft(tmp.dir);
  });

  test('a command timeout while the apply session waits on a lock: the node fails on time, its connection is closed, nothing is left', async () => {
    const holder = await holdLock(node.configDir);
    holders.push(holder);
    const bundle = await writeBundle(fleet.bundleDir('timeout'), A);
    const args = fleet.args(bundle, ['--canary', 'none', '--max-parallel', '2', '--lock-timeout', '60']).map((x, i, all) => (all[i - 1] === '--command-timeout' ? '3' : x));
    const result = await applyIn(args);
    await release(holder);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +\w+: .*3s command timeout/m);
    expect(result.stdout).toMatch(/^node-b +\S+ +changed /m);
    await expectNothingLeft(tmp.dir);
  });

  test('a host key that does not match: refused as before, and nothing is left', async () => {
    const impostor = await makeKeyPair(fleet.dir, 'impostor');
    const [type, key] = impostor.publicKey.split(' ');
    const other = fleet.nodes[1] as SshdNode;
    await fleet.writeKnownHosts([`[${node.address}]:${node.port} ${type} ${key}`, other.knownHostsLine]);
    try {
      const bundle = await writeBundle(fleet.bundleDir('host-key'), B);
      const result = await applyIn(fleet.args(bundle, ['--canary', 'none']));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +connect: refused: the host key of \[127\.0\.38\.1\]:\d+ does not match the known_hosts file/m);
      expect(result.stdout).toMatch(/^node-b +\S+ +changed /m);
    } finally {
      await fleet.writeKnownHosts();
    }
    await expectNothingLeft(tmp.dir);
  });
});
