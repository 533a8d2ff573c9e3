// The KRM function front-end: a ResourceList on stdin -> a ResourceList on stdout (kpt `fn eval
// --exec` / `fn render --allow-exec`, kustomize `generators:`/`transformers:` with an exec function).
// No argv is needed (kustomize < 5.7 has no exec.args). The rules it keeps (research/ecosystem.md §7, §8):
// - stdout always holds a complete ResourceList, also on failure (the items as they came, plus
//   results), so a failure is never mistaken for "no items" and nothing is deleted;
// - every error and warning is also one line on stderr: kustomize and Argo CD show only stderr;
// - exit 1 when a result is an error (kpt trusts the exit code, not the results);
// - items it did not generate pass through as parsed, annotations and comments included;
// - what a previous run of the same config generated is replaced, never duplicated.
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { EXIT_INVALID_INPUT, EXIT_USAGE, exitCodeFor, hasErrors, sortDiagnostics } from '../diagnostics.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import {
  annotationsOf,
  INDEX_ANNOTATION,
  isOwnedBy,
  MAX_RESOURCE_LIST_BYTES,
  PACKAGE_PATH_ANNOTATION,
  parseResourceList,
  PATH_ANNOTATION,
  resourceListText,
  stdinTooLarge,
  taggedText,
  toResults,
  type InputItem,
  type KrmResult,
  type ParsedInput,
} from '../bundle/resource-list.js';
import { stringifyObject } from '../bundle/stringify.js';
import { isMirrorSetKind } from '../kinds.js';
import type { ManifestObject, SourceFile } from '../parse/parse-manifests.js';
import { defaultConfig, type MirrorSetHostsConfig } from '../validate/function-config.js';
import { type CliIo } from '../io/cli-io.js';
import { StdinTooLarge } from '../errors.js';
import { generateManifests, reportFindings, validateConfigObject } from './generate-manifests.js';

export async function runKrmFunction(io: CliIo): Promise<number> {
  // stdout holds a complete ResourceList whatever happens: also when a bug throws (exit 3), kpt and
  // kustomize then see an error result, never an empty list that would delete the package.
  let printed = false;
  let apiVersion = 'config.kubernetes.io/v1';
  const print = (text: string): void => {
    printed = true;
    io.stdout(text);
  };
  try {
    return await transform(io, print, (version) => void (apiVersion = version));
  } catch (err) {
    if (!printed) {
      const message = 'internal error, this is a bug: the input was left as it came; please report it with the input that caused it (details on stderr)';
      io.stdout(resourceListText(apiVersion, [], [], [{ message, severity: 'error', tags: { code: 'INTERNAL_ERROR' } }]));
    }
    throw err;
  }
}

