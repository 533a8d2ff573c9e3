// The KRM function front-end in-process: a ResourceList on stdin -> a ResourceList on stdout.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { idms, runCli, tempDir } from '../helpers/cli.js';
import { kubernetesProblems } from '../bundle/kube-schema.js';

let workspace: ReturnType<typeof tempDir>;
beforeEach(() => {
  workspace = tempDir({
    'pkg/mirror-sets/quay.yaml': idms('quay', 'quay.io', ['mirror.example:5000/quay']),
    'pkg/mirror-sets/k8s.yaml': idms('k8s', 'registry.k8s.io', ['mirror.example:5000/k8s']),
  });
});
afterEach(() => workspace.cleanup());

const config = (spec: string, extra = ''): string =>
  `  apiVersion: mirrorset-hosts.io/v1alpha1\n  kind: MirrorSetHosts\n  metadata:\n    name: mirrors\n    namespace: infra\n${extra}  spec:\n${spec}`;
const withJob = '    ssh: {secretName: node-ssh, knownHosts: {kind: ConfigMap, name: node-known-hosts}}\n    image: registry.example.com/mirrorset-hosts:0.1.0\n';

function resourceList(items: string, functionConfig?: string): string {
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:${items ? `\n${items}` : ' []'}\n${functionConfig ? `functionConfig:\n${functionConfig}` : ''}`;
}
const krm = (stdin: string, cwd = `${workspace.dir}/pkg`) => runCli([], { cwd, stdin });
const output = (stdout: string) => parse(stdout) as { apiVersion: string; kind: string; items: Record<string, any>[]; results?: Record<string, any>[] };

// A foreign item as kpt sends it: internal annotations, ids, a comment, single quotes.
const foreign = `- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web # keep this comment
    annotations:
      config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'apps/web.yaml'
      internal.config.kubernetes.io/index: '0'
      config.k8s.io/id: '7'
      kustomize.config.k8s.io/needs-hash: "true"
  spec:
    replicas: 2`;

const item = (text: string, path: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`))
    .join('\n')
    .replace('metadata:\n    name: ', `metadata:\n    annotations:\n      internal.config.kubernetes.io/path: '${path}'\n      internal.config.kubernetes.io/index: '0'\n    name: `);

