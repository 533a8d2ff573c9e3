// functionConfig -> the settings of the node-applier objects (./job.ts) and of the `apply` command
// line the Job runs (./apply-flags.ts). FUNCTION_CONFIG_SCHEMA is the one source of every value's
// type, range and pattern: the config arrives validated (validate/function-config.ts), so nothing
// here checks a value again. What is left are the rules that tie fields together, which the schema
// language cannot say; each names the functionConfig field to set.
import type { Diagnostic } from '../diagnostics.js';
import type { MirrorSetHostsConfig } from '../validate/function-config.js';
import { FUNCTION_CONFIG_API_VERSION, FUNCTION_CONFIG_KIND } from '../validate/function-config-schema.js';
import type { ContainerdRelease, GitOpsStrategy, InventoryEntry, TargetOs } from '../vocabulary.js';
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
  sshUser?: string;
  sshPort?: number;
  /** Secret holding the private key (type kubernetes.io/ssh-auth). */
  sshSecretName: string;
  sshSecretKey: string;
  /** known_hosts with every node's host key; absent exactly when insecureIgnoreHostKeys. */
  knownHosts?: { kind: 'Secret' | 'ConfigMap'; name: string; key: string };
  insecureIgnoreHostKeys: boolean;
  strategy: GitOpsStrategy;
  /** Argo CD sync wave of the Job and CronJob (the bundle is wave 0). */
  syncWave: number;
  /** > 1: an Indexed Job, one pod per shard of the nodes. */
  shards: number;
  maxParallel?: number;
  maxFailures?: number;
  canary?: string;
  /** Also emit a CronJob with the same pod, so nodes that join later get the files. */
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
  if (ssh.insecureIgnoreHostKeys && ssh.knownHosts !== undefined) {
    problem('spec.ssh.knownHosts', 'spec.ssh.knownHosts and spec.ssh.insecureIgnoreHostKeys contradict each other; set one');
  } else if (!ssh.insecureIgnoreHostKeys && ssh.knownHosts === undefined) {
    problem('spec.ssh.knownHosts', "spec.ssh.knownHosts is required ({kind: Secret|ConfigMap, name, key?}): every node's host key is verified against it");
  }
  const discovery = usesDiscovery(nodes.selector, nodes.inventory.length > 0);
  if (discovery && config.namespace === undefined) {
    problem('metadata.namespace', "metadata.namespace is required with node discovery: the ClusterRoleBinding must name the ServiceAccount's namespace");
  }
  if (diagnostics.length > 0 || ssh.secretName === undefined) return { diagnostics };

  const settings: NodeApplierSettings = {
    image: config.image,
    imagePullPolicy: config.imagePullPolicy ?? 'IfNotPresent',
    name: config.name,
    targetOs: target.os,
    inventory: nodes.inventory.map((node) => ({ ...node })),
    discovery,
    sshSecretName: ssh.secretName,
    sshSecretKey: ssh.secretKey ?? 'ssh-privatekey',
    insecureIgnoreHostKeys: ssh.insecureIgnoreHostKeys,
    strategy: gitops.strategy,
    syncWave: gitops.syncWave ?? 1,
    shards: rollout.shards ?? 1,
  };
  const optional: Partial<NodeApplierSettings> = {
    namespace: config.namespace,
    configDir: target.configDir,
    containerdConfig: target.containerdConfig,
    assumeContainerdDefaults: target.assumeContainerdDefaults,
    selector: nodes.selector,
    sshUser: ssh.user,
    sshPort: ssh.port,
    knownHosts: ssh.knownHosts === undefined ? undefined : { ...ssh.knownHosts, key: ssh.knownHosts.key ?? 'known_hosts' },
    maxParallel: rollout.maxParallel,
    maxFailures: rollout.maxFailures,
    canary: rollout.canary,
    cronSchedule: rollout.schedule,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  return { settings, diagnostics: [] };
}
