// ResourceList items -> the pipeline's input as parsed objects: findings name the item's file and
// document as kpt and kustomize show them, at the item's own lines.
import { parseResourceList } from '../../src/krm/resource-list.js';
import { itemFiles } from '../../src/krm/item-files.js';
import { run } from '../../src/pipeline.js';

const HEAD = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';
const idms = (name: string, policy: string, annotations = '') =>
  `- apiVersion: config.openshift.io/v1\n  kind: ImageDigestMirrorSet\n  metadata:\n    name: ${name}\n${annotations}  spec:\n    imageDigestMirrors:\n    - source: quay.io/${name}\n      mirrors: [mirror.example/${name}]\n      mirrorSourcePolicy: ${policy}\n`;
const kpt = (path: string, index: number) => `    annotations:\n      internal.config.kubernetes.io/path: '${path}'\n      internal.config.kubernetes.io/index: '${index}'\n`;

test('a finding about a kpt item is placed in its file and document, at its line within the item', () => {
  // Sent in reverse order: the document index comes from the annotation, not from the list.
  const input = parseResourceList(HEAD + idms('b', 'Nope', kpt('sets.yaml', 1)) + idms('a', 'NeverContactSource', kpt('sets.yaml', 0)));
  const files = itemFiles(input.items);
  expect(files.files.map((f) => [f.path, f.objects.map((o) => o.documentIndex)])).toEqual([['sets.yaml', [0, 1]]]);
  const result = run(files.files, { profile: 'containerd' });
  const finding = result.diagnostics.find((d) => d.code === 'SCHEMA_ENUM');
  // Line 12 of the item, its mirrorSourcePolicy value, at column 25 once the item's `- ` indent is taken off.
  expect(finding?.location).toEqual({ file: 'sets.yaml', line: 12, column: 25, documentIndex: 1 });
  expect(files.itemAt(finding?.location)?.value['metadata']).toMatchObject({ name: 'b' });
});

test('kustomize items (no annotations) are files named Kind/name, a second of the same name document 1', () => {
  const input = parseResourceList(HEAD + idms('a', 'Nope') + idms('a', 'NeverContactSource'));
  const files = itemFiles(input.items);
  expect(files.files.map((f) => [f.path, f.objects.map((o) => o.documentIndex)])).toEqual([['ImageDigestMirrorSet/a', [0, 1]]]);
  expect([...files.paths]).toEqual(['ImageDigestMirrorSet/a']);
});

test('a List item is rendered as its members, as in a file', () => {
  const list = '- apiVersion: v1\n  kind: List\n  items:\n' + idms('a', 'NeverContactSource').replace(/^/gm, '    ').replace(/^    $/gm, '');
  const files = itemFiles(parseResourceList(HEAD + list).items);
  expect(files.files[0]?.objects.map((o) => [o.kind, o.basePath])).toEqual([['ImageDigestMirrorSet', ['items', 0]]]);
  expect(run(files.files, { profile: 'containerd' }).files.map((f) => f.path)).toEqual(['quay.io/hosts.toml']);
});
