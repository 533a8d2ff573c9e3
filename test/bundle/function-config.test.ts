import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests } from '../../src/parse/parse-manifests.js';
import { publishedFunctionConfigSchema } from '../../src/validate/function-config-schema.js';
import { validateConfigMapConfig, validateFunctionConfig } from '../../src/validate/function-config.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { updating } from '../helpers/golden.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const schemaFile = path.join(repo, 'schema', 'function-config.schema.json');

function check(text: string) {
  const parsed = parseManifests([{ path: 'mirrorset-hosts.yaml', content: text }]);
  const object = parsed.objects[0];
  if (!object) throw new Error('no object');
  return object.kind === 'ConfigMap' ? validateConfigMapConfig(object) : validateFunctionConfig(object);
}

const header = 'apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata:\n  name: mirrors\n';

describe('functionConfig', () => {
  test('the published JSON Schema is the one the tool validates with (UPDATE_GOLDEN=1 rewrites it)', () => {
    const expected = JSON.stringify(publishedFunctionConfigSchema(), null, 2) + '\n';
    const actual = existsSync(schemaFile) ? readFileSync(schemaFile, 'utf8') : '';
    if (actual !== expected && updating) {
      writeFileSync(schemaFile, expected);
      throw new Error(`rewrote ${schemaFile}; review it and run the tests again`);
    }
    expect(actual).toBe(expected);
  });

  test('a minimal config gets the documented defaults', () => {
    const result = check(`${header}spec:\n  inputs: [mirror-sets]\n`);
    expect(result.diagnostics).toEqual([]);
    expect(result.config).toMatchObject({
      name: 'mirrors',
      inputs: ['mirror-sets'],
      profile: 'containerd',
      strict: false,
      allowOutsideRoot: false,
      target: { os: 'windows' },
      gitops: { strategy: 'hashed-name' },
      bundle: { sensitive: false, maxObjectBytes: 200_000 },
      platform: 'generic',
      namespaceObject: { create: false },
      rollout: { minNodes: 1, unavailableNodes: 'skip', backoffLimit: 2, activeDeadlineSeconds: 1800 },
    });
  });

  test.each([
    ['an unknown field, at its key', `${header}spec:\n  profiles: wmco\n`, 'mirrorset-hosts.yaml:6:3: error SCHEMA_UNKNOWN_FIELD spec.profiles: unknown field "profiles"'],
    ['a wrong type', `${header}spec:\n  strict: "yes"\n`, 'mirrorset-hosts.yaml:6:11: error SCHEMA_TYPE spec.strict: expected a boolean, found string "yes"'],
    ['a value outside the enum', `${header}spec:\n  gitops:\n    strategy: replace\n`, 'mirrorset-hosts.yaml:7:15: error SCHEMA_ENUM spec.gitops.strategy: expected one of hashed-name, argocd-hook, force-recreate, found "replace"'],
    ['a number out of range', `${header}spec:\n  bundle:\n    maxObjectBytes: 2000000\n`, 'mirrorset-hosts.yaml:7:21: error SCHEMA_OUT_OF_RANGE spec.bundle.maxObjectBytes: expected a number from 4096 to 1048576, found 2000000'],
    ['a bad pattern', `${header}spec:\n  image: "registry.example.com/x:1; rm -rf /"\n`, 'mirrorset-hosts.yaml:6:10: error SCHEMA_PATTERN spec.image: expected an image reference'],
    ['a missing required field', `${header}spec:\n  ssh:\n    knownHosts: {kind: ConfigMap}\n`, 'mirrorset-hosts.yaml:7:17: error SCHEMA_REQUIRED spec.ssh.knownHosts.name: expected required field "name", found none'],
    ['a name too long for the generated names', header.replace('name: mirrors', `name: ${'m'.repeat(41)}`), 'mirrorset-hosts.yaml:4:9: error SCHEMA_OUT_OF_RANGE metadata.name: expected at most 40 characters'],
    ['another kind', 'apiVersion: mirrorset-hosts.io/v1\nkind: MirrorSetHosts\nmetadata: {name: x}\n', 'mirrorset-hosts.yaml:1:13: error UNKNOWN_CONFIG_KIND apiVersion: expected apiVersion mirrorset-hosts.io/v1alpha1 and kind MirrorSetHosts'],
  ])('rejects %s with a positioned diagnostic', (_name, text, expected) => {
    const result = check(text);
    expect(result.config).toBeUndefined();
    expect(result.diagnostics.map(formatDiagnostic).join('\n')).toContain(expected);
  });

  test('reports every problem in one pass', () => {
    const result = check(`${header}spec:\n  profile: linux\n  strict: 1\n  nope: true\n`);
    expect(result.diagnostics.map((d) => d.code).sort()).toEqual(['SCHEMA_ENUM', 'SCHEMA_TYPE', 'SCHEMA_UNKNOWN_FIELD']);
  });

  test('the ConfigMap form (kpt fn eval -- key=value) maps flat keys to the spec, and reports them by key', () => {
    const ok = check('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata:\n  name: edge\n  profile: wmco\n  inputs: a.yaml,b/\n  sensitive: "true"\n  sshPort: "2222"\n');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.config).toMatchObject({ name: 'edge', profile: 'wmco', inputs: ['a.yaml', 'b/'], bundle: { sensitive: true }, ssh: { port: 2222 } });
    const bad = check('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata:\n  profile: linux\n  sensitive: maybe\n  colour: blue\n');
    expect(bad.diagnostics.map((d) => `${d.code} ${d.field}`).sort()).toEqual(['SCHEMA_ENUM data.profile', 'SCHEMA_TYPE data.sensitive', 'SCHEMA_UNKNOWN_FIELD data.colour']);
  });

  test('the ConfigMap form picks the platform preset and sudo, checked like the rest at the data key', () => {
    const ok = check('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata:\n  platform: eks\n  os: linux\n  sshBecome: sudo\n');
    expect(ok.diagnostics).toEqual([]);
    expect(ok.config).toMatchObject({ platform: 'eks', target: { os: 'linux' }, ssh: { become: 'sudo' } });
    const bad = check('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata:\n  platform: azure\n  sshBecome: doas\n');
    expect(bad.diagnostics.map(formatDiagnostic)).toEqual([
      'mirrorset-hosts.yaml:5:13: error SCHEMA_ENUM data.platform: expected one of generic, openshift, aks, eks, found "azure"',
      'mirrorset-hosts.yaml:6:14: error SCHEMA_ENUM data.sshBecome: expected one of none, sudo, found "doas"',
    ]);
  });
});
