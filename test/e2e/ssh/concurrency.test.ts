// Two runs on one node (a CronJob run overlapping a new Job, two shards misconfigured to overlap):
// the node's lock serialises them, and the ownership record tells a run that another one finished
// first. The node always ends with one bundle, whole, and a record that matches it. On both node OSes:
// the Windows program's lock is an exclusive open (FileShare None), which .NET on Linux takes as
// flock(LOCK_EX), so the same outside holder blocks both programs.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { apply, Fleet, holdLock, hostsToml, hostsTreeOf, logLines, nodeOses, treeOf, release, writeBundle, type Captured } from './fleet.js';

jest.setTimeout(180_000);

const A = {
  'quay.io/hosts.toml': hostsToml('quay.io', 'a.example.com/quay'),
  'ghcr.io/hosts.toml': hostsToml('ghcr.io', 'a.example.com/ghcr'),
};
const B = {
  'quay.io/hosts.toml': hostsToml('quay.io', 'b.example.com/quay'),
  'registry.k8s.io/hosts.toml': hostsToml('registry.k8s.io', 'b.example.com/k8s'),
};

for (const { os, missing } of await nodeOses(['flock'])) {
// Long enough for both runs to probe, plan and queue on the lock: a probe takes about 0.3 s on a
// Linux node here, a few seconds on a Windows stand-in (two PowerShell starts per session).
const queueMs = os === 'windows' ? 15000 : 1500;

(missing ? describe.skip : describe)(`concurrent runs on the same nodes (${os})`, () => {
  let fleet: Fleet;
  const holders: ChildProcess[] = [];

  beforeAll(async () => {
    fleet = await Fleet.start(os === 'windows' ? 135 : 35, 2, { os });
  });
  afterAll(async () => {
    for (const h of holders) await release(h);
    await fleet?.dispose();
  });

  test('a run waits for the lock another run holds, and gives up after --lock-timeout with the reason', async () => {
    const a = fleet.nodes[0] as (typeof fleet.nodes)[number];
    const holder = await holdLock(a.configDir);
    holders.push(holder);
    const bundle = await writeBundle(fleet.bundleDir('a'), A);
    const result = await apply(fleet.args(bundle, ['--canary', 'none', '--lock-timeout', '1']));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +lock: another mirrorset-hosts run held the node's lock \(\S+[\\/]\.mirrorset-hosts[\\/]lock\) for more than 1s/m);
    expect(result.stdout).toMatch(/^node-b +\S+ +changed +\S+ +2 +0/m);
    expect(await hostsTreeOf(a.configDir)).toEqual({});

    // With time to wait, the run proceeds as soon as the other one lets go.
    setTimeout(() => void release(holder), 1000);
    const started = Date.now();
    const waited = await apply(fleet.args(bundle, ['--canary', 'none', '--lock-timeout', '20']));
    expect(waited.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await hostsTreeOf(a.configDir)).toEqual(A);
  });

  test('two runs with different bundles at once leave each node with one bundle, whole, and a matching record', async () => {
    const bundleA = await writeBundle(fleet.bundleDir('a2'), A);
    const bundleB = await writeBundle(fleet.bundleDir('b2'), B);
    const check = async (): Promise<void> => {
      for (const node of fleet.nodes) {
        const tree = await hostsTreeOf(node.configDir);
        expect([A, B]).toContainEqual(tree);
        const record = JSON.parse(await readFile(path.join(node.configDir, '.mirrorset-hosts/owner.json'), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
        const onDisk = Object.entries(tree).map(([p, c]) => ({ path: p, sha256: createHash('sha256').update(c).digest('hex') }));
        expect(record.files).toEqual(onDisk.sort((x, y) => (x.path < y.path ? -1 : 1)));
        expect(Object.keys(await treeOf(node.configDir)).filter((p) => p.endsWith('.mirrorset-hosts-tmp'))).toEqual([]);
      }
    };
    const both = (): Promise<[Captured, Captured]> =>
      Promise.all([apply(fleet.args(bundleA, ['--canary', 'none'])), apply(fleet.args(bundleB, ['--canary', 'none']))]);

    // Start from a third bundle, so that both runs have something to write.
    const bundleC = await writeBundle(fleet.bundleDir('c2'), { 'quay.io/hosts.toml': hostsToml('quay.io', 'c.example.com/quay') });
    expect((await apply(fleet.args(bundleC))).code).toBe(0);

    // Forced overlap: with every node locked, both runs probe and plan, then queue on the lock. The
    // one that gets it second must see that the record changed under it, probe again, and apply.
    const locks = await Promise.all(fleet.nodes.map((n) => holdLock(n.configDir)));
    holders.push(...locks);
    const queued = both();
    await new Promise((r) => setTimeout(r, queueMs));
    await Promise.all(locks.map(release));
    const [ra, rb] = await queued;
    expect([ra.code, rb.code]).toEqual([0, 0]);
    for (const node of fleet.nodes) {
      const retried = [ra, rb].flatMap((r) => logLines(r.stderr, node.name)).filter((l) => l['step'] === 'lock' && l['result'] === 'retry');
      expect(retried).toHaveLength(1);
    }
    await check();

    // Free-running overlap, as it comes.
    const [a, b] = await both();
    expect([a.code, b.code]).toEqual([0, 0]);
    await check();
  });
});
}
