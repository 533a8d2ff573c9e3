// The node-applier Job (and what it needs) as plain objects; serialisation is the bundle writer's.
//
// GitOps engines and Jobs (research/ecosystem.md sections 4.3 and 5): a Job's pod template is
// immutable, so a changed bundle must either get a new Job name (`hashed-name`, the default: the old
// Job is pruned), be an Argo CD hook re-created on every sync (`argocd-hook`), or be deleted and
// re-created by the engine (`force-recreate`). Never `ttlSecondsAfterFinished`: a GitOps engine
// re-creates a Job the TTL controller deleted, and the rollout runs again (argo-cd#8586, flux pattern).
import { nodeEntryProblems, TARGET_OSES, type InventoryEntry, type TargetOs } from '../delivery/node-target.js';

export type GitOpsStrategy = 'hashed-name' | 'argocd-hook' | 'force-recreate';
export const GITOPS_STRATEGIES: readonly GitOpsStrategy[] = ['hashed-name', 'argocd-hook', 'force-recreate'];

export interface NodeApplierSettings {
  /** The applier image (see Containerfile). Required: there is no default registry to pull from. */
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Base name of the generated objects; default `mirrorset-hosts-apply`. */
  name?: string;
  /** Namespace of the Job; required with node discovery (the ClusterRoleBinding names the ServiceAccount's namespace). */
  namespace?: string;
  /** OS of the nodes when an inventory entry or Node label does not say; default windows. */
  targetOs?: TargetOs;
  /** containerd hosts directory on the nodes; default per OS (C:\k\containerd\registries, /etc/containerd/certs.d). */
  configDir?: string;
  /** containerd config checked for config_path; '' skips the check; default per OS. */
  containerdConfig?: string;
  /** Static nodes. */
  inventory?: InventoryEntry[];
  /** Label selector for node discovery through the API; default `kubernetes.io/os=<targetOs>` when there is no inventory. */
  selector?: string;
  sshUser?: string;
  sshPort?: number;
  /** Secret holding the private key (type kubernetes.io/ssh-auth). */
  sshSecretName: string;
  /** Key in that Secret; default `ssh-privatekey`. */
  sshSecretKey?: string;
  /** known_hosts with every node's host key: a Secret or a ConfigMap (host keys are public). */
  knownHosts?: { kind: 'Secret' | 'ConfigMap'; name: string; key?: string };
  /** Accept any host key. Only for labs; the Job's logs say so on every node line. */
  insecureIgnoreHostKeys?: boolean;
  /** Default hashed-name. */
  strategy?: GitOpsStrategy;
  /** Argo CD sync wave of the Job and CronJob; default 1 (after the bundle, wave 0). */
  syncWave?: number;
  /** > 1: an Indexed Job, one pod per shard of the nodes (completions = parallelism = shards). */
  shards?: number;
  maxParallel?: number;
  maxFailures?: number;
  /** Node name, auto or none; default auto. */
  canary?: string;
  connectTimeoutSeconds?: number;
  commandTimeoutSeconds?: number;
  lockTimeoutSeconds?: number;
  /** Also emit a CronJob with the same pod, so nodes that join later get the files. */
  cronSchedule?: string;
  /** Default 2: a re-run converges, so a retry is safe. */
  backoffLimit?: number;
  /** Default 1800. */
  activeDeadlineSeconds?: number;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** UID/GID of the applier. Default 65532; the image also runs under any other uid (docs/image.md). */
  runAsUser?: number;
  /** Where the applier pod itself runs; default {kubernetes.io/os: linux} (the image is Linux). */
  podNodeSelector?: Record<string, string>;
}

/** The bundle objects the Job mounts (all of them: a large bundle is split across several). */
export interface BundleRefs {
  kind: 'ConfigMap' | 'Secret';
  names: string[];
}

export class NodeApplierSettingsError extends Error {
  override name = 'NodeApplierSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid node applier settings:\n  ${problems.join('\n  ')}`);
  }
}

const MOUNT = '/etc/mirrorset-hosts';
const DEFAULT_NAME = 'mirrorset-hosts-apply';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '64Mi' },
  // Each parallel session is one ssh process (a few MiB); 10 of them and Node fit well under this.
  limits: { cpu: '1', memory: '256Mi' },
};

