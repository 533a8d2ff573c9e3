// What containerd gets from the cluster Image config: insecure registries as http:// + skip_verify
// (containerd then tries unverified HTTPS, then HTTP), trusted CAs as a PEM file beside hosts.toml
// referenced by a relative `ca` (docs/design/containerd.md "Plain HTTP, TLS and CA files").
import { CA_A, CA_B, caConfigMap, fileText, idms, image, render, summary } from './inputs.js';

const HEADER = '# Managed by mirrorset-hosts from mirror-set manifests; do not edit: the next rollout replaces this file.';
const toml = (...lines: string[]): string => [HEADER, ...lines].join('\n') + '\n';
const host = (url: string, ...extra: string[]): string[] => ['', `[host."${url}"]`, '  capabilities = ["pull"]', '  override_path = true', ...extra.map((l) => `  ${l}`)];

const quay = idms('m', { source: 'quay.io/ocp', mirrors: ['mirror.corp.example:5000/q/ocp'] });

test.each([
  [
    'an insecure mirror (host:port) gets http:// and skip_verify; the source stays verified HTTPS',
    [quay, image({ insecureRegistries: ['mirror.corp.example:5000'] })],
    toml('server = "https://quay.io/v2"', 'override_path = true', ...host('http://mirror.corp.example:5000/v2/q', 'skip_verify = true')),
  ],
  [
    'a *.domain entry covers a mirror host with a port',
    [quay, image({ insecureRegistries: ['*.corp.example'] })],
    toml('server = "https://quay.io/v2"', 'override_path = true', ...host('http://mirror.corp.example:5000/v2/q', 'skip_verify = true')),
  ],
  [
    'an entry with a path covers a mirror written inside it (MCO ScopeIsNestedInsideScope)',
    [quay, image({ insecureRegistries: ['mirror.corp.example:5000/q'] })],
    toml('server = "https://quay.io/v2"', 'override_path = true', ...host('http://mirror.corp.example:5000/v2/q', 'skip_verify = true')),
  ],
  [
    'an insecure source registry makes server http:// with a root-level skip_verify',
    [quay, image({ insecureRegistries: ['quay.io'] })],
    toml('server = "http://quay.io/v2"', 'override_path = true', 'skip_verify = true', ...host('https://mirror.corp.example:5000/v2/q')),
  ],
  [
    'NeverContactSource: server is the insecure first mirror and shares its settings',
    [idms('n', { source: 'quay.io', policy: 'NeverContactSource', mirrors: ['mirror.corp.example:5000/q'] }), image({ insecureRegistries: ['mirror.corp.example:5000'] })],
    toml('server = "http://mirror.corp.example:5000/v2/q"', 'override_path = true', 'skip_verify = true', ...host('http://mirror.corp.example:5000/v2/q', 'skip_verify = true')),
  ],
  [
    'a host entry without the port does not cover host:port (as in MCO)',
    [quay, image({ insecureRegistries: ['mirror.corp.example'] })],
    toml('server = "https://quay.io/v2"', 'override_path = true', ...host('https://mirror.corp.example:5000/v2/q')),
  ],
  [
    'a mirror CA (key host..port) is referenced by a relative ca path',
    [quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CA_A })],
    toml('server = "https://quay.io/v2"', 'override_path = true', ...host('https://mirror.corp.example:5000/v2/q', 'ca = "ca-mirror.corp.example_5000_.pem"')),
  ],
  [
    'a CA for the source registry is a root-level ca for server',
    [idms('m', { source: 'registry.corp.example', mirrors: ['mirror.corp.example:5000/r'] }), image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'registry.corp.example': CA_B })],
    toml('server = "https://registry.corp.example/v2"', 'override_path = true', 'ca = "ca-registry.corp.example.pem"', ...host('https://mirror.corp.example:5000/v2/r')),
  ],
  [
    'an insecure host needs no CA: skip_verify wins and the CA is not written',
    [quay, image({ insecureRegistries: ['mirror.corp.example:5000'], additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CA_A })],
    toml('server = "https://quay.io/v2"', 'override_path = true', ...host('http://mirror.corp.example:5000/v2/q', 'skip_verify = true')),
  ],
  [
    'without an Image config nothing changes',
    [quay],
    toml('server = "https://quay.io/v2"', 'override_path = true', ...host('https://mirror.corp.example:5000/v2/q')),
  ],
])('%s', (_name, docs, expected) => {
  const result = render(docs);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(fileText(result, 'quay.io/hosts.toml') ?? fileText(result, 'registry.corp.example/hosts.toml')).toBe(expected);
});