async function transform(io: CliIo, print: (text: string) => void, setApiVersion: (version: string) => void): Promise<number> {
  let input: ParsedInput;
  try {
    input = parseResourceList(await io.readStdin(MAX_RESOURCE_LIST_BYTES));
  } catch (err) {
    if (!(err instanceof StdinTooLarge)) throw err;
    input = { apiVersion: 'config.kubernetes.io/v1', items: [], nodes: [], diagnostics: [stdinTooLarge(MAX_RESOURCE_LIST_BYTES)] };
  }
  setApiVersion(input.apiVersion);
  if (hasErrors(input.diagnostics)) {
    // The items as they came (those that are objects and those that are not): nothing is lost.
    print(resourceListText(input.apiVersion, input.nodes.map((node) => ({ node })), [], toResults(sortDiagnostics(input.diagnostics))));
    reportFindings(sortDiagnostics(input.diagnostics), new Set(), io.stderr);
    // Not a ResourceList at all: the tool was not started by kpt or kustomize (a usage problem).
    return input.notAResourceList ? EXIT_USAGE : EXIT_INVALID_INPUT;
  }
  const synthetic = new Set<string>();
  const diagnostics: Diagnostic[] = [];

  // --- the config: ours, a ConfigMap of flat keys (kpt `-- key=value`), or none (defaults)
  let config: MirrorSetHostsConfig | undefined = defaultConfig();
  const fc = input.functionConfig;
  if (fc && !isEmptyConfigMap(fc.value)) {
    const object = itemObject(fc, fc.path ?? 'functionConfig');
    synthetic.add(object.file);
    const result = validateConfigObject(object);
    for (const d of result.diagnostics) diagnostics.push(d);
    config = result.config;
  }

  let generated: KubeObject[] = [];
  let kept = input.items;
  let summary: KrmResult | undefined;
  if (config) {
    const owned = input.items.filter((item) => isOwnedBy(item, config.name));
    kept = input.items.filter((item) => !owned.includes(item));
    const { sources, files } = itemSources(kept);
    for (const file of files.keys()) synthetic.add(file);
    if (config.inputs && kept.some((item) => isMirrorSetKind(String(item.value['kind'])))) {
      diagnostics.push({
        code: 'MIRROR_SET_ITEMS_IGNORED',
        severity: 'info',
        message: 'spec.inputs is set, so the mirror sets among the items are passed through unread; remove spec.inputs to render them instead',
        field: 'spec.inputs',
        object: { apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: 'MirrorSetHosts', name: config.name },
      });
    }
    const result = await generateManifests({
      config,
      baseDir: baseDirOf(fc, io.cwd),
      cwd: io.cwd,
      items: sources,
      readStdin: async () => '',
    });
    for (const remapped of result.diagnostics.map((d) => remapItemLocation(d, files))) diagnostics.push(remapped);
    generated = result.objects;
    if (generated.length > 0) {
      const names = generated.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
      summary = { message: `rendered ${result.fileCount} file(s) for the nodes into ${names}`, severity: 'info' };
      if (writesFiles(input.items, fc)) generated = placeInPackage(generated, fc, config.name);
    }
  }

  const failed = hasErrors(diagnostics);
  const results = [...toResults(sortDiagnostics(diagnostics)), ...(summary && !failed ? [summary] : [])];
  // On failure the items go back exactly as they came (previous output included): nothing is lost.
  print(resourceListText(input.apiVersion, failed ? input.nodes.map((node) => ({ node })) : kept, failed ? [] : generated, results));
  reportFindings(sortDiagnostics(diagnostics), synthetic, io.stderr);
  return exitCodeFor(diagnostics);
}

/** `kpt fn eval` without a config sends `ConfigMap function-input` with `data: {}`: defaults. */
function isEmptyConfigMap(value: Record<string, unknown>): boolean {
  if (value['apiVersion'] !== 'v1' || value['kind'] !== 'ConfigMap') return false;
  const data = value['data'];
  return data === undefined || data === null || (typeof data === 'object' && Object.keys(data).length === 0);
}

/**
 * Where spec.inputs are resolved: under `kpt fn render` the package path joined with the config
 * file's directory (kpt runs functions in its own cwd); otherwise the cwd, which kustomize sets to
 * the kustomization directory (research/ecosystem.md §1.4, §3).
 */
function baseDirOf(fc: InputItem | undefined, cwd: string): string {
  if (!fc) return cwd;
  const annotations = annotationsOf(fc.value);
  const packagePath = annotations[PACKAGE_PATH_ANNOTATION];
  if (packagePath) return path.resolve(packagePath, path.dirname(fc.path ?? '.'));
  return cwd;
}

/** kpt writes items back to files: only then do generated objects need a file of their own. */
function writesFiles(items: readonly InputItem[], fc: InputItem | undefined): boolean {
  return fc?.path !== undefined || items.some((item) => item.path !== undefined);
}

