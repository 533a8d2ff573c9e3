// What a change does to Linux nodes under MCO, row by row from the table in docs 5.6.1 and its
// Important note on digest-only additions.
import { parseManifests } from '../../src/parse/parse-manifests.js';
import { mcoImpact } from '../../src/plan/mco-impact.js';
import { validateDocuments } from '../../src/validate/validate-documents.js';
import type { MirrorSetObject } from '../../src/validate/mirror-set.js';
import { mirrorSet } from '../lint/manifests.js';

const sets = (...texts: string[]): MirrorSetObject[] => {
  const validated = validateDocuments(parseManifests(texts.map((content, i) => ({ path: `${i}.yaml`, content }))).objects);
  expect(validated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return validated.mirrorSets;
};

const quayIdms = mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', mirrors: ['mirror.example/org'] }]);
const k8sIdms = mirrorSet('IDMS', 'k8s', [{ source: 'registry.k8s.io', mirrors: ['mirror.example/k8s'] }]);
const quayItms = mirrorSet('ITMS', 'tags', [{ source: 'docker.io', mirrors: ['mirror.example/docker'] }]);
const quayIcsp = mirrorSet('ICSP', 'legacy', [{ source: 'ghcr.io', mirrors: ['mirror.example/ghcr'] }]);

test.each([
  ['creating an IDMS: no drain or reboot', [quayIdms], [quayIdms, k8sIdms], 'no-drain', /ImageDigestMirrorSet\/k8s created: creating an ImageDigestMirrorSet or ImageContentSourcePolicy does not drain or reboot the nodes \(docs 5\.6\.1\)/],
  ['creating an ICSP: no drain or reboot', [quayIdms], [quayIdms, quayIcsp], 'no-drain', /ImageContentSourcePolicy\/legacy created/],
  ['creating an ITMS: drain and reboot', [quayIdms], [quayIdms, quayItms], 'drain-reboot', /ImageTagMirrorSet\/tags created: creating an ImageTagMirrorSet drains and reboots the nodes \(docs 5\.6\.1\)/],
  ['deleting an IDMS: drain and reboot', [quayIdms, k8sIdms], [quayIdms], 'drain-reboot', /ImageDigestMirrorSet\/k8s deleted: deleting an ImageDigestMirrorSet drains and reboots the nodes/],
  ['deleting an ITMS: drain and reboot', [quayIdms, quayItms], [quayIdms], 'drain-reboot', /ImageTagMirrorSet\/tags deleted/],
  [
    'modifying an IDMS to replace a mirror: drain and reboot',
    [quayIdms],
    [mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', mirrors: ['other.example/org'] }])],
    'drain-reboot',
    /registries\.conf: quay\.io\/org loses mirror mirror\.example\/org \(digest-only\)/,
  ],
  [
    'modifying an IDMS to add a mirror: digest-only, no drain (Important note)',
    [quayIdms],
    [mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', mirrors: ['mirror.example/org', 'second.example/org'] }])],
    'no-drain',
    /ImageDigestMirrorSet\/quay modified: the change only adds registries or mirrors with pull-from-mirror = "digest-only".*\(docs 5\.6\.1, Important\)/,
  ],
  [
    'modifying an IDMS to add a registry: digest-only, no drain',
    [quayIdms],
    [mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', mirrors: ['mirror.example/org'] }, { source: 'gcr.io', mirrors: ['mirror.example/gcr'] }])],
    'no-drain',
    /only adds registries or mirrors/,
  ],
  [
    'modifying an ITMS to add a mirror: tag-only, drain and reboot',
    [quayItms],
    [mirrorSet('ITMS', 'tags', [{ source: 'docker.io', mirrors: ['mirror.example/docker', 'second.example/docker'] }])],
    'drain-reboot',
    /docker\.io gains second\.example\/docker \(tag-only\)/,
  ],
  [
    'modifying the policy: drain and reboot',
    [quayIdms],
    [mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', policy: 'NeverContactSource', mirrors: ['mirror.example/org'] }])],
    'drain-reboot',
    /quay\.io\/org changes blocked from false to true/,
  ],
  [
    'reordering mirrors: a modification the docs do not exempt, drain and reboot',
    [mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', mirrors: ['a.example/org', 'b.example/org'] }])],
    [mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', mirrors: ['b.example/org', 'a.example/org'] }])],
    'drain-reboot',
    /quay\.io\/org reorders its mirrors/,
  ],
  [
    'moving an entry to another object: registries.conf is the same, nodes untouched',
    [quayIdms],
    [mirrorSet('IDMS', 'renamed', [{ source: 'quay.io/org', mirrors: ['mirror.example/org'] }])],
    'none',
    /registries\.conf stays the same \(ImageDigestMirrorSet\/quay deleted, ImageDigestMirrorSet\/renamed created\)/,
  ],
  ['no mirror set change', [quayIdms], [quayIdms], 'none', /no mirror set changes what MCO writes/],
  [
    'a label change only: metadata does not reach the nodes',
    [quayIdms],
    [quayIdms.replace('metadata:\n', 'metadata:\n  labels:\n    team: infra\n')],
    'none',
    /no mirror set changes/,
  ],
] as const)('%s', (_name, before, after, action, reason) => {
  const impact = mcoImpact(sets(...before), sets(...after));
  expect(impact.action).toBe(action);
  expect(impact.reasons.join('\n')).toMatch(reason);
});

test('a drain lists only the rows that drain, not an IDMS created alongside', () => {
  const impact = mcoImpact(sets(quayIdms), sets(quayIdms, k8sIdms, quayItms));
  expect(impact.action).toBe('drain-reboot');
  expect(impact.reasons.join('\n')).not.toContain('ImageDigestMirrorSet/k8s');
  expect(impact.reasons[0]).toMatch(/^ImageTagMirrorSet\/tags created/);
});

test('a digest-only addition made beside a drain is not blamed for it', () => {
  const added = mirrorSet('IDMS', 'quay', [{ source: 'quay.io/org', mirrors: ['mirror.example/org', 'second.example/org'] }]);
  const impact = mcoImpact(sets(quayIdms), sets(added, quayItms));
  expect(impact.action).toBe('drain-reboot');
  expect(impact.reasons.join('\n')).not.toContain('ImageDigestMirrorSet/quay');
  expect(impact.reasons.join('\n')).toContain('ImageTagMirrorSet/tags created');
});
