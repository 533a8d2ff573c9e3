// Invariant 4 (issue 10): a kind the tool reads, under a group or version the API server does not
// serve it in, is refused at its apiVersion and names the object, even when other mirror sets in the
// input are valid. Before, another group was skipped silently: exit 0 with that object's mirrors missing.
import fc from 'fast-check';
import { run } from '../../src/pipeline.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_4);

const VALID = 'apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: valid\nspec:\n  imageDigestMirrors:\n  - source: quay.io\n    mirrors: [mirror.example/quay]\n';

const KINDS = {
  ImageDigestMirrorSet: { apiVersion: 'config.openshift.io/v1', spec: 'imageDigestMirrors: [{source: registry.k8s.io, mirrors: [m.example/k8s]}]' },
  ImageTagMirrorSet: { apiVersion: 'config.openshift.io/v1', spec: 'imageTagMirrors: [{source: registry.k8s.io, mirrors: [m.example/k8s]}]' },
  ImageContentSourcePolicy: { apiVersion: 'operator.openshift.io/v1alpha1', spec: 'repositoryDigestMirrors: [{source: registry.k8s.io, mirrors: [m.example/k8s]}]' },
  Image: { apiVersion: 'config.openshift.io/v1', spec: 'registrySources: {insecureRegistries: [m.example]}' },
} as const;
type Kind = keyof typeof KINDS;

const object = (apiVersion: string, kind: string, name: string, spec: string): string =>
  `apiVersion: ${JSON.stringify(apiVersion)}\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec: {${spec}}\n`;

const render = (text: string) => run([{ path: 'in.yaml', content: text }], { profile: 'containerd' });

const groups = fc.constantFrom('config.openshift.io', 'operator.openshift.io', 'example.com', 'machineconfiguration.openshift.io', '');
const versions = fc.constantFrom('v1', 'v1alpha1', 'v1beta1', 'v2', 'V1', 'v1 ');
const apiVersions = fc.oneof(
  fc.tuple(groups, versions).map(([group, version]) => (group ? `${group}/${version}` : version)),
  fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !/[\r\n\u0000]/.test(s)),
);

test.each(Object.keys(KINDS) as Kind[])('%s under any other group or version is an error at apiVersion naming the object; the valid mirror set beside it does not hide it', (kind) => {
  fc.assert(
    fc.property(apiVersions.filter((v) => v !== KINDS[kind].apiVersion), (apiVersion) => {
      // The Image kind of other groups is someone else's (image.openshift.io/v1, knative, kpack);
      // with the config's own spec fields it is meant as the cluster config and must be refused.
      const name = kind === 'Image' ? 'cluster' : 'wrong';
      const text = `${VALID}---\n${object(apiVersion, kind, name, KINDS[kind].spec)}`;
      const result = render(text);
      const found = result.diagnostics.filter((d) => d.code === 'UNSUPPORTED_API_VERSION');
      expect(found).toEqual([
        expect.objectContaining({
          severity: 'error',
          field: 'apiVersion',
          location: expect.objectContaining({ file: 'in.yaml', line: 10, column: 13 }),
          object: expect.objectContaining({ kind, name }),
        }),
      ]);
      expect(found[0]?.message).toContain(`${kind} "${name}"`);
      expect(found[0]?.message).toContain(`write apiVersion: ${KINDS[kind].apiVersion}`);
      expect(result.files).toEqual([]);
    }),
    { seed: SEED, numRuns: 60 },
  );
});

test.each([
  ['oc-mirror CatalogSource', 'apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\nmetadata: {name: cs}\nspec: {image: quay.io/x}\n'],
  ['oc-mirror ClusterCatalog', 'apiVersion: olm.operatorframework.io/v1\nkind: ClusterCatalog\nmetadata: {name: cc}\nspec: {source: {type: Image}}\n'],
  ['an OpenShift image object (image.openshift.io)', 'apiVersion: image.openshift.io/v1\nkind: Image\nmetadata: {name: "sha256:abc"}\ndockerImageReference: quay.io/x@sha256:abc\n'],
  ['a knative caching Image', 'apiVersion: caching.internal.knative.dev/v1alpha1\nkind: Image\nmetadata: {name: img}\nspec: {image: quay.io/x}\n'],
  ['a kind that only resembles ours', 'apiVersion: example.com/v1\nkind: ImageDigestMirrorSetPolicy\nmetadata: {name: p}\nspec: {}\n'],
])('%s is not ours: no finding, the mirror sets render', (_name, text) => {
  const result = render(`${VALID}---\n${text}`);
  expect(result.diagnostics).toEqual([]);
  expect(result.files.map((f) => f.path)).toEqual(['quay.io/hosts.toml']);
});
