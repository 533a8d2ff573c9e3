// spec.platform, spec.pod, spec.rollout's success semantics and spec.namespace: what each generated
// object carries, and every object of every preset through the Kubernetes schemas, Pod Security
// "restricted" and (openshift) the restricted-v2 SCC.
import { describe, expect, test } from '@jest/globals';
import { parseArgs } from 'node:util';
import { applySettings, parseArgsOptions } from '../../src/node-applier/apply-flags.js';
import { buildManifests } from '../../src/node-applier/build-manifests.js';
import { PLATFORM_PRESETS } from '../../src/node-applier/platforms.js';
import { quantityValue } from '../../src/validate/pod-resources.js';
import { resolveTarget } from '../../src/node-applier/node-target.js';
import { decideConfigPath, type ContainerdFacts } from '../../src/node-applier/containerd-config.js';
import { EXIT_INTERNAL, EXIT_USAGE, formatDiagnostic } from '../../src/diagnostics.js';
import { parseManifests } from '../../src/parse/parse-manifests.js';
import { validateFunctionConfig } from '../../src/validate/function-config.js';
import { FUNCTION_CONFIG_SCHEMA } from '../../src/validate/function-config-schema.js';
import { PLATFORMS, type Platform } from '../../src/vocabulary.js';
import { kubernetesProblems } from '../bundle/kube-schema.js';
import { podSecurityRestrictedProblems, podTemplateOf, restrictedV2Problems } from '../helpers/pod-admission.js';

type Spec = Record<string, unknown>;
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> }; spec?: any };

const FILES = [{ path: 'quay.io/hosts.toml', content: 'server = "https://quay.io"\n\n[host."https://mirror.example.com/v2/quay"]\n  capabilities = ["pull", "resolve"]\n  override_path = true\n' }];
const baseSpec: Spec = {
  image: 'registry.example.com/mirrorset-hosts:0.1.0',
  ssh: { secretName: 'node-ssh-key', knownHosts: { kind: 'ConfigMap', name: 'node-known-hosts' } },
};

const configText = (spec: Spec, metadata: Spec = { name: 'mirrors', namespace: 'mirrorset-hosts' }): string =>
  JSON.stringify({ apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: 'MirrorSetHosts', metadata, spec }, null, 1);
const validated = (spec: Spec, metadata?: Spec): ReturnType<typeof validateFunctionConfig> => {
  const object = parseManifests([{ path: 'config.json', content: configText(spec, metadata) }]).objects[0];
  if (!object) throw new Error('no object');
  return validateFunctionConfig(object);
};
const build = (spec: Spec, metadata?: Spec, files = FILES): Obj[] => {
  const { config, diagnostics } = validated({ ...baseSpec, ...spec }, metadata);
  if (!config) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  const built = buildManifests(files, config);
  if (built.diagnostics.some((d) => d.severity === 'error')) throw new Error(built.diagnostics.map(formatDiagnostic).join('\n'));
  return built.objects as unknown as Obj[];
};
const job = (objects: Obj[]): Obj => objects.find((o) => o.kind === 'Job') as Obj;
const podOf = (objects: Obj[]): any => job(objects).spec.template.spec;

// Every preset, with discovery and with an inventory only, one Job and shards, each GitOps strategy.
const VARIANTS: Array<[string, Spec]> = [
  ['discovery', {}],
  ['inventory', { nodes: { inventory: [{ name: 'node-a', address: '10.0.0.5' }] } }],
  ['shards and a schedule', { rollout: { shards: 3, schedule: '0 * * * *' } }],
  ['argocd-hook', { gitops: { strategy: 'argocd-hook' } }],
  ['force-recreate, a Secret bundle and the Namespace', { gitops: { strategy: 'force-recreate' }, bundle: { sensitive: true }, namespace: { create: true } }],
  [
    'every pod setting',
    {
      pod: {
        nodeSelector: { 'node-role.kubernetes.io/infra': '' },
        tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/infra', operator: 'Equal', value: 'reserved', effect: 'NoSchedule', tolerationSeconds: 60 }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['node-x'] }] }] } } },
        imagePullSecrets: [{ name: 'registry-pull' }],
        priorityClassName: 'system-cluster-critical',
        resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      },
      rollout: { backoffLimit: 4, activeDeadlineSeconds: 3600, minNodes: 2, unavailableNodes: 'fail' },
    },
  ],
];
const CASES = PLATFORMS.flatMap((platform) => VARIANTS.map(([name, spec]) => [platform, name, { ...spec, platform }] as const));

