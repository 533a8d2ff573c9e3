// The functionConfig (`MirrorSetHosts`, or the ConfigMap kpt builds from `key=value` arguments) ->
// a typed config, checked against FUNCTION_CONFIG_SCHEMA with the same codes, field paths and
// positions as the mirror sets. All findings in one pass; nothing is thrown for bad input.
import { didYouMean, type ContainerdRelease, type GitOpsStrategy, type InventoryEntry, type Platform, type Profile, type SshBecome, type TargetOs, type UnavailableNodePolicy } from '../vocabulary.js';
import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import type { AcceptRule } from './accept-findings.js';
import { isPlainObject, type FieldPath, type ManifestObject } from '../parse/parse-manifests.js';
import { diagnosticsFor, formatFieldPath } from './diagnostics-for.js';
import { DEFAULT_MAX_OBJECT_BYTES, FUNCTION_CONFIG_API_VERSION, FUNCTION_CONFIG_KIND, FUNCTION_CONFIG_SCHEMA, type ConfigSchema } from './function-config-schema.js';
import { typeName, walkSchema, type SchemaReport, type SchemaWalkOptions } from './json-schema.js';
import { podResourceFindings } from './pod-resources.js';


/** The functionConfig with defaults applied (FUNCTION_CONFIG_SCHEMA documents every field). */
export interface MirrorSetHostsConfig {
  name: string;
  namespace?: string;
  /** Absent: take the mirror sets from the ResourceList items (transformer). */
  inputs?: string[];
  /** Globs of files never read (`spec.exclude`), relative to the config's directory. */
  exclude?: string[];
  allowOutsideRoot: boolean;
  profile: Profile;
  strict: boolean;
  /** Warnings accepted with a reason (`spec.accept`). */
  accept?: AcceptRule[];
  /** The directory render writes and check compares (relative to the config); build ignores it. */
  out?: string;
  /** Picks the user, paths and pod security (node-applier/platforms.ts). */
  platform: Platform;
  /** Generate the Namespace too. */
  namespaceObject: { create: boolean };
  /** Pod settings passed into the Job's pod template (core/v1 shapes, checked by the schema). */
  pod: PodSettings;
  target: { os: TargetOs; configDir?: string; containerdConfig?: string; assumeContainerdDefaults?: ContainerdRelease };
  nodes: { selector?: string; inventory: InventoryEntry[]; windowsInstances?: { namespace: string; name: string } };
  ssh: {
    secretName?: string;
    secretKey?: string;
    user?: string;
    port?: number;
    knownHosts?: { kind?: 'Secret' | 'ConfigMap'; name?: string; key?: string; fromNodeAnnotations?: boolean };
    insecureIgnoreHostKeys: boolean;
    become: SshBecome;
  };
  /** spec.auth: the dockerconfigjson Secret with mirror credentials. */
  auth?: { secretName: string; key?: string };
  /** spec.wmco: what to do with nodes WMCO manages. */
  wmco: { coexist: boolean };
  /** Set: the node-applier Job is generated too. */
  image?: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  gitops: { strategy: GitOpsStrategy; syncWave?: number };
  rollout: {
    canary?: string;
    maxParallel?: number;
    maxFailures?: number;
    shards?: number;
    /** A cron expression, or 'none'; absent: the default of the node source. */
    schedule?: string;
    minNodes: number;
    unavailableNodes: UnavailableNodePolicy;
    backoffLimit: number;
    activeDeadlineSeconds: number;
  };
  bundle: { sensitive: boolean; maxObjectBytes: number };
}

