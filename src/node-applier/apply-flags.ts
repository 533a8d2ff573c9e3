// The flags of `mirrorset-hosts apply`, defined once: the Job's arguments are written from the
// settings with this table (./job.ts), and `apply` reads its command line with the same table
// (adapters/apply-command.ts), so a flag's name, type and range cannot differ between the two.
// Where a flag carries a functionConfig field, its range, enum or pattern is that field's schema.
import { UsageError } from '../errors.js';
import { walkConfigSchema } from '../validate/function-config.js';
import { FUNCTION_CONFIG_SCHEMA, type ConfigSchema } from '../validate/function-config-schema.js';
import { CONTAINERD_RELEASES, type ContainerdRelease, type Platform, type SshBecome, type TargetOs, type UnavailableNodePolicy } from '../vocabulary.js';
import { DEFAULT_ROLLOUT } from './rollout.js';
import { inClusterServer, SERVICE_ACCOUNT_DIR } from './discovery.js';
import type { NodeApplierSettings } from './settings.js';

/** Where the Job mounts what `apply` reads. */
export const MOUNT = '/etc/mirrorset-hosts';

/** What the Job knows when it writes the command line. */
export interface JobArgsContext {
  settings: NodeApplierSettings;
  /** The inventory ConfigMap is mounted. */
  inventory: boolean;
}

type FlagValue = string | number | boolean;

export interface FlagDefinition {
  /** Without the leading dashes. */
  name: string;
  /** `path`: a string the command resolves against its working directory. */
  type: 'string' | 'path' | 'integer' | 'boolean';
  /** The range, enum or pattern a value must meet. */
  schema?: ConfigSchema;
  /** Used when the flag is absent. */
  default?: FlagValue;
  /** Set: the flag must be given, and this is the message when it is not. */
  required?: string;
  /** The value the Job passes; undefined: the Job leaves the flag out. No `job`: the Job never passes it. */
  job?(context: JobArgsContext): FlagValue | undefined;
  /** --help: the section, the value's name, and what the flag does (lines). */
  section: HelpSection;
  arg?: string;
  help: readonly string[];
}

/** The sections of `apply --help`, in order. */
export const HELP_SECTIONS = ['Bundle', 'Nodes', 'SSH (key authentication only)', 'Rollout', 'Kubernetes API (discovery)'] as const;
type HelpSection = (typeof HELP_SECTIONS)[number];

// The schema of a functionConfig field, by its path under spec.
function field(...path: string[]): ConfigSchema {
  let node: ConfigSchema | undefined = FUNCTION_CONFIG_SCHEMA.properties?.['spec'];
  for (const key of path) node = node?.properties?.[key];
  if (node === undefined) throw new Error(`bug: no spec.${path.join('.')} in FUNCTION_CONFIG_SCHEMA`);
  return node;
}
const seconds = (minimum: number, maximum: number): ConfigSchema => ({ type: 'integer', minimum, maximum });

