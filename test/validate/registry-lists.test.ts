// Invariant 4 (issue 10): the registry lists of the cluster Image config are refused where MCO or the
// node refuse them. Before, blockedRegistries and allowedRegistries were not read at all: `[""]` passed,
// and MCO then refuses the Image config (validateRegistriesConfScopes) and no registry change reaches
// a node. The oracle below is MCO's own rule, runtime-utils pkg/registries IsValidRegistriesConfScope,
// restated from its Go source; every entry it refuses must be an error at that entry's position.
import fc from 'fast-check';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { run } from '../../src/pipeline.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_2);

const IDMS = 'apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: m\nspec:\n  imageDigestMirrors:\n  - source: quay.io\n    mirrors: [mirror.example/quay]\n';

/** The Image named cluster with one list under registrySources; the list's first entry is on line 8, column 7. */
function imageWith(lists: Record<string, string[]>): string {
  const lines = ['apiVersion: config.openshift.io/v1', 'kind: Image', 'metadata:', '  name: cluster', 'spec:', '  registrySources:'];
  for (const [list, entries] of Object.entries(lists)) lines.push(`    ${list}:`, ...entries.map((e) => `    - ${JSON.stringify(e)}`));
  return [...lines, ''].join('\n');
}

const render = (image: string) => run([{ path: 'idms.yaml', content: IDMS }, { path: 'image.yaml', content: image }], { profile: 'containerd' });

/** runtime-utils pkg/registries IsValidRegistriesConfScope, restated. */
function mcoAccepts(scope: string): boolean {
  if (scope === '') return false;
  if (!scope.includes('*')) return true;
  return scope.startsWith('*.') && !/[/@:*]/.test(scope.slice(2));
}

const pieces = ['', 'quay.io', 'mirror.example:5000', '*.', '*', '.', '/ns', '/ns/repo', ':5000', '@', 'example.com', 'a', '-', 'https://', ' ', '\u00a0'];
const entries = fc.array(fc.constantFrom(...pieces), { minLength: 0, maxLength: 4 }).map((parts) => parts.join(''));

test.each(['blockedRegistries', 'allowedRegistries', 'insecureRegistries'])('every %s entry MCO refuses is an error at its position; what the tool accepts, MCO accepts', (list) => {
  fc.assert(
    fc.property(fc.array(entries, { minLength: 1, maxLength: 6 }), (values) => {
      const result = render(imageWith({ [list]: values }));
      const refusedAt = new Set(
        result.diagnostics
          .filter((d) => d.severity === 'error' && d.field?.startsWith(`spec.registrySources.${list}[`))
          .map((d) => `${d.field} ${d.location?.file}:${d.location?.line}:${d.location?.column}`),
      );
      values.forEach((value, i) => {
        const at = `spec.registrySources.${list}[${i}] image.yaml:${8 + i}:7`;
        if (!mcoAccepts(value)) expect({ value, refused: refusedAt.has(at) }).toEqual({ value, refused: true });
      });
      if (result.diagnostics.some((d) => d.severity === 'error')) expect(result.files).toEqual([]);
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test.each([
  ['blockedRegistries: [""]', { blockedRegistries: [''] }, ['image.yaml:8:7: error REGISTRY_SCOPE_INVALID spec.registrySources.blockedRegistries[0]: blockedRegistries entry "" is refused: an entry must name a registry']],
  ['allowedRegistries: [""]', { allowedRegistries: ['quay.io', ''] }, ['image.yaml:9:7: error REGISTRY_SCOPE_INVALID spec.registrySources.allowedRegistries[1]: allowedRegistries entry "" is refused: an entry must name a registry']],
  ['a wildcard inside a host', { blockedRegistries: ['registry.*.example.com'] }, ['image.yaml:8:7: error REGISTRY_SCOPE_INVALID spec.registrySources.blockedRegistries[0]: blockedRegistries entry "registry.*.example.com" is refused: a wildcard is only allowed']],
  ['a wildcard with a path', { allowedRegistries: ['*.example.com/ns'] }, ['image.yaml:8:7: error REGISTRY_SCOPE_INVALID spec.registrySources.allowedRegistries[0]: allowedRegistries entry "*.example.com/ns" is refused: a wildcard is only allowed']],
  ['a URI scheme (registries.conf on the node refuses it)', { blockedRegistries: ['https://evil.example'] }, ['image.yaml:8:7: error REGISTRY_SCOPE_INVALID spec.registrySources.blockedRegistries[0]: blockedRegistries entry "https://evil.example" is refused: remove the scheme']],
  ['both lists', { blockedRegistries: ['evil.example'], allowedRegistries: ['quay.io'] }, ['image.yaml:9:5: error REGISTRY_SOURCES_CONFLICT spec.registrySources.allowedRegistries: allowedRegistries and blockedRegistries (line 7) are both set; MCO refuses the Image config']],
  ['a search registry with a path', { containerRuntimeSearchRegistries: ['quay.io/ns'] }, ['image.yaml:8:7: error REGISTRY_SCOPE_INVALID spec.registrySources.containerRuntimeSearchRegistries[0]: containerRuntimeSearchRegistries entry "quay.io/ns" is refused: a search registry is a host, without a path']],
  ['an empty search registry', { containerRuntimeSearchRegistries: ['quay.io', ''] }, ['image.yaml:9:7: error REGISTRY_SCOPE_INVALID spec.registrySources.containerRuntimeSearchRegistries[1]: containerRuntimeSearchRegistries entry "" is refused: an entry must name a registry host']],
])('%s is refused with its position', (_name, lists, expected) => {
  const result = render(imageWith(lists));
  const lines = result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  expect(lines).toHaveLength(expected.length);
  expected.forEach((start, i) => expect(lines[i]?.slice(0, start.length)).toBe(start));
  expect(result.files).toEqual([]);
});

test.each([
  ['blocked registries, namespaces and wildcards', { blockedRegistries: ['evil.example', 'quay.io/bad-org', '*.untrusted.example', 'registry.local:5000'] }],
  ['allowed registries', { allowedRegistries: ['quay.io', 'registry.redhat.io', 'mirror.example:5000/ocp', '*.corp.example'] }],
  ['search registries with and without a port', { containerRuntimeSearchRegistries: ['registry.access.redhat.com', 'mirror.example:5000', 'localhost', '[::1]:5000'] }],
])('valid %s pass', (_name, lists) => {
  const result = render(imageWith(lists));
  expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  expect(result.files.map((f) => f.path)).toEqual(['quay.io/hosts.toml']);
});
