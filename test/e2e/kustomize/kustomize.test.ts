// The legacy exec plugin under the real `kubectl kustomize --enable-alpha-plugins` (kustomize v5.5
// here), the Argo CD set-ups built on it, and Flux's committed output: the examples in
// fixtures/gitops/ run as users would run them.
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { kubernetesProblems } from '../../bundle/kube-schema.js';
import { BAD_MIRROR_SET, cliPath, copyExample, describeWithTool, gitops, pluginHome, repoRoot, run, workspace, type Workspace } from './gitops-harness.js';

const objects = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
const kinds = (list: Record<string, any>[]) => list.map((o) => o['kind']).sort();
// With discovery the CronJob for nodes that join later is on by default.
const EXPECTED_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CronJob', 'Job', 'ServiceAccount'];

let ws: Workspace;
beforeEach(() => {
  ws = workspace('kustomize');
});
afterEach(() => ws.cleanup());

const kustomize = (dir: string, env: NodeJS.ProcessEnv, flags = ['--enable-alpha-plugins']) => run('kubectl', ['kustomize', ...flags, dir], { cwd: ws.dir, env });

describeWithTool('kubectl', 'kubectl kustomize, legacy exec plugin', () => {
  test('with only KUSTOMIZE_PLUGIN_HOME set, the example renders the bundle and the Job, valid objects', () => {
    const result = kustomize(path.join(gitops, 'kustomize'), { ...ws.env, KUSTOMIZE_PLUGIN_HOME: pluginHome });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = objects(result.stdout);
    expect(kinds(list)).toEqual(EXPECTED_KINDS);
    for (const object of list) expect(kubernetesProblems(object)).toEqual([]);
    // The same objects `mirrorset-hosts build` prints for the same config: one tool, one answer.
    const built = run(process.execPath, [cliPath, 'build', '--config', path.join(gitops, 'kustomize', 'mirrorset-hosts.yaml')], { cwd: ws.dir, env: ws.env });
    expect(built.code).toBe(0);
    const byName = (l: Record<string, any>[]) => Object.fromEntries(l.map((o) => [`${o['kind']}/${o['metadata'].name}`, o]));
    expect(byName(list)).toEqual(byName(objects(built.stdout)));
  });

  test('namePrefix and namespace of an overlay reach the generated objects and the Job follows the renamed bundle', () => {
    copyExample(ws, 'kustomize');
    const overlay = path.join(ws.dir, 'overlay');
    mkdirSync(overlay);
    writeFileSync(path.join(overlay, 'kustomization.yaml'), 'resources:\n- ../fixtures/gitops/kustomize\nnamePrefix: prod-\nnamespace: kube-system\n');
    const result = kustomize(overlay, { ...ws.env, KUSTOMIZE_PLUGIN_HOME: pluginHome });
    expect(result.code).toBe(0);
    const list = objects(result.stdout);
    const configMap = list.find((o) => o['kind'] === 'ConfigMap') as Record<string, any>;
    const job = list.find((o) => o['kind'] === 'Job') as Record<string, any>;
    expect(configMap['metadata'].name).toMatch(/^prod-containerd-mirrors-hosts-[0-9a-f]{10}$/);
    expect(job['metadata'].namespace).toBe('kube-system');
    expect(job['spec'].template.spec.volumes[0].projected.sources).toEqual([{ configMap: { name: configMap['metadata'].name } }]);
  });

  test('a bad mirror set stops the build: non-zero exit and the finding, with file and line, in the error', () => {
    const dir = copyExample(ws, 'kustomize');
    writeFileSync(path.join(ws.dir, 'fixtures', 'example-repo', 'mirror-sets', 'broken.yaml'), BAD_MIRROR_SET);
    const result = kustomize(dir, { ...ws.env, KUSTOMIZE_PLUGIN_HOME: pluginHome });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'broken.yaml:8:25: error SCHEMA_ENUM spec.imageDigestMirrors[0].mirrorSourcePolicy: expected one of NeverContactSource, AllowContactingSource, found "NeverContactSourc"',
    );
  });

  test('a wrong functionConfig field stops the build and names the object and the field', () => {
    const dir = copyExample(ws, 'kustomize');
    const file = path.join(dir, 'mirrorset-hosts.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('profile: containerd', 'profile: containrd'));
    const result = kustomize(dir, { ...ws.env, KUSTOMIZE_PLUGIN_HOME: pluginHome });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('MirrorSetHosts/containerd-mirrors: error SCHEMA_ENUM spec.profile: expected one of containerd, wmco, found "containrd"');
  });

  test('used as a transformer, it renders the mirror sets of resources: and passes them through', () => {
    const dir = path.join(ws.dir, 'transformer');
    mkdirSync(dir);
    for (const name of readdirSync(path.join(repoRoot, 'fixtures', 'example-repo', 'mirror-sets'))) {
      writeFileSync(path.join(dir, name), readFileSync(path.join(repoRoot, 'fixtures', 'example-repo', 'mirror-sets', name)));
    }
    writeFileSync(path.join(dir, 'mirrorset-hosts.yaml'), 'apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata:\n  name: mirrors\n');
    writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- release-idms.yaml\n- windows-idms.yaml\n- ubi-itms.yaml\ntransformers:\n- mirrorset-hosts.yaml\n');
    const result = kustomize(dir, { ...ws.env, KUSTOMIZE_PLUGIN_HOME: pluginHome });
    expect(result.code).toBe(0);
    expect(kinds(objects(result.stdout))).toEqual(['ConfigMap', 'ImageDigestMirrorSet', 'ImageDigestMirrorSet', 'ImageTagMirrorSet']);
  });
});