/** Every flag of `apply`, in the order the Job writes them. */
export const APPLY_FLAGS: readonly FlagDefinition[] = [
  {
    name: 'bundle',
    type: 'path',
    required: '--bundle DIR is required: the directory where the bundle ConfigMap or Secret is mounted',
    job: () => `${MOUNT}/bundle`,
    section: 'Bundle',
    arg: 'DIR',
    help: ['where the bundle ConfigMap or Secret is mounted (manifest.json and the files)'],
  },
  {
    name: 'target',
    type: 'string',
    schema: field('target', 'os'),
    default: 'windows',
    job: ({ settings }) => settings.targetOs,
    section: 'Nodes',
    arg: 'linux|windows',
    help: ['node OS when an entry does not say'],
  },
  {
    name: 'platform',
    type: 'string',
    schema: field('platform'),
    default: 'generic',
    job: ({ settings }) => (settings.platform === 'generic' ? undefined : settings.platform),
    section: 'Nodes',
    arg: 'generic|openshift|aks|eks',
    help: ['picks the SSH user, config directory and containerd config per node OS', '(docs/platforms.md); the flags below override it'],
  },
  {
    name: 'ssh-key',
    type: 'path',
    required: '--ssh-key FILE is required: the private key (key authentication is the only method)',
    job: () => `${MOUNT}/ssh/ssh-privatekey`,
    section: 'SSH (key authentication only)',
    arg: 'FILE',
    help: ['private key'],
  },
  {
    name: 'insecure-ignore-host-keys',
    type: 'boolean',
    job: ({ settings }) => settings.insecureIgnoreHostKeys || undefined,
    section: 'SSH (key authentication only)',
    help: ['accept any host key (anyone on the path can impersonate a node); loud'],
  },
  {
    name: 'known-hosts',
    type: 'path',
    job: ({ settings }) => (settings.knownHosts === undefined ? undefined : `${MOUNT}/known-hosts/known_hosts`),
    section: 'SSH (key authentication only)',
    arg: 'FILE',
    help: ["known_hosts holding every node's host key; unknown or changed keys are refused"],
  },
  {
    name: 'known-hosts-from-node-annotations',
    type: 'boolean',
    job: ({ settings }) => settings.knownHostsFromNodeAnnotations || undefined,
    section: 'SSH (key authentication only)',
    help: [
      "known_hosts built from each discovered Node's WMCO annotation",
      'windowsmachineconfig.openshift.io/ssh-host-key; a node without one is refused',
    ],
  },
  {
    name: 'wmco-coexist',
    type: 'boolean',
    job: ({ settings }) => settings.wmcoCoexist || undefined,
    section: 'Nodes',
    help: [
      'write nodes managed by WMCO too (refused without it); the bundle must be',
      "rendered with --profile wmco, and WMCO's files are taken over as with --adopt",
    ],
  },
  {
    name: 'auth',
    type: 'path',
    job: ({ settings }) => (settings.auth === undefined ? undefined : `${MOUNT}/auth/config.json`),
    section: 'Bundle',
    arg: 'FILE',
    help: ['dockerconfigjson with mirror credentials: each https mirror with an entry', 'gets an authorization header, on the node only (plaintext there, as WMCO\'s)'],
  },
  {
    name: 'inventory',
    type: 'path',
    job: ({ inventory }) => (inventory ? `${MOUNT}/inventory/inventory.json` : undefined),
    section: 'Nodes',
    arg: 'FILE',
    help: ['YAML/JSON list of {name, address, port?, user?, os?, configDir?, containerdConfig?}'],
  },
  {
    name: 'windows-instances',
    type: 'string',
    schema: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', 'x-expected': 'NAMESPACE/NAME of a ConfigMap' },
    job: ({ settings }) => (settings.windowsInstances === undefined ? undefined : `${settings.windowsInstances.namespace}/${settings.windowsInstances.name}`),
    section: 'Nodes',
    arg: 'NS/NAME',
    help: ["OpenShift BYOH's windows-instances ConfigMap (`<address>: username=<user>`)", 'read through the Kubernetes API as the inventory; per-node users'],
  },
  {
    name: 'selector',
    type: 'string',
    schema: field('nodes', 'selector'),
    job: ({ settings }) => settings.selector,
    section: 'Nodes',
    arg: 'LABELS',
    help: ['discover nodes through the Kubernetes API (default when no --inventory:', 'kubernetes.io/os=<target>); both together: the union, inventory wins'],
  },
  {
    name: 'config-dir',
    type: 'string',
    schema: field('target', 'configDir'),
    job: ({ settings }) => settings.configDir,
    section: 'Nodes',
    arg: 'PATH',
    help: ['containerd hosts directory (default C:\\k\\containerd\\registries on Windows,', '/etc/containerd/certs.d on Linux)'],
  },
  {
    name: 'containerd-config',
    type: 'string',
    schema: field('target', 'containerdConfig'),
    job: ({ settings }) => settings.containerdConfig,
    section: 'Nodes',
    arg: 'PATH',
    help: ["containerd config file checked for config_path; '' skips the check"],
  },
  {
    name: 'assume-containerd-defaults',
    type: 'string',
    schema: field('target', 'assumeContainerdDefaults'),
    job: ({ settings }) => settings.assumeContainerdDefaults,
    section: 'Nodes',
    arg: 'RELEASE',
    help: [`the nodes run containerd RELEASE (${CONTAINERD_RELEASES.join(', ')}) without a`, 'config file: judge config_path by its built-in defaults'],
  },
  {
    name: 'ssh-user',
    type: 'string',
    schema: field('ssh', 'user'),
    job: ({ settings }) => settings.sshUser,
    section: 'Nodes',
    arg: 'USER',
    help: ['default Administrator (Windows) or root (Linux)'],
  },
  {
    name: 'become',
    type: 'string',
    schema: field('ssh', 'become'),
    default: 'none',
    job: ({ settings }) => (settings.sshBecome === 'none' ? undefined : settings.sshBecome),
    section: 'Nodes',
    arg: 'none|sudo',
    help: ['sudo: run the node program as root with `sudo -n /bin/sh` (Linux nodes; the', 'user needs a NOPASSWD sudo rule for /bin/sh)'],
  },
  { name: 'ssh-port', type: 'integer', schema: field('ssh', 'port'), default: 22, job: ({ settings }) => settings.sshPort, section: 'Nodes', arg: 'PORT', help: ['SSH port'] },
  {
    name: 'canary',
    type: 'string',
    schema: field('rollout', 'canary'),
    default: DEFAULT_ROLLOUT.canary,
    job: ({ settings }) => settings.canary,
    section: 'Rollout',
    arg: 'NAME|auto|none',
    help: ['node updated alone first; auto = first by name'],
  },
  {
    name: 'max-parallel',
    type: 'integer',
    schema: field('rollout', 'maxParallel'),
    default: DEFAULT_ROLLOUT.maxParallel,
    job: ({ settings }) => settings.maxParallel,
    section: 'Rollout',
    arg: 'N',
    help: ['nodes at a time after the canary'],
  },
  {
    name: 'max-failures',
    type: 'integer',
    schema: field('rollout', 'maxFailures'),
    default: DEFAULT_ROLLOUT.maxFailures,
    job: ({ settings }) => settings.maxFailures,
    section: 'Rollout',
    arg: 'N',
    help: ['start no new node after N failures'],
  },
  {
    name: 'min-nodes',
    type: 'integer',
    schema: field('rollout', 'minNodes'),
    default: 1,
    job: ({ settings }) => (settings.minNodes === 1 ? undefined : settings.minNodes),
    section: 'Rollout',
    arg: 'N',
    help: ['fewer target nodes (all shards together) fails the run'],
  },
  {
    name: 'unavailable-nodes',
    type: 'string',
    schema: field('rollout', 'unavailableNodes'),
    default: 'skip',
    job: ({ settings }) => (settings.unavailableNodes === 'skip' ? undefined : settings.unavailableNodes),
    section: 'Rollout',
    arg: 'skip|fail',
    help: ['discovered nodes that are NotReady, cordoned or being deleted:', 'skip (reported skipped-unavailable) or fail'],
  },
  { name: 'connect-timeout', type: 'integer', schema: seconds(1, 3600), default: 10, section: 'SSH (key authentication only)', arg: 'SEC', help: ['TCP connect and SSH banner'] },
  { name: 'command-timeout', type: 'integer', schema: seconds(1, 86400), default: 120, section: 'SSH (key authentication only)', arg: 'SEC', help: ['one remote program, end to end'] },
  { name: 'lock-timeout', type: 'integer', schema: seconds(0, 86400), default: 60, section: 'SSH (key authentication only)', arg: 'SEC', help: ["wait for another run's lock on a node"] },
  // The index comes from JOB_COMPLETION_INDEX, which Kubernetes sets in every pod of an Indexed Job.
  {
    name: 'shard-count',
    type: 'integer',
    schema: field('rollout', 'shards'),
    default: 1,
    job: ({ settings }) => (settings.shards > 1 ? settings.shards : undefined),
    section: 'Rollout',
    arg: 'N',
    help: ['number of shards'],
  },
  { name: 'shard-index', type: 'integer', section: 'Rollout', arg: 'I', help: ["this pod's shard (default $JOB_COMPLETION_INDEX, else 0)"] },
  { name: 'dry-run', type: 'boolean', default: false, section: 'Rollout', help: ['probe and plan only; change nothing'] },
  {
    name: 'adopt',
    type: 'boolean',
    default: false,
    section: 'Rollout',
    help: [
      'take over files the bundle wants that mirrorset-hosts did not write:',
      'overwrite them and own them from then on (without it they are left',
      'alone, their registry is skipped and the node is reported for attention)',
    ],
  },
  { name: 'kube-api', type: 'string', section: 'Kubernetes API (discovery)', arg: 'URL', help: ['default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT'] },
  { name: 'kube-token-file', type: 'path', default: `${SERVICE_ACCOUNT_DIR}/token`, section: 'Kubernetes API (discovery)', arg: 'FILE', help: ['the service-account token'] },
  { name: 'kube-ca-file', type: 'path', default: `${SERVICE_ACCOUNT_DIR}/ca.crt`, section: 'Kubernetes API (discovery)', arg: 'FILE', help: ["the CA of the API server's certificate"] },
];

