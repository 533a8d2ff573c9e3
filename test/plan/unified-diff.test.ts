// The diff check and plan print: readable, minimal, and a correct patch (applying it to the old text
// gives the new one, context lines included), for any two texts.
import fc from 'fast-check';
import { unifiedDiff } from '../../src/plan/unified-diff.js';

const labels = { oldLabel: 'a/f', newLabel: 'b/f' };

/** A strict patch applier: every context and removed line must match the old text. */
function applyPatch(oldText: string, diff: string): string {
  if (diff === '') return oldText;
  const old = oldText === '' ? [] : oldText.split('\n');
  const oldEol = oldText === '' || oldText.endsWith('\n');
  if (oldEol && old.length > 0) old.pop();
  const lines = diff.replace(/\n$/, '').split('\n').slice(2);
  const out: string[] = [];
  let cursor = 0;
  let newEol = true;
  let i = 0;
  while (i < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[i] as string);
    if (!header) throw new Error(`not a hunk header: ${lines[i]}`);
    const oldStart = Number(header[1]);
    const oldCount = header[2] === undefined ? 1 : Number(header[2]);
    const from = oldCount === 0 ? oldStart : oldStart - 1;
    while (cursor < from) out.push(old[cursor++] as string);
    i++;
    while (i < lines.length && !(lines[i] as string).startsWith('@@')) {
      const line = lines[i] as string;
      const text = line.slice(1);
      const next = lines[i + 1];
      const noEol = next === '\\ No newline at end of file';
      if (line[0] === ' ' || line[0] === '-') {
        if (old[cursor] !== text) throw new Error(`context mismatch at old line ${cursor + 1}: ${JSON.stringify(old[cursor])} != ${JSON.stringify(text)}`);
        cursor++;
      }
      if (line[0] === ' ' || line[0] === '+') {
        out.push(text);
        if (noEol) newEol = false;
      }
      i += noEol ? 2 : 1;
    }
  }
  while (cursor < old.length) out.push(old[cursor++] as string);
  if (cursor === old.length && !oldEol && out.length > 0 && newEol && !diff.includes('\\ No newline')) newEol = false;
  return out.length === 0 ? '' : out.join('\n') + (newEol ? '\n' : '');
}

test('equal texts give no diff', () => {
  expect(unifiedDiff('a\nb\n', 'a\nb\n', labels)).toBe('');
});

test('a changed line in a longer file: one hunk with three lines of context, git style', () => {
  const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9'].join('\n') + '\n';
  const after = before.replace('5\n', 'five\n');
  expect(unifiedDiff(before, after, labels)).toBe(
    ['--- a/f', '+++ b/f', '@@ -2,7 +2,7 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ''].join('\n'),
  );
});

test('distant changes give separate hunks; near ones share one', () => {
  const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
  const before = lines.join('\n') + '\n';
  const far = before.replace('line 2\n', 'LINE 2\n').replace('line 28\n', 'LINE 28\n');
  expect(unifiedDiff(before, far, labels).match(/^@@/gm)).toHaveLength(2);
  const near = before.replace('line 10\n', 'X\n').replace('line 16\n', 'Y\n');
  expect(unifiedDiff(before, near, labels).match(/^@@/gm)).toHaveLength(1);
});

test('a new file and a deleted file', () => {
  expect(unifiedDiff('', 'a\nb\n', { oldLabel: '/dev/null', newLabel: 'b/f' })).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+a\n+b\n');
  expect(unifiedDiff('a\n', '', { oldLabel: 'a/f', newLabel: '/dev/null' })).toBe('--- a/f\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n');
});

test('a missing newline at the end is a change, and is marked', () => {
  expect(unifiedDiff('a\nb', 'a\nb\n', labels)).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
});

test('inserting a mirror table keeps the tables around it as context', () => {
  const table = (host: string): string => `[host."https://${host}/v2"]\n  capabilities = ["pull"]\n  override_path = true\n`;
  const before = `server = "https://quay.io/v2"\noverride_path = true\n\n${table('a.example')}\n${table('c.example')}`;
  const after = `server = "https://quay.io/v2"\noverride_path = true\n\n${table('a.example')}\n${table('b.example')}\n${table('c.example')}`;
  const diff = unifiedDiff(before, after, labels);
  expect(diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'))).toEqual([
    '+[host."https://b.example/v2"]',
    '+  capabilities = ["pull"]',
    '+  override_path = true',
    '+',
  ]);
  expect(diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
});

test('property: the diff is a patch that turns the old text into the new one', () => {
  const text = fc
    .array(fc.constantFrom('a', 'b', 'c', '', 'server = "x"', '[host]'), { maxLength: 30 })
    .chain((lines) => fc.boolean().map((eol) => (lines.length === 0 ? '' : lines.join('\n') + (eol ? '\n' : ''))));
  fc.assert(
    fc.property(text, text, (before, after) => {
      expect(applyPatch(before, unifiedDiff(before, after, labels))).toBe(after);
    }),
    { numRuns: 500 },
  );
});

/** Length of the longest common subsequence, by dynamic programming. */
function lcs(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] as number;
      row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(up, row[j - 1] as number);
      diagonal = up;
    }
  }
  return row[b.length] as number;
}

test('property: the diff is minimal (removed + added lines = n + m - 2 * LCS)', () => {
  const lines = fc.array(fc.constantFrom('x', 'y', 'z', 'w'), { maxLength: 25 });
  fc.assert(
    fc.property(lines, lines, (a, b) => {
      const diff = unifiedDiff(a.map((l) => `${l}\n`).join(''), b.map((l) => `${l}\n`).join(''), labels);
      const marked = diff.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));
      expect(marked).toHaveLength(a.length + b.length - 2 * lcs(a, b));
    }),
    { numRuns: 500 },
  );
});

test('a large rewrite stays a correct patch', () => {
  const before = Array.from({ length: 3000 }, (_, i) => `old ${i}`).join('\n') + '\n';
  const after = Array.from({ length: 3000 }, (_, i) => `new ${i}`).join('\n') + '\n';
  expect(applyPatch(before, unifiedDiff(before, after, labels))).toBe(after);
});
