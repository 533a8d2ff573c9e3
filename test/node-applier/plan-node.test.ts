import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { serializeRecord, unknownNodeState, type DesiredFile, type NodeState } from '../../src/node-applier/node-state.js';
import { planNode, tempPathFor } from '../../src/node-applier/plan-node.js';

const sha = (c: string): string => c.repeat(64);
const file = (path: string, s: string): DesiredFile => ({ path, sha256: sha(s), content: new TextEncoder().encode(s) });
const record = (files: Array<[string, string]>, hash = 'h1'): { sha256: string; text: string } => ({
  sha256: sha('9'),
  text: serializeRecord(hash, files.map(([path, s]) => ({ path, sha256: sha(s) }))),
});

function node(files: Array<[string, string]>, owned: Array<[string, string]> | null, hash = 'h1'): NodeState {
  return {
    ...unknownNodeState(),
    osId: 'debian',
    dir: 'exists',
    dirWritable: true,
    record: owned ? record(owned, hash) : null,
    dirs: [...new Set(files.map(([p]) => p.split('/')[0] as string))].sort(),
    files: new Map(files.map(([p, s]) => [p, sha(s)])),
  };
}

const QUAY = file('quay.io/hosts.toml', 'a');
const LOCAL = file('local_5000_/hosts.toml', 'b');
const LOCAL_CA = file('local_5000_/ca.crt', 'c');

