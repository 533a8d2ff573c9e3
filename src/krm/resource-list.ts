// The KRM wire format (kustomize cmd/config/docs/api-conventions/functions-spec.md): a ResourceList
// in, a ResourceList out. Pure. Items this run does not own pass through as the parsed YAML nodes,
// so their annotations (internal.config.kubernetes.io/*, config.k8s.io/id, kustomize's build
// bookkeeping), comments and key order are left as they came.
import { isMap, isScalar, isSeq, Lexer, LineCounter, parseAllDocuments, parseDocument, visit, type Document, type Node, type Scalar } from 'yaml';
import type { Diagnostic, Severity } from '../diagnostics.js';
import { isPlainObject, MAX_INPUT_BYTES, nodeOffset, type FieldPath } from '../parse/parse-manifests.js';
import { CONFIG_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type KubeObject } from '../bundle/bundle-files.js';
import { canonicalObject, documentToString, newDocument, stringifyAsIs, stringifyObject } from '../bundle/stringify.js';

export const RESOURCE_LIST_API_VERSIONS = ['config.kubernetes.io/v1', 'config.kubernetes.io/v1beta1'];
export const PATH_ANNOTATION = 'internal.config.kubernetes.io/path';
export const INDEX_ANNOTATION = 'internal.config.kubernetes.io/index';
const LEGACY_PATH_ANNOTATION = 'config.kubernetes.io/path';
const LEGACY_INDEX_ANNOTATION = 'config.kubernetes.io/index';
/** Set by `kpt fn render` on every item: the absolute package directory (docs/design/gitops.md "kpt annotations"). */
export const PACKAGE_PATH_ANNOTATION = 'internal.config.kubernetes.io/package-path';

export interface InputItem {
  node: Node;
  value: Record<string, unknown>;
  /** Position in `items` (or in the stream). */
  position: number;
  /** File the orchestrator read it from, relative to the package (kpt), when it says. */
  path?: string;
  /** Document index in that file. */
  fileIndex?: number;
  /** Line and column of the value at `path` (its key's when `wantKey`), counted from the item's start. */
  locate(path: FieldPath, wantKey: boolean): { line: number; column: number };
}

export interface ParsedInput {
  apiVersion: string;
  items: InputItem[];
  /** Every entry of `items` as it came, objects or not: what a failed run gives back. */
  nodes: Node[];
  functionConfig?: InputItem;
  /** Problems with the ResourceList itself; items are unusable when one is an error. */
  diagnostics: Diagnostic[];
  /** Standard input is no ResourceList at all (empty, or another kind): a usage problem, exit 2. */
  notAResourceList?: boolean;
}

/**
 * The most standard input read as a ResourceList or a stream, as much as one manifest file may hold
 * (MAX_INPUT_BYTES): kpt sends the whole package and kustomize every resource of the build, and the
 * yaml library needs far more memory than the text (more than 700 times it for a long flow list of
 * numbers), so both this and MAX_TOKENS bound a run before anything is parsed.
 */
export const MAX_RESOURCE_LIST_BYTES = MAX_INPUT_BYTES;
/**
 * The most YAML tokens (yaml's Lexer: scalars, indicators, spaces, line breaks) parsed. Real
 * manifests have one token per 5 to 7 bytes, so a ResourceList of MAX_RESOURCE_LIST_BYTES stays well
 * below it; a degenerate one (`[1,1,1,...`, `- 1` a million times) stops here, before the parser and
 * the composer build a node for each token (about 20 s and 1 GB for 5 million of them).
 */
export const MAX_TOKENS = 1_000_000;
/**
 * The deepest nesting read, aliases expanded. The API server's decoders stop at 10,000
 * (k8s.io/apimachinery json, go-yaml's max depth); the yaml library, the emitter and the pipeline
 * recurse once per level and overflow Node's stack near 800, so stop well before. A Kubernetes
 * object, CRD schemas included, is a few dozen levels deep.
 */
export const MAX_NESTING = 256;
/**
 * Items that are not objects are each reported up to this many, then counted in one more finding: a
 * list of a million scalars would otherwise answer with a million results (hundreds of megabytes).
 */
const MAX_ITEM_FINDINGS = 100;
// An alias bomb is refused by yaml's toJS once aliases resolve to more nodes than this (as parse-manifests.ts).
const MAX_ALIAS_COUNT = 100;

const STDIN = '<stdin>';

function problem(message: string, line = 1, column = 1): Diagnostic {
  return { code: 'NOT_A_RESOURCE_LIST', severity: 'error', message, location: { file: STDIN, line, column } };
}

