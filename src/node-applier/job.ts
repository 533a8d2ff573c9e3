// The node-applier Job (and what it needs) as plain objects; serialisation is the bundle writer's.
//
// GitOps engines and Jobs (docs/design/gitops.md "Jobs are immutable"): a Job's pod template is
// immutable, so a changed bundle must either get a new Job name (`hashed-name`, the default: the old
// Job is pruned), be an Argo CD hook re-created on every sync (`argocd-hook`), or be deleted and
// re-created by the engine (`force-recreate`). Never `ttlSecondsAfterFinished`: a GitOps engine
// re-creates a Job the TTL controller deleted, and the rollout runs again (argo-cd#8586, flux pattern).
import { EXIT_INTERNAL, EXIT_USAGE, type Diagnostic } from '../diagnostics.js';
import type { MirrorSetHostsConfig } from '../validate/function-config.js';
import { DEFAULT_POD_RESOURCES } from '../validate/pod-resources.js';
import { compareStrings, type InventoryEntry } from '../vocabulary.js';
import { hashSuffix } from '../bundle/content-hash.js';
import { jobArgs, MOUNT } from './apply-flags.js';
import { SERVICE_ACCOUNT_DIR } from './discovery.js';
import { PLATFORM_PRESETS } from './platforms.js';
import { nodeApplierSettings, type NodeApplierSettings } from './settings.js';

/** The bundle objects the Job mounts (all of them: a large bundle is split across several). */
export interface BundleRefs {
  kind: 'ConfigMap' | 'Secret';
  names: string[];
}

/** The image is built for one architecture (scripts/build-image.sh); spec.pod.nodeSelector may name another. */
const DEFAULT_ARCH = 'amd64';
const CONTAINER = 'apply';

export interface NodeApplierManifests {
  /** Empty when `diagnostics` holds an error. */
  objects: object[];
  diagnostics: Diagnostic[];
}

/**
 * A validated functionConfig that sets spec.image -> ServiceAccount, ClusterRole, ClusterRoleBinding
 * (with discovery), the inventory ConfigMap (with an inventory), the Job, and the CronJob (with a
 * schedule), in that order; or the diagnostics that say why the Job cannot be generated.
 */
export function buildNodeApplierManifests(config: MirrorSetHostsConfig & { image: string }, bundleRefs: BundleRefs, contentHash: string): NodeApplierManifests {
  if (bundleRefs.names.length === 0) throw new Error('bug: the Job needs the bundle ConfigMap or Secret to mount, and bundleRefs.names is empty');
  const { settings: s, diagnostics } = nodeApplierSettings(config);
  if (s === undefined) return { objects: [], diagnostics };
  const name = s.name;
  const strategy = s.strategy;
  // Node discovery and the windows-instances ConfigMap both read the API with the pod's ServiceAccount.
  const discovery = s.readsApi;
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
  // Its own ServiceAccount with discovery (for the ClusterRoleBinding), and always where the platform
  // grants pod security to a ServiceAccount (an OpenShift SCC): never the namespace's `default`.
  const serviceAccount = discovery || PLATFORM_PRESETS[s.platform].alwaysServiceAccount;
  if (serviceAccount) objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name), automountServiceAccountToken: false });

  if (discovery) {
    const roleName = `${s.namespace}-${name}-list-nodes`;
    objects.push(
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

  if (s.windowsInstances !== undefined) objects.push(...windowsInstancesAccess(s.windowsInstances, `${name}-read-windows-instances`, name, s.namespace as string, labels));

  let inventoryName: string | undefined;
  if (s.inventory.length > 0) {
    const inventoryJson = JSON.stringify({ nodes: canonicalInventory(s.inventory) }, null, 2) + '\n';
    inventoryName = `${name}-inventory-${hashSuffix(inventoryJson)}`;
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(inventoryName), data: { 'inventory.json': inventoryJson } });
  }

  const args = jobArgs({ settings: s, inventory: inventoryName !== undefined });
  const pod = podSpec(s, args, bundleRefs, inventoryName, discovery, serviceAccount ? name : undefined);
  const podTemplate = {
    metadata: { labels, annotations: { 'mirrorset-hosts.io/content-hash': contentHash } },
    spec: pod,
  };
  const shards = s.shards;
  const indexed = shards > 1;
  const jobSpec = {
    // Indexed: each shard has its own retry budget, so one bad shard neither uses up the others'
    // retries nor gets the shards still running killed (backoffLimitPerIndex, Kubernetes 1.29+;
    // with it set, the Job-wide backoffLimit is left to its default).
    ...(indexed ? { completionMode: 'Indexed', completions: shards, parallelism: shards, backoffLimitPerIndex: s.backoffLimit } : { backoffLimit: s.backoffLimit }),
    activeDeadlineSeconds: s.activeDeadlineSeconds,
    // A re-run converges, so a retry is safe, except where retrying cannot help: a usage error or
    // a bug (the CLI's exit codes 2 and 3, src/diagnostics.ts) ends the Job (or the shard) at once.
    // A pod evicted by a drain or preemption (condition DisruptionTarget) is not counted at all.
    podFailurePolicy: {
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: indexed ? 'FailIndex' : 'FailJob', onExitCodes: { containerName: CONTAINER, operator: 'In', values: [EXIT_USAGE, EXIT_INTERNAL] } },
      ],
    },
    template: podTemplate,
  };

  // The name changes with the bundle and with everything in the pod, so a changed image or setting
  // also gets a new Job instead of an "field is immutable" error.
  const suffix = hashSuffix({ contentHash, jobSpec });
  const wave = String(s.syncWave);
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
  return { objects, diagnostics };
}

