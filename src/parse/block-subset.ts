// A fast reader for the plain block YAML that tools write and people mostly write by hand
// (oc-mirror, kubectl, kustomize output): block mappings and sequences, plain, single- and
// double-quoted one-line scalars, comments, `---`. It yields exactly what the yaml library would
// (values, and the offsets parse-manifests.ts locates fields with), about ten times faster; for
// anything else (anchors, tags, flow collections, block scalars, multi-line scalars, escapes,
// duplicate keys, odd keys or numbers) it declines and the yaml library reads the whole file.
// test/parse/block-subset.test.ts compares both readers on every fixture and on generated documents.
import { PositionIndexBuilder, scalarRef, type ChildRef, type PositionIndex } from './position-index.js';

export interface SubsetDocument {
  value: unknown;
  /** The document's root in the file's PositionIndex (./position-index.ts). */
  root: ChildRef;
}

export interface SubsetResult {
  documents: SubsetDocument[];
  /** Where every node of every document starts. */
  positions: PositionIndex;
  /** Offsets at which lines start, ascending (./position-index.ts linePosition). */
  lineStarts: Int32Array;
}

interface Line {
  indent: number;
  /** The line without its indentation. */
  content: string;
  /** Offset of `content` in the text. */
  offset: number;
}

/** Thrown inside the reader when the text leaves the subset; never escapes this module. */
class Decline extends Error {}
const decline = (): never => {
  throw new Decline();
};

const MAX_DEPTH = 64;
// Keys we read as plain: names as Kubernetes and its tools write them. Anything else goes to yaml.
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
// YAML 1.2 core schema, as the yaml library resolves plain scalars: the few forms we type ourselves.
const SMALL_INT = /^(?:0|[1-9][0-9]{0,14})$/;
// The core schema's int and float forms (yaml's schema/core): a plain scalar matching one is a number.
const CORE_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULLS = new Set(['~', 'null', 'Null', 'NULL']);
const TRUES = new Set(['true', 'True', 'TRUE']);
const FALSES = new Set(['false', 'False', 'FALSE']);

// Tabs, lone CRs, other control characters and Unicode spaces or line separators: yaml's own rules.
const OUTSIDE_SUBSET = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f\u0085\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u2060\u3000\ufeff]|\r(?!\n)/;

export function readBlockSubset(text: string): SubsetResult | undefined {
  if (OUTSIDE_SUBSET.test(text)) return undefined;
  try {
    return read(text);
  } catch (err) {
    if (err instanceof Decline) return undefined;
    throw err;
  }
}

