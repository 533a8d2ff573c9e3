// compareTree: the committed output directory against the rendered files, byte for byte.
import { compareTree, type CommittedEntry } from '../../src/plan/compare-tree.js';

const file = (text: string): CommittedEntry => ({ kind: 'file', bytes: new TextEncoder().encode(text) });

test('an identical directory has no change and no diff', () => {
  expect(compareTree(new Map([['a/hosts.toml', 'x\n']]), new Map([['a/hosts.toml', file('x\n')]]), 'out')).toEqual({ changes: [], diff: '' });
});

test('a file to change, to add and to delete each get a change in path order and a diff git apply accepts', () => {
  const result = compareTree(
    new Map([
      ['b/hosts.toml', 'new\n'],
      ['c/hosts.toml', 'added\n'],
    ]),
    new Map([
      ['a/hosts.toml', file('gone\n')],
      ['b/hosts.toml', file('old\n')],
    ]),
    'out',
  );
  expect(result.changes).toEqual([
    { action: 'delete', path: 'out/a/hosts.toml' },
    { action: 'change', path: 'out/b/hosts.toml' },
    { action: 'add', path: 'out/c/hosts.toml' },
  ]);
  expect(result.diff).toContain('--- a/out/a/hosts.toml\n+++ /dev/null\n');
  expect(result.diff).toContain('--- a/out/b/hosts.toml\n+++ b/out/b/hosts.toml\n');
  expect(result.diff).toContain('--- /dev/null\n+++ b/out/c/hosts.toml\n');
});

test('an entry that is not a regular file is to replace, with no diff', () => {
  expect(compareTree(new Map([['a/hosts.toml', 'x\n']]), new Map([['a/hosts.toml', { kind: 'other' }]]), 'out')).toEqual({
    changes: [{ action: 'replace', path: 'out/a/hosts.toml' }],
    diff: '',
  });
});

test('a byte order mark in a committed file is a difference', () => {
  const result = compareTree(new Map([['a/hosts.toml', 'x\n']]), new Map([['a/hosts.toml', file('\uFEFFx\n')]]), 'out');
  expect(result.changes).toEqual([{ action: 'change', path: 'out/a/hosts.toml' }]);
  expect(result.diff).toContain('-\uFEFFx');
});
