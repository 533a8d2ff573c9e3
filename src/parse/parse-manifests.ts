// text -> Kubernetes objects with source positions. Positions come from the parser (node.range +
// LineCounter), never from re-scanning the text (eemeli/yaml src/parse/line-counter.ts).
import { isMap, isSeq, isPair, isScalar, LineCounter, parseAllDocuments, visit, type Document, type Node } from 'yaml';
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import { readBlockSubset, type SubsetDocument } from './block-subset.js';
import { linePosition, offsetAt, type ChildRef, type PositionIndex } from './position-index.js';

export interface SourceFile {
  /** The path shown in diagnostics, `/`-separated (relative to where the user ran the tool). */
  path: string;
  content: Uint8Array | string;
}

/**
 * A file whose objects were parsed elsewhere (the items of a KRM ResourceList, read once with their
 * positions): the pipeline takes them as they are, so nothing is written out and read again.
 */
export interface ParsedFile {
  /** The path shown in diagnostics (kpt's path annotation, or `Kind/name`). */
  path: string;
  objects: readonly ManifestObject[];
}

/** What the pipeline reads: text to parse, or objects already parsed with their positions. */
export type ManifestInput = SourceFile | ParsedFile;

export type FieldPath = readonly (string | number)[];

/** One Kubernetes object: a YAML document, or one member of a `List` / `ResourceList` `items`. */
export interface ManifestObject {
  file: string;
  documentIndex: number;
  /** Where the object sits in its document: `[]`, or `['items', 3]` for a List member. */
  basePath: FieldPath;
  value: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  /** Position of the value at `path` (relative to the object); the nearest existing ancestor if absent. */
  locate(path: FieldPath): SourceLocation;
  /** Position of the key of `path` when it exists (for unknown fields), else as locate(). */
  locateKey(path: FieldPath): SourceLocation;
}

export interface ParseResult {
  objects: ManifestObject[];
  diagnostics: Diagnostic[];
}

const BOM = '\uFEFF';
// An alias bomb is refused by yaml's toJS once aliases resolve to more nodes than this.
const MAX_ALIAS_COUNT = 100;
/**
 * The largest input file read. The API server stores objects of at most 1.5 MiB (etcd's default
 * request limit), so a manifest file holds a few of them at most; the parser needs about 100 times
 * the file size in memory and up to a minute for 4 MiB of the worst shape, so a bigger file is refused
 * before it can exhaust the machine (io/files.ts checks it before reading, this again for stdin and
 * library callers).
 */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;

export interface ParseOptions {
  /** Read plain block YAML with the fast subset reader (./block-subset.ts); false: always the yaml library. */
  blockSubset?: boolean;
}

export function parseManifests(files: readonly ManifestInput[], options: ParseOptions = {}): ParseResult {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    if ('objects' in file) {
      for (const object of file.objects) objects.push(object);
      continue;
    }
    const result = parseManifestFile(file, options.blockSubset ?? true);
    // A loop, not push(...): a file of 200k documents or errors would overflow the call stack.
    for (const object of result.objects) objects.push(object);
    for (const diagnostic of result.diagnostics) diagnostics.push(diagnostic);
  }
  return { objects, diagnostics };
}

function fileLocation(file: string): SourceLocation {
  return { file, line: 1, column: 1 };
}

export function decodeText(file: SourceFile): { text?: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  // A string's UTF-8 size is at least its length: checked without encoding it.
  if (file.content.length > MAX_INPUT_BYTES) {
    diagnostics.push(tooLarge(file.path, file.content.length));
    return { diagnostics };
  }
  let text: string;
  if (typeof file.content === 'string') {
    text = file.content;
  } else {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(file.content);
    } catch {
      diagnostics.push({
        code: 'NOT_UTF8',
        severity: 'error',
        message: 'expected UTF-8 text, found bytes that are not valid UTF-8 (a binary file, UTF-16 or a legacy encoding); save the manifest as UTF-8',
        location: fileLocation(file.path),
      });
      return { diagnostics };
    }
  }
  if (text.startsWith(BOM)) {
    text = text.slice(1);
    diagnostics.push({
      code: 'BYTE_ORDER_MARK',
      severity: 'warning',
      message: 'the file starts with a UTF-8 byte order mark; it was ignored, but save the file without one',
      location: fileLocation(file.path),
    });
  }
  if (text.includes('\u0000')) {
    diagnostics.push({
      code: 'NOT_UTF8',
      severity: 'error',
      message: 'expected YAML text, found a NUL byte (a binary file?)',
      location: fileLocation(file.path),
    });
    return { diagnostics };
  }
  return { text, diagnostics };
}

