// functionConfig -> the settings of the node-applier objects (./job.ts) and of the `apply` command
// line the Job runs (./apply-flags.ts). FUNCTION_CONFIG_SCHEMA is the one source of every value's
// type, range and pattern: the config arrives validated (validate/function-config.ts), so nothing
// here checks a value again. What is left are the rules that tie fields together, which the schema
// language cannot say; each names the functionConfig field to set.
import type { Diagnostic } from '../diagnostics.js';
import type { MirrorSetHostsConfig } from '../validate/function-config.js';
import { FUNCTION_CONFIG_API_VERSION, FUNCTION_CONFIG_KIND } from '../validate/function-config-schema.js';
import type { PodSettings } from '../validate/function-config.js';
import { DEFAULT_DISCOVERY_SCHEDULE } from '../validate/function-config-schema.js';
import type { ContainerdRelease, GitOpsStrategy, InventoryEntry, Platform, SshBecome, TargetOs, UnavailableNodePolicy } from '../vocabulary.js';
import { usesDiscovery } from './discovery.js';

/** A validated config's node-applier part, with the defaults applied. */
export interface NodeApplierSettings {
  /** The applier image (see Containerfile). */
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Base name of the generated objects: the config's metadata.name. */
  name: string;
  /** Namespace of the Job; always set with node discovery (the ClusterRoleBinding names the ServiceAccount's namespace). */
  namespace?: string;
  /** Picks the user and paths per node OS (on the command line) and the pod security (./platforms.ts). */
  platform: Platform;
  /** spec.pod, as written. */
  pod: PodSettings;
  minNodes: number;
  unavailableNodes: UnavailableNodePolicy;
  backoffLimit: number;
  activeDeadlineSeconds: number;
  /** OS of the nodes when an inventory entry or Node label does not say. */
  targetOs: TargetOs;
  configDir?: string;
  containerdConfig?: string;
  /** The nodes run this containerd release's built-in defaults (no config file). */
  assumeContainerdDefaults?: ContainerdRelease;
  /** Static nodes. */
  inventory: InventoryEntry[];
  /** Label selector for node discovery through the API. */
  selector?: string;
  /** With neither selector nor inventory, nodes are discovered with the default selector of targetOs. */
  discovery: boolean;
  /** BYOH's windows-instances ConfigMap, read as the inventory (spec.nodes.windowsInstances). */
  windowsInstances?: { namespace: string; name: string };
  /** The Job reads the API (discovery or windowsInstances): a ServiceAccount that may list nodes. */
  readsApi: boolean;
  sshUser?: string;
  sshPort?: number;
  /** Secret holding the private key (type kubernetes.io/ssh-auth). */
  sshSecretName: string;
  sshSecretKey: string;
  /** known_hosts with every node's host key; absent exactly when insecureIgnoreHostKeys. */
  knownHosts?: { kind: 'Secret' | 'ConfigMap'; name: string; key: string };
  insecureIgnoreHostKeys: boolean;
  /** known_hosts is built at run time from WMCO's pinned host-key annotation on each discovered Node. */
  knownHostsFromNodeAnnotations: boolean;
  /** The dockerconfigjson Secret whose credentials become mirror authorization headers on the nodes. */
  auth?: { secretName: string; key: string };
  /** Write WMCO-managed nodes too (with the wmco profile); false: refuse them. */
  wmcoCoexist: boolean;
  /** sudo: Linux nodes run the program under `sudo -n` (spec.ssh.become). */
  sshBecome: SshBecome;
  strategy: GitOpsStrategy;
  /** Argo CD sync wave of the Job and CronJob (the bundle is wave 0). */
  syncWave: number;
  /** > 1: an Indexed Job, one pod per shard of the nodes. */
  shards: number;
  maxParallel?: number;
  maxFailures?: number;
  canary?: string;
  /** Also emit a CronJob with the same pod, so nodes that join later get the files (on by default with discovery). */
  cronSchedule?: string;
}

export type SettingsResult = { settings: NodeApplierSettings; diagnostics: [] } | { settings?: undefined; diagnostics: Diagnostic[] };