export function nodeApplierSettingsProblems(s: NodeApplierSettings): string[] {
  const problems: string[] = [];
  const name = s.name ?? DEFAULT_NAME;
  if (typeof s.image !== 'string' || s.image.trim() === '') problems.push('image is required: the node applier image built from the Containerfile, e.g. registry.example.com/mirrorset-hosts:0.1.0');
  if (!DNS_LABEL.test(name) || name.length > 41) {
    problems.push(`name must be a DNS label of at most 41 characters (the Job adds an 11-character hash, a CronJob "-periodic"), found ${JSON.stringify(name)}`);
  }
  if (s.namespace !== undefined && !DNS_LABEL.test(s.namespace)) problems.push(`namespace must be a DNS label, found ${JSON.stringify(s.namespace)}`);
  if (s.targetOs !== undefined && !TARGET_OSES.includes(s.targetOs)) problems.push(`targetOs must be linux or windows, found ${JSON.stringify(s.targetOs)}`);
  if (typeof s.sshSecretName !== 'string' || !DNS_LABEL.test(s.sshSecretName)) problems.push(`sshSecretName must name the Secret holding the SSH private key, found ${JSON.stringify(s.sshSecretName)}`);
  if (s.insecureIgnoreHostKeys === true && s.knownHosts !== undefined) problems.push('knownHosts and insecureIgnoreHostKeys contradict each other; set one');
  if (s.insecureIgnoreHostKeys !== true && (s.knownHosts === undefined || typeof s.knownHosts.name !== 'string' || s.knownHosts.name === '')) {
    problems.push('knownHosts is required ({kind: Secret|ConfigMap, name, key?}): every node\'s host key is verified against it');
  }
  if (s.knownHosts !== undefined && s.knownHosts.kind !== 'Secret' && s.knownHosts.kind !== 'ConfigMap') {
    problems.push(`knownHosts.kind must be Secret or ConfigMap, found ${JSON.stringify(s.knownHosts.kind)}`);
  }
  if (s.strategy !== undefined && !GITOPS_STRATEGIES.includes(s.strategy)) problems.push(`strategy must be one of ${GITOPS_STRATEGIES.join(', ')}, found ${JSON.stringify(s.strategy)}`);
  const ints: Array<[keyof NodeApplierSettings, number, number]> = [
    ['shards', 1, 1000],
    ['maxParallel', 1, 1000],
    ['maxFailures', 1, 100000],
    ['connectTimeoutSeconds', 1, 3600],
    ['commandTimeoutSeconds', 1, 86400],
    ['lockTimeoutSeconds', 0, 86400],
    ['backoffLimit', 0, 100],
    ['activeDeadlineSeconds', 1, 604800],
    ['syncWave', -1000, 1000],
    ['sshPort', 1, 65535],
    ['runAsUser', 1, 2147483647],
  ];
  for (const [key, min, max] of ints) {
    const value = s[key];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
      problems.push(`${key} must be an integer from ${min} to ${max}, found ${JSON.stringify(value)}`);
    }
  }
  if (s.cronSchedule !== undefined && (typeof s.cronSchedule !== 'string' || s.cronSchedule.trim().split(/\s+/).length !== 5)) {
    problems.push(`cronSchedule must be a five-field cron expression such as "0 * * * *", found ${JSON.stringify(s.cronSchedule)}`);
  }
  (s.inventory ?? []).forEach((entry, i) => problems.push(...nodeEntryProblems(entry, `inventory[${i}]`)));
  if (usesDiscovery(s) && s.namespace === undefined) {
    problems.push('namespace is required with node discovery: the ClusterRoleBinding must name the ServiceAccount\'s namespace');
  }
  return problems;
}

export function usesDiscovery(s: NodeApplierSettings): boolean {
  return s.selector !== undefined || (s.inventory ?? []).length === 0;
}

/**
 * ServiceAccount, ClusterRole, ClusterRoleBinding (with discovery), the inventory ConfigMap (with an
 * inventory), the Job, and the CronJob (with cronSchedule), in that order. Throws
 * NodeApplierSettingsError listing every problem.
 */