/** READ_FAILED for standard input over `limit` bytes. */
export function stdinTooLarge(limit: number): Diagnostic {
  return {
    code: 'READ_FAILED',
    severity: 'error',
    message: `expected at most ${limit / 1024 / 1024} MiB on standard input, found more; it was not read further. Render fewer resources in one run, or name the mirror sets in spec.inputs`,
    location: { file: STDIN, line: 1, column: 1 },
  };
}

/** The size check before parsing: bytes (for library callers: stdin is already bounded), then tokens. */
function tooBig(text: string): Diagnostic | undefined {
  if (text.length > MAX_RESOURCE_LIST_BYTES) return stdinTooLarge(MAX_RESOURCE_LIST_BYTES);
  let tokens = 0;
  for (const _ of new Lexer().lex(text)) {
    if (++tokens > MAX_TOKENS) {
      return {
        code: 'READ_FAILED',
        severity: 'error',
        message: `expected at most ${MAX_TOKENS} YAML tokens on standard input, found more (real manifests have one per 5 to 7 bytes); it was not parsed. Render fewer resources in one run, or name the mirror sets in spec.inputs`,
        location: { file: STDIN, line: 1, column: 1 },
      };
    }
  }
  return undefined;
}

/** A ResourceList on stdin (YAML, or JSON: YAML is a superset of it). */
export function parseResourceList(text: string): ParsedInput {
  const empty: ParsedInput = { apiVersion: 'config.kubernetes.io/v1', items: [], nodes: [], diagnostics: [] };
  if (text.trim() === '') {
    return { ...empty, notAResourceList: true, diagnostics: [problem('expected a ResourceList on standard input, found nothing; run the tool through kpt or kustomize, or use a subcommand (mirrorset-hosts --help)')] };
  }
  const big = tooBig(text);
  if (big) return { ...empty, diagnostics: [big] };
  const lineCounter = new LineCounter();
  const read = readDocument(() => parseDocument(text, { lineCounter, ...PARSE_OPTIONS }), lineCounter, 'the ResourceList');
  if ('diagnostic' in read) return { ...empty, diagnostics: [read.diagnostic] };
  const { doc, value } = read;
  const root = doc.contents;
  if (!isMap(root) || !isPlainObject(value) || value['kind'] !== 'ResourceList') {
    return { ...empty, notAResourceList: true, diagnostics: [problem(`expected kind: ResourceList (apiVersion config.kubernetes.io/v1), found ${isPlainObject(value) ? `kind ${JSON.stringify(value['kind'])}` : 'no mapping'}`)] };
  }
  const apiVersion = typeof value['apiVersion'] === 'string' ? value['apiVersion'] : '';
  if (!RESOURCE_LIST_API_VERSIONS.includes(apiVersion)) {
    return { ...empty, notAResourceList: true, diagnostics: [problem(`expected apiVersion ${RESOURCE_LIST_API_VERSIONS.join(' or ')} for the ResourceList, found ${JSON.stringify(apiVersion)}`)] };
  }
  const at = (node: Node | null | undefined): { line: number; column: number } => {
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { line: pos.line, column: pos.col };
  };
  const itemsNode = root.get('items', true) as Node | undefined;
  const items: InputItem[] = [];
  const nodes: Node[] = [];
  const diagnostics: Diagnostic[] = [];
  if (itemsNode !== undefined && !(isScalar(itemsNode) && itemsNode.value === null)) {
    const itemValues = value['items'];
    if (!isSeq(itemsNode) || !Array.isArray(itemValues)) {
      const { line, column } = at(itemsNode);
      return { ...empty, apiVersion, diagnostics: [{ ...problem('expected items to be a list of objects', line, column), field: 'items' }] };
    }
    let notObjects = 0;
    itemsNode.items.forEach((node, position) => {
      nodes.push(node as Node);
      const itemValue: unknown = itemValues[position];
      if (isPlainObject(itemValue)) items.push(toItem(node as Node, itemValue, position, lineCounter));
      else if (++notObjects <= MAX_ITEM_FINDINGS) {
        const { line, column } = at(node as Node);
        diagnostics.push({ ...problem(`expected every item to be a Kubernetes object (a mapping with apiVersion and kind), found ${describeValue(itemValue)}`, line, column), field: `items[${position}]` });
      }
    });
    if (notObjects > MAX_ITEM_FINDINGS) diagnostics.push(problem(`expected every item to be a Kubernetes object, found ${notObjects - MAX_ITEM_FINDINGS} more that are not (after the ${MAX_ITEM_FINDINGS} above)`));
  }
  const configNode = root.get('functionConfig', true) as Node | undefined;
  const configValue: unknown = value['functionConfig'];
  let functionConfig: InputItem | undefined;
  if (configNode && configValue !== null && configValue !== undefined) {
    if (isPlainObject(configValue)) functionConfig = toItem(configNode, configValue, -1, lineCounter);
    else {
      const { line, column } = at(configNode);
      diagnostics.push({ ...problem(`expected functionConfig to be an object (a MirrorSetHosts or a ConfigMap), found ${describeValue(configValue)}`, line, column), field: 'functionConfig' });
    }
  }
  return { apiVersion, items, nodes, ...(functionConfig ? { functionConfig } : {}), diagnostics };
}