test('the CA file holds exactly the certificates of the key, beside the hosts.toml that names it', () => {
  const noisy = `subject=CN = mirrorset-hosts test CA\r\n${CA_A.replaceAll('\n', '\r\n')}\n# trailing comment\n${CA_B}`;
  const result = render([quay, image({ additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': noisy })]);
  expect(result.files.map((f) => f.path)).toEqual(['quay.io/ca-mirror.corp.example_5000_.pem', 'quay.io/hosts.toml']);
  expect(fileText(result, 'quay.io/ca-mirror.corp.example_5000_.pem')).toBe(CA_A + CA_B);
  expect(summary(result)).toEqual(['SCOPE_BROADENED warning spec.imageDigestMirrors[0].source @ in0.yaml:7:13']);
});

test('every source registry that uses a mirror gets its own copy of the CA', () => {
  const result = render([
    idms('m', { source: 'quay.io', mirrors: ['mirror.corp.example:5000/q'] }, { source: 'registry.redhat.io', mirrors: ['mirror.corp.example:5000/rh'] }),
    image({ additionalTrustedCA: 'cas' }),
    caConfigMap('cas', { 'mirror.corp.example..5000': CA_A }),
  ]);
  expect(result.files.map((f) => f.path)).toEqual([
    'quay.io/ca-mirror.corp.example_5000_.pem',
    'quay.io/hosts.toml',
    'registry.redhat.io/ca-mirror.corp.example_5000_.pem',
    'registry.redhat.io/hosts.toml',
  ]);
  expect(result.diagnostics).toEqual([]);
});

test('a docker.io CA is matched by the registry as written, and server keeps the API host', () => {
  const result = render([
    idms('m', { source: 'docker.io', mirrors: ['mirror.corp.example/hub'] }),
    image({ additionalTrustedCA: 'cas' }),
    caConfigMap('cas', { 'docker.io': CA_B }),
  ]);
  expect(fileText(result, 'docker.io/hosts.toml')).toBe(
    toml('server = "https://registry-1.docker.io/v2"', 'override_path = true', 'ca = "ca-docker.io.pem"', ...host('https://mirror.corp.example/v2/hub')),
  );
});

test('the wmco profile writes what WMCO writes and says that WMCO ignores both fields', () => {
  const docs = [quay, image({ insecureRegistries: ['mirror.corp.example:5000'], additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CA_A })];
  const withTrust = render(docs, 'wmco');
  const without = render([quay], 'wmco');
  expect(withTrust.files).toEqual(without.files);
  expect(summary(withTrust).filter((s) => s.startsWith('WMCO_TRUST_IGNORED'))).toEqual([
    'WMCO_TRUST_IGNORED warning spec.registrySources.insecureRegistries @ in1.yaml:8:5',
    'WMCO_TRUST_IGNORED warning spec.additionalTrustedCA.name @ in1.yaml:10:11',
  ]);
});

test('output does not depend on the order of the inputs', () => {
  const docs = [quay, image({ insecureRegistries: ['quay.io'], additionalTrustedCA: 'cas' }), caConfigMap('cas', { 'mirror.corp.example..5000': CA_A })];
  const forward = render(docs);
  const backward = render(docs.slice().reverse());
  expect(forward.files.map((f) => f.path)).toEqual(['quay.io/ca-mirror.corp.example_5000_.pem', 'quay.io/hosts.toml']);
  expect(backward.files).toEqual(forward.files);
});