export function buildNodeApplierManifests(settings: NodeApplierSettings, bundleRefs: BundleRefs, contentHash: string): object[] {
  const problems = nodeApplierSettingsProblems(settings);
  if (bundleRefs.names.length === 0) problems.push('bundleRefs.names is empty: the Job needs the bundle ConfigMap or Secret to mount');
  if (problems.length > 0) throw new NodeApplierSettingsError(problems);

  const s = settings;
  const name = s.name ?? DEFAULT_NAME;
  const os = s.targetOs ?? 'windows';
  const strategy = s.strategy ?? 'hashed-name';
  const discovery = usesDiscovery(s);
  const labels = {
    'app.kubernetes.io/name': 'mirrorset-hosts',
    'app.kubernetes.io/component': 'node-applier',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'mirrorset-hosts',
  };
  const meta = (objName: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): Record<string, unknown> => ({
    name: objName,
    ...(s.namespace !== undefined ? { namespace: s.namespace } : {}),
    labels: { ...labels, ...extra.labels },
    ...(extra.annotations && Object.keys(extra.annotations).length > 0 ? { annotations: extra.annotations } : {}),
  });
  const objects: object[] = [];

  if (discovery) {
    const roleName = `${s.namespace}-${name}-list-nodes`;
    objects.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name), automountServiceAccountToken: false },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: clusterMeta(roleName, labels),
        // Listing nodes is all discovery does: no get/watch, no other resource.
        rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: clusterMeta(roleName, labels),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
        subjects: [{ kind: 'ServiceAccount', name, namespace: s.namespace }],
      },
    );
  }

  let inventoryName: string | undefined;
  if ((s.inventory ?? []).length > 0) {
    const inventoryJson = JSON.stringify({ nodes: canonicalInventory(s.inventory ?? []) }, null, 2) + '\n';
    inventoryName = `${name}-inventory-${shortHash(inventoryJson)}`;
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(inventoryName), data: { 'inventory.json': inventoryJson } });
  }

  const args = applierArgs(s, os, inventoryName !== undefined, discovery);
  const pod = podSpec(s, args, bundleRefs, inventoryName, discovery, name);
  const podTemplate = {
    metadata: { labels, annotations: { 'mirrorset-hosts.io/content-hash': contentHash } },
    spec: pod,
  };
  const shards = s.shards ?? 1;
  const jobSpec = {
    ...(shards > 1 ? { completionMode: 'Indexed', completions: shards, parallelism: shards } : {}),
    backoffLimit: s.backoffLimit ?? 2,
    activeDeadlineSeconds: s.activeDeadlineSeconds ?? 1800,
    template: podTemplate,
  };

  // The name changes with the bundle and with everything in the pod, so a changed image or setting
  // also gets a new Job instead of an "field is immutable" error.
  const suffix = shortHash(`${contentHash}\n${JSON.stringify(jobSpec)}`);
  const wave = String(s.syncWave ?? 1);
  const annotations: Record<string, string> = { 'mirrorset-hosts.io/content-hash': contentHash, 'argocd.argoproj.io/sync-wave': wave };
  const jobLabels: Record<string, string> = {};
  let jobName = `${name}-${suffix}`;
  if (strategy === 'argocd-hook') {
    // Re-created on every sync; BeforeHookCreation deletes the previous run first (HookSucceeded
    // would leave failed Jobs in place and wedge later syncs: alphagov/govuk-helm-charts#362).
    jobName = name;
    annotations['argocd.argoproj.io/hook'] = 'Sync';
    annotations['argocd.argoproj.io/hook-delete-policy'] = 'BeforeHookCreation';
  } else if (strategy === 'force-recreate') {
    jobName = name;
    annotations['argocd.argoproj.io/sync-options'] = 'Force=true,Replace=true';
    // Flux matches this case-insensitively on labels or annotations (fluxcd/pkg ssa/utils/meta.go).
    annotations['kustomize.toolkit.fluxcd.io/force'] = 'enabled';
    jobLabels['kustomize.toolkit.fluxcd.io/force'] = 'enabled';
  }
  objects.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta(jobName, { labels: jobLabels, annotations }), spec: jobSpec });

  if (s.cronSchedule !== undefined) {
    objects.push({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta(`${name}-periodic`, { annotations: { 'argocd.argoproj.io/sync-wave': wave } }),
      spec: {
        schedule: s.cronSchedule,
        // The node lock already serialises runs; Forbid just avoids queueing them.
        concurrencyPolicy: 'Forbid',
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: { spec: jobSpec },
      },
    });
  }
  return objects;
}

function applierArgs(s: NodeApplierSettings, os: TargetOs, hasInventory: boolean, discovery: boolean): string[] {
  const args = ['apply', '--bundle', `${MOUNT}/bundle`, '--target', os, '--ssh-key', `${MOUNT}/ssh/ssh-privatekey`];
  if (s.insecureIgnoreHostKeys === true) args.push('--insecure-ignore-host-keys');
  else args.push('--known-hosts', `${MOUNT}/known-hosts/known_hosts`);
  if (hasInventory) args.push('--inventory', `${MOUNT}/inventory/inventory.json`);
  if (discovery && s.selector !== undefined) args.push('--selector', s.selector);
  const optional: Array<[string, string | number | undefined]> = [
    ['--config-dir', s.configDir],
    ['--containerd-config', s.containerdConfig],
    ['--ssh-user', s.sshUser],
    ['--ssh-port', s.sshPort],
    ['--canary', s.canary],
    ['--max-parallel', s.maxParallel],
    ['--max-failures', s.maxFailures],
    ['--connect-timeout', s.connectTimeoutSeconds],
    ['--command-timeout', s.commandTimeoutSeconds],
    ['--lock-timeout', s.lockTimeoutSeconds],
  ];
  for (const [flag, value] of optional) if (value !== undefined) args.push(flag, String(value));
  // The index comes from JOB_COMPLETION_INDEX, which Kubernetes sets in every pod of an Indexed Job.
  if ((s.shards ?? 1) > 1) args.push('--shard-count', String(s.shards));
  return args;
}