/** The flags part of `apply --help`, by section, each with its default. */
export function applyFlagsHelp(): string {
  const out: string[] = [];
  for (const section of HELP_SECTIONS) {
    out.push(`${section}:`);
    for (const flag of APPLY_FLAGS.filter((f) => f.section === section)) {
      const label = `  --${flag.name}${flag.arg !== undefined ? ` ${flag.arg}` : ''}`;
      const shown = typeof flag.default === 'number' || (typeof flag.default === 'string' && flag.default !== '') ? ` (default ${flag.default})` : '';
      flag.help.forEach((line, i) => {
        const text = i === flag.help.length - 1 ? `${line}${shown}` : line;
        out.push(i === 0 ? `${label.length >= 28 ? `${label}  ` : label.padEnd(28)}${text}` : `${' '.repeat(28)}${text}`);
      });
    }
    out.push('');
  }
  return out.join('\n');
}

/** The Job's command line: `apply` and every flag whose setting is set. */
export function jobArgs(context: JobArgsContext): string[] {
  const args = ['apply'];
  for (const flag of APPLY_FLAGS) {
    const value = flag.job?.(context);
    if (value === undefined || value === false) continue;
    args.push(`--${flag.name}`);
    if (value !== true) args.push(String(value));
  }
  return args;
}