/** A YAML stream of objects (what kustomize sends a legacy exec plugin used as a transformer). */
export function parseYamlStream(text: string): ParsedInput {
  const empty: ParsedInput = { apiVersion: 'config.kubernetes.io/v1', items: [], nodes: [], diagnostics: [] };
  const big = tooBig(text);
  if (big) return { ...empty, diagnostics: [big] };
  const lineCounter = new LineCounter();
  let list: Document.Parsed[];
  try {
    const docs = parseAllDocuments(text, { lineCounter, ...PARSE_OPTIONS });
    list = (Array.isArray(docs) ? docs : [docs]) as Document.Parsed[];
  } catch (err) {
    return { ...empty, diagnostics: [yamlProblem(`the resources on standard input cannot be read (${errorText(err)})`, { line: 1, col: 1 })] };
  }
  const items: InputItem[] = [];
  const nodes: Node[] = [];
  const diagnostics: Diagnostic[] = [];
  let notObjects = 0;
  const add = (node: Node, value: unknown): void => {
    nodes.push(node);
    if (isPlainObject(value)) items.push(toItem(node, value, items.length, lineCounter));
    else if (++notObjects <= MAX_ITEM_FINDINGS) {
      const pos = lineCounter.linePos(node.range?.[0] ?? 0);
      diagnostics.push({ ...problem(`expected every resource to be a Kubernetes object (a mapping with apiVersion and kind), found ${describeValue(value)}`, pos.line, pos.col) });
    }
  };
  for (const parsed of list) {
    if (parsed.contents === null && parsed.errors.length === 0) continue;
    const read = readDocument(() => parsed, lineCounter, 'the resources on standard input');
    if ('diagnostic' in read) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    const { doc, value } = read;
    // kustomize also accepts a List or ResourceList here; unwrap them the same way.
    if (isPlainObject(value) && (value['kind'] === 'ResourceList' || value['kind'] === 'List') && isMap(doc.contents)) {
      const inner = doc.contents.get('items', true);
      const innerValues = value['items'];
      if (isSeq(inner) && Array.isArray(innerValues)) inner.items.forEach((node, i) => add(node as Node, innerValues[i]));
      continue;
    }
    add(doc.contents as Node, value);
  }
  if (notObjects > MAX_ITEM_FINDINGS) diagnostics.push(problem(`expected every resource to be a Kubernetes object, found ${notObjects - MAX_ITEM_FINDINGS} more that are not (after the ${MAX_ITEM_FINDINGS} above)`));
  return { apiVersion: 'config.kubernetes.io/v1', items, nodes, diagnostics };
}

// uniqueKeys: false, because yaml compares each key with every earlier key of its mapping (quadratic:
// minutes for a mapping of 40k keys); checkShape does the same check in linear time, as
// parse-manifests.ts findDuplicateKeys. logLevel 'error': yaml would print warnings to our stderr.
const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: false, logLevel: 'error' } as const;

/**
 * One parsed document -> its value, or the one finding that makes it unusable: a syntax error, a
 * duplicate key, nesting deeper than MAX_NESTING (in the text, or once aliases are expanded: a
 * document that refers to itself never ends), an alias bomb. Nothing here recurses on the input's
 * depth before the depth is known to be bounded.
 */
