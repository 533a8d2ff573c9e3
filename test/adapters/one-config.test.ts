// One settings story: `--config FILE` means the same on render, lint, check, plan and build (a
// MirrorSetHosts, whose spec.inputs, profile, strict and out are read), `.mirrorset-hosts.yaml` may
// also hold the flat form (profile, inputs, out, strict), both are checked by the schema walker with
// file:line:column, render reads them like the other commands, and a config of another kind says
// which kinds were expected and which was found.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { idms, runCli, tempDir } from '../helpers/cli.js';

const MIRROR_SET_HOSTS = `apiVersion: mirrorset-hosts.io/v1alpha1
kind: MirrorSetHosts
metadata:
  name: mirrors
spec:
  inputs: [mirror-sets]
  out: rendered
  profile: wmco
`;

let workspace: ReturnType<typeof tempDir>;
beforeEach(() => {
  workspace = tempDir({
    'repo/mirror-sets/quay.yaml': idms('quay', 'quay.io/team', ['mirror.example:5000/team']),
    'repo/mirrorset-hosts.yaml': MIRROR_SET_HOSTS,
  });
});
afterEach(() => workspace.cleanup());

const cli = (args: string[], cwd = workspace.dir) => runCli(args, { cwd });
const write = (relative: string, text: string): void => {
  mkdirSync(path.dirname(path.join(workspace.dir, relative)), { recursive: true });
  writeFileSync(path.join(workspace.dir, relative), text);
};
const rendered = (relative: string): string[] => readdirSync(path.join(workspace.dir, relative), { recursive: true }).map(String).sort();