function podSpec(
  s: NodeApplierSettings,
  args: string[],
  bundle: BundleRefs,
  inventoryName: string | undefined,
  discovery: boolean,
  name: string,
): Record<string, unknown> {
  const uid = s.runAsUser ?? 65532;
  const bundleSources = bundle.names.map((n) => (bundle.kind === 'ConfigMap' ? { configMap: { name: n } } : { secret: { name: n } }));
  const knownHostsKey = s.knownHosts?.key ?? 'known_hosts';
  const volumes: object[] = [
    // One directory for every bundle object: a bundle split across several objects reads as one.
    { name: 'bundle', projected: { defaultMode: 0o444, sources: bundleSources } },
    // Owned by root, group fsGroup, 0440: readable by the applier, and ssh does not complain about
    // the mode of a key owned by someone else (sshkey_perm_ok checks only the user's own files).
    { name: 'ssh-key', secret: { secretName: s.sshSecretName, defaultMode: 0o440, items: [{ key: s.sshSecretKey ?? 'ssh-privatekey', path: 'ssh-privatekey' }] } },
  ];
  const mounts: object[] = [
    { name: 'bundle', mountPath: `${MOUNT}/bundle`, readOnly: true },
    { name: 'ssh-key', mountPath: `${MOUNT}/ssh`, readOnly: true },
  ];
  if (s.knownHosts !== undefined && s.insecureIgnoreHostKeys !== true) {
    const items = [{ key: knownHostsKey, path: 'known_hosts' }];
    volumes.push(
      s.knownHosts.kind === 'Secret'
        ? { name: 'known-hosts', secret: { secretName: s.knownHosts.name, defaultMode: 0o444, items } }
        : { name: 'known-hosts', configMap: { name: s.knownHosts.name, defaultMode: 0o444, items } },
    );
    mounts.push({ name: 'known-hosts', mountPath: `${MOUNT}/known-hosts`, readOnly: true });
  }
  if (inventoryName !== undefined) {
    volumes.push({ name: 'inventory', configMap: { name: inventoryName, defaultMode: 0o444 } });
    mounts.push({ name: 'inventory', mountPath: `${MOUNT}/inventory`, readOnly: true });
  }
  if (discovery) {
    // The only token the pod gets, projected for this purpose with a short lifetime.
    volumes.push({
      name: 'kube-api-access',
      projected: {
        defaultMode: 0o444,
        sources: [
          { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        ],
      },
    });
    mounts.push({ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
  }
  // Read-only root filesystem: the only writable place is a small in-memory /tmp.
  volumes.push({ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
  mounts.push({ name: 'tmp', mountPath: '/tmp' });

  return {
    restartPolicy: 'Never',
    ...(discovery ? { serviceAccountName: name } : {}),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    nodeSelector: s.podNodeSelector ?? { 'kubernetes.io/os': 'linux' },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: uid,
      runAsGroup: uid,
      fsGroup: uid,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'apply',
        image: s.image,
        imagePullPolicy: s.imagePullPolicy ?? 'IfNotPresent',
        args,
        resources: {
          requests: s.resources?.requests ?? DEFAULT_RESOURCES.requests,
          limits: s.resources?.limits ?? DEFAULT_RESOURCES.limits,
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        },
        volumeMounts: mounts,
      },
    ],
    volumes,
  };
}

function clusterMeta(objName: string, labels: Record<string, string>): Record<string, unknown> {
  return { name: objName, labels };
}

/** Entries with keys in a fixed order and sorted by name: the same inventory always hashes the same. */
function canonicalInventory(entries: readonly InventoryEntry[]): InventoryEntry[] {
  const keys: Array<keyof InventoryEntry> = ['name', 'address', 'port', 'user', 'os', 'configDir', 'containerdConfig'];
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((e) => Object.fromEntries(keys.filter((k) => e[k] !== undefined).map((k) => [k, e[k]])) as unknown as InventoryEntry);
}

/**
 * 10 hex characters of FNV-1a 64 over the UTF-8 text: a name suffix that changes with the content.
 * (Not a security hash; a collision only means a Job is not renamed.)
 */
export function shortHash(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0').slice(0, 10);
}
