import { describe, expect, test } from '@jest/globals';
import { parseArgs } from 'node:util';
import { applySettings, parseArgsOptions } from '../../src/node-applier/apply-flags.js';
import { buildNodeApplierManifests } from '../../src/node-applier/job.js';
import { FUNCTION_CONFIG_SCHEMA } from '../../src/validate/function-config-schema.js';
import { hashSuffix } from '../../src/bundle/content-hash.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { parseManifests } from '../../src/parse/parse-manifests.js';
import { validateFunctionConfig } from '../../src/validate/function-config.js';

const HASH = 'a3f1c9e2b7d4058e6f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a';
type Spec = Record<string, unknown>;
const baseSpec: Spec = {
  image: 'registry.example.com/mirrorset-hosts:0.1.0',
  ssh: { secretName: 'windows-ssh-key', knownHosts: { kind: 'ConfigMap', name: 'windows-known-hosts' } },
};
const baseMetadata = { name: 'mirrorset-hosts-apply', namespace: 'mirrorset-hosts' };
const refs = { kind: 'ConfigMap' as const, names: ['containerd-hosts-5t7g8k2m9d'] };
type Obj = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any; [k: string]: any };

function merge(a: Spec, b: Spec): Spec {
  const out: Spec = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const before = out[key];
    out[key] = value !== null && typeof value === 'object' && !Array.isArray(value) && before !== null && typeof before === 'object' ? merge(before as Spec, value as Spec) : value;
  }
  return out;
}
/** A functionConfig through the one validation every caller goes through. */
const validated = (spec: Spec, metadata: Spec = baseMetadata): ReturnType<typeof validateFunctionConfig> => {
  const text = JSON.stringify({ apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: 'MirrorSetHosts', metadata, spec });
  const object = parseManifests([{ path: 'mirrorset-hosts.json', content: text }]).objects[0];
  if (!object) throw new Error('no object');
  return validateFunctionConfig(object);
};
const manifests = (spec: Spec, metadata: Spec = baseMetadata, hash = HASH): ReturnType<typeof buildNodeApplierManifests> => {
  const { config, diagnostics } = validated(spec, metadata);
  if (!config?.image || diagnostics.some((d) => d.severity === 'error')) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  return buildNodeApplierManifests({ ...config, image: config.image }, refs, hash);
};
const build = (spec: Spec = {}, hash = HASH): Obj[] => manifests(merge(baseSpec, spec), baseMetadata, hash).objects as Obj[];
const job = (objects: Obj[]): Obj => objects.find((o) => o.kind === 'Job') as Obj;

