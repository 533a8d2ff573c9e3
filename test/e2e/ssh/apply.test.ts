// `mirrorset-hosts apply` against three real sshd nodes: first apply, no-op re-apply, change, removal.
// The same behaviour on both node OSes: Linux nodes run the sh programs, Windows stand-in nodes the
// PowerShell programs under pwsh (sshd-node.ts `windowsLogin`).
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { apply, Fleet, hostsToml, hostsTreeOf, inode, logLines, nodeOses, writeBundle, type Captured } from './fleet.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const V1 = {
  'quay.io/hosts.toml': hostsToml('quay.io', 'mirror.example.com/quay'),
  'registry.local_5000_/hosts.toml': hostsToml('registry.local:5000', 'mirror.example.com/local'),
  'registry.local_5000_/ca.crt': CA,
};
const V2 = { ...V1, 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror2.example.com/quay') };
const V3 = { 'quay.io/hosts.toml': V2['quay.io/hosts.toml'] };

// A Windows session starts PowerShell twice (the login shell, then powershell.exe): about 2 s of CPU.
jest.setTimeout(180_000);

for (const { os, missing } of await nodeOses()) {
const subnet = os === 'windows' ? 131 : 31;
// containerd's config_path as the node's OS spells it: a list split by ':' (Linux) or ';' (Windows).
const elsewhere = os === 'windows' ? 'C:\\etc\\docker\\certs.d' : '/etc/docker/certs.d';
const listSeparator = os === 'windows' ? ';' : ':';
const tomlString = (value: string): string => JSON.stringify(value);

(missing ? describe.skip : describe)(`apply to real sshd nodes (${os})`, () => {
  let fleet: Fleet;
  const outputs: Captured[] = [];
  const run = async (bundle: Record<string, string>, name: string, more: string[] = []): Promise<Captured> => {
    const dir = await writeBundle(fleet.bundleDir(name), bundle);
    const result = await apply(fleet.args(dir, more));
    outputs.push(result);
    return result;
  };

  beforeAll(async () => {
    fleet = await Fleet.start(subnet, 3, { os });
  });
  afterAll(async () => {
    await fleet?.dispose();
  });

  test('first apply writes every file on every node and records what it owns', async () => {
    const result = await run(V1, 'v1');
    expect(result.stderr).not.toMatch(/level=error/);
    expect(result.code).toBe(0);
    for (const node of fleet.nodes) {
      expect(await hostsTreeOf(node.configDir)).toEqual(V1);
      const record = JSON.parse(await readFile(path.join(node.configDir, '.mirrorset-hosts/owner.json'), 'utf8'));
      expect(record.files.map((f: { path: string }) => f.path)).toEqual(Object.keys(V1).sort());
      // one log line per step, in order
      const steps = logLines(result.stderr, node.name).map((l) => `${l['step']}=${l['result']}`);
      expect(steps).toEqual([
        'connect=ok',
        'probe=ok',
        'preflight=ok',
        'plan=changes',
        'prepare=ok',
        'lock=ok',
        'upload=ok',
        'rename=ok',
        'cleanup=ok',
        'record=ok',
        'verify=ok',
        'effect=written-not-verifiable',
        'done=changed',
      ]);
    }
    expect(result.stdout).toMatch(/^NODE +ADDRESS +RESULT +EFFECT +WRITTEN +REMOVED +DETAIL\n/);
    expect(result.stdout).toMatch(new RegExp(`^node-a +127\\.0\\.${subnet}\\.1:\\d+ +changed +\\S+ +3 +0`, 'm'));
    expect(result.stdout).toContain('3 node(s): 3 changed, 0 unchanged, 0 failed, 0 skipped');
  });

  test('re-applying the same bundle touches no file and opens no write session', async () => {
    const before = await Promise.all(fleet.nodes.map((n) => inode(path.join(n.configDir, 'quay.io/hosts.toml'))));
    const result = await run(V1, 'v1-again');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 node(s): 0 changed, 3 unchanged, 0 failed, 0 skipped');
    expect(logLines(result.stderr).filter((l) => l['step'] === 'upload')).toEqual([]);
    const after = await Promise.all(fleet.nodes.map((n) => inode(path.join(n.configDir, 'quay.io/hosts.toml'))));
    expect(after).toEqual(before);
  });

  test('a changed bundle rewrites only the changed file, by rename over the old one', async () => {
    const node = fleet.nodes[0] as (typeof fleet.nodes)[number];
    const untouched = await inode(path.join(node.configDir, 'registry.local_5000_/hosts.toml'));
    const replaced = await inode(path.join(node.configDir, 'quay.io/hosts.toml'));

    // --dry-run says what would change and changes nothing.
    const dry = await run(V2, 'v2-dry', ['--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^node-a +\S+ +would-change +\S+ +1 +0 +write quay\.io\/hosts\.toml\n/m);
    for (const n of fleet.nodes) expect(await hostsTreeOf(n.configDir)).toEqual(V1);

    const result = await run(V2, 'v2');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^node-b +\S+ +changed +\S+ +1 +0\b/m);
    for (const n of fleet.nodes) expect(await hostsTreeOf(n.configDir)).toEqual(V2);
    expect(await inode(path.join(node.configDir, 'registry.local_5000_/hosts.toml'))).toBe(untouched);
    // a new inode: the file was renamed into place, not truncated and rewritten
    expect(await inode(path.join(node.configDir, 'quay.io/hosts.toml'))).not.toBe(replaced);
  });

  test('removing a registry deletes the directory we own and keeps directories and files we do not', async () => {
    const [a, b] = fleet.nodes as [(typeof fleet.nodes)[number], (typeof fleet.nodes)[number]];
    // Written by someone else: a whole registry directory, and a file inside one of ours.
    for (const n of fleet.nodes) {
      await mkdir(path.join(n.configDir, 'docker.io'), { recursive: true });
      await writeFile(path.join(n.configDir, 'docker.io/hosts.toml'), 'server = "https://registry-1.docker.io"\n');
    }
    await writeFile(path.join(b.configDir, 'registry.local_5000_/notes.txt'), 'kept by the admin\n');

    const result = await run(V3, 'v3');
    expect(result.code).toBe(0);
    expect(await hostsTreeOf(a.configDir)).toEqual({ ...V3, 'docker.io/hosts.toml': 'server = "https://registry-1.docker.io"\n' });
    expect(await hostsTreeOf(b.configDir)).toEqual({
      ...V3,
      'docker.io/hosts.toml': 'server = "https://registry-1.docker.io"\n',
      'registry.local_5000_/notes.txt': 'kept by the admin\n',
    });
    expect(result.stdout).toMatch(/^node-a +\S+ +changed +\S+ +0 +2\b/m);
    expect(result.stdout).toMatch(/^node-b +\S+ +changed +\S+ +0 +2 +kept registry\.local_5000_: holds files mirrorset-hosts did not write[;\n]/m);
    const cleanup = logLines(result.stderr, 'node-a').find((l) => l['step'] === 'cleanup');
    expect(cleanup).toMatchObject({ removed_dirs: 'registry.local_5000_', removed_files: 'registry.local_5000_/ca.crt,registry.local_5000_/hosts.toml' });

    // A re-run converges: the kept directory is no longer ours, so nothing is left to do.
    const again = await run(V3, 'v3-again');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('3 node(s): 0 changed, 3 unchanged, 0 failed, 0 skipped');
  });

  test('a node whose containerd config_path points elsewhere is refused, the others are updated', async () => {
    const c = fleet.nodes[2] as (typeof fleet.nodes)[number];
    await writeFile(c.containerdConfigFile, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ${tomlString(elsewhere)}\n`);
    const result = await run(V2, 'v2-config-path');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-c +\S+ +failed +\S+ +- +- +preflight: /m);
    expect(result.stdout).toContain(`has config_path = ${JSON.stringify(elsewhere)}, which does not include ${c.nodeConfigDir}`);
    expect(result.stdout).toContain('2 changed, 0 unchanged, 1 failed');
    expect(await hostsTreeOf(c.configDir)).toMatchObject(V3); // untouched

    // A list is read as a list only where the node reports its containerd release (containerd-config.ts:
    // 2.1+ takes it as one literal directory); the Windows probe reports none, so there the fix is the
    // directory alone.
    const fixedPath = os === 'windows' ? c.nodeConfigDir : `${elsewhere}${listSeparator}${c.nodeConfigDir}`;
    await writeFile(c.containerdConfigFile, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ${tomlString(fixedPath)}\n`);
    const fixed = await run(V2, 'v2-config-path-fixed');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^node-c +\S+ +changed +\S+ +2 +0/m); // quay.io/hosts.toml was already current
  });

  test('no output of any run contains the private key', async () => {
    const key = await readFile(fleet.key.privateKeyFile, 'utf8');
    const body = key.split('\n').filter((l) => l && !l.startsWith('-----'));
    expect(outputs.length).toBeGreaterThan(4);
    for (const { stdout, stderr } of outputs) {
      for (const line of body) {
        expect(stdout).not.toContain(line);
        expect(stderr).not.toContain(line);
      }
    }
  });
});
}
