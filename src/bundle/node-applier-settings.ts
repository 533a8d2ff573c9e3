// functionConfig -> the settings of the node-applier objects (./job.ts), and job.ts's own checks
// turned into diagnostics that name the functionConfig field to fix.
import type { Diagnostic } from '../diagnostics.js';
import type { MirrorSetHostsConfig } from '../validate/function-config.js';
import { FUNCTION_CONFIG_API_VERSION, FUNCTION_CONFIG_KIND } from '../validate/function-config-schema.js';
import { nodeApplierSettingsProblems, type NodeApplierSettings } from './job.js';

export function toNodeApplierSettings(config: MirrorSetHostsConfig): NodeApplierSettings {
  const settings: NodeApplierSettings = {
    image: config.image ?? '',
    name: config.name,
    targetOs: config.target.os,
    sshSecretName: config.ssh.secretName ?? '',
    strategy: config.gitops.strategy,
  };
  const optional: Partial<NodeApplierSettings> = {
    imagePullPolicy: config.imagePullPolicy,
    namespace: config.namespace,
    configDir: config.target.configDir,
    containerdConfig: config.target.containerdConfig,
    selector: config.nodes.selector,
    sshUser: config.ssh.user,
    sshPort: config.ssh.port,
    sshSecretKey: config.ssh.secretKey,
    knownHosts: config.ssh.knownHosts,
    syncWave: config.gitops.syncWave,
    canary: config.rollout.canary,
    maxParallel: config.rollout.maxParallel,
    maxFailures: config.rollout.maxFailures,
    shards: config.rollout.shards,
    cronSchedule: config.rollout.schedule,
  };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  if (config.nodes.inventory.length > 0) settings.inventory = config.nodes.inventory.map((node) => ({ ...node }));
  if (config.ssh.insecureIgnoreHostKeys) settings.insecureIgnoreHostKeys = true;
  return settings;
}

// job.ts words its problems after its own setting names; this says which functionConfig field each is.
const FIELD_OF_SETTING: ReadonlyArray<[prefix: string, field: string]> = [
  ['image', 'spec.image'],
  ['name', 'metadata.name'],
  ['namespace', 'metadata.namespace'],
  ['targetOs', 'spec.target.os'],
  ['sshSecretName', 'spec.ssh.secretName'],
  ['knownHosts and insecureIgnoreHostKeys', 'spec.ssh.knownHosts'],
  ['knownHosts', 'spec.ssh.knownHosts'],
  ['strategy', 'spec.gitops.strategy'],
  ['syncWave', 'spec.gitops.syncWave'],
  ['shards', 'spec.rollout.shards'],
  ['maxParallel', 'spec.rollout.maxParallel'],
  ['maxFailures', 'spec.rollout.maxFailures'],
  ['cronSchedule', 'spec.rollout.schedule'],
  ['sshPort', 'spec.ssh.port'],
  ['inventory', 'spec.nodes.inventory'],
];

/** Why the Job cannot be generated from this config, as diagnostics; empty when it can. */
export function nodeApplierDiagnostics(config: MirrorSetHostsConfig): Diagnostic[] {
  const object = { apiVersion: FUNCTION_CONFIG_API_VERSION, kind: FUNCTION_CONFIG_KIND, name: config.name };
  return nodeApplierSettingsProblems(toNodeApplierSettings(config)).map((problem) => {
    const field = FIELD_OF_SETTING.find(([prefix]) => problem === prefix || new RegExp(`^${prefix}(?![A-Za-z])`).test(problem))?.[1];
    return {
      code: 'NODE_APPLIER_INCOMPLETE',
      severity: 'error',
      message: `the node-applier Job cannot be generated: ${problem}`,
      ...(field ? { field } : {}),
      object,
    } satisfies Diagnostic;
  });
}