describeWithTool('kubectl', 'Argo CD', () => {
  test('native kustomize: argocd-cm build options and the repo-server patch, as the repo server would run them', () => {
    const cm = parse(readFileSync(path.join(gitops, 'argocd', 'argocd-cm.yaml'), 'utf8'));
    const buildOptions = String(cm.data['kustomize.buildOptions']).split(/\s+/);
    expect(buildOptions).toEqual(['--enable-alpha-plugins']);
    const patch = parse(readFileSync(path.join(gitops, 'argocd', 'repo-server-patch.yaml'), 'utf8'));
    const init = patch.spec.template.spec.initContainers[0];
    const repoServer = patch.spec.template.spec.containers.find((c: any) => c.name === 'argocd-repo-server');
    // Run the init container's script with its paths moved under the workspace, the image's
    // single executable standing in as our launcher.
    const tools = path.join(ws.dir, 'custom-tools');
    const image = path.join(ws.dir, 'image');
    mkdirSync(tools);
    mkdirSync(image);
    symlinkSync(path.join(ws.bin, 'mirrorset-hosts'), path.join(image, 'mirrorset-hosts-sea'));
    const script = String(init.command[2]).replaceAll('/custom-tools', tools).replaceAll('/usr/local/bin', image);
    const installed = run('sh', ['-c', script], { cwd: ws.dir, env: ws.env });
    expect(installed.stderr).toBe('');
    const env = Object.fromEntries(repoServer.env.map((e: any) => [e.name, String(e.value).replaceAll('/custom-tools', tools)]));
    const app = copyExample(ws, 'argocd');
    // Argo CD runs `kustomize build <abs app path> <buildOptions>` with the repository root as cwd.
    const result = run('kubectl', ['kustomize', path.join(app, 'app'), ...buildOptions], { cwd: ws.dir, env: { ...ws.env, ...env } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const list = objects(result.stdout);
    expect(kinds(list)).toEqual(EXPECTED_KINDS);
    for (const object of list) expect(kubernetesProblems(object)).toEqual([]);
  });

  test('Config Management Plugin: the generate command prints the manifests, and fails loudly on a bad mirror set', () => {
    const cm = parse(readFileSync(path.join(gitops, 'argocd', 'cmp-plugin.yaml'), 'utf8'));
    const plugin = parse(cm.data['plugin.yaml']);
    expect(plugin.kind).toBe('ConfigManagementPlugin');
    const [command, ...args] = [...plugin.spec.generate.command, ...plugin.spec.generate.args] as string[];
    const app = path.join(copyExample(ws, 'argocd'), 'app');
    // The CMP server runs generate in the app directory with the build environment.
    const env = { ...ws.env, ARGOCD_APP_NAME: 'containerd-mirrors-cmp', ARGOCD_APP_NAMESPACE: 'mirrorset-hosts' };
    const ok = run(command as string, args, { cwd: app, env });
    expect(ok.code).toBe(0);
    const list = objects(ok.stdout);
    expect(kinds(list)).toEqual(EXPECTED_KINDS);
    for (const object of list) expect(kubernetesProblems(object)).toEqual([]);
    writeFileSync(path.join(ws.dir, 'fixtures', 'example-repo', 'mirror-sets', 'broken.yaml'), BAD_MIRROR_SET);
    const bad = run(command as string, args, { cwd: app, env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('error SCHEMA_ENUM spec.imageDigestMirrors[0].mirrorSourcePolicy');
    // The patch mounts plugin.yaml where argocd-cmp-server reads it, and the Applications name the plugin.
    const patch = parse(readFileSync(path.join(gitops, 'argocd', 'repo-server-patch.yaml'), 'utf8'));
    const sidecar = patch.spec.template.spec.containers.find((c: any) => c.command?.[0] === '/var/run/argocd/argocd-cmp-server');
    expect(sidecar.securityContext.runAsUser).toBe(999);
    expect(sidecar.volumeMounts.map((m: any) => m.mountPath)).toContain('/home/argocd/cmp-server/config/plugin.yaml');
    const apps = parseAllDocuments(readFileSync(path.join(gitops, 'argocd', 'applications.yaml'), 'utf8')).map((d) => d.toJS());
    expect(apps.map((a) => a.spec.source.plugin?.name)).toEqual([undefined, `${plugin.metadata.name}-${plugin.spec.version}`]);
    // selfHeal: a deleted Job (the documented way to re-run) is re-created without a new commit;
    // CreateNamespace: the first sync does not fail on a missing namespace.
    for (const app of apps) {
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(app.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['CreateNamespace=true', 'ServerSideApply=true']));
    }
  });
});

describeWithTool('kubectl', 'Flux, committed output', () => {
  test('fixtures/gitops/flux/rendered is what build --out writes today (byte for byte)', () => {
    const out = path.join(ws.dir, 'rendered');
    const result = run(process.execPath, [cliPath, 'build', '--config', path.join(gitops, 'flux', 'mirrorset-hosts.yaml'), '--out', out], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    const committed = path.join(gitops, 'flux', 'rendered');
    const read = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
    expect(read(committed)).toEqual(read(out));
  });

  test('Flux builds it without plugins, as kustomize-controller does, into valid objects', () => {
    const flux = parse(readFileSync(path.join(gitops, 'flux', 'flux-kustomization.yaml'), 'utf8'));
    expect(flux.spec.prune).toBe(true);
    const dir = path.join(repoRoot, flux.spec.path);
    const result = kustomize(dir, ws.env, ['--load-restrictor', 'LoadRestrictionsNone']);
    expect(result.code).toBe(0);
    const list = objects(result.stdout);
    expect(kinds(list)).toEqual(EXPECTED_KINDS);
    for (const object of list) expect(kubernetesProblems(object)).toEqual([]);
    // The health check outlasts the Job's deadline (plus start-up), or Flux gives up on a Job still allowed to run.
    const deadline = (list.find((o) => o['kind'] === 'Job') as any).spec.activeDeadlineSeconds as number;
    const timeout = /^(\d+)m$/.exec(flux.spec.timeout)?.[1];
    expect(Number(timeout) * 60).toBeGreaterThanOrEqual(deadline + 600);
    // No ${...} that Flux postBuild substitution would blank, or it is opted out.
    for (const object of list) {
      if (JSON.stringify(object).includes('${')) expect(object['metadata'].annotations['kustomize.toolkit.fluxcd.io/substitute']).toBe('disabled');
    }
  });
});