describe('planNode', () => {
  test('an empty node gets every file, its directories, and a record', () => {
    const plan = planNode([QUAY, LOCAL, LOCAL_CA], node([], null), 'h1');
    expect(plan.writes.map((w) => [w.path, w.reason])).toEqual([
      ['local_5000_/ca.crt', 'new'],
      ['local_5000_/hosts.toml', 'new'],
      ['quay.io/hosts.toml', 'new'],
    ]);
    expect(plan.mkdirs).toEqual(['local_5000_', 'quay.io']);
    expect(plan.expectedRecordSha256).toBe('absent');
    expect(plan.upToDate).toBe(false);
    expect(JSON.parse(plan.record).files).toEqual([
      { path: 'local_5000_/ca.crt', sha256: sha('c') },
      { path: 'local_5000_/hosts.toml', sha256: sha('b') },
      { path: 'quay.io/hosts.toml', sha256: sha('a') },
    ]);
  });

  test('a node that already has the bundle and its record is up to date', () => {
    const plan = planNode([QUAY], node([['quay.io/hosts.toml', 'a']], [['quay.io/hosts.toml', 'a']]), 'h1');
    expect(plan.upToDate).toBe(true);
    expect(plan.writes).toEqual([]);
  });

  test('only the file whose sha256 differs is written', () => {
    const plan = planNode([QUAY, LOCAL], node([['quay.io/hosts.toml', 'x'], ['local_5000_/hosts.toml', 'b']], [['quay.io/hosts.toml', 'x'], ['local_5000_/hosts.toml', 'b']]), 'h2');
    expect(plan.writes.map((w) => [w.path, w.reason])).toEqual([['quay.io/hosts.toml', 'changed']]);
    expect(plan.mkdirs).toEqual([]);
  });

  test('a file we never wrote but the bundle wants is left alone: its registry is skipped, the others are written', () => {
    const plan = planNode([QUAY, LOCAL], node([['quay.io/hosts.toml', 'x']], null), 'h1');
    expect(plan.writes.map((w) => w.path)).toEqual(['local_5000_/hosts.toml']);
    expect(plan.foreignFiles).toEqual([{ path: 'quay.io/hosts.toml', found: 'differs' }]);
    expect(plan.skippedDirs).toEqual(['quay.io']);
    expect(JSON.parse(plan.record).files.map((f: { path: string }) => f.path)).toEqual(['local_5000_/hosts.toml']);
  });

  test('with --adopt it is taken over, and said so', () => {
    const plan = planNode([QUAY], node([['quay.io/hosts.toml', 'x']], null), 'h1', { adopt: true });
    expect(plan.writes.map((w) => w.reason)).toEqual(['adopted']);
    expect(plan.foreignFiles).toEqual([]);
  });

  test('a foreign file with the bundle\'s very content is not recorded as ours either (we would delete it later)', () => {
    const plan = planNode([QUAY], node([['quay.io/hosts.toml', 'a']], null), 'h1');
    expect(plan.writes).toEqual([]);
    expect(plan.foreignFiles).toEqual([{ path: 'quay.io/hosts.toml', found: 'same' }]);
    expect(JSON.parse(plan.record).files).toEqual([]);
    const adopted = planNode([QUAY], node([['quay.io/hosts.toml', 'a']], null), 'h1', { adopt: true });
    expect(adopted.writes).toEqual([]);
    expect(JSON.parse(adopted.record).files.map((f: { path: string }) => f.path)).toEqual(['quay.io/hosts.toml']);
  });

  test('symlinks where we would write or remove are refused, with or without --adopt', () => {
    const state = { ...node([['local_5000_/hosts.toml', 'b']], [['local_5000_/hosts.toml', 'b'], ['local_5000_/ca.crt', 'c']]), links: ['local_5000_/ca.crt', 'quay.io'] };
    expect(planNode([QUAY, LOCAL], state, 'h1').unsafePaths).toEqual(['local_5000_/ca.crt', 'quay.io']);
    expect(planNode([QUAY, LOCAL], state, 'h1', { adopt: true }).unsafePaths).toEqual(['local_5000_/ca.crt', 'quay.io']);
  });

  test('the record written before the renames covers what we own and what we are about to write', () => {
    const plan = planNode([QUAY], node([['old.io/hosts.toml', 'o']], [['old.io/hosts.toml', 'o']]), 'h1');
    expect(JSON.parse(plan.intentRecord).files.map((f: { path: string }) => f.path)).toEqual(['old.io/hosts.toml', 'quay.io/hosts.toml']);
    expect(JSON.parse(plan.record).files.map((f: { path: string }) => f.path)).toEqual(['quay.io/hosts.toml']);
  });

  test('a registry dropped from the bundle: our files and directory go, a foreign directory stays', () => {
    const state = node(
      [['quay.io/hosts.toml', 'a'], ['local_5000_/hosts.toml', 'b'], ['local_5000_/ca.crt', 'c'], ['docker.io/hosts.toml', 'd']],
      [['quay.io/hosts.toml', 'a'], ['local_5000_/hosts.toml', 'b'], ['local_5000_/ca.crt', 'c']],
    );
    const plan = planNode([QUAY], state, 'h2');
    expect(plan.removeFiles).toEqual(['local_5000_/ca.crt', 'local_5000_/hosts.toml']);
    expect(plan.removeDirs).toEqual(['local_5000_']);
    expect(plan.foreignDirs).toEqual(['docker.io']);
    expect(plan.writes).toEqual([]);
  });

  test('a file dropped from a registry that stays is removed, the directory kept', () => {
    const state = node([['local_5000_/hosts.toml', 'b'], ['local_5000_/ca.crt', 'c']], [['local_5000_/hosts.toml', 'b'], ['local_5000_/ca.crt', 'c']]);
    const plan = planNode([LOCAL], state, 'h2');
    expect(plan.removeFiles).toEqual(['local_5000_/ca.crt']);
    expect(plan.removeDirs).toEqual([]);
  });

  test('a file we recorded but someone deleted is not "removed" again', () => {
    const plan = planNode([QUAY], node([['quay.io/hosts.toml', 'a']], [['quay.io/hosts.toml', 'a'], ['gone.io/hosts.toml', 'g']]), 'h1');
    expect(plan.removeFiles).toEqual([]);
    expect(plan.removeDirs).toEqual([]);
  });

  test('temporary files of an interrupted run are removed; other hidden files are not ours', () => {
    const state = node([['quay.io/hosts.toml', 'a'], [tempPathFor('quay.io/hosts.toml'), 'z'], ['quay.io/.keep', 'k']], [['quay.io/hosts.toml', 'a']]);
    const plan = planNode([QUAY], state, 'h1');
    expect(plan.removeTemps).toEqual(['quay.io/.hosts.toml.mirrorset-hosts-tmp']);
    expect(plan.upToDate).toBe(false);
  });

  test('a record from another bundle with the same files is rewritten', () => {
    const plan = planNode([QUAY], node([['quay.io/hosts.toml', 'a']], [['quay.io/hosts.toml', 'a']], 'h0'), 'h1');
    expect(plan.writes).toEqual([]);
    expect(plan.upToDate).toBe(false);
    expect(JSON.parse(plan.record).contentHash).toBe('h1');
  });

  test('the plan carries the record sha256 the probe saw, which the apply checks under the lock', () => {
    const plan = planNode([QUAY], node([], [['quay.io/hosts.toml', 'x']]), 'h1');
    expect(plan.expectedRecordSha256).toBe(sha('9'));
  });

  test('the record is deterministic: same input, same bytes', () => {
    expect(planNode([LOCAL, QUAY], node([], null), 'h1').record).toBe(planNode([QUAY, LOCAL], node([], null), 'h1').record);
  });
});

