// The KRM function (kpt `fn eval --exec` / `fn render --allow-exec`, kustomize `generators:` /
// `transformers:` with an exec function): a parsed ResourceList -> the ResourceList to print. The rules
// it keeps (docs/gitops.md "Findings"):
// - the answer is always a complete ResourceList, also on failure (the items as they came, plus
//   results), so a failure is never mistaken for "no items" and nothing is deleted;
// - an error result means exit 1 (kpt trusts the exit code, not the results);
// - items it did not generate pass through as parsed, annotations and comments included;
// - what a previous run of the same config generated is replaced, never duplicated.
import path from 'node:path';
import { EXIT_INVALID_INPUT, EXIT_USAGE, exitCodeFor, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import { itemObject } from '../krm/item-files.js';
import {
  annotationsOf,
  INDEX_ANNOTATION,
  PACKAGE_PATH_ANNOTATION,
  PATH_ANNOTATION,
  resourceListText,
  toResults,
  type InputItem,
  type KrmResult,
  type ParsedInput,
} from '../krm/resource-list.js';
import { defaultConfig, type MirrorSetHostsConfig } from '../validate/function-config.js';
import { generateFromItems } from './generate-from-items.js';
import { validateConfigObject, type InputReader } from './generate-manifests.js';

export interface KrmAnswer {
  /** The ResourceList for stdout. */
  text: string;
  /** Sorted: every error and warning is also a line on stderr (kustomize and Argo CD show only stderr). */
  diagnostics: Diagnostic[];
  /** Files whose findings carry no line of the file (items, the functionConfig): placed by file and document. */
  unplaced: ReadonlySet<string>;
  exitCode: number;
}

/** `cwd`: the process's; kustomize runs the function in the kustomization directory. */
export async function transformResourceList(input: ParsedInput, cwd: string, reader: InputReader): Promise<KrmAnswer> {
  if (hasErrors(input.diagnostics)) {
    const diagnostics = sortDiagnostics(input.diagnostics);
    return {
      // The items as they came (those that are objects and those that are not): nothing is lost.
      text: resourceListText(input.apiVersion, input.nodes.map((node) => ({ node })), [], toResults(diagnostics)),
      diagnostics,
      unplaced: new Set(),
      // Not a ResourceList at all: the tool was not started by kpt or kustomize (a usage problem).
      exitCode: input.notAResourceList ? EXIT_USAGE : EXIT_INVALID_INPUT,
    };
  }
  const unplaced = new Set<string>();
  const diagnostics: Diagnostic[] = [];

  // --- the config: ours, a ConfigMap of flat keys (kpt `-- key=value`), or none (defaults)
  let config: MirrorSetHostsConfig | undefined = defaultConfig();
  const fc = input.functionConfig;
  if (fc && !isEmptyConfigMap(fc.value)) {
    const object = itemObject(fc, fc.path ?? 'functionConfig');
    unplaced.add(object.file);
    const result = validateConfigObject(object);
    for (const d of result.diagnostics) diagnostics.push(d);
    config = result.config;
  }

  let generated: KubeObject[] = [];
  let kept = input.items;
  let summary: KrmResult | undefined;
  if (config) {
    const result = await generateFromItems(config, input.items, baseDirOf(fc, cwd), reader);
    for (const file of result.itemPaths) unplaced.add(file);
    for (const d of result.diagnostics) diagnostics.push(d);
    kept = result.kept;
    generated = result.objects;
    if (generated.length > 0) {
      const names = generated.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
      summary = { message: `rendered ${result.fileCount} file(s) for the nodes into ${names}`, severity: 'info' };
      if (writesFiles(input.items, fc)) generated = placeInPackage(generated, fc, config.name);
    }
  }

  const sorted = sortDiagnostics(diagnostics);
  const failed = hasErrors(sorted);
  const results = [...toResults(sorted), ...(summary && !failed ? [summary] : [])];
  // On failure the items go back exactly as they came (previous output included): nothing is lost.
  const text = resourceListText(input.apiVersion, failed ? input.nodes.map((node) => ({ node })) : kept, failed ? [] : generated, results);
  return { text, diagnostics: sorted, unplaced, exitCode: exitCodeFor(sorted) };
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
 * the kustomization directory.
 */
function baseDirOf(fc: InputItem | undefined, cwd: string): string {
  if (!fc) return cwd;
  const packagePath = annotationsOf(fc.value)[PACKAGE_PATH_ANNOTATION];
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