/** `<config dir>/<name>.generated.yaml`, one document per object, in output order. */
function placeInPackage(objects: readonly KubeObject[], fc: InputItem | undefined, name: string): KubeObject[] {
  const dir = fc?.path ? path.posix.dirname(fc.path) : '.';
  const file = path.posix.join(dir, `${name}.generated.yaml`);
  return objects.map((object, index) => ({
    ...object,
    metadata: { ...object.metadata, annotations: { ...(object.metadata.annotations ?? {}), [PATH_ANNOTATION]: file, [INDEX_ANNOTATION]: String(index) } },
  }));
}

function itemObject(item: InputItem, file: string): ManifestObject {
  const location = { file, line: 1, column: 1, documentIndex: item.fileIndex ?? 0 };
  return {
    file,
    documentIndex: item.fileIndex ?? 0,
    basePath: [],
    value: item.value,
    apiVersion: String(item.value['apiVersion'] ?? ''),
    kind: String(item.value['kind'] ?? ''),
    locate: () => location,
    locateKey: () => location,
  };
}

/**
 * Items -> source files for the pipeline: the items of one file (kpt's path annotation) become one
 * multi-document file in index order, so findings name the user's file and document; items without
 * a path (kustomize) are one file each, named Kind/name.
 */
export function itemSources(items: readonly InputItem[]): { sources: SourceFile[]; files: Map<string, InputItem[]> } {
  const files = new Map<string, InputItem[]>();
  for (const item of items) {
    const file = item.path ?? `${String(item.value['kind'])}/${nameOf(item)}`;
    const group = files.get(file) ?? [];
    group.push(item);
    files.set(file, group);
  }
  const sources: SourceFile[] = [];
  for (const [file, group] of files) {
    group.sort((a, b) => (a.fileIndex ?? 0) - (b.fileIndex ?? 0) || a.position - b.position);
    sources.push({ path: file, content: group.map((item) => sourceText(item.value)).join('---\n') });
  }
  return { sources, files };
}

/**
 * An item as YAML text for the pipeline. The emitter writes JSON-shaped data; a value the YAML
 * reader made into something else (`!!binary` bytes, a `!!set`, a YAML 1.1 timestamp) is written by
 * the yaml library with its tag, so the schema check names it as it would in a file.
 */
function sourceText(value: Record<string, unknown>): string {
  return isJsonShaped(value) ? stringifyObject(value) : taggedText(value);
}

function isJsonShaped(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object') continue;
    // A loop, not push(...): a list of 200k entries would overflow the call stack.
    if (Array.isArray(value)) for (const child of value) stack.push(child);
    else if (Object.prototype.toString.call(value) === '[object Object]') for (const child of Object.values(value)) stack.push(child);
    else return false;
  }
  return true;
}

/** Document n of a grouped source is the n-th item of that group: give it its index in the real file. */
export function remapItemLocation(d: Diagnostic, files: ReadonlyMap<string, InputItem[]>): Diagnostic {
  const group = d.location ? files.get(d.location.file) : undefined;
  if (!d.location || !group) return d;
  const item = group[d.location.documentIndex ?? 0];
  const documentIndex = item?.fileIndex ?? d.location.documentIndex ?? 0;
  const remapped: Diagnostic = { ...d, location: { ...d.location, documentIndex } };
  // kpt shows a result as `[severity] apiVersion/Kind/name field: message`: name the object.
  if (!remapped.object && item) {
    const object = { apiVersion: String(item.value['apiVersion'] ?? ''), kind: String(item.value['kind'] ?? ''), name: nameOf(item) };
    const metadata = item.value['metadata'];
    const namespace = metadata !== null && typeof metadata === 'object' ? (metadata as Record<string, unknown>)['namespace'] : undefined;
    remapped.object = typeof namespace === 'string' ? { ...object, namespace } : object;
  }
  return remapped;
}

function nameOf(item: InputItem): string {
  const metadata = item.value['metadata'];
  const name = metadata !== null && typeof metadata === 'object' ? (metadata as Record<string, unknown>)['name'] : undefined;
  return typeof name === 'string' ? name : `items[${item.position}]`;
}