// The invariant behind "never adopt": whatever is on the node and whatever the bundle wants, a plan
// without --adopt writes, removes and records only paths that are absent or listed in our record.
describe('planNode never touches what it did not write', () => {
  const DIRS = ['quay.io', 'ghcr.io', 'local_5000_'];
  const NAMES = ['hosts.toml', 'ca.crt', 'client.pem'];
  const pathArb = fc.tuple(fc.constantFrom(...DIRS), fc.constantFrom(...NAMES)).map(([d, n]) => `${d}/${n}`);
  const shaArb = fc.constantFrom<string>('a', 'b', 'c');
  const scenario = fc.record({
    onNode: fc.uniqueArray(fc.tuple(pathArb, shaArb), { selector: ([p]) => p, maxLength: 9 }),
    ownedIdx: fc.array(fc.nat(), { maxLength: 9 }),
    ownedGone: fc.uniqueArray(fc.tuple(pathArb, shaArb), { selector: ([p]) => p, maxLength: 3 }),
    desired: fc.uniqueArray(fc.tuple(pathArb, shaArb), { selector: ([p]) => p, maxLength: 9 }),
    others: fc.uniqueArray(pathArb, { maxLength: 2 }),
  });

  test('without --adopt: writes, removals and the record stay within our record and empty paths', () => {
    fc.assert(
      fc.property(scenario, ({ onNode, ownedIdx, ownedGone, desired, others }) => {
        const owned = [...new Set(ownedIdx.map((i) => onNode[i % Math.max(onNode.length, 1)]).filter((x): x is [string, string] => x !== undefined))];
        const otherPaths = others.filter((p) => !onNode.some(([q]) => q === p));
        const ownedAll = [...owned, ...ownedGone.filter(([p]) => !onNode.some(([q]) => q === p) && !otherPaths.includes(p))];
        const state: NodeState = { ...node(onNode, ownedAll), others: otherPaths };
        state.dirs = [...new Set([...state.dirs, ...otherPaths.map((p) => p.split('/')[0] as string)])].sort();
        const ownedPaths = new Set(ownedAll.map(([p]) => p));
        const foreign = new Set([...onNode.map(([p]) => p), ...otherPaths].filter((p) => !ownedPaths.has(p)));
        const plan = planNode(desired.map(([p, s]) => file(p, s)), state, 'h');
        for (const w of plan.writes) expect(foreign.has(w.path)).toBe(false);
        for (const r of plan.removeFiles) expect(ownedPaths.has(r)).toBe(true);
        for (const f of JSON.parse(plan.record).files as Array<{ path: string }>) expect(foreign.has(f.path)).toBe(false);
        for (const f of JSON.parse(plan.intentRecord).files as Array<{ path: string }>) expect(foreign.has(f.path)).toBe(false);
        // and every foreign file the bundle wants is reported
        for (const [p] of desired) if (foreign.has(p)) expect(plan.foreignFiles.map((f) => f.path)).toContain(p);
      }),
      { numRuns: 400 },
    );
  });
});