/** READ_FAILED for a file over MAX_INPUT_BYTES (`size` in bytes, or at least that many). */
export function tooLarge(file: string, size: number): Diagnostic {
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return {
    code: 'READ_FAILED',
    severity: 'error',
    message:
      `expected a manifest file of at most ${mib(MAX_INPUT_BYTES)}, found ${size > MAX_INPUT_BYTES + 1 ? mib(size) : `more than ${mib(MAX_INPUT_BYTES)}`}; ` +
      `the API server stores objects of at most 1.5 MiB, so this is not a set of manifests: name the files that hold the mirror sets, or split this one`,
    location: fileLocation(file),
  };
}

function parseManifestFile(file: SourceFile, blockSubset: boolean): ParseResult {
  const decoded = decodeText(file);
  const diagnostics = decoded.diagnostics;
  const objects: ManifestObject[] = [];
  if (decoded.text === undefined) return { objects, diagnostics };
  // A lone CR (classic Mac OS) is a line break in YAML 1.2 (§5.4) and for the API server's go-yaml,
  // but yaml 2.x reads it as ordinary text: make it LF. Same length, so every offset stays valid.
  const text = decoded.text.includes('\r') ? decoded.text.replace(/\r(?!\n)/g, '\n') : decoded.text;

  // Most files are plain block YAML: read them with the fast subset reader, else with yaml.
  const subset = blockSubset ? readBlockSubset(text) : undefined;
  if (subset) {
    for (let documentIndex = 0; documentIndex < subset.documents.length; documentIndex++) {
      const doc = subset.documents[documentIndex] as SubsetDocument;
      const locateAt = subsetLocator(file.path, subset.positions, subset.lineStarts, doc.root);
      for (const object of objectsOf(file.path, doc.value, documentIndex, locateAt)) objects.push(object);
    }
    if (subset.documents.length === 0) diagnostics.push(emptyFile(file.path));
    return { objects, diagnostics };
  }

  // An unclosed quote runs to the end of the file in yaml's reading, taking the documents after it
  // along; YAML forbids a "---" line inside a quoted scalar (c-forbidden), so the broken document
  // ends there, and the rest of the file is read again from that line: one broken document does not
  // hide the findings of the others. Bounded: each retry reads a strictly shorter rest.
  let sawContent = false;
  let segment = { text, line: 1, documentIndex: 0 };
  for (let retries = 0; ; retries++) {
    const read = readYamlSegment(file.path, segment.text, segment.documentIndex, segment.line, objects, diagnostics);
    sawContent ||= read.sawContent;
    if (read.resumeAt === undefined || retries >= MAX_SEGMENT_RETRIES) break;
    const before = segment.text.slice(0, read.resumeAt);
    let newlines = 0;
    for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) newlines++;
    segment = { text: segment.text.slice(read.resumeAt), line: segment.line + newlines, documentIndex: read.nextDocumentIndex };
  }

  if (!sawContent && diagnostics.every((d) => d.severity !== 'error')) diagnostics.push(emptyFile(file.path));
  return { objects, diagnostics };
}

/**
 * Positions in a document the subset reader read. Made here, where it can capture nothing but the
 * position index: a closure inside parseManifestFile would keep that function's scope alive, with
 * the file's objects and their values, as long as any validated entry can still be located.
 */
function subsetLocator(file: string, positions: PositionIndex, lineStarts: Int32Array, root: ChildRef): (path: FieldPath, wantKey: boolean) => Omit<SourceLocation, 'documentIndex'> {
  return (path, wantKey) => {
    const pos = linePosition(lineStarts, offsetAt(positions, root, path, wantKey));
    return { file, line: pos.line, column: pos.col };
  };
}

function emptyFile(file: string): Diagnostic {
  return {
    code: 'EMPTY_FILE',
    severity: 'warning',
    message: 'expected at least one YAML document, found none; remove the file or add the manifests it should hold',
    location: fileLocation(file),
  };
}

/**
 * The Kubernetes objects of one document: the document itself, or the members of a List's `items`.
 * `locateAt` gives the position of a path from the document's root (plus the key's when `wantKey`).
 */