/** spec.pod: core/v1 PodSpec fields, as written. */
export interface PodSettings {
  nodeSelector?: Record<string, string>;
  tolerations?: Array<Record<string, string | number>>;
  affinity?: Record<string, unknown>;
  imagePullSecrets?: Array<{ name: string }>;
  priorityClassName?: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface FunctionConfigResult {
  /** Absent when `diagnostics` holds an error. */
  config?: MirrorSetHostsConfig;
  diagnostics: Diagnostic[];
}

/** The name used when there is no functionConfig at all (`build` without --config, `kpt fn eval` without one). */
export const DEFAULT_CONFIG_NAME = 'mirrorset-hosts';

export function defaultConfig(name = DEFAULT_CONFIG_NAME): MirrorSetHostsConfig {
  return {
    name,
    allowOutsideRoot: false,
    profile: 'containerd',
    strict: false,
    platform: 'generic',
    namespaceObject: { create: false },
    pod: {},
    target: { os: 'windows' },
    nodes: { inventory: [] },
    ssh: { insecureIgnoreHostKeys: false, become: 'none' },
    gitops: { strategy: 'hashed-name' },
    rollout: { minNodes: 1, unavailableNodes: 'skip', backoffLimit: 2, activeDeadlineSeconds: 1800 },
    wmco: { coexist: false },
    bundle: { sensitive: false, maxObjectBytes: DEFAULT_MAX_OBJECT_BYTES },
  };
}

/** Is this object meant as our functionConfig (right group), even if its version or kind is wrong? */
export function isOwnConfigGroup(apiVersion: string): boolean {
  return apiVersion.split('/')[0] === FUNCTION_CONFIG_API_VERSION.split('/')[0];
}

/** A `MirrorSetHosts` object (a config file, the KRM functionConfig, the legacy plugin's config). */
export function validateFunctionConfig(object: ManifestObject): FunctionConfigResult {
  const { diagnostics, report } = diagnosticsFor(object, objectRef(object));
  if (object.apiVersion !== FUNCTION_CONFIG_API_VERSION || object.kind !== FUNCTION_CONFIG_KIND) {
    report(
      'UNKNOWN_CONFIG_KIND',
      object.apiVersion !== FUNCTION_CONFIG_API_VERSION ? ['apiVersion'] : ['kind'],
      `expected apiVersion ${FUNCTION_CONFIG_API_VERSION} and kind ${FUNCTION_CONFIG_KIND}, found ${object.apiVersion} ${object.kind}`,
    );
    return { diagnostics };
  }
  walkSchema(object.value, FUNCTION_CONFIG_SCHEMA, [], report, walkOptions);
  if (diagnostics.length > 0) return { diagnostics };
  const config = toConfig(object.value);
  // spec.ssh.knownHosts is {kind, name, key?} or {fromNodeAnnotations: true}: the schema language
  // here has no oneOf, so kind and name are required in the first form by this check, as the walker would.
  const known = config.ssh.knownHosts;
  if (known !== undefined && known.fromNodeAnnotations !== true) {
    const parent = ['spec', 'ssh', 'knownHosts'];
    for (const key of ['kind', 'name'] as const) {
      if (known[key] === undefined) report('SCHEMA_REQUIRED', [...parent, key], `expected required field "${key}", found none (or fromNodeAnnotations: true)`, { at: parent });
    }
    if (diagnostics.length > 0) return { diagnostics };
  }
  // Resources the pod cannot run with are errors at the field written; ones below the measured need, warnings.
  for (const finding of podResourceFindings(config.pod.resources)) {
    report(finding.severity === 'error' ? 'SCHEMA_OUT_OF_RANGE' : 'POD_MEMORY_BELOW_NEED', ['spec', 'pod', 'resources', ...finding.path], finding.message);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  if (config.ssh.insecureIgnoreHostKeys) {
    // Never emitted silently: the Job it configures would hand the files to whoever answers.
    report(
      'INSECURE_HOST_KEYS',
      ['spec', 'ssh', 'insecureIgnoreHostKeys'],
      'host keys are not verified: the node-applier Job accepts any SSH host key, so anyone on the network path between its pod and a node can impersonate the node, receive the files and answer for it; set spec.ssh.knownHosts instead (labs only)',
    );
  }
  return { config, diagnostics };
}

// --- the ConfigMap form: `kpt fn eval --exec mirrorset-hosts -- profile=wmco inputs=mirrorsets/`
// and a Kptfile `configMap:`. Flat keys, each standing for one spec field that one string can say.
// Objects and lists of objects (spec.pod, spec.auth, spec.nodes.inventory and windowsInstances,
// knownHosts.fromNodeAnnotations, spec.accept) cannot be one; the other scalars have no key so that
// this list stays short: a MirrorSetHosts file (Kptfile `configPath:`) says all of them
// (docs/gitops.md "kpt").
interface FlatKey {
  path: FieldPath;
  type: 'string' | 'boolean' | 'integer' | 'list' | 'knownHosts';
}
const FLAT_KEYS: Readonly<Record<string, FlatKey>> = {
  name: { path: ['metadata', 'name'], type: 'string' },
  namespace: { path: ['metadata', 'namespace'], type: 'string' },
  inputs: { path: ['spec', 'inputs'], type: 'list' },
  exclude: { path: ['spec', 'exclude'], type: 'list' },
  allowOutsideRoot: { path: ['spec', 'allowOutsideRoot'], type: 'boolean' },
  profile: { path: ['spec', 'profile'], type: 'string' },
  strict: { path: ['spec', 'strict'], type: 'boolean' },
  platform: { path: ['spec', 'platform'], type: 'string' },
  os: { path: ['spec', 'target', 'os'], type: 'string' },
  configDir: { path: ['spec', 'target', 'configDir'], type: 'string' },
  nodeSelector: { path: ['spec', 'nodes', 'selector'], type: 'string' },
  sshSecretName: { path: ['spec', 'ssh', 'secretName'], type: 'string' },
  sshUser: { path: ['spec', 'ssh', 'user'], type: 'string' },
  sshPort: { path: ['spec', 'ssh', 'port'], type: 'integer' },
  sshBecome: { path: ['spec', 'ssh', 'become'], type: 'string' },
  knownHostsConfigMap: { path: ['spec', 'ssh', 'knownHosts'], type: 'knownHosts' },
  image: { path: ['spec', 'image'], type: 'string' },
  strategy: { path: ['spec', 'gitops', 'strategy'], type: 'string' },
  sensitive: { path: ['spec', 'bundle', 'sensitive'], type: 'boolean' },
  maxObjectBytes: { path: ['spec', 'bundle', 'maxObjectBytes'], type: 'integer' },
};
export const CONFIG_MAP_KEYS: readonly string[] = Object.keys(FLAT_KEYS).sort();

/**
 * A ConfigMap functionConfig: `data` keys as listed in CONFIG_MAP_KEYS. Its metadata.name
 * (`function-input` when kpt made it up) is not used as the base name: `data.name` is.
 */
export function validateConfigMapConfig(object: ManifestObject): FunctionConfigResult {
  const found = diagnosticsFor(object, objectRef(object));
  const diagnostics = found.diagnostics;
  const data = object.value['data'];
  const spec: Record<string, unknown> = {};
  const value: Record<string, unknown> = {
    apiVersion: FUNCTION_CONFIG_API_VERSION,
    kind: FUNCTION_CONFIG_KIND,
    metadata: { name: DEFAULT_CONFIG_NAME },
    spec,
  };
  const origin = new Map<string, string>(); // formatted spec path -> data key
  // Findings point at the data key the user wrote, `data` itself when there is none.
  const report = (code: DiagnosticCode, key: string | undefined, message: string, atKey = false): void => {
    found.report(code, key === undefined ? ['data'] : ['data', key], message, { atKey });
  };
  if (data !== undefined && data !== null && !isPlainObject(data)) {
    report('SCHEMA_TYPE', undefined, 'expected a mapping of strings for data');
    return { diagnostics };
  }
  for (const [key, raw] of Object.entries(isPlainObject(data) ? data : {})) {
    const flat = FLAT_KEYS[key];
    if (!flat) {
      report('SCHEMA_UNKNOWN_FIELD', key, `unknown key "${key}" in the ConfigMap functionConfig; expected one of: ${CONFIG_MAP_KEYS.join(', ')}${didYouMean(key, CONFIG_MAP_KEYS)}`, true);
      continue;
    }
    const text = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
    if (text === undefined) {
      report('SCHEMA_TYPE', key, `expected a string, found ${typeName(raw)}`);
      continue;
    }
    let parsed: unknown = text;
    if (flat.type === 'boolean') {
      if (text !== 'true' && text !== 'false') {
        report('SCHEMA_TYPE', key, `expected "true" or "false", found ${JSON.stringify(text)}`);
        continue;
      }
      parsed = text === 'true';
    } else if (flat.type === 'integer') {
      if (!/^[0-9]+$/.test(text)) {
        report('SCHEMA_TYPE', key, `expected an integer, found ${JSON.stringify(text)}`);
        continue;
      }
      parsed = Number(text);
    } else if (flat.type === 'list') {
      parsed = text.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== '');
    } else if (flat.type === 'knownHosts') {
      parsed = { kind: 'ConfigMap', name: text };
    }
    setPath(value, flat.path, parsed);
    origin.set(formatFieldPath(flat.path), key);
  }
  walkSchema(value, FUNCTION_CONFIG_SCHEMA, [], (code, path, message) => {
    // Map spec.target.os (or spec.inputs[2]) back to the data key the user wrote.
    const formatted = formatFieldPath(path);
    const key = [...origin.entries()].find(([specPath]) => formatted === specPath || formatted.startsWith(specPath + '['))?.[1];
    report(code, key, message);
  }, walkOptions);
  if (diagnostics.length > 0) return { diagnostics };
  return { config: toConfig(value), diagnostics };
}

// Our own schema's pattern failures read "expected <x-expected>, found <value>".
const walkOptions: SchemaWalkOptions = {
  patternMessage: (value, node) => `expected ${node['x-expected'] ?? `a value matching ${node.pattern}`}, found ${JSON.stringify(value)}`,
};

/** Checks `value` against (a part of) FUNCTION_CONFIG_SCHEMA: the walker and messages every config check uses. */
export function walkConfigSchema(value: unknown, schema: ConfigSchema, path: FieldPath, report: SchemaReport): void {
  walkSchema(value, schema, path, report, walkOptions);
}

function toConfig(value: Record<string, unknown>): MirrorSetHostsConfig {
  // The schema walk has checked every type; this only copies what is set over the defaults.
  const metadata = value['metadata'] as Record<string, unknown>;
  const spec = (isPlainObject(value['spec']) ? value['spec'] : {}) as Record<string, unknown>;
  const section = (key: string): Record<string, unknown> => (isPlainObject(spec[key]) ? (spec[key] as Record<string, unknown>) : {});
  const config = defaultConfig(metadata['name'] as string);
  const copy = <T extends object>(target: T, from: Record<string, unknown>, keys: readonly (keyof T & string)[]): void => {
    for (const key of keys) if (from[key] !== undefined && from[key] !== null) (target as Record<string, unknown>)[key] = from[key];
  };
  if (typeof metadata['namespace'] === 'string') config.namespace = metadata['namespace'];
  copy(config, spec, ['inputs', 'exclude', 'allowOutsideRoot', 'profile', 'strict', 'accept', 'out', 'image', 'imagePullPolicy', 'platform', 'auth']);
  copy(config.namespaceObject, section('namespace'), ['create']);
  copy(config.pod, section('pod'), ['nodeSelector', 'tolerations', 'affinity', 'imagePullSecrets', 'priorityClassName', 'resources']);
  copy(config.target, section('target'), ['os', 'configDir', 'containerdConfig', 'assumeContainerdDefaults']);
  copy(config.nodes, section('nodes'), ['selector', 'inventory', 'windowsInstances']);
  copy(config.ssh, section('ssh'), ['secretName', 'secretKey', 'user', 'port', 'knownHosts', 'insecureIgnoreHostKeys', 'become']);
  copy(config.gitops, section('gitops'), ['strategy', 'syncWave']);
  copy(config.rollout, section('rollout'), ['canary', 'maxParallel', 'maxFailures', 'shards', 'schedule', 'minNodes', 'unavailableNodes', 'backoffLimit', 'activeDeadlineSeconds']);
  copy(config.bundle, section('bundle'), ['sensitive', 'maxObjectBytes']);
  copy(config.wmco, section('wmco'), ['coexist']);
  return config;
}

function objectRef(object: ManifestObject): Diagnostic['object'] {
  const metadata = object.value['metadata'];
  const name = isPlainObject(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : '';
  return { apiVersion: object.apiVersion, kind: object.kind, name };
}

function setPath(target: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let node = target;
  path.forEach((step, i) => {
    const key = String(step);
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  });
}
