// The KRM function under the real kpt: `kpt fn eval --exec` (imperative, the mirror sets are the
// package's resources) and `kpt fn render --allow-exec` (the Kptfile pipeline of fixtures/gitops/kpt,
// a generator reading spec.inputs), success and failure.
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { kubernetesProblems } from '../../bundle/kube-schema.js';
import { BAD_MIRROR_SET, cliPath, copyExample, describeWithTool, repoRoot, run, workspace, type Workspace } from '../kustomize/gitops-harness.js';

const objects = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
/** Every file under dir (path -> content): what kpt left on disk. */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join((entry as { parentPath?: string }).parentPath ?? entry.path, entry.name))
      .sort()
      .map((file) => [path.relative(dir, file), readFileSync(file, 'utf8')]),
  );

let ws: Workspace;
beforeEach(() => {
  ws = workspace('kpt');
});
afterEach(() => ws.cleanup());

function packageOfMirrorSets(): string {
  const pkg = path.join(ws.dir, 'pkg');
  cpSync(path.join(repoRoot, 'fixtures', 'example-repo', 'mirror-sets'), pkg, { recursive: true });
  writeFileSync(path.join(pkg, 'deployment.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # untouched\nspec:\n  replicas: 2\n');
  return pkg;
}

describeWithTool('kpt', 'kpt fn eval --exec', () => {
  test('takes the mirror sets from the package, adds the bundle, and leaves every other file as it was', () => {
    const pkg = packageOfMirrorSets();
    const before = readFileSync(path.join(pkg, 'deployment.yaml'), 'utf8');
    const result = run('kpt', ['fn', 'eval', pkg, '--exec', cliPath, '--', 'name=mirrors', 'namespace=infra'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('[PASS]');
    expect(readFileSync(path.join(pkg, 'deployment.yaml'), 'utf8')).toBe(before);
    const generated = objects(readFileSync(path.join(pkg, 'mirrors.generated.yaml'), 'utf8'));
    expect(generated.map((o) => o['kind'])).toEqual(['ConfigMap']);
    expect(kubernetesProblems(generated[0] as Record<string, any>)).toEqual([]);
    // kpt strips its internal annotations when it writes: nothing of ours leaks into the file.
    expect(JSON.stringify(generated)).not.toContain('config.kubernetes.io');
    // Again: the same file, not a second copy.
    const first = readFileSync(path.join(pkg, 'mirrors.generated.yaml'), 'utf8');
    expect(run('kpt', ['fn', 'eval', pkg, '--exec', cliPath, '--', 'name=mirrors', 'namespace=infra'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
    expect(readFileSync(path.join(pkg, 'mirrors.generated.yaml'), 'utf8')).toBe(first);
  });

  test('a bad mirror set: exit 1, the error result with the object and field, the stderr line, and no file changed', () => {
    const pkg = packageOfMirrorSets();
    writeFileSync(path.join(pkg, 'broken.yaml'), BAD_MIRROR_SET);
    const before = snapshot(pkg);
    const result = run('kpt', ['fn', 'eval', pkg, '--exec', cliPath, '--results-dir', path.join(ws.dir, 'results')], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[FAIL]');
    expect(result.stderr).toContain(
      '[error] config.openshift.io/v1/ImageDigestMirrorSet/broken spec.imageDigestMirrors[0].mirrorSourcePolicy: expected one of NeverContactSource, AllowContactingSource, found "NeverContactSourc"',
    );
    expect(result.stderr).toContain('mirrorset-hosts: broken.yaml: error SCHEMA_ENUM spec.imageDigestMirrors[0].mirrorSourcePolicy');
    expect(snapshot(pkg)).toEqual(before);
    const results = parse(readFileSync(path.join(ws.dir, 'results', 'results.yaml'), 'utf8'));
    expect(results.items[0].results[0]).toMatchObject({ severity: 'error', file: { path: 'broken.yaml' }, tags: { code: 'SCHEMA_ENUM' } });
  });

  test('key=value picks the platform preset and sudo: the generated Job hands both to apply', () => {
    const pkg = packageOfMirrorSets();
    const args = ['name=mirrors', 'namespace=infra', 'platform=eks', 'os=linux', 'sshBecome=sudo', 'image=registry.example.com/mirrorset-hosts:1', 'sshSecretName=node-ssh', 'knownHostsConfigMap=node-known-hosts'];
    const result = run('kpt', ['fn', 'eval', pkg, '--exec', cliPath, '--', ...args], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    const generated = objects(readFileSync(path.join(pkg, 'mirrors.generated.yaml'), 'utf8'));
    const job = generated.find((o) => o['kind'] === 'Job') as Record<string, any>;
    const jobArgs = job['spec'].template.spec.containers[0].args as string[];
    expect(jobArgs.join(' ')).toContain('--platform eks');
    expect(jobArgs.join(' ')).toContain('--become sudo');
  });

  test('a bad key=value argument is a readable error too', () => {
    const pkg = packageOfMirrorSets();
    const result = run('kpt', ['fn', 'eval', pkg, '--exec', cliPath, '--', 'profile=windows'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('[error] v1/ConfigMap/function-input data.profile: expected one of containerd, wmco, found "windows"');
    expect(result.stderr).toContain('mirrorset-hosts: functionConfig: error SCHEMA_ENUM data.profile: expected one of containerd, wmco');
  });
});

describeWithTool('kpt', 'kpt fn render --allow-exec', () => {
  test('the Kptfile pipeline of fixtures/gitops/kpt generates the bundle and the Job; re-rendering changes nothing', () => {
    const pkg = copyExample(ws, 'kpt');
    const result = run('kpt', ['fn', 'render', pkg, '--allow-exec'], { cwd: ws.dir, env: ws.env });
    expect(result.stderr).toContain('Successfully executed 1 function(s)');
    expect(result.code).toBe(0);
    const file = path.join(pkg, 'containerd-mirrors.generated.yaml');
    const generated = objects(readFileSync(file, 'utf8'));
    expect(generated.map((o) => o['kind'])).toEqual(['ConfigMap', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Job', 'CronJob']);
    for (const object of generated) expect(kubernetesProblems(object)).toEqual([]);
    const first = snapshot(pkg);
    expect(run('kpt', ['fn', 'render', pkg, '--allow-exec'], { cwd: ws.dir, env: ws.env }).code).toBe(0);
    expect(snapshot(pkg)).toEqual(first);
  });

  test('a bad mirror set fails the render with a readable message, and nothing is written', () => {
    const pkg = copyExample(ws, 'kpt');
    writeFileSync(path.join(ws.dir, 'fixtures', 'example-repo', 'mirror-sets', 'broken.yaml'), BAD_MIRROR_SET);
    const before = snapshot(pkg);
    const result = run('kpt', ['fn', 'render', pkg, '--allow-exec'], { cwd: ws.dir, env: ws.env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('[FAIL] "mirrorset-hosts"');
    expect(result.stderr).toMatch(/broken\.yaml:8:25: error SCHEMA_ENUM spec\.imageDigestMirrors\[0\]\.mirrorSourcePolicy/);
    expect(snapshot(pkg)).toEqual(before);
  });

  test('without --allow-exec kpt refuses to run the function', () => {
    const pkg = copyExample(ws, 'kpt');
    const result = run('kpt', ['fn', 'render', pkg], { cwd: ws.dir, env: ws.env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--allow-exec');
  });
});
