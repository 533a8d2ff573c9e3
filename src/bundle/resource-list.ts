// The KRM wire format (kustomize cmd/config/docs/api-conventions/functions-spec.md): a ResourceList
// in, a ResourceList out. Pure. Items this run does not own pass through as the parsed YAML nodes,
// so their annotations (internal.config.kubernetes.io/*, config.k8s.io/id, kustomize's build
// bookkeeping), comments and key order are left as they came.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, visit, type Document, type Node } from 'yaml';
import type { Diagnostic, Severity } from '../diagnostics.js';
import { isPlainObject } from '../parse/parse-manifests.js';
import { CONFIG_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type KubeObject } from './bundle-files.js';
import { canonicalObject, documentToString, newDocument, stringifyAsIs, stringifyObject } from './stringify.js';

export const RESOURCE_LIST_API_VERSIONS = ['config.kubernetes.io/v1', 'config.kubernetes.io/v1beta1'];
export const PATH_ANNOTATION = 'internal.config.kubernetes.io/path';
export const INDEX_ANNOTATION = 'internal.config.kubernetes.io/index';
const LEGACY_PATH_ANNOTATION = 'config.kubernetes.io/path';
const LEGACY_INDEX_ANNOTATION = 'config.kubernetes.io/index';
/** Set by `kpt fn render` on every item: the absolute package directory (research/ecosystem.md §1.2). */
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
}

export interface ParsedInput {
  apiVersion: string;
  items: InputItem[];
  functionConfig?: InputItem;
  /** Problems with the ResourceList itself; items are unusable when one is an error. */
  diagnostics: Diagnostic[];
}

const STDIN = '<stdin>';

function problem(message: string, line = 1, column = 1): Diagnostic {
  return { code: 'NOT_A_RESOURCE_LIST', severity: 'error', message, location: { file: STDIN, line, column } };
}

/** A ResourceList on stdin (YAML, or JSON: YAML is a superset of it). */
export function parseResourceList(text: string): ParsedInput {
  const empty: ParsedInput = { apiVersion: 'config.kubernetes.io/v1', items: [], diagnostics: [] };
  if (text.trim() === '') {
    return { ...empty, diagnostics: [problem('expected a ResourceList on standard input, found nothing; run the tool through kpt or kustomize, or use a subcommand (mirrorset-hosts --help)')] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const pos = lineCounter.linePos(first?.pos[0] ?? 0);
    return { ...empty, diagnostics: [{ code: 'YAML_SYNTAX', severity: 'error', message: `the ResourceList is not valid YAML: ${first?.message ?? ''}`, location: { file: STDIN, line: pos.line, column: pos.col } }] };
  }
  unflow(doc);
  const root = doc.contents;
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isMap(root) || !isPlainObject(value) || value['kind'] !== 'ResourceList') {
    return { ...empty, diagnostics: [problem(`expected kind: ResourceList (apiVersion config.kubernetes.io/v1), found ${isPlainObject(value) ? `kind ${JSON.stringify(value['kind'])}` : 'no mapping'}`)] };
  }
  const apiVersion = typeof value['apiVersion'] === 'string' ? value['apiVersion'] : '';
  if (!RESOURCE_LIST_API_VERSIONS.includes(apiVersion)) {
    return { ...empty, diagnostics: [problem(`expected apiVersion ${RESOURCE_LIST_API_VERSIONS.join(' or ')} for the ResourceList, found ${JSON.stringify(apiVersion)}`)] };
  }
  const itemsNode = root.get('items', true) as Node | undefined;
  const items: InputItem[] = [];
  if (itemsNode !== undefined && !(isScalar(itemsNode) && itemsNode.value === null)) {
    if (!isSeq(itemsNode)) return { ...empty, apiVersion, diagnostics: [problem('expected items to be a list')] };
    itemsNode.items.forEach((node, position) => {
      const item = toItem(node as Node, position);
      if (item) items.push(item);
    });
  }
  const configNode = root.get('functionConfig', true) as Node | undefined;
  const functionConfig = configNode && !(isScalar(configNode) && configNode.value === null) ? toItem(configNode, -1) : undefined;
  return { apiVersion, items, ...(functionConfig ? { functionConfig } : {}), diagnostics: [] };
}

/** A YAML stream of objects (what kustomize sends a legacy exec plugin used as a transformer). */
export function parseYamlStream(text: string): ParsedInput {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const items: InputItem[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const doc of list) {
    const error = doc.errors[0];
    if (error) {
      const pos = lineCounter.linePos(error.pos[0]);
      diagnostics.push({ code: 'YAML_SYNTAX', severity: 'error', message: `the resources on standard input are not valid YAML: ${error.message}`, location: { file: STDIN, line: pos.line, column: pos.col } });
      continue;
    }
    unflow(doc);
    if (!doc.contents) continue;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    // kustomize also accepts a List or ResourceList here; unwrap them the same way.
    if (isPlainObject(value) && (value['kind'] === 'ResourceList' || value['kind'] === 'List') && isMap(doc.contents)) {
      const inner = doc.contents.get('items', true);
      if (isSeq(inner)) inner.items.forEach((node) => pushItem(items, node as Node));
      continue;
    }
    pushItem(items, doc.contents as Node);
  }
  return { apiVersion: 'config.kubernetes.io/v1', items, diagnostics };
}

function pushItem(items: InputItem[], node: Node): void {
  const item = toItem(node, items.length);
  if (item) items.push(item);
}

function toItem(node: Node, position: number): InputItem | undefined {
  const value = node.toJSON() as unknown;
  if (!isPlainObject(value)) return undefined;
  const annotations = annotationsOf(value);
  const path = annotations[PATH_ANNOTATION] ?? annotations[LEGACY_PATH_ANNOTATION];
  const index = annotations[INDEX_ANNOTATION] ?? annotations[LEGACY_INDEX_ANNOTATION];
  const item: InputItem = { node, value, position };
  if (path !== undefined) item.path = path;
  if (index !== undefined && /^[0-9]+$/.test(index)) item.fileIndex = Number(index);
  return item;
}

// JSON input parses as flow collections; written back as they are, kpt would store them as flow
// style in the user's files (research/ecosystem.md §7.8). Block style is what every tool writes.
function unflow(doc: Document): void {
  const json = (isMap(doc.contents) || isSeq(doc.contents)) && doc.contents.flow === true;
  visit(doc, {
    Map: (_, node) => void (node.flow = false),
    Seq: (_, node) => void (node.flow = false),
    // JSON quotes every string; YAML quotes only where a plain scalar would read differently.
    Scalar: (_, node) => void (json && node.type === 'QUOTE_DOUBLE' && delete node.type),
  });
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
export function resourceListText(apiVersion: string, kept: readonly InputItem[], generated: readonly KubeObject[], results: readonly KrmResult[]): string {
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