function read(text: string): SubsetResult {
  const lineStarts: number[] = [];
  // Documents as lists of content lines; `---` starts one, content before any `---` starts one too.
  const docs: Line[][] = [];
  let current: Line[] | undefined;
  let start = 0;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    lineStarts.push(start);
    let raw = text.slice(start, stop);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const indent = leadingSpaces(raw);
    const content = raw.slice(indent);
    if (content !== '' && !content.startsWith('#')) {
      if (indent === 0 && (content === '---' || content.startsWith('--- ') || content.startsWith('---#'))) {
        if (!/^---\s*(#.*)?$/.test(content) || content.startsWith('---#')) decline();
        current = [];
        docs.push(current);
      } else {
        if (indent === 0 && (content.startsWith('...') || content.startsWith('%'))) decline();
        if (!current) docs.push((current = []));
        current.push({ indent, content: withoutTrailingSpaces(content), offset: start + indent });
      }
    }
    if (end < 0) break;
    start = end + 1;
  }
  const builder = new PositionIndexBuilder();
  const documents = docs.map((lines) => readDocument(lines, builder));
  return { documents, positions: builder.finish(), lineStarts: Int32Array.from(lineStarts) };
}

function readDocument(lines: Line[], builder: PositionIndexBuilder): SubsetDocument {
  if (lines.length === 0) {
    // An empty document: yaml gives a null scalar right after its `---`.
    return { value: null, root: scalarRef(0) };
  }
  const reader = new Reader(lines, builder);
  const first = lines[0] as Line;
  const node = reader.node(first.indent, 0);
  if (reader.index < lines.length) decline();
  return node;
}

class Reader {
  index = 0;
  constructor(
    private readonly lines: Line[],
    private readonly positions: PositionIndexBuilder,
  ) {}

  private peek(): Line | undefined {
    return this.lines[this.index];
  }

  /** The block node whose first line is the next line, at exactly `indent`. */
  node(indent: number, depth: number): SubsetDocument {
    if (depth > MAX_DEPTH) decline();
    const line = this.peek() as Line;
    if (line.indent !== indent) decline();
    if (isSeqItem(line.content)) return this.sequence(indent, depth);
    if (keyEnd(line.content) !== undefined) return this.mapping(line, depth);
    return decline();
  }

  private sequence(indent: number, depth: number): SubsetDocument {
    const value: unknown[] = [];
    const items: ChildRef[] = [];
    const offset = (this.peek() as Line).offset;
    for (let line = this.peek(); line && line.indent === indent && isSeqItem(line.content); line = this.peek()) {
      this.index++;
      const rest = line.content.slice(1 + leadingSpaces(line.content.slice(1)));
      const column = line.indent + (line.content.length - rest.length);
      if (rest === '' || rest.startsWith('#')) {
        const next = this.peek();
        if (next && next.indent > indent) {
          const child = this.node(next.indent, depth + 1);
          value.push(child.value);
          items.push(child.root);
        } else {
          value.push(null);
          items.push(scalarRef(line.offset + 1));
        }
      } else if (isSeqItem(rest)) {
        decline();
      } else if (keyEnd(rest) !== undefined) {
        // `- key: value`: a mapping whose indentation is the column of its first key.
        const child = this.mapping({ indent: column, content: rest, offset: line.offset + (column - line.indent) }, depth + 1);
        value.push(child.value);
        items.push(child.root);
      } else {
        const scalar = readScalar(rest, line.offset + (column - line.indent), this.positions);
        value.push(scalar.value);
        items.push(scalar.root);
        const next = this.peek();
        if (next && next.indent > indent) decline(); // a multi-line plain scalar
      }
    }
    return { value, root: this.positions.sequence(offset, items) };
  }

  /** A mapping whose first line is `first` (the next real line, or the rest of a `- ` line). */
  private mapping(first: Line, depth: number): SubsetDocument {
    if (depth > MAX_DEPTH) decline();
    const indent = first.indent;
    const value: Record<string, unknown> = {};
    const keys: string[] = [];
    const keyOffsets: number[] = [];
    const children: ChildRef[] = [];
    let line: Line | undefined = first;
    let fromSeqItem = first !== this.peek();
    while (line) {
      if (!fromSeqItem) this.index++;
      fromSeqItem = false;
      const end = keyEnd(line.content);
      if (end === undefined) return decline();
      const key = readKey(line.content.slice(0, end));
      if (key === '__proto__' || Object.prototype.hasOwnProperty.call(value, key)) decline();
      const afterColon = line.content.slice(end + 1);
      const rest = afterColon.slice(leadingSpaces(afterColon));
      const restOffset = line.offset + end + 1 + (afterColon.length - rest.length);
      let child: SubsetDocument;
      if (rest === '' || rest.startsWith('#')) {
        const next = this.peek();
        if (next && next.indent > indent) {
          child = this.node(next.indent, depth + 1);
        } else if (next && next.indent === indent && isSeqItem(next.content)) {
          // A sequence may sit at its key's own indentation (`mirrors:\n- a`).
          child = this.sequence(indent, depth + 1);
        } else {
          child = { value: null, root: scalarRef(line.offset + end + 1) };
        }
      } else {
        child = readScalar(rest, restOffset, this.positions);
        const next = this.peek();
        if (next && next.indent > indent) decline(); // a multi-line plain scalar, or a bad indentation
      }
      value[key] = child.value;
      keys.push(key);
      keyOffsets.push(line.offset);
      children.push(child.root);
      const next = this.peek();
      if (!next || next.indent < indent) break;
      if (next.indent > indent || isSeqItem(next.content)) decline();
      line = next;
    }
    return { value, root: this.positions.mapping(first.offset, keys, keyOffsets, children) };
  }
}

function leadingSpaces(text: string): number {
  let n = 0;
  while (text.charCodeAt(n) === 32) n++;
  return n;
}

function withoutTrailingSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return text.slice(0, end);
}