/** The options node:util parseArgs takes for these flags. */
export function parseArgsOptions(): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const flag of APPLY_FLAGS) options[flag.name] = { type: flag.type === 'boolean' ? 'boolean' : 'string' };
  options['help'] = { type: 'boolean', short: 'h' };
  return options;
}

/** What `apply` runs with. Paths are as given; the adapter resolves them. */
export interface ApplySettings {
  bundle: string;
  inventory: string | undefined;
  /** dockerconfigjson with mirror credentials. */
  auth: string | undefined;
  /** NAMESPACE/NAME of BYOH's windows-instances ConfigMap. */
  windowsInstances: string | undefined;
  selector: string | undefined;
  target: TargetOs;
  platform: Platform;
  configDir: string | undefined;
  containerdConfig: string | undefined;
  assumeContainerdDefaults: ContainerdRelease | undefined;
  sshUser: string | undefined;
  become: SshBecome;
  sshPort: number;
  sshKey: string;
  knownHosts: string | null;
  /** Host keys from WMCO's Node annotations (knownHosts is null then). */
  knownHostsFromNodeAnnotations: boolean;
  wmcoCoexist: boolean;
  connectTimeout: number;
  commandTimeout: number;
  lockTimeout: number;
  canary: string;
  maxParallel: number;
  maxFailures: number;
  minNodes: number;
  unavailableNodes: UnavailableNodePolicy;
  shardIndex: number;
  shardCount: number;
  dryRun: boolean;
  adopt: boolean;
  kubeApi: string | undefined;
  kubeTokenFile: string;
  kubeCaFile: string;
}

export type FlagValues = Readonly<Record<string, string | boolean | undefined>>;

/**
 * parseArgs' values -> ApplySettings, each value checked against its flag's definition. `env` gives
 * JOB_COMPLETION_INDEX (the shard index of an Indexed Job's pod). Throws UsageError.
 */
