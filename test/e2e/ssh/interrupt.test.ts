// A node dies in the middle of a run. Whatever the moment, containerd must find every file either
// complete-old or complete-new (never a truncated or missing hosts.toml), and the next run must
// finish the job.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { appendFile, chmod, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { apply, Fleet, hostsToml, hostsTreeOf, nodeOses, treeOf, writeBundle } from './fleet.js';
import { SshdNode, tempDir } from './sshd-node.js';
import { TcpProxy } from './tcp-proxy.js';
import { createSshExec } from '../../../src/io/ssh.js';
import { commandSetFor } from '../../../src/node-applier/command-set.js';
import { PROGRAM_END, REMOTE_EXIT } from '../../../src/node-applier/node-state.js';

jest.setTimeout(180_000);

// A CA bundle of about 1.4 MiB: the program carrying it (as text on Linux, linux-commands.ts
// writeFile) takes a third of a second through the relay.
const BIG_CA = Array.from({ length: 23000 }, (_, i) => `certificate line ${String(i).padStart(6, '0')} ${'A'.repeat(48)}`).join('\n') + '\n';
const V1 = { 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror.example.com/quay') };
const V2 = { 'quay.io/ca.crt': BIG_CA, 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror2.example.com/quay') };

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every file containerd could read is exactly one of the versions we wrote, whole. */
function expectOldOrNew(tree: Record<string, string>): void {
  for (const [file, content] of Object.entries(tree)) {
    const versions = [V1, V2].map((v) => (v as Record<string, string>)[file]).filter((v) => v !== undefined);
    expect({ file, whole: versions.includes(content) }).toEqual({ file, whole: true });
  }
  expect(tree['quay.io/hosts.toml']).toBeDefined();
}

for (const { os, missing } of await nodeOses()) {
(missing ? describe.skip : describe)(`a node that dies mid-run (${os})`, () => {
  let fleet: Fleet;
  let node: SshdNode;
  let proxy: TcpProxy;
  let killAfter = Infinity;
  let killing: Promise<void> | null = null;
  let wrappers: string;

  beforeAll(async () => {
    // `mv` on this node is a wrapper that announces the rename of hosts.toml and waits a moment, so
    // the test can kill the node between the two renames of one run.
    wrappers = await tempDir('wrappers');
    await writeFile(
      path.join(wrappers, 'mv'),
      ['#!/bin/sh', 'for a in "$@"; do last=$a; done', `case "$last" in */quay.io/hosts.toml) : > "${wrappers}/renaming"; sleep 1 ;; esac`, 'exec /bin/mv "$@"', ''].join('\n'),
    );
    await chmod(path.join(wrappers, 'mv'), 0o755);
    fleet = await Fleet.start(os === 'windows' ? 134 : 34, 1, { os });
    node = fleet.nodes[0] as SshdNode;
    // The node is reached through a relay capped at 4 MiB/s that can cut the connection.
    proxy = await TcpProxy.start({
      listen: os === 'windows' ? '127.0.134.100' : '127.0.34.100',
      target: { host: node.address, port: node.port },
      bytesPerSecond: 4 * 1024 * 1024,
      onClientBytes: (total) => {
        if (total > killAfter && killing === null) killing = node.kill();
      },
    });
    await fleet.writeKnownHosts([`[${proxy.address}]:${proxy.port} ${node.hostPublicKey.split(' ').slice(0, 2).join(' ')}`]);
    await writeFile(
      fleet.inventory,
      `- {name: ${node.name}, address: ${proxy.address}, port: ${proxy.port}, user: root, os: ${os}, configDir: ${JSON.stringify(node.nodeConfigDir)}, containerdConfig: ''}\n`,
    );
    expect((await apply(fleet.args(await writeBundle(fleet.bundleDir('v1'), V1)))).code).toBe(0);
  });
  afterAll(async () => {
    await proxy?.close();
    await fleet?.dispose();
    if (wrappers) await rm(wrappers, { recursive: true, force: true });
  });

  test('sshd killed while the program is in flight: the node keeps the old files, and a re-run installs the new ones', async () => {
    const v2 = await writeBundle(fleet.bundleDir('v2'), V2);
    // The relay has half a MiB from the client within milliseconds, the node a fraction of the 1.4 MiB program.
    killAfter = 512 * 1024;
    const result = await apply(fleet.args(v2));
    await killing;
    killAfter = Infinity;
    killing = null;

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +\w+: /m);
    const tree = await hostsTreeOf(node.configDir);
    expectOldOrNew(tree);
    expect(tree).toEqual(V1); // the program never ran: it had not arrived completely

    await node.startProcess();
    const rerun = await apply(fleet.args(v2));
    expect(rerun.code).toBe(0);
    expect(await hostsTreeOf(node.configDir)).toEqual(V2);
  });

  test('a program that lost its last line on the way runs nothing: the bootstrap answers truncated', async () => {
    const commands = commandSetFor(os);
    const target = { name: node.name, address: node.address, port: node.port, user: 'root', os, configDir: node.nodeConfigDir, containerdConfig: '' };
    const exec = createSshExec({ identityFile: fleet.key.privateKeyFile, knownHostsFile: null, connectTimeoutSeconds: 5, commandTimeoutSeconds: 60 });
    const whole = commands.probeProgram(target, []);
    expect(whole.trimEnd().endsWith(PROGRAM_END)).toBe(true);
    const cut = whole.slice(0, whole.lastIndexOf(PROGRAM_END));
    const result = await exec(target, commands.remoteCommand, cut);
    // Behind PowerShell as the login shell (OpenSSH for Windows' DefaultShell), `-Command` reports any
    // failure as 1 (about_PowerShell_exe): the applier goes by the `truncated` line, not the status.
    expect({ code: result.exitCode, stdout: result.stdout }).toEqual({ code: os === 'windows' ? 1 : REMOTE_EXIT.truncated, stdout: 'MSH1 truncated\n' });
    const ran = await exec(target, commands.remoteCommand, whole);
    expect(ran.exitCode).toBe(0);
    expect(ran.stdout).toContain('MSH1 end probe\n');
  });

  // The pause between the two renames comes from an `mv` on the node's PATH. The Windows program
  // renames in-process ([IO.File]::Replace), so there is no command to pause and no moment the test
  // can kill the node at without racing it: that case is Linux only. Its recovery path (leftover
  // temporary files removed before anything is written) runs on Windows in do-no-harm.test.ts.
  (os === 'linux' ? test : test.skip)('the node killed between two renames: one file new, one old, both whole; the re-run converges and removes the leftovers', async () => {
    // Restart this node with the wrapper first on the session PATH.
    await node.stop();
    await appendFile(node.configFile, `SetEnv PATH=${wrappers}:/usr/bin:/bin\n`);
    await node.startProcess();

    const v1 = await writeBundle(fleet.bundleDir('v1-again'), { ...V1, 'quay.io/ca.crt': 'old ca\n' });
    expect((await apply(fleet.args(v1))).code).toBe(0);
    await rm(path.join(wrappers, 'renaming'), { force: true });

    const v2 = await writeBundle(fleet.bundleDir('v2-again'), V2);
    const running = apply(fleet.args(v2));
    await waitFor(async () => stat(path.join(wrappers, 'renaming')).then(() => true, () => false), 20000, 'the rename of hosts.toml');
    await node.kill();
    const result = await running;

    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +rename: the session ended during rename: .*re-run to finish/m);
    const tree = await hostsTreeOf(node.configDir);
    expect(tree['quay.io/ca.crt']).toBe(BIG_CA); // renamed before the kill
    expect(tree['quay.io/hosts.toml']).toBe(V1['quay.io/hosts.toml']); // not yet: still the old one, whole
    expect(Object.keys(tree)).toContain('quay.io/.hosts.toml.mirrorset-hosts-tmp'); // the new one, never renamed

    await node.startProcess();
    const rerun = await apply(fleet.args(v2));
    expect(rerun.code).toBe(0);
    expect(await treeOf(node.configDir)).toMatchObject(V2);
    expect(Object.keys(await hostsTreeOf(node.configDir)).sort()).toEqual(Object.keys(V2).sort()); // temp file gone
    const again = await apply(fleet.args(v2));
    expect(again.stdout).toMatch(/^node-a +\S+ +unchanged /m);
  });
});
}