function podSpec(
  s: NodeApplierSettings,
  args: string[],
  bundle: BundleRefs,
  inventoryName: string | undefined,
  discovery: boolean,
  serviceAccountName: string | undefined,
): Record<string, unknown> {
  // null: the platform assigns uid, gid and fsGroup (OpenShift restricted-v2 refuses fixed ones);
  // the image runs under any uid (docs/image.md), and the key is group-readable by the fsGroup it gets.
  const uid = PLATFORM_PRESETS[s.platform].fixedIds;
  const pod = s.pod;
  const bundleSources = bundle.names.map((n) => (bundle.kind === 'ConfigMap' ? { configMap: { name: n } } : { secret: { name: n } }));
  const volumes: object[] = [
    // One directory for every bundle object: a bundle split across several objects reads as one.
    { name: 'bundle', projected: { defaultMode: 0o444, sources: bundleSources } },
    // Owned by root, group fsGroup, 0440: readable by the applier, and ssh does not complain about
    // the mode of a key owned by someone else (sshkey_perm_ok checks only the user's own files).
    { name: 'ssh-key', secret: { secretName: s.sshSecretName, defaultMode: 0o440, items: [{ key: s.sshSecretKey, path: 'ssh-privatekey' }] } },
  ];
  const mounts: object[] = [
    { name: 'bundle', mountPath: `${MOUNT}/bundle`, readOnly: true },
    { name: 'ssh-key', mountPath: `${MOUNT}/ssh`, readOnly: true },
  ];
  if (s.knownHosts !== undefined) {
    const items = [{ key: s.knownHosts.key, path: 'known_hosts' }];
    volumes.push(
      s.knownHosts.kind === 'Secret'
        ? { name: 'known-hosts', secret: { secretName: s.knownHosts.name, defaultMode: 0o444, items } }
        : { name: 'known-hosts', configMap: { name: s.knownHosts.name, defaultMode: 0o444, items } },
    );
    mounts.push({ name: 'known-hosts', mountPath: `${MOUNT}/known-hosts`, readOnly: true });
  }
  if (s.auth !== undefined) {
    // A Secret, mode 0440 like the key: mirror credentials, read by the applier only.
    volumes.push({ name: 'auth', secret: { secretName: s.auth.secretName, defaultMode: 0o440, items: [{ key: s.auth.key, path: 'config.json' }] } });
    mounts.push({ name: 'auth', mountPath: `${MOUNT}/auth`, readOnly: true });
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
    mounts.push({ name: 'kube-api-access', mountPath: SERVICE_ACCOUNT_DIR, readOnly: true });
  }
  // Read-only root filesystem: the only writable place is a small in-memory /tmp.
  volumes.push({ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
  mounts.push({ name: 'tmp', mountPath: '/tmp' });

  return {
    restartPolicy: 'Never',
    ...(serviceAccountName !== undefined ? { serviceAccountName } : {}),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    ...(pod.priorityClassName !== undefined ? { priorityClassName: pod.priorityClassName } : {}),
    ...(pod.imagePullSecrets !== undefined ? { imagePullSecrets: pod.imagePullSecrets.map((ref) => ({ name: ref.name })) } : {}),
    // The applier image is Linux, and built for one architecture.
    nodeSelector: sortedKeys({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': DEFAULT_ARCH, ...pod.nodeSelector }),
    ...(pod.tolerations !== undefined ? { tolerations: pod.tolerations } : {}),
    ...(pod.affinity !== undefined ? { affinity: pod.affinity } : {}),
    // The applier's ssh leaves its per-node connection masters to be reaped by PID 1 once they exit
    // (OpenSSH daemonizes them, src/io/ssh.ts); a shared process namespace makes the pod's pause
    // container PID 1, which reaps them, instead of the applier, which cannot.
    shareProcessNamespace: true,
    securityContext: {
      runAsNonRoot: true,
      ...(uid !== null ? { runAsUser: uid, runAsGroup: uid, fsGroup: uid } : {}),
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: CONTAINER,
        image: s.image,
        imagePullPolicy: s.imagePullPolicy,
        args,
        resources: {
          requests: { ...(pod.resources?.requests ?? DEFAULT_POD_RESOURCES.requests) },
          limits: { ...(pod.resources?.limits ?? DEFAULT_POD_RESOURCES.limits) },
        },
        // The run's summary (or its last log lines when it fails) is what `kubectl describe` and
        // the GitOps engine show as the pod's termination message.
        terminationMessagePolicy: 'FallbackToLogsOnError',
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

function sortedKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => compareStrings(a, b)));
}

function clusterMeta(objName: string, labels: Record<string, string>): Record<string, unknown> {
  return { name: objName, labels };
}

/** Entries with keys in a fixed order and sorted by name: the same inventory always hashes the same. */
function canonicalInventory(entries: readonly InventoryEntry[]): InventoryEntry[] {
  const keys: Array<keyof InventoryEntry> = ['name', 'address', 'port', 'user', 'os', 'configDir', 'containerdConfig'];
  return [...entries]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((e) => Object.fromEntries(keys.filter((k) => e[k] !== undefined).map((k) => [k, e[k]])) as unknown as InventoryEntry);
}

/** get on the one windows-instances ConfigMap, in its namespace (WMCO's), for the Job's ServiceAccount. */
function windowsInstancesAccess(cm: { namespace: string; name: string }, roleName: string, serviceAccount: string, namespace: string, labels: Record<string, string>): object[] {
  const metadata = { name: roleName, namespace: cm.namespace, labels };
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [cm.name], verbs: ['get'] }] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  ];
}