export function objectsOf(
  file: string,
  value: unknown,
  documentIndex: number,
  locateAt: (path: FieldPath, wantKey: boolean) => Omit<SourceLocation, 'documentIndex'>,
): ManifestObject[] {
  const objects: ManifestObject[] = [];
  const makeObject = (objectValue: unknown, basePath: FieldPath): void => {
    if (!isPlainObject(objectValue)) return;
    if (typeof objectValue['apiVersion'] !== 'string' || typeof objectValue['kind'] !== 'string') return;
    objects.push(manifestObject(file, documentIndex, objectValue, locateAt, basePath));
  };
  // `List` (kubectl output, `oc get -o yaml`) and `ResourceList` (KRM) carry objects in `items`.
  if (isPlainObject(value) && isListKind(value) && Array.isArray(value['items'])) {
    value['items'].forEach((item, index) => makeObject(item, ['items', index]));
  } else {
    makeObject(value, []);
  }
  return objects;
}

/**
 * One object of a document, whatever its apiVersion and kind (a config is checked for them after):
 * `locateAt` gives positions from the document's root, `basePath` is where the object sits in it.
 */
export function manifestObject(
  file: string,
  documentIndex: number,
  value: Record<string, unknown>,
  locateAt: (path: FieldPath, wantKey: boolean) => Omit<SourceLocation, 'documentIndex'>,
  basePath: FieldPath = [],
): ManifestObject {
  const locate = (path: FieldPath): SourceLocation => ({ ...locateAt([...basePath, ...path], false), documentIndex });
  const locateKey = (path: FieldPath): SourceLocation => ({ ...locateAt([...basePath, ...path], true), documentIndex });
  return { file, documentIndex, basePath, value, apiVersion: String(value['apiVersion'] ?? ''), kind: String(value['kind'] ?? ''), locate, locateKey };
}

function isListKind(value: Record<string, unknown>): boolean {
  const kind = value['kind'];
  return typeof kind === 'string' && (kind === 'ResourceList' || kind.endsWith('List'));
}

/** A mapping: not a list, nor a tagged value (`!!binary` gives bytes, `!!set` a Set, YAML 1.1 `!!timestamp` a Date). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.prototype.toString.call(value) === '[object Object]';
}

/**
 * Offsets of the keys that repeat an earlier key of the same mapping, as yaml's `uniqueKeys: true`
 * finds them (compose/util-map-includes.ts: two scalar keys with the same value, `1` and `1.0` alike;
 * other keys only if they are the same node), reported where yaml reports them (the key's start).
 * Iterative, with one Set per mapping: linear in the size of the document, at any depth.
 */
function findDuplicateKeys(root: Node): number[] {
  const offsets: number[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        if (isScalar(key) && !Number.isNaN(key.value)) {
          if (seen.has(key.value)) offsets.push(key.range?.[0] ?? 0);
          else seen.add(key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return offsets;
}

/** Where the first alias whose anchor is not defined before it sits (only called when that failed). */
function unresolvedAliasOffset(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  try {
    visit(doc, {
      Alias(_key, node) {
        if (node.resolve(doc) !== undefined) return undefined;
        offset = node.range?.[0];
        return visit.BREAK;
      },
    });
  } catch {
    // visit recurses: on a document nested deeply enough to overflow, fall back to its start.
  }
  return offset;
}

/** Offset of the deepest node along `path` (its key when `wantKey` and the last step exists). */
export function nodeOffset(root: Node, path: FieldPath, wantKey: boolean): number {
  let node: Node = root;
  let offset = root.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i] as string | number;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair) return offset;
      const key = pair.key as Node;
      const last = i === path.length - 1;
      if (last && wantKey) return key.range?.[0] ?? offset;
      const next = pair.value as Node | null;
      if (!next || !next.range) return key.range?.[0] ?? offset;
      node = next;
      offset = next.range[0];
    } else if (isSeq(node) && typeof step === 'number') {
      const next = node.items[step] as Node | undefined;
      if (!next || !next.range) return offset;
      node = next;
      offset = next.range[0];
    } else {
      return offset;
    }
  }
  return offset;
}

