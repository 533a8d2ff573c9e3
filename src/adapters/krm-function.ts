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
import { EXIT_USAGE, exitCodeFor, hasErrors, sortDiagnostics } from '../diagnostics.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import {
  annotationsOf,
  INDEX_ANNOTATION,
  isOwnedBy,
  PACKAGE_PATH_ANNOTATION,
  parseResourceList,
  PATH_ANNOTATION,
  resourceListText,
  toResults,
  type InputItem,
  type KrmResult,
} from '../bundle/resource-list.js';
import { stringifyObject } from '../bundle/stringify.js';
import { isMirrorSetKind } from '../kinds.js';
import type { ManifestObject, SourceFile } from '../parse/parse-manifests.js';
import { defaultConfig, type MirrorSetHostsConfig } from '../validate/function-config.js';
import type { CliIo } from './cli-io.js';
import { generateManifests, reportFindings, validateConfigObject } from './generate-manifests.js';

export async function runKrmFunction(io: CliIo): Promise<number> {
  const input = parseResourceList(await io.readStdin());
  if (hasErrors(input.diagnostics)) {
    io.stdout(resourceListText(input.apiVersion, [], [], toResults(input.diagnostics)));
    reportFindings(input.diagnostics, new Set(), io.stderr);
    return EXIT_USAGE;
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
  io.stdout(resourceListText(input.apiVersion, failed ? input.items : kept, failed ? [] : generated, results));
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
    sources.push({ path: file, content: group.map((item) => stringifyObject(item.value)).join('---\n') });
  }
  return { sources, files };
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
