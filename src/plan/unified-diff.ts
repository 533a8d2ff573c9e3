// A unified diff of two texts, line by line, in the format `git apply` and `patch` read: Myers'
// O(ND) shortest edit script (E. Myers, "An O(ND) Difference Algorithm and Its Variations", 1986),
// hunks with `context` lines around each change, `\ No newline at end of file` where a text ends
// without one. Pure and dependency-free: `check` prints it for a stale tree, `plan` per changed file.

export interface UnifiedDiffOptions {
  /** `a/<path>`, or `/dev/null` when the file does not exist before. */
  oldLabel: string;
  /** `b/<path>`, or `/dev/null` when the file does not exist after. */
  newLabel: string;
  /** Unchanged lines shown around a change; 3 as in diff -u and git. */
  context?: number;
}

type Op = { kind: ' ' | '-' | '+'; text: string; noEol: boolean };

interface Lines {
  lines: string[];
  /** The last line has no trailing newline. */
  noEol: boolean;
}

// Beyond this many edits the shortest script is not worth its quadratic cost: the diff then
// replaces the changed middle as a whole, which is still a correct patch.
const MAX_EDIT_DISTANCE = 2000;

/** `''` when the texts are equal; otherwise the `---`/`+++` header and the hunks, ending with `\n`. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const context = options.context ?? 3;
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const ops = diffLines(a, b);
  const hunks = groupHunks(ops, context);
  const out = [`--- ${options.oldLabel}`, `+++ ${options.newLabel}`];
  for (const hunk of hunks) for (const line of hunk) out.push(line);
  return out.join('\n') + '\n';
}

function splitLines(text: string): Lines {
  if (text === '') return { lines: [], noEol: false };
  const lines = text.split('\n');
  const noEol = lines[lines.length - 1] !== '';
  if (!noEol) lines.pop();
  return { lines, noEol };
}

function diffLines(a: Lines, b: Lines): Op[] {
  // The last line without a newline differs from the same text with one.
  const key = (side: Lines, i: number): string =>
    side.noEol && i === side.lines.length - 1 ? `${side.lines[i]}\u0000` : (side.lines[i] as string);
  const op = (kind: Op['kind'], side: Lines, i: number): Op => ({
    kind,
    text: side.lines[i] as string,
    noEol: side.noEol && i === side.lines.length - 1,
  });
  const n = a.lines.length;
  const m = b.lines.length;
  let prefix = 0;
  while (prefix < n && prefix < m && key(a, prefix) === key(b, prefix)) prefix++;
  let suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix && key(a, n - 1 - suffix) === key(b, m - 1 - suffix)) suffix++;

  const ops: Op[] = [];
  for (let i = 0; i < prefix; i++) ops.push(op(' ', a, i));
  const middle = shortestEditScript(
    Array.from({ length: n - prefix - suffix }, (_, i) => key(a, prefix + i)),
    Array.from({ length: m - prefix - suffix }, (_, j) => key(b, prefix + j)),
  );
  for (const step of middle) {
    if (step.kind === ' ') ops.push(op(' ', a, prefix + step.x));
    else if (step.kind === '-') ops.push(op('-', a, prefix + step.x));
    else ops.push(op('+', b, prefix + step.y));
  }
  for (let i = n - suffix; i < n; i++) ops.push(op(' ', a, i));
  return ops;
}

interface Step {
  kind: ' ' | '-' | '+';
  x: number;
  y: number;
}

/** Myers' greedy forward search, keeping each round's frontier to walk the path back. */
function shortestEditScript(a: readonly string[], b: readonly string[]): Step[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((_, y) => ({ kind: '+', x: 0, y }));
  if (m === 0) return a.map((_, x) => ({ kind: '-', x, y: 0 }));
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const offset = max + 1;
  // v[offset + k] = furthest x on diagonal k; trace[d] keeps v[k] for k in [-d, d] as it was before round d.
  const v = new Int32Array(2 * max + 3);
  v[offset + 1] = 0;
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m);
    }
  }
  // Too many edits: delete the old middle, insert the new one.
  return [...a.map((_, x): Step => ({ kind: '-', x, y: 0 })), ...b.map((_, y): Step => ({ kind: '+', x: n, y }))];
}

function backtrack(trace: readonly Int32Array[], n: number, m: number): Step[] {
  const steps: Step[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const frontier = trace[d] as Int32Array;
    const at = (k: number): number => frontier[k + d] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      steps.push({ kind: ' ', x, y });
    }
    if (d > 0) {
      if (down) {
        y--;
        steps.push({ kind: '+', x, y });
      } else {
        x--;
        steps.push({ kind: '-', x, y });
      }
    }
  }
  return steps.reverse();
}

/** Hunks in diff -u form; changes closer than 2 * context unchanged lines share a hunk. */
function groupHunks(ops: readonly Op[], context: number): string[][] {
  const changes = ops.flatMap((op, i) => (op.kind === ' ' ? [] : [i]));
  const hunks: string[][] = [];
  let c = 0;
  while (c < changes.length) {
    const start = Math.max(0, (changes[c] as number) - context);
    let end = changes[c] as number;
    while (c + 1 < changes.length && (changes[c + 1] as number) - end <= 2 * context) end = changes[++c] as number;
    c++;
    const stop = Math.min(ops.length, end + context + 1);
    // Line numbers before `start`.
    let oldLine = 0;
    let newLine = 0;
    for (let i = 0; i < start; i++) {
      const kind = (ops[i] as Op).kind;
      if (kind !== '+') oldLine++;
      if (kind !== '-') newLine++;
    }
    const body: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    for (let i = start; i < stop; i++) {
      const op = ops[i] as Op;
      if (op.kind !== '+') oldCount++;
      if (op.kind !== '-') newCount++;
      body.push(`${op.kind}${op.text}`);
      if (op.noEol) body.push('\\ No newline at end of file');
    }
    hunks.push([`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`, ...body]);
  }
  return hunks;
}

/** `start,count` as diff -u writes it: the count is left out when it is 1; an empty range names the line before it. */
function range(before: number, count: number): string {
  if (count === 0) return `${before},0`;
  return count === 1 ? `${before + 1}` : `${before + 1},${count}`;
}