/** The key text starting at `offset` (yaml reports a duplicate key at its second occurrence). */
function keyAt(text: string, offset: number): string {
  const line = text.slice(offset, text.indexOf('\n', offset) < 0 ? undefined : text.indexOf('\n', offset));
  const colon = line.indexOf(':');
  return (colon < 0 ? line : line.slice(0, colon)).trim().replace(/^["']|["']$/g, '');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Documents a broken one may hide are re-read at most this often per file (each retry is one parse). */
export const MAX_SEGMENT_RETRIES = 20;

/**
 * Reads the documents of `text` (a whole file, or its rest from line `firstLine` on) with the yaml
 * library; `resumeAt` is the offset of a "---" line that a broken document swallowed, if any.
 */
function readYamlSegment(
  file: string,
  text: string,
  firstDocumentIndex: number,
  firstLine: number,
  objects: ManifestObject[],
  diagnostics: Diagnostic[],
): { sawContent: boolean; resumeAt?: number; nextDocumentIndex: number } {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: firstLine + pos.line - 1, column: pos.col };
  };
  let documents: Document.Parsed[];
  try {
    // uniqueKeys: false, because yaml compares each key with every earlier key of its mapping, which
    // takes minutes for a mapping of 40k keys; findDuplicateKeys does the same check in linear time.
    // logLevel 'error': yaml would print its warnings to the process's stderr, outside our diagnostics.
    documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: false, logLevel: 'error' }) as Document.Parsed[];
  } catch (err) {
    // The parser itself gave up (for example a stack overflow on absurdly deep nesting).
    diagnostics.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `the YAML parser could not read this file (${errorText(err)}); simplify the document`,
      location: at(0),
    });
    return { sawContent: false, nextDocumentIndex: firstDocumentIndex };
  }
  if (!Array.isArray(documents)) documents = [documents];

  let sawContent = false;
  for (let index = 0; index < documents.length; index++) {
    const doc = documents[index] as Document.Parsed;
    const documentIndex = firstDocumentIndex + index;
    const swallowed = doc.errors.length > 0 ? swallowedMarker(text, doc.range[0], doc.range[2]) : undefined;
    for (const problem of doc.errors) {
      diagnostics.push({
        code: 'YAML_SYNTAX',
        severity: 'error',
        message:
          problem.code === 'RESOURCE_EXHAUSTION'
            ? `the document is nested too deeply for the YAML parser (${problem.message}); a Kubernetes manifest is never nested this deep: fix or remove it`
            : `${problem.message} (${problem.code})`,
        // An error past the "---" the document swallowed is reported where the document really ends.
        location: { ...at(swallowed === undefined ? problem.pos[0] : Math.min(problem.pos[0], swallowed - 1)), documentIndex },
      });
    }
    if (swallowed !== undefined) return { sawContent, resumeAt: swallowed, nextDocumentIndex: documentIndex + 1 };
    const duplicates = doc.contents === null ? [] : findDuplicateKeys(doc.contents as Node);
    for (const offset of duplicates) {
      diagnostics.push({
        code: 'DUPLICATE_KEY',
        severity: 'error',
        message: `key ${JSON.stringify(keyAt(text, offset))} appears twice in one mapping; the API server would keep only one of them: remove one`,
        location: { ...at(offset), documentIndex },
      });
    }
    if (doc.errors.length > 0 || duplicates.length > 0 || doc.contents === null) continue;
    sawContent = true;

    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const reason = errorText(err);
      const unresolved = /Unresolved alias/.test(reason);
      diagnostics.push({
        code: 'YAML_SYNTAX',
        severity: 'error',
        message: unresolved
          ? `the document uses an alias that is never defined (${reason}); a plain value starting with "*" is an alias in YAML: quote it`
          : /Maximum call stack/.test(reason)
            ? `the document is nested too deeply to be read (${reason}); a Kubernetes manifest is never nested this deep: fix or remove it`
            : `the document cannot be expanded (${reason}); aliases that expand exponentially are refused`,
        location: { ...at((unresolved ? unresolvedAliasOffset(doc) : undefined) ?? doc.contents.range[0]), documentIndex },
      });
      continue;
    }
    const root = doc.contents as Node;
    for (const object of objectsOf(file, value, documentIndex, (path, wantKey) => at(nodeOffset(root, path, wantKey)))) objects.push(object);
  }
  return { sawContent, nextDocumentIndex: firstDocumentIndex + documents.length };
}

/** Offset of the first "---" line (a document start marker) strictly inside [start, end), if any. */
function swallowedMarker(text: string, start: number, end: number): number | undefined {
  for (let i = text.indexOf('\n---', start); i >= 0 && i + 1 < end; i = text.indexOf('\n---', i + 1)) {
    const after = text[i + 4];
    if (after === undefined || after === ' ' || after === '\t' || after === '\r' || after === '\n') return i + 1;
  }
  return undefined;
}
