// Shared by `build`, the KRM function and the legacy exec plugin: functionConfig -> mirror sets
// (read from spec.inputs, or handed in as ResourceList items) -> pipeline -> bundle manifests.
// The I/O here is reading the inputs; everything else is the pure stages.
// Synchronous on purpose: node:fs/promises loads streams and readline at start-up (bench/README.md).
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic, formatDiagnosticAt, hasErrors, sortDiagnostics, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import { buildManifests } from '../node-applier/build-manifests.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import { displayPath, readInputs, readManifestDirectory } from '../io/files.js';
import { parseManifests, type FieldPath, type ManifestObject, type SourceFile } from '../parse/parse-manifests.js';
import { run } from '../pipeline.js';
import { isOwnConfigGroup, validateConfigMapConfig, validateFunctionConfig, type FunctionConfigResult, type MirrorSetHostsConfig } from '../validate/function-config.js';
import { FUNCTION_CONFIG_KIND } from '../validate/function-config-schema.js';
import { UsageError } from '../errors.js';

export interface GenerateRequest {
  config: MirrorSetHostsConfig;
  /** Where the config names its inputs from: kustomization dir, kpt config dir, config file dir. */
  baseDir: string;
  /** Paths in diagnostics are shown relative to this directory (the user's cwd). */
  cwd: string;
  /** Position of a field of the config, for findings about spec.inputs. */
  locateConfig?: (path: FieldPath) => SourceLocation | undefined;
  /** Mirror sets (and any other objects) handed in by the orchestrator: used when the config has no inputs. */
  items?: SourceFile[];
  /** Extra inputs named on the command line (relative to cwd, no root check): they replace spec.inputs. */
  cliInputs?: string[];
  readStdin(maxBytes: number): Promise<string>;
}

export interface GenerateResult {
  /** Empty when `diagnostics` holds an error. */
  objects: KubeObject[];
  diagnostics: Diagnostic[];
  /** Number of files on the nodes (hosts.toml and CA files). */
  fileCount: number;
}

export async function generateManifests(request: GenerateRequest): Promise<GenerateResult> {
  const { config } = request;
  const diagnostics: Diagnostic[] = [];
  let sources: SourceFile[];
  if (request.cliInputs && request.cliInputs.length > 0) {
    const read = await readInputs(request.cliInputs, { cwd: request.cwd, readStdin: request.readStdin });
    for (const d of read.diagnostics) diagnostics.push(d);
    sources = read.files;
  } else if (config.inputs) {
    const read = await readConfigInputs(request);
    for (const d of read.diagnostics) diagnostics.push(d);
    sources = read.files;
  } else {
    sources = request.items ?? [];
  }
  if (hasErrors(diagnostics)) return { objects: [], diagnostics: sortDiagnostics(diagnostics), fileCount: 0 };

  const result = run(sources, { profile: config.profile, strict: config.strict });
  for (const d of result.diagnostics) diagnostics.push(d);
  if (hasErrors(diagnostics)) return { objects: [], diagnostics: sortDiagnostics(diagnostics), fileCount: 0 };

  const built = buildManifests(result.files, config);
  for (const d of built.diagnostics) diagnostics.push(d);
  const failed = hasErrors(diagnostics);
  return { objects: failed ? [] : built.objects, diagnostics: sortDiagnostics(diagnostics), fileCount: failed ? 0 : result.files.length };
}

/**
 * spec.inputs, each relative to baseDir. Like kustomize's default load restrictor
 * (LoadRestrictionsRootOnly), an input that leads outside baseDir (`..`, an absolute path, a
 * symbolic link pointing out) is refused unless spec.allowOutsideRoot: an exec function does its
 * own I/O, so kustomize's restrictor does not protect a repository server here (research/ecosystem.md §3).
 */