describe.each(CASES)('platform %s, %s', (platform, _name, spec) => {
  const objects = build(spec);

  test('every generated object passes the Kubernetes schemas', () => {
    expect(objects.flatMap((o) => kubernetesProblems(o as unknown as Record<string, unknown>))).toEqual([]);
  });

  test('every pod passes Pod Security "restricted"', () => {
    const pods = objects.map(podTemplateOf).filter((t) => t !== undefined);
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.flatMap((t) => podSecurityRestrictedProblems(t['spec']))).toEqual([]);
  });

  if (platform === 'openshift') {
    test('every pod is admitted by OpenShift\'s restricted-v2 SCC, and runs as a ServiceAccount of its own', () => {
      const pods = objects.map(podTemplateOf).filter((t) => t !== undefined);
      expect(pods.flatMap((t) => restrictedV2Problems(t['spec']))).toEqual([]);
      const sa = objects.find((o) => o.kind === 'ServiceAccount');
      expect(sa?.metadata.name).toBe('mirrors');
      for (const t of pods) expect(t['spec'].serviceAccountName).toBe('mirrors');
    });
  }
});

describe('the SCC check itself', () => {
  test('refuses the generic pod as OpenShift does: a fixed uid and fsGroup outside the namespace range', () => {
    const problems = restrictedV2Problems(podOf(build({})));
    expect(problems).toEqual([
      'pod runAsUser: Invalid value: 65532: must be in the ranges: [1000680000, 1000689999]',
      'fsGroup: Invalid value: 65532: 65532 is not an allowed group',
    ]);
  });
  test('refuses host paths, privilege and added capabilities', () => {
    const pod = { volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [{ name: 'c', securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN'] } } }] };
    expect(restrictedV2Problems(pod)).toHaveLength(3);
    expect(podSecurityRestrictedProblems(pod).length).toBeGreaterThan(3);
  });
});

describe('platform presets', () => {
  test('openshift: no fixed uid, gid or fsGroup; a dedicated ServiceAccount also with an inventory only', () => {
    const objects = build({ platform: 'openshift', nodes: { inventory: [{ name: 'win-a', address: '10.0.0.5' }] } });
    const pod = podOf(objects);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'ServiceAccount', 'ConfigMap', 'Job']);
    expect(pod.serviceAccountName).toBe('mirrors');
    // No token without discovery: the ServiceAccount is only what an SCC is granted to.
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(objects.some((o) => o.kind === 'ClusterRole')).toBe(false);
  });

  test('generic, aks and eks keep the image\'s own non-root uid and no ServiceAccount without discovery', () => {
    for (const platform of ['generic', 'aks', 'eks'] as const) {
      const objects = build({ platform, nodes: { inventory: [{ name: 'a', address: '10.0.0.5' }] } });
      expect(podOf(objects).securityContext).toMatchObject({ runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 });
      expect(objects.some((o) => o.kind === 'ServiceAccount')).toBe(false);
    }
  });

  test('the preset reaches the node through --platform; generic leaves the command line as it was', () => {
    expect(podOf(build({ platform: 'aks' })).containers[0].args.slice(0, 5)).toEqual(['apply', '--bundle', '/etc/mirrorset-hosts/bundle', '--target', 'windows']);
    expect(podOf(build({ platform: 'aks' })).containers[0].args).toEqual(expect.arrayContaining(['--platform', 'aks']));
    expect(podOf(build({})).containers[0].args).not.toContain('--platform');
  });

  test.each([
    ['generic', 'windows', 'Administrator', 'C:\\k\\containerd\\registries', 'C:\\k\\containerd\\containerd_conf.toml'],
    ['generic', 'linux', 'root', '/etc/containerd/certs.d', '/etc/containerd/config.toml'],
    ['openshift', 'windows', 'Administrator', 'C:\\k\\containerd\\registries', 'C:\\k\\containerd\\containerd_conf.toml'],
    ['openshift', 'linux', 'core', '/etc/containerd/certs.d', '/etc/containerd/config.toml'],
    ['aks', 'windows', 'azureuser', 'C:\\ProgramData\\containerd\\certs.d', 'C:\\Program Files\\containerd\\config.toml'],
    ['aks', 'linux', 'azureuser', '/etc/containerd/certs.d', '/etc/containerd/config.toml'],
    ['eks', 'windows', 'Administrator', 'C:\\ProgramData\\containerd\\certs.d', 'C:\\Program Files\\containerd\\config.toml'],
    ['eks', 'linux', 'ec2-user', '/etc/containerd/certs.d', '/etc/containerd/config.toml'],
  ] as Array<[Platform, 'windows' | 'linux', string, string, string]>)('%s %s nodes: user %s, config_path %s, config %s (docs/platforms.md)', (platform, os, user, configDir, containerdConfig) => {
    const target = resolveTarget({ name: 'n', address: '10.0.0.5', os }, { os: 'windows', port: 22, platform });
    expect(target).toMatchObject({ user, configDir, containerdConfig });
  });

  test('explicit settings win over the preset: the flags first, an inventory entry above all', () => {
    const flags = resolveTarget({ name: 'n', address: '10.0.0.5' }, { os: 'windows', port: 22, platform: 'aks', user: 'ops', configDir: 'C:\\mirrors' });
    expect(flags).toMatchObject({ user: 'ops', configDir: 'C:\\mirrors', containerdConfig: 'C:\\Program Files\\containerd\\config.toml' });
    const entry = resolveTarget({ name: 'n', address: '10.0.0.5', user: 'capi', containerdConfig: '' }, { os: 'windows', port: 22, platform: 'aks', user: 'ops' });
    expect(entry).toMatchObject({ user: 'capi', containerdConfig: '' });
  });

  // The registry part of each platform's own containerd config, as its node build writes it (the
  // sources docs/platforms.md cites), against the preset's paths: the preflight lets the files be
  // written only where that containerd reads them, and refuses, saying what to set, everywhere else.
  const CONTAINERD: Record<string, string> = {
    '1.7': 'containerd github.com/containerd/containerd v1.7.20 abc',
    '2.0': 'containerd github.com/containerd/containerd/v2 v2.0.4 abc',
    '2.1': 'containerd github.com/containerd/containerd/v2 v2.1.4 abc',
  };
  const verdictOn = (platform: Platform, os: 'windows' | 'linux', text: string | undefined, release: string): string => {
    const target = resolveTarget({ name: 'n', address: '10.0.0.5', os }, { os, port: 22, platform });
    const facts: ContainerdFacts = {
      os,
      configDir: target.configDir,
      configFile: target.containerdConfig,
      main: text === undefined ? { state: 'absent' } : { state: 'read', text },
      imports: [],
      runtime: { containerd: true, crio: false },
      version: CONTAINERD[release] ?? null,
      dump: null,
      assumeDefaults: null,
    };
    return decideConfigPath(facts).verdict;
  };
  const AKS_WINDOWS_V2 = '[plugins]\n  [plugins.cri]\n    [plugins.cri.registry]\n      config_path = "C:\\\\ProgramData\\\\containerd\\\\certs.d"\n';
  const AKS_WINDOWS_V3 = "version = 3\n[plugins.'io.containerd.cri.v1.images'.registry]\n  config_path = 'C:\\ProgramData\\containerd\\certs.d'\n";
  const AKS_WINDOWS_BEFORE_2026 = '[plugins.cri.registry]\n  [plugins.cri.registry.mirrors."docker.io"]\n    endpoint = ["https://registry-1.docker.io"]\n';
  const AKS_LINUX = 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n';
  const EKS_AL2023 = (version: number): string =>
    `version = ${version}\n[plugins."${version === 3 ? 'io.containerd.cri.v1.images' : 'io.containerd.grpc.v1.cri'}".registry]\nconfig_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n`;
  test.each<[string, Platform, 'windows' | 'linux', string, string, string | undefined]>([
    ['AKS Windows, containerd 1.7 template (AgentBaker 2026)', 'aks', 'windows', '1.7', 'reads', AKS_WINDOWS_V2],
    ['AKS Windows, containerd 2 template (AgentBaker 2026)', 'aks', 'windows', '2.1', 'reads', AKS_WINDOWS_V3],
    ['AKS Windows, an older node image (registry.mirrors, no config_path)', 'aks', 'windows', '1.7', 'does-not-read', AKS_WINDOWS_BEFORE_2026],
    ['AKS Linux', 'aks', 'linux', '1.7', 'reads', AKS_LINUX],
    ['EKS Windows without the config file the preset names', 'eks', 'windows', '1.7', 'unknown', undefined],
    ['EKS Windows, a config that sets no config_path', 'eks', 'windows', '1.7', 'does-not-read', 'version = 2\n'],
    ['EKS AL2023, containerd 1.7 (a two-directory list, split)', 'eks', 'linux', '1.7', 'reads', EKS_AL2023(2)],
    ['EKS AL2023, containerd 2.0', 'eks', 'linux', '2.0', 'reads', EKS_AL2023(3)],
    ['EKS AL2023, containerd 2.1+ (the list is one directory name to the transfer service)', 'eks', 'linux', '2.1', 'does-not-read', EKS_AL2023(3)],
  ])('%s (%s %s nodes, containerd %s): the preflight says %s', (_name, platform, os, release, expected, text) => {
    // Anything but 'reads' is a refusal of that node (configPathProblems), never a silent write.
    expect(verdictOn(platform, os, text, release)).toBe(expected);
  });

  test('every platform has a row for every node OS and docs/platforms.md has a section for it', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/platforms.md', import.meta.url), 'utf8');
    for (const platform of PLATFORMS) {
      expect(Object.keys(PLATFORM_PRESETS[platform as Platform].nodes).sort()).toEqual(['linux', 'windows']);
      expect(doc).toMatch(new RegExp(`^## \`${platform}\``, 'm'));
      for (const os of ['windows', 'linux'] as const) {
        const row = PLATFORM_PRESETS[platform].nodes[os];
        for (const value of [row.user, row.configDir, row.containerdConfig]) expect(doc).toContain(value);
      }
    }
  });
});