describe('a MirrorSetHosts as --config', () => {
  test('render writes spec.out from spec.inputs with spec.profile, relative to the config; check then finds it up to date; build takes the same file', async () => {
    const render = await cli(['render', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(render.code).toBe(0);
    expect(render.stderr).toContain('to repo/rendered (profile wmco)');
    expect(rendered('repo/rendered')).toContain('quay.io/hosts.toml');
    const check = await cli(['check', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(check.stderr).toContain('repo/rendered is up to date');
    expect(check.code).toBe(0);
    const build = await cli(['build', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(build.code).toBe(0);
    expect(build.stdout).toContain('kind: ConfigMap');
  });

  test('lint reads spec.profile and spec.strict; flags and PATH arguments win', async () => {
    write('repo/mirrorset-hosts.yaml', MIRROR_SET_HOSTS + '  strict: true\n');
    const strict = await cli(['lint', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(strict.stderr).toContain('repo/mirror-sets/quay.yaml');
    expect(strict.code).toBe(1);
    const other = await cli(['lint', '--config', 'repo/mirrorset-hosts.yaml', '--profile', 'containerd', 'repo/mirror-sets/quay.yaml']);
    expect(other.stderr).not.toContain('WMCO_');
  });

  test('a schema error is a usage error (exit 2) at its file:line:column, with "did you mean"', async () => {
    write('repo/mirrorset-hosts.yaml', MIRROR_SET_HOSTS.replace('  profile: wmco', '  profile: wmcoo\n  outt: x'));
    const result = await cli(['lint', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mirrorset-hosts: repo/mirrorset-hosts.yaml:8:12: error SCHEMA_ENUM spec.profile: expected one of containerd, wmco, found "wmcoo"; did you mean "wmco"?');
    expect(result.stderr).toContain('repo/mirrorset-hosts.yaml:9:3: error SCHEMA_UNKNOWN_FIELD spec.outt: unknown field "outt"');
  });

  test('spec.out outside the directory of the config is refused at its position; spec.allowOutsideRoot lets the inputs out, never out', async () => {
    write('repo/mirrorset-hosts.yaml', MIRROR_SET_HOSTS.replace('out: rendered', 'out: ../rendered'));
    const out = await cli(['render', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('mirrorset-hosts: repo/mirrorset-hosts.yaml:7:8: error INPUT_OUTSIDE_ROOT spec.out: expected a path inside repo (the directory of the settings file');
    expect(existsSync(path.join(workspace.dir, 'rendered'))).toBe(false);
    write('shared/quay.yaml', idms('shared', 'quay.io/shared', ['mirror.example:5000/shared']));
    write('repo/mirrorset-hosts.yaml', MIRROR_SET_HOSTS.replace('[mirror-sets]', '[../shared]'));
    const refused = await cli(['lint', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('repo/mirrorset-hosts.yaml:6:12: error INPUT_OUTSIDE_ROOT spec.inputs[0]');
    write('repo/mirrorset-hosts.yaml', MIRROR_SET_HOSTS.replace('[mirror-sets]', '[../shared]\n  allowOutsideRoot: true'));
    const allowed = await cli(['lint', '--config', 'repo/mirrorset-hosts.yaml']);
    expect(allowed.stderr).not.toContain('INPUT_OUTSIDE_ROOT');
    expect(allowed.code).toBe(0);
  });
});

describe('.mirrorset-hosts.yaml', () => {
  test('render reads it as lint does: no arguments at all; --out and PATH override it', async () => {
    write('repo/.mirrorset-hosts.yaml', 'profile: containerd\ninputs: [mirror-sets]\nout: rendered\n');
    const fromFile = await cli(['render'], path.join(workspace.dir, 'repo'));
    expect(fromFile.code).toBe(0);
    expect(fromFile.stderr).toContain('to rendered (profile containerd)');
    expect(rendered('repo/rendered')).toContain('quay.io/hosts.toml');
    write('elsewhere/docker.yaml', idms('docker', 'docker.io/library', ['mirror.example:5000/library']));
    const overridden = await cli(['render', '--out', '../out', '--profile', 'wmco', '../elsewhere'], path.join(workspace.dir, 'repo'));
    expect(overridden.code).toBe(0);
    expect(overridden.stderr).toContain('to ../out (profile wmco)');
    expect(rendered('out')).toContain('docker.io/hosts.toml');
    expect(rendered('out')).not.toContain('quay.io/hosts.toml');
  });

  test('render without --out nor out in the settings is a usage error naming both', async () => {
    write('repo/.mirrorset-hosts.yaml', 'inputs: [mirror-sets]\n');
    const result = await cli(['render'], path.join(workspace.dir, 'repo'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('render needs --out DIR, or out in .mirrorset-hosts.yaml');
  });

  test('may hold a MirrorSetHosts', async () => {
    write('repo/.mirrorset-hosts.yaml', MIRROR_SET_HOSTS);
    const result = await cli(['lint'], path.join(workspace.dir, 'repo'));
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('WMCO_');
  });

  test.each([
    ['a wrong type', 'strict: "yes"\n', '.mirrorset-hosts.yaml:1:9: error SCHEMA_TYPE strict: expected a boolean, found string "yes"'],
    ['an enum miss', 'profile: WMCO\n', '.mirrorset-hosts.yaml:1:10: error SCHEMA_ENUM profile: expected one of containerd, wmco, found "WMCO"; did you mean "wmco"?'],
    ['an empty input', 'inputs: ["", a]\n', '.mirrorset-hosts.yaml:1:10: error SCHEMA_OUT_OF_RANGE inputs[0]: expected at least 1 character(s), found 0'],
    ['a list of no inputs', 'inputs: []\n', '.mirrorset-hosts.yaml:1:9: error SCHEMA_OUT_OF_RANGE inputs: expected at least 1 item(s), found 0'],
    ['not a mapping', '- inputs\n', '.mirrorset-hosts.yaml:1:1: error SCHEMA_TYPE: expected a mapping, found a list'],
    ['YAML that does not parse', 'inputs: [a\n', '.mirrorset-hosts.yaml:2:1: error YAML_SYNTAX: '],
    ['a second document', 'inputs: [mirror-sets]\n---\nout: rendered\n', '.mirrorset-hosts.yaml:2:1: error SCHEMA_TYPE: expected one YAML document of settings, found a second one'],
  ])('the flat form with %s: exit 2 at file:line:column', async (_name, settings, expected) => {
    write('repo/.mirrorset-hosts.yaml', settings);
    const result = await cli(['lint'], path.join(workspace.dir, 'repo'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`mirrorset-hosts: ${expected}`);
  });
});

describe('a config of another kind', () => {
  const KUSTOMIZATION = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ngenerators: [mirrorset-hosts.yaml]\n';
  test.each([
    ['a Kustomization', KUSTOMIZATION, 'repo/x.yaml:2:7: error UNKNOWN_CONFIG_KIND kind: expected a MirrorSetHosts (apiVersion mirrorset-hosts.io/v1alpha1) or the settings form (profile, inputs, exclude, out, strict, accept), found Kustomization (kustomize.config.k8s.io/v1beta1); a kustomization names the MirrorSetHosts file'],
    ['an IDMS', idms('quay', 'quay.io/team', ['mirror.example/team']), 'repo/x.yaml:2:7: error UNKNOWN_CONFIG_KIND kind: expected a MirrorSetHosts (apiVersion mirrorset-hosts.io/v1alpha1) or the settings form (profile, inputs, exclude, out, strict, accept), found ImageDigestMirrorSet (config.openshift.io/v1); a mirror set is an input'],
    ['a kind without apiVersion', 'kind: MirrorSetHost\ninputs: [a]\n', 'repo/x.yaml:1:7: error UNKNOWN_CONFIG_KIND kind: expected a MirrorSetHosts'],
  ])('%s: lint, check, plan and render say which kind was expected and found (exit 2)', async (_name, text, expected) => {
    write('repo/x.yaml', text);
    for (const command of [['lint'], ['check'], ['plan', '--base', 'HEAD'], ['render']]) {
      const result = await cli([...command, '--config', 'repo/x.yaml']);
      expect(result.stderr).toContain(`mirrorset-hosts: ${expected}`);
      expect(result.code).toBe(2);
    }
  });

  test('build says the same: the kind it expected and the one it found, at its position (exit 1, as every build config finding)', async () => {
    write('repo/x.yaml', KUSTOMIZATION);
    const result = await cli(['build', '--config', 'repo/x.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('repo/x.yaml:1:13: error UNKNOWN_CONFIG_KIND apiVersion: expected apiVersion mirrorset-hosts.io/v1alpha1 and kind MirrorSetHosts, found kustomize.config.k8s.io/v1beta1 Kustomization');
  });
});