async function readConfigInputs(request: GenerateRequest): Promise<{ files: SourceFile[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, SourceFile>();
  const root = tryFs(() => realpathSync(request.baseDir)) ?? path.resolve(request.baseDir);
  const inputs = request.config.inputs ?? [];
  for (const [index, input] of inputs.entries()) {
    const field = `spec.inputs[${index}]`;
    const at = (code: Diagnostic['code'], message: string): void => {
      const location = request.locateConfig?.(['spec', 'inputs', index]);
      diagnostics.push({ code, severity: 'error', message, field, ...(location ? { location } : {}), object: configRef(request.config) });
    };
    const absolute = path.resolve(request.baseDir, input);
    if (!request.config.allowOutsideRoot) {
      // Lexically, and once symbolic links are resolved (a link pointing out counts as outside).
      const real = tryFs(() => realpathSync(absolute));
      const outside = isOutside(path.resolve(request.baseDir), absolute) || (real !== undefined && isOutside(root, real));
      if (outside) {
        at('INPUT_OUTSIDE_ROOT', `expected a path inside ${displayPath(request.cwd, request.baseDir) || '.'} (the directory of the config), found ${JSON.stringify(input)}, which leads outside it; move the mirror sets below the config or set spec.allowOutsideRoot: true`);
        continue;
      }
    }
    // The files found in a directory or by a glob are held to the same root: a symbolic link among
    // them that leads out is refused (INPUT_OUTSIDE_ROOT), not read.
    const linkRoot = request.config.allowOutsideRoot ? undefined : root;
    const info = tryFs(() => statSync(absolute));
    if (info?.isDirectory()) {
      const read = readManifestDirectory(absolute, request.cwd, linkRoot);
      for (const file of read.files) files.set(file.path, file);
      for (const d of read.diagnostics) diagnostics.push(d);
      continue;
    }
    try {
      const read = await readInputs([input], { cwd: request.baseDir, readStdin: request.readStdin, ...(linkRoot ? { root: linkRoot } : {}) });
      for (const file of read.files) {
        const shown = displayPath(request.cwd, path.resolve(request.baseDir, file.path));
        files.set(shown, { ...file, path: shown });
      }
      for (const d of read.diagnostics) {
        diagnostics.push(d.location ? { ...d, location: { ...d.location, file: displayPath(request.cwd, path.resolve(request.baseDir, d.location.file)) } } : d);
      }
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      at('READ_FAILED', `${err.message} (resolved against ${displayPath(request.cwd, request.baseDir) || '.'}, the directory of the config); fix the path in spec.inputs`);
    }
  }
  const sorted = [...files.keys()].sort().map((key) => files.get(key) as SourceFile);
  return { files: sorted, diagnostics };
}

function tryFs<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch {
    return undefined;
  }
}

function isOutside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative);
}

function configRef(config: MirrorSetHostsConfig): Diagnostic['object'] {
  return { apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: FUNCTION_CONFIG_KIND, name: config.name };
}

/**
 * The config object from a parsed file or a KRM functionConfig: our kind, or a ConfigMap of flat
 * keys (kpt `fn eval -- key=value`, Kptfile `configMap:`).
 */
export function validateConfigObject(object: ManifestObject): FunctionConfigResult {
  if (object.apiVersion === 'v1' && object.kind === 'ConfigMap') return validateConfigMapConfig(object);
  return validateFunctionConfig(object);
}

/** The MirrorSetHosts object(s) of a config file: exactly one is expected. */
export function configFromText(file: SourceFile): { object?: ManifestObject; diagnostics: Diagnostic[] } {
  const parsed = parseManifests([file]);
  const diagnostics = [...parsed.diagnostics];
  if (hasErrors(diagnostics)) return { diagnostics };
  const candidates = parsed.objects.filter((o) => o.kind === FUNCTION_CONFIG_KIND || isOwnConfigGroup(o.apiVersion));
  const chosen = candidates[0] ?? parsed.objects[0];
  if (!chosen || candidates.length > 1) {
    diagnostics.push({
      code: 'UNKNOWN_CONFIG_KIND',
      severity: 'error',
      message: chosen
        ? `expected one ${FUNCTION_CONFIG_KIND} object in the config file, found ${candidates.length}; keep one config per file`
        : `expected a ${FUNCTION_CONFIG_KIND} object (apiVersion mirrorset-hosts.io/v1alpha1), found none`,
      location: { file: file.path, line: 1, column: 1 },
    });
    return { diagnostics };
  }
  return { object: chosen, diagnostics };
}

/**
 * One line per finding for people (kustomize and Argo CD show only stderr). Findings about objects
 * that came through a ResourceList or a plugin config carry no real line: they are placed by file
 * (and document index) or by object, never by a line number that would point nowhere.
 */
export function formatFinding(d: Diagnostic, syntheticFiles: ReadonlySet<string>): string {
  if (d.location && !syntheticFiles.has(d.location.file)) return formatDiagnostic(d);
  let where = '';
  if (d.location) where = `${d.location.file}${d.location.documentIndex ? ` (document ${d.location.documentIndex})` : ''}: `;
  else if (d.object) where = `${d.object.kind}/${d.object.name}: `;
  return formatDiagnosticAt(d, where);
}

/** Errors and warnings on stderr, one line each, prefixed with the tool's name. */
export function reportFindings(diagnostics: readonly Diagnostic[], syntheticFiles: ReadonlySet<string>, stderr: (text: string) => void): void {
  const lines = diagnostics.filter((d) => d.severity !== 'info').map((d) => `mirrorset-hosts: ${formatFinding(d, syntheticFiles)}\n`);
  if (lines.length > 0) stderr(lines.join(''));
}
