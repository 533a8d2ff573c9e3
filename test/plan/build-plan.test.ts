// buildPlan: rendered files of two revisions -> per registry changes with diffs, in registry order.
import { buildPlan } from '../../src/plan/build-plan.js';
import { parseManifests } from '../../src/parse/parse-manifests.js';
import { validateDocuments } from '../../src/validate/validate-documents.js';
import { mirrorSet } from '../lint/manifests.js';

const sets = (text: string) => validateDocuments(parseManifests([{ path: 'in.yaml', content: text }]).objects).mirrorSets;
const local = mirrorSet('IDMS', 'local', [{ source: 'registry.local:5000', mirrors: ['mirror.example/local'] }]);

test('files are grouped per registry, named host:port, each with its own change and diff', () => {
  const plan = buildPlan(
    { files: [{ path: 'quay.io/hosts.toml', content: 'a\n' }, { path: 'registry.local_5000_/hosts.toml', content: 'x\n' }], mirrorSets: sets(local) },
    {
      files: [
        { path: 'gcr.io/hosts.toml', content: 'g\n' },
        { path: 'registry.local_5000_/ca.crt', content: 'pem\n' },
        { path: 'registry.local_5000_/hosts.toml', content: 'x\n' },
      ],
      mirrorSets: sets(local),
    },
    'containerd',
  );
  expect(plan.registries.map((r) => [r.registry, r.directory, r.change, r.files.map((f) => `${f.path} ${f.change}`)])).toEqual([
    ['gcr.io', 'gcr.io', 'added', ['gcr.io/hosts.toml added']],
    ['quay.io', 'quay.io', 'removed', ['quay.io/hosts.toml removed']],
    // A CA bundle alone changes the registry; its hosts.toml is the same.
    ['registry.local:5000', 'registry.local_5000_', 'changed', ['registry.local_5000_/ca.crt added']],
  ]);
  expect(plan.registries[1]?.files[0]?.diff).toBe('--- a/quay.io/hosts.toml\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n');
  expect(plan.containerd).toEqual({ added: ['gcr.io/hosts.toml', 'registry.local_5000_/ca.crt'], changed: [], removed: ['quay.io/hosts.toml'] });
});

test('the wmco profile names directories after the registry as written', () => {
  const plan = buildPlan({ files: [], mirrorSets: [] }, { files: [{ path: 'registry.local:5000/hosts.toml', content: 'x\n' }], mirrorSets: sets(local) }, 'wmco');
  expect(plan.registries.map((r) => [r.registry, r.directory])).toEqual([['registry.local:5000', 'registry.local:5000']]);
});

test('identical sides: nothing changes, no object changes, nodes untouched', () => {
  const side = { files: [{ path: 'quay.io/hosts.toml', content: 'a\n' }], mirrorSets: sets(local) };
  const plan = buildPlan(side, side, 'containerd');
  expect([plan.registries, plan.objects, plan.mco.action]).toEqual([[], [], 'none']);
});