export function applySettings(values: FlagValues, env: Readonly<Record<string, string | undefined>>): ApplySettings {
  const read = new Map<string, FlagValue | undefined>();
  for (const flag of APPLY_FLAGS) {
    // An empty number (`--max-parallel ''`) means the default, as an unset one does.
    const raw = flag.type === 'integer' && values[flag.name] === '' ? undefined : values[flag.name];
    if (raw === undefined && flag.required !== undefined) throw new UsageError(flag.required);
    // Said in the node's terms before the schema's more general "an absolute path".
    if (flag.name === 'config-dir' && typeof raw === 'string') checkConfigDir(raw, read.get('target') as TargetOs);
    read.set(flag.name, raw === undefined ? flag.default : flagValue(`--${flag.name}`, raw, flag));
  }
  const get = <T extends FlagValue | undefined>(name: string): T => read.get(name) as T;
  const insecure = get<boolean | undefined>('insecure-ignore-host-keys') === true;
  const knownHosts = get<string | undefined>('known-hosts');
  const fromAnnotations = get<boolean | undefined>('known-hosts-from-node-annotations') === true;
  const sources = [knownHosts !== undefined && '--known-hosts', fromAnnotations && '--known-hosts-from-node-annotations', insecure && '--insecure-ignore-host-keys'].filter((x) => x !== false);
  if (sources.length === 0) {
    throw new UsageError(
      "--known-hosts FILE is required: every node's host key is verified against it (or --known-hosts-from-node-annotations with node discovery on OpenShift; --insecure-ignore-host-keys turns checking off, and should not be used outside a lab)",
    );
  }
  if (sources.length > 1) throw new UsageError(`${sources.join(' and ')} contradict each other; pass one of them`);
  const target = get<TargetOs>('target');
  const configDir = get<string | undefined>('config-dir');
  const shardCount = get<number>('shard-count');
  const indexFlag = values['shard-index'] !== undefined;
  const indexRaw = indexFlag ? values['shard-index'] : env['JOB_COMPLETION_INDEX'];
  const shardIndex =
    indexRaw === undefined || indexRaw === ''
      ? 0
      : (flagValue(indexFlag ? '--shard-index' : 'JOB_COMPLETION_INDEX', indexRaw, { type: 'integer', schema: { type: 'integer', minimum: 0, maximum: shardCount - 1 } }) as number);
  return {
    bundle: get<string>('bundle'),
    inventory: get<string | undefined>('inventory'),
    auth: get<string | undefined>('auth'),
    windowsInstances: get<string | undefined>('windows-instances'),
    selector: get<string | undefined>('selector'),
    target,
    platform: get<Platform>('platform'),
    configDir,
    containerdConfig: get<string | undefined>('containerd-config'),
    assumeContainerdDefaults: get<ContainerdRelease | undefined>('assume-containerd-defaults'),
    sshUser: get<string | undefined>('ssh-user'),
    become: get<SshBecome>('become'),
    sshPort: get<number>('ssh-port'),
    sshKey: get<string>('ssh-key'),
    knownHosts: knownHosts ?? null,
    knownHostsFromNodeAnnotations: fromAnnotations,
    wmcoCoexist: get<boolean | undefined>('wmco-coexist') === true,
    connectTimeout: get<number>('connect-timeout'),
    commandTimeout: get<number>('command-timeout'),
    lockTimeout: get<number>('lock-timeout'),
    canary: get<string>('canary'),
    maxParallel: get<number>('max-parallel'),
    maxFailures: get<number>('max-failures'),
    minNodes: get<number>('min-nodes'),
    unavailableNodes: get<UnavailableNodePolicy>('unavailable-nodes'),
    shardIndex,
    shardCount,
    dryRun: get<boolean>('dry-run'),
    adopt: get<boolean>('adopt'),
    kubeApi: get<string | undefined>('kube-api') ?? inClusterServer(env),
    kubeTokenFile: get<string>('kube-token-file'),
    kubeCaFile: get<string>('kube-ca-file'),
  };
}

/** One flag's text -> its value, checked against its schema. */
function flagValue(label: string, raw: string | boolean, flag: Pick<FlagDefinition, 'type' | 'schema'>): FlagValue {
  if (typeof raw === 'boolean' || flag.type === 'boolean') return raw === true;
  const schema = flag.schema;
  if (flag.type === 'integer') {
    const min = schema?.minimum ?? 0;
    const max = schema?.maximum ?? Number.MAX_SAFE_INTEGER;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`${label} must be an integer from ${min} to ${max}, found ${JSON.stringify(raw)}`);
    return n;
  }
  if (schema?.enum !== undefined && !schema.enum.includes(raw)) {
    throw new UsageError(`${label} must be ${schema.enum.join(' or ')}, found ${JSON.stringify(raw)}`);
  }
  if (schema !== undefined) {
    const problems: string[] = [];
    walkConfigSchema(raw, schema, [], (_code, _path, message) => problems.push(message));
    if (problems.length > 0) throw new UsageError(`${label}: ${problems.join('; ')}`);
  }
  return raw;
}

function checkConfigDir(dir: string, os: TargetOs): void {
  if (!isAbsoluteFor(dir, os)) throw new UsageError(`--config-dir must be an absolute ${os} path, found ${JSON.stringify(dir)}`);
}

/** An absolute path on a node of this OS (`C:\...` on Windows, `/...` on Linux). */
export function isAbsoluteFor(p: string, os: TargetOs): boolean {
  return os === 'windows' ? /^[A-Za-z]:[\\/]/.test(p) : p.startsWith('/');
}