describe('pod settings (spec.pod)', () => {
  test('reach the pod as written; the architecture joins the OS in the node selector', () => {
    const [, , , , , [, spec]] = VARIANTS as [unknown, unknown, unknown, unknown, unknown, [string, Spec]];
    const pod = podOf(build(spec));
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/infra': '' });
    expect(pod.tolerations).toEqual((spec['pod'] as Spec)['tolerations']);
    expect(pod.affinity).toEqual((spec['pod'] as Spec)['affinity']);
    expect(pod.imagePullSecrets).toEqual([{ name: 'registry-pull' }]);
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(podOf(build({})).nodeSelector).toEqual({ 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux' });
    expect(podOf(build({ pod: { nodeSelector: { 'kubernetes.io/arch': 'arm64' } } })).nodeSelector['kubernetes.io/arch']).toBe('arm64');
  });

  test.each([
    ['a toleration', { pod: { tolerations: [{ key: 'x', operator: 'Exists' }] } }],
    ['the node selector', { pod: { nodeSelector: { pool: 'infra' } } }],
    ['the affinity', { pod: { affinity: { podAntiAffinity: {} } } }],
    ['a pull secret', { pod: { imagePullSecrets: [{ name: 'pull' }] } }],
    ['the priority class', { pod: { priorityClassName: 'high' } }],
    ['the resources', { pod: { resources: { limits: { memory: '512Mi' } } } }],
    ['the retries', { rollout: { backoffLimit: 5 } }],
    ['the deadline', { rollout: { activeDeadlineSeconds: 900 } }],
    ['the minimum node count', { rollout: { minNodes: 3 } }],
    ['the unavailable-node policy', { rollout: { unavailableNodes: 'fail' } }],
    ['the platform', { platform: 'eks' }],
  ])('changing %s renames the Job, so the engine never applies a changed pod under an old name', (_what, spec) => {
    expect(job(build(spec)).metadata.name).not.toBe(job(build({})).metadata.name);
  });

  test.each([
    ['a misspelt toleration key', { tolerations: [{ key: 'x', efect: 'NoSchedule' }] }, 'SCHEMA_UNKNOWN_FIELD spec.pod.tolerations[0].efect: unknown field "efect"', '"efect"'],
    ['a toleration effect outside the enum', { tolerations: [{ key: 'x', effect: 'NoRun' }] }, 'SCHEMA_ENUM spec.pod.tolerations[0].effect: expected one of NoSchedule, PreferNoSchedule, NoExecute, found "NoRun"', '"NoRun"'],
    ['tolerations that are not a list', { tolerations: { key: 'x' } }, 'SCHEMA_TYPE spec.pod.tolerations: expected a list, found a mapping', '"tolerations"'],
    ['a node selector value that is not a string', { nodeSelector: { pool: 3 } }, 'SCHEMA_TYPE spec.pod.nodeSelector.pool: expected a string, found number', '"pool"'],
    ['an unknown pod field', { hostNetwork: true }, 'SCHEMA_UNKNOWN_FIELD spec.pod.hostNetwork: unknown field "hostNetwork"', '"hostNetwork"'],
    ['a quantity written as a number', { resources: { limits: { cpu: 1 } } }, 'SCHEMA_TYPE spec.pod.resources.limits.cpu: expected a string, found number', '"cpu"'],
    ['a pull secret without a name', { imagePullSecrets: [{}] }, 'SCHEMA_REQUIRED spec.pod.imagePullSecrets[0].name: expected required field "name", found none', '{}'],
  ])('refuses %s at the field, with its position', (_name, pod, expected, lineHolds) => {
    const { config, diagnostics } = validated({ ...baseSpec, pod });
    expect(config).toBeUndefined();
    const [line] = diagnostics.map(formatDiagnostic);
    const match = /^config\.json:(\d+):(\d+): error (.*)$/.exec(line ?? '');
    expect(match?.[3]).toContain(expected);
    // The position is the parser's: the line it names holds the offending key or value.
    const text = configText({ ...baseSpec, pod }).split('\n');
    expect(text[Number(match?.[1]) - 1]).toContain(lineHolds);
  });
});

describe('pod resources (spec.pod.resources) against the measured need', () => {
  const findings = (resources: Spec): string[] => {
    const pod = { resources };
    const { diagnostics } = validated({ ...baseSpec, pod });
    const text = configText({ ...baseSpec, pod }).split('\n');
    // Each finding with the text of the line its position names: the parser's position of the field.
    return diagnostics.map((d) => `${d.severity} ${d.code} ${d.field} @ ${text[(d.location?.line ?? 0) - 1]?.trim()}`);
  };
  test.each<[string, Spec, string[]]>([
    ['the defaults', {}, []],
    ['the measured need exactly', { requests: { memory: '128Mi' }, limits: { memory: '128Mi' } }, []],
    ['the same in other units', { requests: { memory: '0.125Gi' }, limits: { memory: '134217728' } }, []],
    ['a memory limit the applier cannot start under', { limits: { cpu: '1', memory: '32Mi' } }, ['error SCHEMA_OUT_OF_RANGE spec.pod.resources.limits.memory @ "memory": "32Mi"']],
    ['a request above the default limit', { requests: { cpu: '100m', memory: '512Mi' } }, ['error SCHEMA_OUT_OF_RANGE spec.pod.resources.requests.memory @ "memory": "512Mi"']],
    ['a cpu request above its limit', { requests: { cpu: '2', memory: '128Mi' }, limits: { cpu: '1500m', memory: '256Mi' } }, ['error SCHEMA_OUT_OF_RANGE spec.pod.resources.requests.cpu @ "cpu": "2",']],
    ['a memory request below the need', { requests: { cpu: '50m', memory: '64Mi' } }, ['warning POD_MEMORY_BELOW_NEED spec.pod.resources.requests.memory @ "memory": "64Mi"']],
    // 128M (decimal) is 122 MiB: below the need, and above the limit.
    ['a memory limit that works one node at a time only', { requests: { memory: '128M' }, limits: { memory: '100Mi' } }, [
      'error SCHEMA_OUT_OF_RANGE spec.pod.resources.requests.memory @ "memory": "128M"',
      'warning POD_MEMORY_BELOW_NEED spec.pod.resources.limits.memory @ "memory": "100Mi"',
      'warning POD_MEMORY_BELOW_NEED spec.pod.resources.requests.memory @ "memory": "128M"',
    ]],
  ])('%s', (_name, resources, expected) => {
    expect(findings(resources).sort()).toEqual(expected.sort());
  });

  test('a refused value generates nothing; a warned one still generates the Job with what was written', () => {
    expect(validated({ ...baseSpec, pod: { resources: { limits: { memory: '48Mi' } } } }).config).toBeUndefined();
    const pod = podOf(build({ pod: { resources: { requests: { memory: '96Mi' } } } }));
    // A part given replaces its default whole: the limits stay the defaults.
    expect(pod.containers[0].resources).toEqual({ requests: { memory: '96Mi' }, limits: { cpu: '1', memory: '256Mi' } });
  });

  test('quantities are read as the API server reads them', () => {
    expect([quantityValue('128Mi'), quantityValue('0.5Gi'), quantityValue('1e3'), quantityValue('100m'), quantityValue('2k'), quantityValue('1E')]).toEqual([
      134217728, 536870912, 1000, 0.1, 2000, 1e18,
    ]);
    expect(quantityValue('12 Mi')).toBeUndefined();
  });
});

describe('success semantics', () => {
  test('one Job: its retries and deadline from spec.rollout, a usage error or a bug fails it at once, a disruption is not counted', () => {
    const spec = job(build({ rollout: { backoffLimit: 1, activeDeadlineSeconds: 600 } })).spec;
    expect(spec.backoffLimit).toBe(1);
    expect(spec.activeDeadlineSeconds).toBe(600);
    expect(spec.podFailurePolicy).toEqual({
      rules: [
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        { action: 'FailJob', onExitCodes: { containerName: 'apply', operator: 'In', values: [EXIT_USAGE, EXIT_INTERNAL] } },
      ],
    });
    expect([EXIT_USAGE, EXIT_INTERNAL]).toEqual([2, 3]);
  });

  test('shards: each index has its own retries (backoffLimitPerIndex), and a usage error or a bug fails that index only', () => {
    const spec = job(build({ rollout: { shards: 3 } })).spec;
    expect(spec.backoffLimitPerIndex).toBe(2);
    // A Job-wide backoffLimit would count every shard's failures together again.
    expect(spec.backoffLimit).toBeUndefined();
    expect(spec.podFailurePolicy.rules[1].action).toBe('FailIndex');
  });

  test('the container\'s termination message falls back to its log, so the engine shows the summary', () => {
    expect(podOf(build({})).containers[0].terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  test('minNodes and unavailableNodes reach apply, which reads them back', () => {
    const args = podOf(build({ rollout: { minNodes: 0, unavailableNodes: 'fail' } })).containers[0].args as string[];
    const { values } = parseArgs({ args: args.slice(1), options: parseArgsOptions(), allowPositionals: false, strict: true });
    expect(applySettings(values, {})).toMatchObject({ minNodes: 0, unavailableNodes: 'fail' });
    expect(applySettings(parseArgs({ args: podOf(build({})).containers[0].args.slice(1), options: parseArgsOptions(), strict: true }).values, {})).toMatchObject({ minNodes: 1, unavailableNodes: 'skip' });
  });
});

describe('nodes that join later', () => {
  test('with discovery a CronJob runs every 15 minutes by default; "none" turns it off; an inventory alone has none', () => {
    expect(build({}).find((o) => o.kind === 'CronJob')?.spec.schedule).toBe('*/15 * * * *');
    expect(build({ rollout: { schedule: 'none' } }).some((o) => o.kind === 'CronJob')).toBe(false);
    expect(build({ nodes: { inventory: [{ name: 'a', address: '10.0.0.5' }] } }).some((o) => o.kind === 'CronJob')).toBe(false);
  });
});

describe('the Namespace (spec.namespace.create)', () => {
  test('comes first, labelled for Pod Security restricted, before the bundle\'s wave', () => {
    const objects = build({ namespace: { create: true } });
    expect(objects[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'mirrorset-hosts',
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' },
        annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      },
    });
    expect(build({}).some((o) => o.kind === 'Namespace')).toBe(false);
  });

  test('without metadata.namespace it is an error at the field', () => {
    const { config } = validated({ ...baseSpec, namespace: { create: true }, nodes: { inventory: [{ name: 'a', address: '10.0.0.5' }] } }, { name: 'mirrors' });
    const built = buildManifests(FILES, config!);
    expect(built.objects).toEqual([]);
    expect(built.diagnostics.map((d) => `${d.field}: ${d.message}`)).toEqual(['spec.namespace.create: spec.namespace.create needs metadata.namespace: the name of the Namespace to generate']);
  });
});

describe('object size under the client-side apply limit', () => {
  // kubectl apply (and Argo CD's default) stores the object as JSON in the last-applied-configuration
  // annotation; all annotations together may hold 262144 bytes.
  const LAST_APPLIED_LIMIT = 262144;
  // Many registries, each with a CA bundle and quote-heavy TOML: JSON escaping grows this text.
  const pem = '-----BEGIN CERTIFICATE-----\n' + 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2\n'.repeat(30) + '-----END CERTIFICATE-----\n';
  const files = Array.from({ length: 300 }, (_, i) => [
    { path: `registry-${String(i).padStart(3, '0')}.example.com/hosts.toml`, content: `server = "https://registry-${i}.example.com"\n\n[host."https://mirror.example.com/v2/r${i}"]\n  capabilities = ["pull", "resolve"]\n  ca = ["ca.crt"]\n  override_path = true\n` },
    { path: `registry-${String(i).padStart(3, '0')}.example.com/ca.crt`, content: pem },
  ]).flat();

  test.each([false, true])('with the default maxObjectBytes every bundle object fits (Secret: %s)', (sensitive) => {
    const objects = build({ bundle: { sensitive } }, undefined, files).filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret');
    expect(objects.length).toBeGreaterThan(3);
    for (const o of objects) expect(Buffer.byteLength(JSON.stringify(o))).toBeLessThan(LAST_APPLIED_LIMIT);
  });
});

test('the schema names the Argo CD hook the Job carries', () => {
  const hook = job(build({ gitops: { strategy: 'argocd-hook' } })).metadata.annotations?.['argocd.argoproj.io/hook'];
  expect(hook).toBe('Sync');
  const description = FUNCTION_CONFIG_SCHEMA.properties?.['spec']?.properties?.['gitops']?.properties?.['strategy']?.description ?? '';
  expect(description).toContain(`argocd-hook (${hook} hook`);
  expect(description).not.toMatch(/PostSync|PreSync/);
});