describe('KRM function', () => {
  test('as a generator, reads spec.inputs relative to its directory and appends the bundle and the Job', async () => {
    const fc = config(`    inputs: [mirror-sets]\n${withJob}`);
    const result = await krm(resourceList(`- ${fc.trimStart()}`, fc));
    expect(result.code).toBe(0);
    const out = output(result.stdout);
    expect(out.kind).toBe('ResourceList');
    expect(out.items.map((o) => o['kind'])).toEqual(['MirrorSetHosts', 'ConfigMap', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Job', 'CronJob']);
    for (const object of out.items.slice(1)) expect(kubernetesProblems(object)).toEqual([]);
    const configMap = out.items[1] as Record<string, any>;
    expect(configMap['metadata'].name).toMatch(/^mirrors-hosts-[0-9a-f]{10}$/);
    expect(Object.keys(configMap['data']).sort()).toEqual(['manifest.json', 'quay.io_2fhosts.toml', 'registry.k8s.io_2fhosts.toml']);
    // The generated objects never inherit the config's local-config or function annotations.
    expect(JSON.stringify(out.items.slice(1))).not.toContain('local-config');
    expect(out.results?.at(-1)).toMatchObject({ severity: 'info', message: expect.stringContaining('rendered 2 file(s)') });
  });

  test('as a transformer, takes the mirror sets from items and passes every item through untouched', async () => {
    const items = [item(idms('quay', 'quay.io', ['mirror.example/quay']), 'mirror-sets.yaml'), foreign].join('\n');
    const input = resourceList(items);
    const result = await krm(input);
    expect(result.code).toBe(0);
    // The foreign item keeps its comment, quoting and every annotation (kustomize's included).
    expect(result.stdout).toContain(foreign);
    const out = output(result.stdout);
    expect(out.items.map((o) => o['kind'])).toEqual(['ImageDigestMirrorSet', 'Deployment', 'ConfigMap']);
    expect(out.items.slice(0, 2)).toEqual(output(input).items);
    // No image configured: the bundle alone, and a result that says why.
    expect(out.results?.map((r) => r['tags']?.code)).toContain('NODE_APPLIER_SKIPPED');
  });

  test('re-running on its own output replaces what it generated: same bytes, nothing duplicated', async () => {
    const fc = config(`    inputs: [mirror-sets]\n${withJob}`);
    const first = await krm(resourceList(foreign, fc));
    const second = await krm(first.stdout.replace(/\nresults:[\s\S]*$/, '\n') + `functionConfig:\n${fc}`);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(output(second.stdout).items).toHaveLength(7); // the foreign object and the six generated (CronJob included)
  });

  test('under kpt, generated objects get a file next to the config', async () => {
    const fc = config(`    inputs: [mirror-sets]\n`, '    annotations:\n      internal.config.kubernetes.io/path: config/mirrors.yaml\n');
    const result = await krm(resourceList(foreign, fc));
    const configMap = output(result.stdout).items[1] as Record<string, any>;
    expect(configMap['metadata'].annotations).toEqual({ 'internal.config.kubernetes.io/path': 'config/mirrors.generated.yaml', 'internal.config.kubernetes.io/index': '0' });
  });

  test('under kpt fn render, spec.inputs are relative to the config file in the package, not to kpt\'s cwd', async () => {
    const fc = config(
      `    inputs: [mirror-sets]\n`,
      `    annotations:\n      internal.config.kubernetes.io/path: mirrorset-hosts.yaml\n      internal.config.kubernetes.io/package-path: '${workspace.dir}/pkg'\n`,
    );
    const result = await krm(resourceList('', fc), workspace.dir);
    expect(result.code).toBe(0);
    expect(output(result.stdout).items.map((o) => o['kind'])).toEqual(['ConfigMap']);
  });

  test('an invalid mirror set fails: exit 1, the items back unchanged, an error result and a stderr line', async () => {
    const bad = item(idms('bad', 'quay.io', ['mirror.example/quay'], 'NeverContactSourc'), 'mirror-sets/bad.yaml');
    const input = resourceList([bad, foreign].join('\n'));
    const result = await krm(input);
    expect(result.code).toBe(1);
    const out = output(result.stdout);
    expect(out.items).toEqual(output(input).items);
    expect(out.results).toEqual([
      {
        message: 'expected one of NeverContactSource, AllowContactingSource, found "NeverContactSourc"; did you mean "NeverContactSource"?',
        severity: 'error',
        resourceRef: { apiVersion: 'config.openshift.io/v1', kind: 'ImageDigestMirrorSet', name: 'bad' },
        field: { path: 'spec.imageDigestMirrors[0].mirrorSourcePolicy' },
        file: { path: 'mirror-sets/bad.yaml' },
        tags: { code: 'SCHEMA_ENUM' },
      },
    ]);
    expect(result.stderr).toBe(
      'mirrorset-hosts: mirror-sets/bad.yaml: error SCHEMA_ENUM spec.imageDigestMirrors[0].mirrorSourcePolicy: expected one of NeverContactSource, AllowContactingSource, found "NeverContactSourc"; did you mean "NeverContactSource"?\n',
    );
  });

  test('a wrong functionConfig field is reported with its path, and nothing is generated', async () => {
    const fc = config('    inputs: [mirror-sets]\n    profil: wmco\n');
    const result = await krm(resourceList(foreign, fc));
    expect(result.code).toBe(1);
    expect(output(result.stdout).results?.[0]).toMatchObject({ severity: 'error', field: { path: 'spec.profil' }, tags: { code: 'SCHEMA_UNKNOWN_FIELD' } });
    expect(output(result.stdout).items).toHaveLength(1);
    expect(result.stderr).toContain('error SCHEMA_UNKNOWN_FIELD spec.profil: unknown field "profil"');
  });

  test('an input outside the config directory is refused unless allowOutsideRoot', async () => {
    const outside = await krm(resourceList('', config('    inputs: [.., /etc]\n')));
    expect(outside.code).toBe(1);
    expect(output(outside.stdout).results?.map((r) => `${r['tags'].code} ${r['field'].path}`)).toEqual(['INPUT_OUTSIDE_ROOT spec.inputs[0]', 'INPUT_OUTSIDE_ROOT spec.inputs[1]']);
    const allowed = await krm(resourceList('', config('    inputs: [..]\n    allowOutsideRoot: true\n')));
    expect(allowed.code).toBe(0);
  });

  test('a missing input is an error result, not a crash', async () => {
    const result = await krm(resourceList('', config('    inputs: [nope]\n')));
    expect(result.code).toBe(1);
    expect(output(result.stdout).results?.[0]).toMatchObject({ field: { path: 'spec.inputs[0]' }, tags: { code: 'READ_FAILED' } });
  });

  test('no mirror set at all is an error: an empty bundle would remove every mirror from the nodes', async () => {
    const result = await krm(resourceList(foreign));
    expect(result.code).toBe(1);
    expect(output(result.stdout).results?.[0]?.['tags']).toEqual({ code: 'NO_MIRROR_SETS' });
  });

  test('never prints an empty stdout: nothing or garbage on stdin still gets a ResourceList and a non-zero exit', async () => {
    for (const stdin of ['', 'kind: Deployment\n', 'items: [\n']) {
      const result = await krm(stdin);
      expect(result.code).not.toBe(0);
      expect(output(result.stdout).kind).toBe('ResourceList');
      expect(result.stderr).toMatch(/^mirrorset-hosts: /);
    }
  });

  test('JSON input is accepted and answered in block YAML', async () => {
    const input = JSON.stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: [parse(idms('quay', 'quay.io', ['m.example/quay']))] });
    const result = await krm(input);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('items:\n- apiVersion: config.openshift.io/v1\n  kind: ImageDigestMirrorSet\n  metadata:\n    name: quay\n  spec:\n    imageDigestMirrors:\n    - source: quay.io\n      mirrors:\n      - m.example/quay\n');
    expect(parseAllDocuments(result.stdout)).toHaveLength(1);
  });

  test('the same input gives byte-identical output', async () => {
    const fc = config(`    inputs: [mirror-sets]\n${withJob}`);
    const a = await krm(resourceList(foreign, fc));
    const b = await krm(resourceList(foreign, fc));
    expect(a.stdout).toBe(b.stdout);
  });
});
