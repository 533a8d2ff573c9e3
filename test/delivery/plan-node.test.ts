import { describe, expect, test } from '@jest/globals';
import { serializeRecord, type DesiredFile, type NodeState } from '../../src/delivery/node-state.js';
import { planNode, tempPathFor } from '../../src/delivery/plan-node.js';

const sha = (c: string): string => c.repeat(64);
const file = (path: string, s: string): DesiredFile => ({ path, sha256: sha(s), content: new TextEncoder().encode(s) });
const record = (files: Array<[string, string]>, hash = 'h1'): { sha256: string; text: string } => ({
  sha256: sha('9'),
  text: serializeRecord(hash, files.map(([path, s]) => ({ path, sha256: sha(s) }))),
});

function node(files: Array<[string, string]>, owned: Array<[string, string]> | null, hash = 'h1'): NodeState {
  return {
    osId: 'debian',
    missingTools: [],
    dir: 'exists',
    dirWritable: true,
    record: owned ? record(owned, hash) : null,
    dirs: [...new Set(files.map(([p]) => p.split('/')[0] as string))].sort(),
    files: new Map(files.map(([p, s]) => [p, sha(s)])),
    firstLines: new Map(),
    markers: [],
    containerdConfig: { state: 'not-checked' },
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

  test('a file we never wrote but the bundle wants is taken over, and said so', () => {
    const plan = planNode([QUAY], node([['quay.io/hosts.toml', 'x']], null), 'h1');
    expect(plan.writes.map((w) => w.reason)).toEqual(['adopted']);
  });

  test('matching files without a record still get the record written (nothing else)', () => {
    const plan = planNode([QUAY], node([['quay.io/hosts.toml', 'a']], null), 'h1');
    expect(plan.writes).toEqual([]);
    expect(plan.upToDate).toBe(false);
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