function isSeqItem(content: string): boolean {
  return content === '-' || content.startsWith('- ');
}

/** Index of the `:` that ends a mapping key on this line, or undefined when it is no key line. */
function keyEnd(content: string): number | undefined {
  const quote = content[0];
  if (quote === '"' || quote === "'") {
    const close = content.indexOf(quote, 1);
    if (close < 0 || content[close + 1] !== ':') return undefined;
    const after = content[close + 2];
    return after === undefined || after === ' ' ? close + 1 : undefined;
  }
  const colonSpace = content.indexOf(': ');
  const end = colonSpace >= 0 ? colonSpace : content.endsWith(':') ? content.length - 1 : -1;
  if (end <= 0) return undefined;
  return end;
}

function readKey(raw: string): string {
  if (raw.startsWith('"') || raw.startsWith("'")) {
    const inner = raw.slice(1, -1);
    if (inner.includes('\\') || inner.includes('"') || inner.includes("'") || inner === '__proto__') decline();
    return inner;
  }
  if (!PLAIN_KEY.test(raw) || NULLS.has(raw) || TRUES.has(raw) || FALSES.has(raw)) decline();
  return raw;
}

/** A one-line scalar (or `{}` / `[]`) starting at `offset`, up to the end of the line or a comment. */
function readScalar(text: string, offset: number, positions: PositionIndexBuilder): SubsetDocument {
  const first = text[0] as string;
  if (first === '"' || first === "'") {
    let value = '';
    let i = 1;
    for (;;) {
      const close = text.indexOf(first, i);
      if (close < 0) decline(); // continues on the next line
      if (first === '"') {
        value = text.slice(1, close);
        if (value.includes('\\')) decline();
        i = close + 1;
        break;
      }
      value += text.slice(i, close);
      if (text[close + 1] === "'") {
        value += "'";
        i = close + 2;
        continue;
      }
      i = close + 1;
      break;
    }
    const tail = text.slice(i + leadingSpaces(text.slice(i)));
    if (tail !== '' && !tail.startsWith('#')) decline();
    return { value, root: scalarRef(offset) };
  }
  if (text === '{}' || text.startsWith('{} #') || text === '[]' || text.startsWith('[] #')) {
    return first === '{' ? { value: {}, root: positions.mapping(offset, [], [], []) } : { value: [], root: positions.sequence(offset, []) };
  }
  if ('[]{},&*!|>%@`?:-+.'.includes(first)) decline();
  const comment = text.indexOf(' #');
  const plain = withoutTrailingSpaces(comment < 0 ? text : text.slice(0, comment));
  if (plain.includes(': ') || plain.endsWith(':') || plain.includes(' #')) decline();
  let value: unknown = plain;
  if (NULLS.has(plain)) value = null;
  else if (TRUES.has(plain)) value = true;
  else if (FALSES.has(plain)) value = false;
  else if (SMALL_INT.test(plain)) value = Number(plain);
  else if (CORE_NUMBER.test(plain)) decline(); // other ints and floats: let yaml type them
  // anything else starting with a digit (4.19.0-2025, 2026-08-14) is a string in the core schema
  return { value, root: scalarRef(offset) };
}
