// text -> Kubernetes objects with source positions. Positions come from the parser (node.range +
// LineCounter), never from re-scanning the text (eemeli/yaml src/parse/line-counter.ts).
import { isMap, isSeq, isPair, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import type { Diagnostic, SourceLocation } from '../diagnostics.js';

export interface SourceFile {
  /** The path shown in diagnostics, `/`-separated (relative to where the user ran the tool). */
  path: string;
  content: Uint8Array | string;
}

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

export function parseManifests(files: readonly SourceFile[]): ParseResult {
  const objects: ManifestObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const result = parseManifestFile(file);
    objects.push(...result.objects);
    diagnostics.push(...result.diagnostics);
  }
  return { objects, diagnostics };
}

function fileLocation(file: string): SourceLocation {
  return { file, line: 1, column: 1 };
}

export function decodeText(file: SourceFile): { text?: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
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

function parseManifestFile(file: SourceFile): ParseResult {
  const decoded = decodeText(file);
  const diagnostics = decoded.diagnostics;
  const objects: ManifestObject[] = [];
  if (decoded.text === undefined) return { objects, diagnostics };
  const text = decoded.text;

  const lineCounter = new LineCounter();
  let documents: Document.Parsed[];
  try {
    documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true }) as Document.Parsed[];
  } catch (err) {
    // The parser itself gave up (for example a stack overflow on absurdly deep nesting).
    diagnostics.push({
      code: 'YAML_SYNTAX',
      severity: 'error',
      message: `the YAML parser could not read this file (${errorText(err)}); simplify the document`,
      location: fileLocation(file.path),
    });
    return { objects, diagnostics };
  }
  if (!Array.isArray(documents)) documents = [documents];

  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file: file.path, line: pos.line, column: pos.col };
  };

  let sawContent = false;
  documents.forEach((doc, documentIndex) => {
    const problems = [...doc.errors];
    for (const problem of problems) {
      const duplicate = problem.code === 'DUPLICATE_KEY';
      diagnostics.push({
        code: duplicate ? 'DUPLICATE_KEY' : 'YAML_SYNTAX',
        severity: 'error',
        message: duplicate
          ? `key ${JSON.stringify(keyAt(text, problem.pos[0]))} appears twice in one mapping; the API server would keep only one of them: remove one`
          : `${problem.message} (${problem.code})`,
        location: { ...at(problem.pos[0]), documentIndex },
      });
    }
    if (problems.length > 0 || doc.contents === null) return;
    sawContent = true;

    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      diagnostics.push({
        code: 'YAML_SYNTAX',
        severity: 'error',
        message: /Unresolved alias/.test(errorText(err))
          ? `the document uses an alias that is never defined (${errorText(err)}); a plain value starting with "*" is an alias in YAML: quote it`
          : `the document cannot be expanded (${errorText(err)}); aliases that expand exponentially are refused`,
        location: { ...at(doc.contents.range[0]), documentIndex },
      });
      return;
    }
    const root = doc.contents as Node;
    const makeObject = (objectValue: unknown, basePath: FieldPath): void => {
      if (!isPlainObject(objectValue)) return;
      const apiVersion = objectValue['apiVersion'];
      const kind = objectValue['kind'];
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
      const locate = (path: FieldPath): SourceLocation => ({
        ...at(nodeOffset(root, [...basePath, ...path], false)),
        documentIndex,
      });
      const locateKey = (path: FieldPath): SourceLocation => ({
        ...at(nodeOffset(root, [...basePath, ...path], true)),
        documentIndex,
      });
      objects.push({ file: file.path, documentIndex, basePath, value: objectValue, apiVersion, kind, locate, locateKey });
    };

    // `List` (kubectl output, `oc get -o yaml`) and `ResourceList` (KRM) carry objects in `items`.
    if (isPlainObject(value) && isListKind(value) && Array.isArray(value['items'])) {
      value['items'].forEach((item, index) => makeObject(item, ['items', index]));
    } else {
      makeObject(value, []);
    }
  });

  if (!sawContent && diagnostics.every((d) => d.severity !== 'error')) {
    diagnostics.push({
      code: 'EMPTY_FILE',
      severity: 'warning',
      message: 'expected at least one YAML document, found none; remove the file or add the manifests it should hold',
      location: fileLocation(file.path),
    });
  }
  return { objects, diagnostics };
}

function isListKind(value: Record<string, unknown>): boolean {
  const kind = value['kind'];
  return typeof kind === 'string' && (kind === 'ResourceList' || kind.endsWith('List'));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Offset of the deepest node along `path` (its key when `wantKey` and the last step exists). */
function nodeOffset(root: Node, path: FieldPath, wantKey: boolean): number {
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