describe('the Job', () => {
  test('apiVersion, kind, metadata come first in every object; output is deterministic', () => {
    const objects = build({ rollout: { schedule: '0 * * * *' } });
    for (const o of objects) expect(Object.keys(o).slice(0, 3)).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(JSON.stringify(build({ rollout: { schedule: '0 * * * *' } }))).toBe(JSON.stringify(objects));
  });

  test('runs `mirrorset-hosts apply` on the mounted bundle, key and known_hosts', () => {
    const container = job(build()).spec.template.spec.containers[0];
    expect(container.args).toEqual([
      'apply',
      '--bundle', '/etc/mirrorset-hosts/bundle',
      '--target', 'windows',
      '--ssh-key', '/etc/mirrorset-hosts/ssh/ssh-privatekey',
      '--known-hosts', '/etc/mirrorset-hosts/known-hosts/known_hosts',
    ]);
    const volumes = job(build()).spec.template.spec.volumes;
    expect(volumes[0]).toEqual({ name: 'bundle', projected: { defaultMode: 0o444, sources: [{ configMap: { name: 'containerd-hosts-5t7g8k2m9d' } }] } });
    expect(volumes[1]).toEqual({ name: 'ssh-key', secret: { secretName: 'windows-ssh-key', defaultMode: 0o440, items: [{ key: 'ssh-privatekey', path: 'ssh-privatekey' }] } });
    expect(volumes[2]).toEqual({ name: 'known-hosts', configMap: { name: 'windows-known-hosts', defaultMode: 0o444, items: [{ key: 'known_hosts', path: 'known_hosts' }] } });
  });

  test('the pod is hardened: non-root, read-only root, no capabilities, RuntimeDefault seccomp, limits', () => {
    const spec = job(build({ nodes: { inventory: [{ name: 'win-a', address: '10.0.0.5' }] } })).spec;
    const pod = spec.template.spec;
    const container = pod.containers[0];
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBeUndefined();
    expect(pod.restartPolicy).toBe('Never');
    // The exited ssh connection masters are reaped by the pause container, not left as zombies of the applier.
    expect(pod.shareProcessNamespace).toBe(true);
    expect(spec.backoffLimit).toBe(2);
    expect(spec.activeDeadlineSeconds).toBe(1800);
    expect(pod.volumes.find((v: { name: string }) => v.name === 'tmp')).toEqual({ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
  });

  test('no ttlSecondsAfterFinished in any strategy: a GitOps engine would re-create the deleted Job', () => {
    for (const strategy of ['hashed-name', 'argocd-hook', 'force-recreate'] as const) {
      expect(JSON.stringify(build({ gitops: { strategy }, rollout: { schedule: '*/30 * * * *' } }))).not.toContain('ttlSecondsAfterFinished');
    }
  });
});

describe('GitOps strategies', () => {
  test('hashed-name (default): the name changes with the bundle and with the pod, annotations say which bundle', () => {
    const a = job(build());
    expect(a.metadata.name).toMatch(/^mirrorset-hosts-apply-[0-9a-f]{10}$/);
    expect(a.metadata.annotations).toEqual({ 'mirrorset-hosts.io/content-hash': HASH, 'argocd.argoproj.io/sync-wave': '1' });
    expect(job(build({}, HASH.replace('a3', 'b4'))).metadata.name).not.toBe(a.metadata.name);
    expect(job(build({ image: 'registry.example.com/mirrorset-hosts:0.1.1' })).metadata.name).not.toBe(a.metadata.name);
    expect(job(build()).metadata.name).toBe(a.metadata.name);
  });

  test('argocd-hook: a fixed name, a Sync hook deleted before the next one is created', () => {
    const j = job(build({ gitops: { strategy: 'argocd-hook' } }));
    expect(j.metadata.name).toBe('mirrorset-hosts-apply');
    expect(j.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' });
  });

  test('force-recreate: Argo CD Force+Replace and Flux force, on a fixed name', () => {
    const j = job(build({ gitops: { strategy: 'force-recreate' } }));
    expect(j.metadata.name).toBe('mirrorset-hosts-apply');
    expect(j.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-options': 'Force=true,Replace=true', 'kustomize.toolkit.fluxcd.io/force': 'enabled' });
    expect(j.metadata.labels?.['kustomize.toolkit.fluxcd.io/force']).toBe('enabled');
  });
});

describe('discovery, inventory, shards, schedule', () => {
  test('without an inventory, nodes are discovered: a ServiceAccount that may only list nodes, a short-lived token, and a CronJob for nodes that join later', () => {
    const objects = build();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/mirrorset-hosts-apply',
      'ClusterRole/mirrorset-hosts-mirrorset-hosts-apply-list-nodes',
      'ClusterRoleBinding/mirrorset-hosts-mirrorset-hosts-apply-list-nodes',
      expect.stringMatching(/^Job\/mirrorset-hosts-apply-[0-9a-f]{10}$/),
      'CronJob/mirrorset-hosts-apply-periodic',
    ]);
    expect(objects[4]?.spec.schedule).toBe('*/15 * * * *');
    expect(objects[1]?.['rules']).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['list'] }]);
    expect(objects[2]?.['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'mirrorset-hosts-apply', namespace: 'mirrorset-hosts' }]);
    const pod = job(objects).spec.template.spec;
    expect(pod.serviceAccountName).toBe('mirrorset-hosts-apply');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.volumes.find((v: { name: string }) => v.name === 'kube-api-access').projected.sources[0]).toEqual({ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } });
  });

  test('a static inventory goes in a ConfigMap named by its content, with nothing secret in it', () => {
    const objects = build({ nodes: { inventory: [{ name: 'win-b', address: '10.0.0.6', user: 'Administrator' }, { name: 'win-a', address: '10.0.0.5' }] } });
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Job']);
    const cm = objects[0] as Obj;
    expect(cm.metadata.name).toMatch(/^mirrorset-hosts-apply-inventory-[0-9a-f]{10}$/);
    expect(JSON.parse(cm['data']['inventory.json'])).toEqual({ nodes: [{ name: 'win-a', address: '10.0.0.5' }, { name: 'win-b', address: '10.0.0.6', user: 'Administrator' }] });
    expect(job(objects).spec.template.spec.containers[0].args).toContain('/etc/mirrorset-hosts/inventory/inventory.json');
  });

  test('shards make an Indexed Job; Kubernetes gives each pod its index', () => {
    const spec = job(build({ rollout: { shards: 4 } })).spec;
    expect(spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    expect(spec.template.spec.containers[0].args.slice(-2)).toEqual(['--shard-count', '4']);
  });

  test('a CronJob runs the same pod, for nodes that join later', () => {
    const objects = build({ rollout: { schedule: '0 */6 * * *' } });
    const cron = objects.find((o) => o.kind === 'CronJob') as Obj;
    expect(cron.metadata.name).toBe('mirrorset-hosts-apply-periodic');
    expect(cron.spec).toMatchObject({ schedule: '0 */6 * * *', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec).toEqual(job(objects).spec);
  });

  test('every setting reaches the command line', () => {
    const args = job(
      build({
        target: { os: 'linux', configDir: '/etc/containerd/certs.d', containerdConfig: '' },
        ssh: { user: 'core', port: 2222, become: 'sudo' },
        rollout: { canary: 'none', maxParallel: 20, maxFailures: 5 },
        nodes: { selector: 'node-role.kubernetes.io/worker' },
      }),
    ).spec.template.spec.containers[0].args;
    expect(args.slice(9)).toEqual([
      '--selector', 'node-role.kubernetes.io/worker',
      '--config-dir', '/etc/containerd/certs.d',
      '--containerd-config', '',
      '--ssh-user', 'core',
      '--become', 'sudo',
      '--ssh-port', '2222',
      '--canary', 'none',
      '--max-parallel', '20',
      '--max-failures', '5',
    ]);
  });
});

describe('settings errors', () => {
  test('every problem is reported at once, by the functionConfig schema, at the field to fix', () => {
    const { config, diagnostics } = validated({ image: '', ssh: { secretName: 'Key!' }, gitops: { strategy: 'helm' }, rollout: { shards: 0 }, nodes: { inventory: [{ name: 'win-a', address: '-x' }] } });
    expect(config).toBeUndefined();
    expect(diagnostics.map((d) => `${d.code} ${d.field}`).sort()).toEqual([
      'SCHEMA_ENUM spec.gitops.strategy',
      'SCHEMA_OUT_OF_RANGE spec.rollout.shards',
      'SCHEMA_PATTERN spec.image',
      'SCHEMA_PATTERN spec.nodes.inventory[0].address',
      'SCHEMA_PATTERN spec.ssh.secretName',
    ]);
  });

  test('what ties fields together is checked once the schema has passed: each names its field', () => {
    const { objects, diagnostics } = manifests({ image: 'registry.example.com/mirrorset-hosts:0.1.0' }, { name: 'mirrors' });
    expect(objects).toEqual([]);
    expect(diagnostics.map((d) => `${d.code} ${d.field}: ${d.message}`)).toEqual([
      'NODE_APPLIER_INCOMPLETE spec.ssh.secretName: the node-applier Job cannot be generated: spec.ssh.secretName must name the Secret holding the SSH private key; it is not set',
      "NODE_APPLIER_INCOMPLETE spec.ssh.knownHosts: the node-applier Job cannot be generated: spec.ssh.knownHosts is required ({kind: Secret|ConfigMap, name, key?} or {fromNodeAnnotations: true}): every node's host key is verified against it",
      "NODE_APPLIER_INCOMPLETE metadata.namespace: the node-applier Job cannot be generated: metadata.namespace is required with node discovery: the ClusterRoleBinding must name the ServiceAccount's namespace",
    ]);
  });

  test('become: sudo is for Linux nodes: with Windows nodes only, the Job is not generated', () => {
    const { objects, diagnostics } = manifests(merge(baseSpec, { ssh: { become: 'sudo' } }));
    expect(objects).toEqual([]);
    expect(diagnostics.map((d) => `${d.field}: ${d.message}`)).toEqual([
      'spec.ssh.become: the node-applier Job cannot be generated: spec.ssh.become: sudo is for Linux nodes (Windows has no sudo; its SSH user must be an administrator), and spec.target.os is windows; set spec.target.os: linux or remove spec.ssh.become',
    ]);
  });

  test.each([
    [{ ssh: { knownHosts: { fromNodeAnnotations: true, kind: 'ConfigMap', name: 'x' } } }, 'spec.ssh.knownHosts: the node-applier Job cannot be generated: spec.ssh.knownHosts.fromNodeAnnotations takes every key from the Node annotations: remove kind, name and key, or set fromNodeAnnotations: false'],
    [{ ssh: { knownHosts: { fromNodeAnnotations: true } }, nodes: { inventory: [{ name: 'a', address: '10.0.0.5' }] } }, 'spec.ssh.knownHosts.fromNodeAnnotations: the node-applier Job cannot be generated: spec.ssh.knownHosts.fromNodeAnnotations reads the keys from discovered Nodes, and only a static inventory is given; set spec.nodes.selector, or list the keys in a known_hosts ({kind, name})'],
    [{ wmco: { coexist: true }, ssh: { knownHosts: { kind: 'ConfigMap', name: 'windows-known-hosts' } } }, 'spec.wmco.coexist: the node-applier Job cannot be generated: spec.wmco.coexist writes where WMCO writes, so the files must be byte-for-byte what WMCO writes: set spec.profile: wmco (it is containerd)'],
  ])('host keys from annotations and WMCO coexistence are checked with the fields they tie together (%#)', (spec, message) => {
    const base = { ...baseSpec, ssh: { secretName: 'windows-ssh-key' } };
    const { objects, diagnostics } = manifests(merge(base, spec as Spec));
    expect(objects).toEqual([]);
    expect(diagnostics.map((d) => `${d.field}: ${d.message}`)).toEqual([message]);
  });

  test('fromNodeAnnotations: no known_hosts mounted, the flag on the command line; coexist: --wmco-coexist', () => {
    const spec = merge({ ...baseSpec, ssh: { secretName: 'windows-ssh-key', knownHosts: { fromNodeAnnotations: true } } }, { profile: 'wmco', wmco: { coexist: true } });
    const j = job(manifests(spec).objects as Obj[]);
    const args = j.spec.template.spec.containers[0].args as string[];
    expect(args).toContain('--known-hosts-from-node-annotations');
    expect(args).toContain('--wmco-coexist');
    expect(args).not.toContain('--known-hosts');
    expect(JSON.stringify(j.spec.template.spec.volumes)).not.toContain('known-hosts');
    const { values } = parseArgs({ args: args.slice(1), options: parseArgsOptions(), strict: true, allowPositionals: false });
    expect(applySettings(values, {})).toMatchObject({ knownHosts: null, knownHostsFromNodeAnnotations: true, wmcoCoexist: true });
  });

  test('windowsInstances: the Job may get that one ConfigMap in its namespace, lists nodes, and passes --windows-instances', () => {
    const spec = { ...baseSpec, nodes: { windowsInstances: { namespace: 'openshift-windows-machine-config-operator', name: 'windows-instances' } } };
    const objects = manifests(spec).objects as Obj[];
    const role = objects.find((o) => o.kind === 'Role') as Obj;
    expect(role.metadata).toMatchObject({ name: 'mirrorset-hosts-apply-read-windows-instances', namespace: 'openshift-windows-machine-config-operator' });
    expect(role['rules']).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['windows-instances'], verbs: ['get'] }]);
    expect((objects.find((o) => o.kind === 'RoleBinding') as Obj)['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'mirrorset-hosts-apply', namespace: 'mirrorset-hosts' }]);
    expect(objects.map((o) => o.kind)).toContain('ClusterRole');
    const args = job(objects).spec.template.spec.containers[0].args as string[];
    expect(args.slice(args.indexOf('--windows-instances'), args.indexOf('--windows-instances') + 2)).toEqual(['--windows-instances', 'openshift-windows-machine-config-operator/windows-instances']);
    expect(args).not.toContain('--selector');
  });

  test('spec.auth mounts the dockerconfigjson Secret (0440) for apply --auth; the credentials themselves are never in the objects', () => {
    const j = job(build({ auth: { secretName: 'mirror-pull-secret' } }));
    expect(j.spec.template.spec.volumes).toContainEqual({ name: 'auth', secret: { secretName: 'mirror-pull-secret', defaultMode: 0o440, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
    expect(j.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'auth', mountPath: '/etc/mirrorset-hosts/auth', readOnly: true });
    const args = j.spec.template.spec.containers[0].args as string[];
    expect(args.slice(args.indexOf('--auth'), args.indexOf('--auth') + 2)).toEqual(['--auth', '/etc/mirrorset-hosts/auth/config.json']);
  });

  test('become changes the Job name: switching to sudo rolls a new Job', () => {
    const plain = job(build({ target: { os: 'linux' } })).metadata.name;
    expect(job(build({ target: { os: 'linux' }, ssh: { become: 'sudo' } })).metadata.name).not.toBe(plain);
    expect(job(build({ target: { os: 'linux' }, ssh: { become: 'none' } })).metadata.name).toBe(plain);
  });

  test('the name limit is the schema\'s: the longest name still fits every generated name in 63 characters', () => {
    const name = 'n'.repeat(40);
    const objects = manifests(merge(baseSpec, { rollout: { schedule: '0 * * * *' }, nodes: { inventory: [{ name: 'win-a', address: '10.0.0.5' }] } }), { name, namespace: 'msh' }).objects as Obj[];
    for (const o of objects) expect(o.metadata.name.length).toBeLessThanOrEqual(63);
    expect(validated(baseSpec, { name: 'n'.repeat(41), namespace: 'msh' }).diagnostics.map((d) => d.code)).toEqual(['SCHEMA_OUT_OF_RANGE']);
  });

  test('insecureIgnoreHostKeys drops known_hosts and says so on the command line', () => {
    const j = job(manifests({ image: 'registry.example.com/mirrorset-hosts:0.1.0', ssh: { secretName: 'windows-ssh-key', insecureIgnoreHostKeys: true } }).objects as Obj[]);
    expect(j.spec.template.spec.containers[0].args).toContain('--insecure-ignore-host-keys');
    expect(j.spec.template.spec.volumes.map((v: { name: string }) => v.name)).not.toContain('known-hosts');
  });
});

describe('a functionConfig that turns host-key checking off', () => {
  const config = (ssh: string): ReturnType<typeof validateFunctionConfig> => {
    const text = `apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata:\n  name: mirrors\n  namespace: msh\nspec:\n  image: registry.example.com/mirrorset-hosts:0.1.0\n  ssh:\n    secretName: key\n${ssh}`;
    const object = parseManifests([{ path: 'mirrorset-hosts.yaml', content: text }]).objects[0];
    if (!object) throw new Error('no object');
    return validateFunctionConfig(object);
  };

  test('is accepted, with a warning at the field that says what it means', () => {
    const result = config('    insecureIgnoreHostKeys: true\n');
    expect(result.config?.ssh.insecureIgnoreHostKeys).toBe(true);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'mirrorset-hosts.yaml:10:29: warning INSECURE_HOST_KEYS spec.ssh.insecureIgnoreHostKeys: host keys are not verified: the node-applier Job accepts any SSH host key, so anyone on the network path between its pod and a node can impersonate the node, receive the files and answer for it; set spec.ssh.knownHosts instead (labs only)',
    ]);
  });

  test('with known hosts there is no warning', () => {
    expect(config('    knownHosts: {kind: ConfigMap, name: hosts}\n').diagnostics).toEqual([]);
    expect(config('    insecureIgnoreHostKeys: false\n    knownHosts: {kind: ConfigMap, name: hosts}\n').diagnostics).toEqual([]);
  });
});