/** The settings of a config that sets spec.image, or why the Job cannot be generated from it. */
export function nodeApplierSettings(config: MirrorSetHostsConfig & { image: string }): SettingsResult {
  const object = { apiVersion: FUNCTION_CONFIG_API_VERSION, kind: FUNCTION_CONFIG_KIND, name: config.name };
  const diagnostics: Diagnostic[] = [];
  const problem = (field: string, message: string): void => {
    diagnostics.push({ code: 'NODE_APPLIER_INCOMPLETE', severity: 'error', message: `the node-applier Job cannot be generated: ${message}`, field, object });
  };
  const { ssh, nodes, target, gitops, rollout } = config;
  if (ssh.secretName === undefined) problem('spec.ssh.secretName', 'spec.ssh.secretName must name the Secret holding the SSH private key; it is not set');
  const known = ssh.knownHosts;
  const fromAnnotations = known?.fromNodeAnnotations === true;
  const discovery = usesDiscovery(nodes.selector, nodes.inventory.length > 0 || nodes.windowsInstances !== undefined);
  const readsApi = discovery || nodes.windowsInstances !== undefined;
  if (ssh.insecureIgnoreHostKeys && known !== undefined) {
    problem('spec.ssh.knownHosts', 'spec.ssh.knownHosts and spec.ssh.insecureIgnoreHostKeys contradict each other; set one');
  } else if (!ssh.insecureIgnoreHostKeys && (known === undefined || (!fromAnnotations && known.kind === undefined && known.name === undefined))) {
    problem('spec.ssh.knownHosts', "spec.ssh.knownHosts is required ({kind: Secret|ConfigMap, name, key?} or {fromNodeAnnotations: true}): every node's host key is verified against it");
  } else if (fromAnnotations && (known.kind !== undefined || known.name !== undefined || known.key !== undefined)) {
    problem('spec.ssh.knownHosts', 'spec.ssh.knownHosts.fromNodeAnnotations takes every key from the Node annotations: remove kind, name and key, or set fromNodeAnnotations: false');
  } else if (fromAnnotations && !readsApi) {
    problem('spec.ssh.knownHosts.fromNodeAnnotations', 'spec.ssh.knownHosts.fromNodeAnnotations reads the keys from discovered Nodes, and only a static inventory is given; set spec.nodes.selector, or list the keys in a known_hosts ({kind, name})');
  }
  if (config.wmco.coexist && config.profile !== 'wmco') {
    problem('spec.wmco.coexist', `spec.wmco.coexist writes where WMCO writes, so the files must be byte-for-byte what WMCO writes: set spec.profile: wmco (it is ${config.profile})`);
  }
  if (ssh.become === 'sudo' && target.os === 'windows' && nodes.inventory.every((n) => n.os !== 'linux')) {
    problem('spec.ssh.become', 'spec.ssh.become: sudo is for Linux nodes (Windows has no sudo; its SSH user must be an administrator), and spec.target.os is windows; set spec.target.os: linux or remove spec.ssh.become');
  }
  if (readsApi && config.namespace === undefined) {
    problem('metadata.namespace', `metadata.namespace is required with ${discovery ? 'node discovery' : 'spec.nodes.windowsInstances'}: the ClusterRoleBinding must name the ServiceAccount's namespace`);
  }
  if (diagnostics.length > 0 || ssh.secretName === undefined) return { diagnostics };

  const settings: NodeApplierSettings = {
    image: config.image,
    imagePullPolicy: config.imagePullPolicy ?? 'IfNotPresent',
    name: config.name,
    targetOs: target.os,
    inventory: nodes.inventory.map((node) => ({ ...node })),
    discovery,
    readsApi,
    sshSecretName: ssh.secretName,
    sshSecretKey: ssh.secretKey ?? 'ssh-privatekey',
    insecureIgnoreHostKeys: ssh.insecureIgnoreHostKeys,
    sshBecome: ssh.become,
    knownHostsFromNodeAnnotations: fromAnnotations,
    wmcoCoexist: config.wmco.coexist,
    strategy: gitops.strategy,
    syncWave: gitops.syncWave ?? 1,
    shards: rollout.shards ?? 1,
    platform: config.platform,
    pod: config.pod,
    minNodes: rollout.minNodes,
    unavailableNodes: rollout.unavailableNodes,
    backoffLimit: rollout.backoffLimit,
    activeDeadlineSeconds: rollout.activeDeadlineSeconds,
  };

  const optional: Partial<NodeApplierSettings> = {
    namespace: config.namespace,
    configDir: target.configDir,
    containerdConfig: target.containerdConfig,
    assumeContainerdDefaults: target.assumeContainerdDefaults,
    selector: nodes.selector,
    windowsInstances: nodes.windowsInstances,
    sshUser: ssh.user,
    sshPort: ssh.port,
    knownHosts: known?.kind === undefined || known.name === undefined || fromAnnotations ? undefined : { kind: known.kind, name: known.name, key: known.key ?? 'known_hosts' },
    maxParallel: rollout.maxParallel,
    maxFailures: rollout.maxFailures,
    canary: rollout.canary,
    // With discovery a node that joins later is found by the next run; 'none' opts out.
    cronSchedule: rollout.schedule === 'none' ? undefined : (rollout.schedule ?? (discovery ? DEFAULT_DISCOVERY_SCHEDULE : undefined)),
    auth: config.auth === undefined ? undefined : { secretName: config.auth.secretName, key: config.auth.key ?? '.dockerconfigjson' },
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  return { settings, diagnostics: [] };
}
