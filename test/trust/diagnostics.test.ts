// Findings about the Image config and the CA ConfigMap: code, severity, field and the position of
// the offending field, like every other finding. Errors stop the render: nothing is written.
import { CA_A, caConfigMap, idms, image, render, summary } from './inputs.js';

const quay = idms('m', { source: 'quay.io', mirrors: ['mirror.corp.example:5000/q'] });
const CORRUPT = '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n';
const TRUSTED_ONLY = CA_A.replaceAll(' CERTIFICATE-----', ' TRUSTED CERTIFICATE-----');

const raw = (...lines: string[]): string => [...lines, ''].join('\n');
const imageWithSpec = (...specLines: string[]): string => raw('apiVersion: config.openshift.io/v1', 'kind: Image', 'metadata:', '  name: cluster', 'spec:', ...specLines);

test.each([
  // --- the Image config
  ['an entry with a scheme is refused', [quay, image({ insecureRegistries: ['http://mirror.corp.example:5000'] })],
    ['INSECURE_REGISTRY_INVALID error spec.registrySources.insecureRegistries[0] @ in1.yaml:8:7']],
  ['a wildcard anywhere but a leading *. is refused (MCO IsValidRegistriesConfScope)', [quay, image({ insecureRegistries: ['mirror.*.example'] })],
    ['INSECURE_REGISTRY_INVALID error spec.registrySources.insecureRegistries[0] @ in1.yaml:8:7']],
  ['a wildcard with a port is refused', [quay, image({ insecureRegistries: ['mirror.corp.example:5000', '*.corp.example:5000'] })],
    ['INSECURE_REGISTRY_INVALID error spec.registrySources.insecureRegistries[1] @ in1.yaml:9:7']],
  ['an empty entry is refused', [quay, image({ insecureRegistries: [''] })],
    ['INSECURE_REGISTRY_INVALID error spec.registrySources.insecureRegistries[0] @ in1.yaml:8:7']],
  ['insecureRegistries must be a list of strings', [quay, imageWithSpec('  registrySources:', '    insecureRegistries: mirror.corp.example:5000')],
    ['SCHEMA_TYPE error spec.registrySources.insecureRegistries @ in1.yaml:7:25']],
  ['an entry must be a string', [quay, imageWithSpec('  registrySources:', '    insecureRegistries:', '    - 5000')],
    ['SCHEMA_TYPE error spec.registrySources.insecureRegistries[0] @ in1.yaml:8:7']],
  ['a misspelt field under registrySources is refused at the key', [quay, imageWithSpec('  registrySources:', '    insecureRegistry:', '    - mirror.corp.example:5000')],
    ['SCHEMA_UNKNOWN_FIELD error spec.registrySources.insecureRegistry @ in1.yaml:7:5']],
  ['a misspelt field under additionalTrustedCA is refused, and name is required', [quay, imageWithSpec('  additionalTrustedCA:', '    nmae: cas')],
    ['SCHEMA_REQUIRED error spec.additionalTrustedCA.name @ in1.yaml:7:5', 'SCHEMA_UNKNOWN_FIELD error spec.additionalTrustedCA.nmae @ in1.yaml:7:5']],
  ['additionalTrustedCA.name must be a string', [quay, imageWithSpec('  additionalTrustedCA:', '    name: [cas]')],
    ['SCHEMA_TYPE error spec.additionalTrustedCA.name @ in1.yaml:7:11']],
  ['the Image must have a spec', [quay, raw('apiVersion: config.openshift.io/v1', 'kind: Image', 'metadata:', '  name: cluster')],
    ['SCHEMA_REQUIRED error spec @ in1.yaml:1:1']],
  ['other Image fields, known or newer, are left alone',
    [quay, imageWithSpec('  allowedRegistriesForImport:', '  - domainName: quay.io', '  imageStreamImportMode: Legacy', '  registrySources:', '    blockedRegistries: [evil.example]'), ],
    []],
  ['an Image not named cluster is ignored, with a warning', [quay, image({ name: 'mine', insecureRegistries: ['mirror.corp.example:5000'] })],
    ['IMAGE_CONFIG_NOT_CLUSTER warning metadata.name @ in1.yaml:4:9']],
  ['two Images named cluster are refused', [quay, image({}), image({ insecureRegistries: ['quay.io'] })],
    ['DUPLICATE_OBJECT error metadata.name @ in2.yaml:4:9']],
  ['an Image of another version of config.openshift.io is refused', [quay, image({}).replace('config.openshift.io/v1', 'config.openshift.io/v1beta1')],
    ['UNSUPPORTED_API_VERSION error apiVersion @ in1.yaml:1:13']],
  // Issue 10: image.openshift.io has an Image kind, but never with registrySources: this one is meant as the
  // cluster config and the API server would not apply it (an Image without these fields: test/validate/api-version.test.ts).
  ['an Image with the config\'s fields under another group (image.openshift.io) is refused', [quay, image({ insecureRegistries: ['http://x'] }).replace('config.openshift.io/v1', 'image.openshift.io/v1')],
    ['UNSUPPORTED_API_VERSION error apiVersion @ in1.yaml:1:13']],
  ['an empty additionalTrustedCA.name means none (as the cluster reads it)', [quay, image({ additionalTrustedCA: '' })],
    []],
  // --- the CA ConfigMap
  ['a missing ConfigMap is an error at additionalTrustedCA.name', [quay, image({ additionalTrustedCA: 'cas' })],
    ['CA_CONFIGMAP_MISSING error spec.additionalTrustedCA.name @ in1.yaml:7:11']],
  ['a ConfigMap outside openshift-config does not count', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CA_A }, 'default')],
    ['CA_CONFIGMAP_MISSING error spec.additionalTrustedCA.name @ in1.yaml:7:11']],
  ['two ConfigMaps openshift-config/<name> are refused', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', {}), caConfigMap('cas', {})],
    ['DUPLICATE_OBJECT error metadata.name @ in3.yaml:4:9']],
  ['a key with ":" is refused at the key (the API server allows no ":"; write host..port)', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example:5000': CA_A })],
    ['CA_KEY_INVALID error data[mirror.corp.example:5000] @ in2.yaml:7:3']],
  ['a value that is not a string is refused', [quay, image({ additionalTrustedCA: 'cas' }), raw('apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: cas', '  namespace: openshift-config', 'data:', '  quay.io: 443')],
    ['SCHEMA_TYPE error data[quay.io] @ in2.yaml:7:12']],
  ['a used CA without a certificate is an error at its key', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CORRUPT })],
    ['CA_BUNDLE_INVALID error data[mirror.corp.example..5000] @ in2.yaml:7:3']],
  ['a used CA that is not PEM at all is an error', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': 'MIIBhzCCAS6gAwIBAgIBATAK' })],
    ['CA_BUNDLE_INVALID error data[mirror.corp.example..5000] @ in2.yaml:7:3']],
  ['a TRUSTED CERTIFICATE block alone is an error: Go loads only CERTIFICATE blocks', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': TRUSTED_ONLY })],
    ['CA_BUNDLE_INVALID error data[mirror.corp.example..5000] @ in2.yaml:7:3']],
  ['a block containerd skips beside a good certificate is a warning', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CA_A + TRUSTED_ONLY })],
    ['CA_BLOCK_SKIPPED warning data[mirror.corp.example..5000] @ in2.yaml:7:3']],
  ['a broken CA that no rendered host uses is only unused', [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'updateservice-registry': CORRUPT })],
    ['TRUST_UNUSED info data[updateservice-registry] @ in2.yaml:7:3']],
  // --- matching
  ['an insecure registry that matches nothing is reported as info', [quay, image({ insecureRegistries: ['mirror.corp.example'] })],
    ['TRUST_UNUSED info spec.registrySources.insecureRegistries[0] @ in1.yaml:8:7']],
  ['a CA for an insecure host is moot', [quay, image({ insecureRegistries: ['mirror.corp.example:5000'], additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CA_A })],
    ['TRUST_UNUSED info data[mirror.corp.example..5000] @ in2.yaml:7:3']],
  ['an entry with a path that covers only part of the source registry leaves server verified', [idms('m', { source: 'quay.io/ocp', mirrors: ['mirror.corp.example:5000/ocp'] }), image({ insecureRegistries: ['quay.io/ocp'] })],
    ['SCOPE_BROADENED warning spec.imageDigestMirrors[0].source @ in0.yaml:7:13', 'INSECURE_REGISTRY_NARROWED warning spec.registrySources.insecureRegistries[0] @ in1.yaml:8:7']],
  ['NeverContactSource: an insecure source is moot, not unused', [idms('n', { source: 'quay.io', policy: 'NeverContactSource', mirrors: ['mirror.corp.example:5000/q'] }), image({ insecureRegistries: ['quay.io'] })],
    []],
])('%s', (_name, docs, expected) => {
  const result = render(docs);
  expect(summary(result)).toEqual(expected);
  if (result.diagnostics.some((d) => d.severity === 'error')) expect(result.files).toEqual([]);
});