function readDocument(parse: () => Document.Parsed, lineCounter: LineCounter, what: string): { doc: Document.Parsed; value: unknown } | { diagnostic: Diagnostic } {
  let doc: Document.Parsed;
  try {
    doc = parse();
  } catch (err) {
    return { diagnostic: yamlProblem(`${what} cannot be read (${errorText(err)})`, { line: 1, col: 1 }) };
  }
  const error = doc.errors[0];
  if (error) {
    const message = /Maximum call stack|RESOURCE_EXHAUSTION/.test(`${error.code} ${error.message}`) ? `${what} is nested too deeply to be read (${tooDeep})` : `${what} is not valid YAML: ${error.message}`;
    return { diagnostic: yamlProblem(message, lineCounter.linePos(error.pos[0])) };
  }
  const shape = checkShape(doc.contents as Node | null);
  if (shape) return { diagnostic: yamlProblem(`${what} ${shape.message}`, lineCounter.linePos(shape.offset)) };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const reason = errorText(err);
    const message = /Maximum call stack/.test(reason)
      ? `${what} is nested too deeply once its aliases are expanded (${tooDeep})`
      : /Unresolved alias/.test(reason)
        ? `${what} uses an alias that is never defined (${reason}); a plain value starting with "*" is an alias in YAML: quote it`
        : `${what} cannot be expanded (${reason}); aliases that expand exponentially are refused`;
    return { diagnostic: yamlProblem(message, lineCounter.linePos(doc.contents?.range?.[0] ?? 0)) };
  }
  if (!withinNesting(value)) {
    return { diagnostic: yamlProblem(`${what} is nested too deeply once its aliases are expanded, or refers to itself (${tooDeep})`, lineCounter.linePos(doc.contents?.range?.[0] ?? 0)) };
  }
  unflow(doc);
  return { doc, value };
}

const tooDeep = `more than ${MAX_NESTING} levels; a Kubernetes object is never nested this deep`;

function yamlProblem(message: string, pos: { line: number; col: number }): Diagnostic {
  return { code: 'YAML_SYNTAX', severity: 'error', message, location: { file: STDIN, line: pos.line, column: pos.col } };
}

/** The first duplicate key or the first node deeper than MAX_NESTING, iteratively, in linear time. */
function checkShape(root: Node | null): { message: string; offset: number } | undefined {
  const stack: [unknown, number][] = root ? [[root, 0]] : [];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [node, depth] = entry;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_NESTING) return { message: `is nested too deeply (${tooDeep})`, offset: node.range?.[0] ?? 0 };
    if (isSeq(node)) {
      for (const item of node.items) stack.push([item, depth + 1]);
      continue;
    }
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (isScalar(key) && !Number.isNaN(key.value)) {
        if (seen.has(key.value)) return { message: `repeats the key ${JSON.stringify(String(key.value))} in one mapping; the API server would keep only one: remove one`, offset: key.range?.[0] ?? 0 };
        seen.add(key.value);
      }
      stack.push([pair.key, depth + 1], [pair.value, depth + 1]);
    }
  }
  return undefined;
}