test('the Job and the inventory ConfigMap are named with the content hash suffix every generated name uses', () => {
  const objects = build({ nodes: { inventory: [{ name: 'win-a', address: '10.0.0.5' }] } });
  const inventory = objects.find((o) => o.kind === 'ConfigMap') as Obj;
  expect(inventory.metadata.name).toBe(`mirrorset-hosts-apply-inventory-${hashSuffix(inventory['data']['inventory.json'])}`);
  expect(job(objects).metadata.name).toBe(`mirrorset-hosts-apply-${hashSuffix({ contentHash: HASH, jobSpec: job(objects).spec })}`);
});

describe('one flag table for the Job and for apply', () => {
  test('the command line the Job writes is read back by apply as the same settings', () => {
    const args = job(
      build({
        target: { os: 'linux', configDir: '/etc/containerd/certs.d', containerdConfig: '' },
        ssh: { user: 'core', port: 2222, become: 'sudo' },
        rollout: { canary: 'none', maxParallel: 20, maxFailures: 5, shards: 3 },
        nodes: { selector: 'node-role.kubernetes.io/worker', inventory: [{ name: 'a', address: '10.0.0.5' }] },
      }),
    ).spec.template.spec.containers[0].args as string[];
    expect(args[0]).toBe('apply');
    const { values } = parseArgs({ args: args.slice(1), options: parseArgsOptions(), strict: true, allowPositionals: false });
    expect(applySettings(values, { JOB_COMPLETION_INDEX: '2' })).toMatchObject({
      bundle: '/etc/mirrorset-hosts/bundle',
      inventory: '/etc/mirrorset-hosts/inventory/inventory.json',
      selector: 'node-role.kubernetes.io/worker',
      target: 'linux',
      configDir: '/etc/containerd/certs.d',
      containerdConfig: '',
      sshUser: 'core',
      become: 'sudo',
      sshPort: 2222,
      sshKey: '/etc/mirrorset-hosts/ssh/ssh-privatekey',
      knownHosts: '/etc/mirrorset-hosts/known-hosts/known_hosts',
      canary: 'none',
      maxParallel: 20,
      maxFailures: 5,
      shardCount: 3,
      shardIndex: 2,
    });
  });

  test.each([
    ['--shard-count', 'rollout', 'shards'],
    ['--max-parallel', 'rollout', 'maxParallel'],
    ['--max-failures', 'rollout', 'maxFailures'],
    ['--ssh-port', 'ssh', 'port'],
  ])('%s takes the range of spec.%s.%s', (flag, section, key) => {
    const schema = (FUNCTION_CONFIG_SCHEMA.properties?.['spec']?.properties?.[section]?.properties?.[key] ?? {}) as { minimum: number; maximum: number };
    expect(applySettings({ bundle: 'b', 'ssh-key': 'k', 'known-hosts': 'h', [flag.slice(2)]: String(schema.maximum) }, {})).toBeDefined();
    expect(() => applySettings({ bundle: 'b', 'ssh-key': 'k', 'known-hosts': 'h', [flag.slice(2)]: String(schema.maximum + 1) }, {})).toThrow(
      `${flag} must be an integer from ${schema.minimum} to ${schema.maximum}, found "${schema.maximum + 1}"`,
    );
  });
});