test('the wmco profile does not fail on a missing ConfigMap or a bad CA: WMCO reads neither', () => {
  const missing = render([quay, image({ additionalTrustedCA: 'cas' })], 'wmco');
  const corrupt = render([quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CORRUPT })], 'wmco');
  for (const result of [missing, corrupt]) {
    expect(summary(result)).toEqual(['WMCO_TRUST_IGNORED warning spec.additionalTrustedCA.name @ in1.yaml:7:11']);
    expect(result.files.map((f) => f.path)).toEqual(['quay.io/hosts.toml']);
  }
});

test('messages name keys and hosts, never the PEM contents', () => {
  const result = render([
    quay,
    image({ additionalTrustedCA: 'cas' }),
    caConfigMap('cas', { 'mirror.corp.example..5000': CA_A + TRUSTED_ONLY, 'quay.io': CORRUPT.replace('not base64 at all', 'c2VjcmV0') }),
  ]);
  expect(result.diagnostics.map((d) => d.code).sort()).toEqual(['CA_BLOCK_SKIPPED', 'CA_BUNDLE_INVALID']);
  for (const d of result.diagnostics) {
    expect(d.message).not.toMatch(/MIIB|c2VjcmV0|BAMCA0gA/);
    expect(d.object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cas', namespace: 'openshift-config' });
  }
  const missing = render([quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', {}, 'default')]);
  expect(missing.diagnostics[0]?.message).toContain('in2.yaml:4 (namespace default): set metadata.namespace: openshift-config');
});

test('an unused insecure registry without its port gets a hint', () => {
  const result = render([quay, image({ insecureRegistries: ['mirror.corp.example'] })]);
  expect(result.diagnostics[0]?.message).toContain('did you mean mirror.corp.example:5000?');
});