/** False when the value, aliases expanded, is deeper than MAX_NESTING (a cycle is infinitely deep). */
function withinNesting(root: unknown): boolean {
  const stack: [unknown, number][] = [[root, 0]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, depth] = entry;
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) continue;
    if (depth >= MAX_NESTING) return false;
    const children = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return true;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary data (a !!binary value)';
  if (typeof value === 'object') return `a ${Object.prototype.toString.call(value).slice(8, -1)}`;
  return `a ${typeof value} ${JSON.stringify(String(value)).slice(0, 40)}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function toItem(node: Node, value: Record<string, unknown>, position: number, lineCounter: LineCounter): InputItem {
  const annotations = annotationsOf(value);
  const path = annotations[PATH_ANNOTATION] ?? annotations[LEGACY_PATH_ANNOTATION];
  const index = annotations[INDEX_ANNOTATION] ?? annotations[LEGACY_INDEX_ANNOTATION];
  // Positions within the item, as if it were a document of its own: where kpt sent a file's
  // document, that is close to its place in the user's file; the stream's lines would be nowhere.
  const start = lineCounter.linePos(node.range?.[0] ?? 0);
  const locate = (at: FieldPath, wantKey: boolean): { line: number; column: number } => {
    const pos = lineCounter.linePos(nodeOffset(node, at, wantKey));
    return { line: pos.line - start.line + 1, column: Math.max(1, pos.col - start.col + 1) };
  };
  const item: InputItem = { node, value, position, locate };
  if (path !== undefined) item.path = path;
  if (index !== undefined && /^[0-9]+$/.test(index)) item.fileIndex = Number(index);
  return item;
}

// JSON input parses as flow collections; written back as they are, kpt would store them as flow
// style in the user's files (docs/design/gitops.md "YAML style"). Block style is what every tool writes.
function unflow(doc: Document): void {
  const json = (isMap(doc.contents) || isSeq(doc.contents)) && doc.contents.flow === true;
  visit(doc, {
    Map: (_, node) => void (node.flow = false),
    Seq: (_, node) => void (node.flow = false),
    // JSON quotes every string; YAML quotes only where a plain scalar would read differently.
    Scalar: (_, node) => {
      if (json && node.type === 'QUOTE_DOUBLE') delete node.type;
      quoteBinary(node);
    },
  });
}

/**
 * `!!binary` bytes are written on one double-quoted line: yaml's binary stringifier splits them into
 * lines of `lineWidth` characters and fails on the `lineWidth: 0` that stringify.ts sets
 * (yaml src/schema/yaml-1.1/binary.ts), so a ConfigMap's binaryData would end the run.
 */
function quoteBinary(node: Scalar): void {
  if (ArrayBuffer.isView(node.value)) node.type = 'QUOTE_DOUBLE';
}

export function annotationsOf(value: Record<string, unknown>): Record<string, string> {
  const metadata = value['metadata'];
  const annotations = isPlainObject(metadata) ? metadata['annotations'] : undefined;
  const out: Record<string, string> = {};
  if (isPlainObject(annotations)) for (const [k, v] of Object.entries(annotations)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Generated by a previous run of the same config: replaced, never duplicated. */
export function isOwnedBy(item: InputItem, configName: string): boolean {
  const metadata = item.value['metadata'];
  const labels = isPlainObject(metadata) ? metadata['labels'] : undefined;
  return isPlainObject(labels) && labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && labels[CONFIG_LABEL] === configName;
}

/** One KRM `Result` (functions-spec.md "results"). */
export interface KrmResult {
  message: string;
  severity: Severity;
  resourceRef?: { apiVersion: string; kind: string; name: string; namespace?: string };
  field?: { path: string };
  file?: { path: string; index?: number };
  tags?: Record<string, string>;
}

/** Diagnostics as results, in diagnostics order (file, position, severity). */
export function toResults(diagnostics: readonly Diagnostic[]): KrmResult[] {
  return diagnostics.map((d) => {
    const result: KrmResult = { message: d.message, severity: d.severity, tags: { code: d.code } };
    if (d.object) {
      result.resourceRef = { apiVersion: d.object.apiVersion, kind: d.object.kind, name: d.object.name };
      if (d.object.namespace) result.resourceRef.namespace = d.object.namespace;
      // The spec allows `field` only together with `resourceRef`.
      if (d.field) result.field = { path: d.field };
    }
    if (d.location) {
      result.file = { path: d.location.file };
      if (d.location.documentIndex) result.file.index = d.location.documentIndex;
    }
    return result;
  });
}

/** Output ResourceList: the kept input items (as parsed), then the generated objects, then results. */
export function resourceListText(apiVersion: string, kept: readonly { node: Node }[], generated: readonly KubeObject[], results: readonly KrmResult[]): string {
  let out = stringifyAsIs({ apiVersion, kind: 'ResourceList' });
  if (kept.length === 0 && generated.length === 0) out += 'items: []\n';
  else {
    out += 'items:\n';
    for (const item of kept) out += asSequenceEntry(nodeText(keepHeadComment(item.node)));
    for (const object of generated) out += asSequenceEntry(stringifyObject(object));
  }
  if (results.length > 0) out += stringifyAsIs({ results: results.map((r) => canonicalObject(r, [])) });
  return out;
}

/** A document's text as an entry of a block sequence at column 0: `- ` first, two spaces after. */
function asSequenceEntry(text: string): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((line, i) => (i === 0 ? `- ${line}` : line === '' ? '' : `  ${line}`)).join('\n') + '\n';
}

function nodeText(node: Node): string {
  const doc = newDocument(null);
  doc.contents = node as Document['contents'];
  return documentToString(doc);
}

/**
 * A comment above an item (`- # comment` as kpt sends a file's head comment) belongs to the item:
 * yaml writes a map's own comment above the `- `, where kyaml reads it as someone else's and puts the
 * original back, so every run would add a copy. On the first key it stays inside the item.
 */
function keepHeadComment(node: Node): Node {
  if (!isMap(node) || !node.commentBefore) return node;
  const first = node.items[0]?.key;
  if (!isScalar(first)) return node;
  first.commentBefore = first.commentBefore ? `${node.commentBefore}\n${first.commentBefore}` : node.commentBefore;
  delete node.commentBefore;
  return node;
}

/** Output stream for a legacy exec plugin: kept input documents, then the generated objects. */
export function streamText(kept: readonly InputItem[], generated: readonly KubeObject[]): string {
  return [...kept.map((item) => nodeText(item.node)), ...generated.map((object) => stringifyObject(object))].join('---\n');
}
