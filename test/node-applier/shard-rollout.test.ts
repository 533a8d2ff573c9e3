import { describe, expect, test } from '@jest/globals';
import { isSkipped, rolloutOrder, runRollout } from '../../src/node-applier/rollout.js';
import { fnv1a32, selectShard, shardFor } from '../../src/node-applier/shard.js';

const names = (n: number, prefix = 'win-'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);

describe('shardFor', () => {
  test('FNV-1a 32 matches the published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  test('a node keeps its shard when other nodes join or leave', () => {
    const before = new Map(names(200).map((n) => [n, shardFor(n, 8)]));
    const grown = [...names(200), ...names(50, 'new-')];
    for (const n of grown.filter((x) => before.has(x))) expect(shardFor(n, 8)).toBe(before.get(n));
  });

  test('shards are disjoint, cover every node, and are roughly even', () => {
    const nodes = names(1000).map((name) => ({ name }));
    const shards = Array.from({ length: 4 }, (_, i) => selectShard(nodes, i, 4));
    expect(shards.flat().map((n) => n.name).sort()).toEqual(nodes.map((n) => n.name));
    for (const s of shards) expect(s.length).toBeGreaterThan(200);
  });

  test('an index outside the shard count is refused', () => {
    expect(() => selectShard([], 4, 4)).toThrow('shard index must be from 0 to 3, found 4');
  });
});

describe('rollout', () => {
  test('the canary defaults to the first node by name; none and a named canary are honoured', () => {
    expect(rolloutOrder(['c', 'a', 'b'], 'auto')).toEqual({ canary: 'a', rest: ['b', 'c'] });
    expect(rolloutOrder(['c', 'a', 'b'], 'none')).toEqual({ canary: null, rest: ['a', 'b', 'c'] });
    expect(rolloutOrder(['c', 'a', 'b'], 'b')).toEqual({ canary: 'b', rest: ['a', 'c'] });
    expect(rolloutOrder(['a'], 'auto')).toEqual({ canary: null, rest: ['a'] });
    expect(() => rolloutOrder(['a', 'b'], 'x')).toThrow('canary node "x" is not among the nodes of this run (a, b)');
  });

  /** A fake node run that records concurrency and fails the listed nodes. */
  function recorder(failing: string[] = []): { work: (n: string) => Promise<{ failed: boolean }>; peak: () => number; log: string[] } {
    let running = 0;
    let peak = 0;
    const log: string[] = [];
    return {
      log,
      peak: () => peak,
      work: async (name) => {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${name} (${running} running)`);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return { failed: failing.includes(name) };
      },
    };
  }

  test('the canary runs alone, then at most maxParallel nodes at a time', async () => {
    const r = recorder();
    const results = await runRollout(names(25), { canary: 'auto', maxParallel: 4, maxFailures: 3 }, r.work);
    expect(r.log[0]).toBe('start win-0000 (1 running)');
    expect(r.log[1]).toBe('start win-0001 (1 running)'); // the canary had finished
    expect(r.peak()).toBe(4);
    expect(results.map((x) => x.name)).toEqual(names(25));
    expect(results.every((x) => !isSkipped(x.result))).toBe(true);
  });

  test('a failed canary stops the rollout: every other node is skipped, none started', async () => {
    const r = recorder(['win-0000']);
    const results = await runRollout(names(5), { canary: 'auto', maxParallel: 2, maxFailures: 3 }, r.work);
    expect(r.log).toEqual(['start win-0000 (1 running)']);
    expect(results.slice(1).map((x) => x.result)).toEqual(Array(4).fill({ skipped: true, reason: 'not started: canary node win-0000 failed' }));
  });

  test('after maxFailures failures no new node starts; those already running finish', async () => {
    const r = recorder(['win-0001', 'win-0002']);
    const results = await runRollout(names(10), { canary: 'none', maxParallel: 3, maxFailures: 2 }, r.work);
    const started = results.filter((x) => !isSkipped(x.result)).map((x) => x.name);
    // 0, 1, 2 start together and end in that order: 0 ok starts 3, 1 failed (1 < 2) starts 4,
    // 2 failed reaches maxFailures: nothing else starts.
    expect(started).toEqual(['win-0000', 'win-0001', 'win-0002', 'win-0003', 'win-0004']);
    const skipped = results.filter((x) => isSkipped(x.result));
    expect(skipped.map((x) => x.name)).toEqual(['win-0005', 'win-0006', 'win-0007', 'win-0008', 'win-0009']);
    expect(skipped[0]?.result).toEqual({ skipped: true, reason: 'not started: 2 node(s) failed (maxFailures 2)' });
  });

  test('WMCO\'s behaviour is maxParallel 1, maxFailures 1: one by one, stop at the first failure', async () => {
    const r = recorder(['win-0002']);
    const results = await runRollout(names(5), { canary: 'none', maxParallel: 1, maxFailures: 1 }, r.work);
    expect(r.peak()).toBe(1);
    expect(results.map((x) => (isSkipped(x.result) ? 'skipped' : x.result.failed ? 'failed' : 'ok'))).toEqual(['ok', 'ok', 'failed', 'skipped', 'skipped']);
  });
});
