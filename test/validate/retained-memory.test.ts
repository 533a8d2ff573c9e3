// The render of 10k entries must stay within its memory target (bench/README.md "Render scale"): the
// validated mirror sets keep the positions of their fields, never the parsed documents they came from.
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseManifests } from '../../src/parse/parse-manifests.js';
import { validateDocuments } from '../../src/validate/validate-documents.js';
import type { MirrorSetObject } from '../../src/validate/mirror-set.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const IDMS = `apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata:
  name: team
spec:
  imageDigestMirrors:
  - source: registry.example.com/team/app
    mirrors:
    - mirror.example.com/team/app
    mirrorSourcePolicy: NeverContactSource
`;

/** Validated sets, and a weak reference to the parsed value they were made from. */
function validateAndForget(): { mirrorSets: MirrorSetObject[]; parsedValue: WeakRef<object> } {
  const parsed = parseManifests([{ path: 'idms.yaml', content: IDMS }]);
  const object = parsed.objects[0];
  if (!object) throw new Error('nothing parsed');
  return { mirrorSets: validateDocuments(parsed.objects).mirrorSets, parsedValue: new WeakRef(object.value) };
}

test('validated entries do not keep the parsed documents alive, and still locate every field', async () => {
  const { mirrorSets, parsedValue } = validateAndForget();
  // A WeakRef holds its target until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  expect(parsedValue.deref()).toBeUndefined();

  const set = mirrorSets[0] as MirrorSetObject;
  const entry = set.entries[0];
  expect(set.location).toEqual({ file: 'idms.yaml', line: 4, column: 9, documentIndex: 0 });
  expect(entry?.field).toBe('spec.imageDigestMirrors[0]');
  expect(entry?.location).toMatchObject({ line: 7, column: 5 });
  expect([entry?.source.field, entry?.source.location.line, entry?.source.location.column]).toEqual(['spec.imageDigestMirrors[0].source', 7, 13]);
  expect([entry?.mirrors[0]?.field, entry?.mirrors[0]?.value, entry?.mirrors[0]?.location.line]).toEqual(['spec.imageDigestMirrors[0].mirrors[0]', 'mirror.example.com/team/app', 9]);
  expect([entry?.policy?.field, entry?.policy?.value, entry?.policy?.location.line]).toEqual(['spec.imageDigestMirrors[0].mirrorSourcePolicy', 'NeverContactSource', 10]);
});
