// The use case `build`, the KRM function and the exec plugin share: a MirrorSetHosts config ->
// mirror sets (read from spec.inputs or PATH arguments through the reader the caller injects, or
// handed in as ResourceList items already parsed) -> pipeline -> bundle manifests and Job.
import { hasErrors, sortDiagnostics, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import { buildManifests } from '../node-applier/build-manifests.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import { parseManifests, type FieldPath, type ManifestInput, type ManifestObject, type SourceFile } from '../parse/parse-manifests.js';
import { run } from '../pipeline.js';
import { isOwnConfigGroup, validateConfigMapConfig, validateFunctionConfig, type FunctionConfigResult, type MirrorSetHostsConfig } from '../validate/function-config.js';
import { FUNCTION_CONFIG_KIND } from '../validate/function-config-schema.js';

interface ReadResult {
  files: SourceFile[];
  diagnostics: Diagnostic[];
}

/** How the inputs are found and read (src/io/config-inputs.ts reads the file system). */
export interface InputReader {
  /** Paths named on the command line, relative to the user's cwd (no root check). */
  readPaths(paths: readonly string[]): Promise<ReadResult>;
  /** spec.inputs relative to baseDir; `problems` are the entries that could not be used, by index. */
  readConfigInputs(
    inputs: readonly string[],
    baseDir: string,
    allowOutsideRoot: boolean,
    /** spec.exclude: globs relative to baseDir of files the inputs' directories and globs find but never read. */
    exclude?: readonly string[],
  ): Promise<ReadResult & { problems: { index: number; code: 'INPUT_OUTSIDE_ROOT' | 'READ_FAILED'; message: string }[] }>;
}

export interface GenerateRequest {
  config: MirrorSetHostsConfig;
  /** Where the config names its inputs from: kustomization dir, kpt config dir, config file dir. */
  baseDir: string;
  /** Position of a field of the config, for findings about spec.inputs. */
  locateConfig?: (path: FieldPath) => SourceLocation | undefined;
  /** Mirror sets (and any other objects) handed in by the orchestrator: used when the config has no inputs. */
  items?: readonly ManifestInput[];
  /** Extra inputs named on the command line (relative to cwd, no root check): they replace spec.inputs. */
  cliInputs?: readonly string[];
  reader: InputReader;
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
  let sources: readonly ManifestInput[];
  if (request.cliInputs && request.cliInputs.length > 0) {
    const read = await request.reader.readPaths(request.cliInputs);
    for (const d of read.diagnostics) diagnostics.push(d);
    sources = read.files;
  } else if (config.inputs) {
    const read = await request.reader.readConfigInputs(config.inputs, request.baseDir, config.allowOutsideRoot, config.exclude ?? []);
    for (const d of read.diagnostics) diagnostics.push(d);
    for (const problem of read.problems) {
      const location = request.locateConfig?.(['spec', 'inputs', problem.index]);
      diagnostics.push({ code: problem.code, severity: 'error', message: problem.message, field: `spec.inputs[${problem.index}]`, ...(location ? { location } : {}), object: configRef(config) });
    }
    sources = read.files;
  } else {
    sources = request.items ?? [];
  }
  if (hasErrors(diagnostics)) return { objects: [], diagnostics: sortDiagnostics(diagnostics), fileCount: 0 };

  const result = run(sources, { profile: config.profile, strict: config.strict, accept: config.accept ?? [] });
  for (const d of result.diagnostics) diagnostics.push(d);
  if (hasErrors(diagnostics)) return { objects: [], diagnostics: sortDiagnostics(diagnostics), fileCount: 0 };

  const built = buildManifests(result.files, config);
  for (const d of built.diagnostics) diagnostics.push(d);
  const failed = hasErrors(diagnostics);
  return { objects: failed ? [] : built.objects, diagnostics: sortDiagnostics(diagnostics), fileCount: failed ? 0 : result.files.length };
}

/** The config as the object a finding is about. */
export function configRef(config: MirrorSetHostsConfig): Diagnostic['object'] {
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

/** A config file (`build --config`): its MirrorSetHosts object, validated, with the positions of its fields. */
export function configFromFile(file: SourceFile): { config?: MirrorSetHostsConfig; locateConfig?: ManifestObject['locate']; diagnostics: Diagnostic[] } {
  const found = configFromText(file);
  if (!found.object) return { diagnostics: found.diagnostics };
  const validated = validateConfigObject(found.object);
  return { ...(validated.config ? { config: validated.config } : {}), locateConfig: found.object.locate, diagnostics: [...found.diagnostics, ...validated.diagnostics] };
}
