// The documentation rules of `lint`: each fires where the docs say it should, at the field the user
// must change, once per finding whatever the profile, and never during render.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DIAGNOSTIC_CODES, formatDiagnostic, type Diagnostic } from '../../src/diagnostics.js';
import { run } from '../../src/pipeline.js';
import { type Profile } from '../../src/vocabulary.js';
import { DOCUMENTED_RULES, LINT_RULES } from '../../src/validate/lint-rules/index.js';
import { mirrorSet } from './manifests.js';
import { fileURLToPath } from 'node:url';

const lint = (files: Record<string, string>, profile: Profile = 'containerd'): Diagnostic[] =>
  run(Object.entries(files).map(([p, content]) => ({ path: p, content })), { profile, lint: true }).diagnostics;

const LINT_CODES = new Set(LINT_RULES.flatMap((r) => r.codes));
const lintOnly = (diagnostics: Diagnostic[]): string[] => diagnostics.filter((d) => LINT_CODES.has(d.code)).map(formatDiagnostic);
const codesAt = (diagnostics: Diagnostic[], line: number): string[] =>
  diagnostics.filter((d) => d.location?.line === line).map((d) => d.code).sort();

describe('ITMS registry-wide pitfall (docs 5.6)', () => {
  test('an ImageTagMirrorSet for a repository warns at its source and recommends an IDMS with digests', () => {
    const found = lint({ 'itms.yaml': mirrorSet('ITMS', 'tags', [{ source: 'quay.io/remote-org/image', mirrors: ['mirror.example/remote-org/image'] }]) });
    const itms = found.filter((d) => d.code === 'ITMS_REGISTRY_WIDE');
    expect(itms).toHaveLength(1);
    expect(formatDiagnostic(itms[0] as Diagnostic)).toMatch(
      /^itms\.yaml:7:13: warning ITMS_REGISTRY_WIDE spec\.imageTagMirrors\[0\]\.source: quay\.io\/remote-org\/image is mirrored by an ImageTagMirrorSet.*quay\.io\/<repository>:<tag> is tried at mirror\.example\/<repository>:<tag>.*ImageDigestMirrorSet/,
    );
  });

  test.each([
    ['a registry-level ITMS source', mirrorSet('ITMS', 'tags', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }])],
    ['an IDMS for a repository', mirrorSet('IDMS', 'digests', [{ source: 'quay.io/remote-org/image', mirrors: ['mirror.example/remote-org/image'] }])],
    ['an ITMS entry without mirrors', mirrorSet('ITMS', 'tags', [{ source: 'quay.io/remote-org/image' }])],
  ])('%s does not warn', (_name, text) => {
    expect(lint({ 'in.yaml': text }).map((d) => d.code)).not.toContain('ITMS_REGISTRY_WIDE');
  });

  test('a renaming mirror: containerd leaves it out (no registry-wide effect), WMCO writes it (warns)', () => {
    const text = mirrorSet('ITMS', 'tags', [{ source: 'quay.io/remote-org/image', mirrors: ['quay.io/my-org/image'] }]);
    expect(codesAt(lint({ 'in.yaml': text }, 'containerd'), 7)).toEqual([]);
    expect(codesAt(lint({ 'in.yaml': text }, 'wmco'), 7)).toEqual(['ITMS_REGISTRY_WIDE', 'WMCO_REGISTRY_WIDE']);
  });
});

describe('pause image (docs 5.6.2)', () => {
  const servercore = { source: 'mcr.microsoft.com/windows/servercore', mirrors: ['mirror.example/windows/servercore'] };

  test('mirrors for mcr.microsoft.com without the pause image warn at the first mcr entry', () => {
    const found = lint({ 'idms.yaml': mirrorSet('IDMS', 'windows', [servercore]) });
    const pause = found.filter((d) => d.code === 'PAUSE_IMAGE_NOT_MIRRORED').map(formatDiagnostic);
    expect(pause).toHaveLength(1);
    expect(pause[0]).toMatch(/^idms\.yaml:7:13: warning PAUSE_IMAGE_NOT_MIRRORED spec\.imageDigestMirrors\[0\]\.source: .*mcr\.microsoft\.com\/oss\/kubernetes\/pause.*skopeo copy/);
  });

  test.each([
    ['the pause repository itself', { source: 'mcr.microsoft.com/oss/kubernetes/pause', mirrors: ['mirror.example/oss/kubernetes/pause'] }],
    ['a parent namespace', { source: 'mcr.microsoft.com/oss', mirrors: ['mirror.example/mcr/oss'] }],
    ['the whole registry', { source: 'mcr.microsoft.com', mirrors: ['mirror.example/mcr'] }],
  ])('is covered by an entry for %s', (_name, cover) => {
    const found = lint({ 'idms.yaml': mirrorSet('IDMS', 'windows', [servercore, cover]) });
    expect(found.map((d) => d.code)).not.toContain('PAUSE_IMAGE_NOT_MIRRORED');
  });

  test('a pause entry whose mirror renames the repository does not cover it', () => {
    const cover = { source: 'mcr.microsoft.com/oss/kubernetes/pause', mirrors: ['mirror.example/pause'] };
    expect(lint({ 'idms.yaml': mirrorSet('IDMS', 'windows', [servercore, cover]) }).map((d) => d.code)).toContain('PAUSE_IMAGE_NOT_MIRRORED');
  });

  test('NeverContactSource over the pause image without a mirror for it warns', () => {
    const text = mirrorSet('IDMS', 'blocked', [{ source: 'mcr.microsoft.com/oss/kubernetes', policy: 'NeverContactSource' }]);
    expect(lint({ 'idms.yaml': text }).filter((d) => d.code === 'PAUSE_IMAGE_NOT_MIRRORED').map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^idms\.yaml:7:13: warning PAUSE_IMAGE_NOT_MIRRORED .*never contacts the source of the pause image/),
    ]);
  });

  test('an ICSP covers the pause image under containerd, not under wmco (WMCO ignores ICSP)', () => {
    const files = {
      'idms.yaml': mirrorSet('IDMS', 'windows', [servercore]),
      'icsp.yaml': mirrorSet('ICSP', 'pause', [{ source: 'mcr.microsoft.com/oss/kubernetes/pause', mirrors: ['mirror.example/oss/kubernetes/pause'] }]),
    };
    expect(lint(files, 'containerd').map((d) => d.code)).not.toContain('PAUSE_IMAGE_NOT_MIRRORED');
    expect(lint(files, 'wmco').map((d) => d.code)).toContain('PAUSE_IMAGE_NOT_MIRRORED');
  });

  test('mirror sets for other registries do not warn', () => {
    expect(lint({ 'idms.yaml': mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]) }).map((d) => d.code)).not.toContain(
      'PAUSE_IMAGE_NOT_MIRRORED',
    );
  });
});

describe('ICSP deprecated (docs 5.6.1)', () => {
  const icsp = mirrorSet('ICSP', 'legacy', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]);

  test('containerd: ICSP_DEPRECATED at metadata.name, suggesting oc adm migrate icsp', () => {
    expect(lintOnly(lint({ 'icsp.yaml': icsp }))).toEqual([
      expect.stringMatching(/^icsp\.yaml:4:9: warning ICSP_DEPRECATED: ImageContentSourcePolicy\/legacy .*`oc adm migrate icsp icsp\.yaml --dest-dir <dir>`/),
    ]);
  });

  test('wmco: the profile already reports WMCO_ICSP_IGNORED, so lint adds nothing for the object', () => {
    expect(codesAt(lint({ 'icsp.yaml': icsp }, 'wmco'), 4)).toEqual(['WMCO_ICSP_IGNORED']);
  });
});

describe('a mirror equal to its source (docs 5.6.1)', () => {
  test('as the only mirror: the entry does nothing (warning at the mirror)', () => {
    const text = mirrorSet('IDMS', 'self', [{ source: 'quay.io/org', mirrors: ['quay.io/org'] }]);
    expect(lintOnly(lint({ 'in.yaml': text }))).toEqual([expect.stringMatching(/^in\.yaml:9:7: warning MIRROR_IS_SOURCE spec\.imageDigestMirrors\[0\]\.mirrors\[0\]: /)]);
  });

  test('before other mirrors: it moves the source forward (info, so --strict does not fail on it)', () => {
    const text = mirrorSet('IDMS', 'self', [{ source: 'quay.io/org', mirrors: ['quay.io/org', 'mirror.example/org'] }]);
    const found = run([{ path: 'in.yaml', content: text }], { profile: 'containerd', lint: true, strict: true }).diagnostics;
    expect(lintOnly(found)).toEqual([expect.stringMatching(/^in\.yaml:9:7: info SOURCE_LISTED_AS_MIRROR .*before mirror\.example\/org/)]);
  });

  test('last, where the source is tried anyway: nothing to say', () => {
    const text = mirrorSet('IDMS', 'self', [{ source: 'quay.io/org', mirrors: ['mirror.example/org', 'quay.io/org'] }]);
    expect(lintOnly(lint({ 'in.yaml': text }))).toEqual([]);
  });

  test('with NeverContactSource it is the MCO error only, not repeated by lint', () => {
    const text = mirrorSet('IDMS', 'self', [{ source: 'quay.io/org', policy: 'NeverContactSource', mirrors: ['quay.io/org'] }]);
    expect(codesAt(lint({ 'in.yaml': text }), 10)).toEqual(['NEVER_CONTACT_SOURCE_MIRRORS_SOURCE']);
  });
});

describe('duplicate mirrors (docs 5.6.1)', () => {
  test('the same mirror for the same source in two IDMS objects: warning at the second, naming the first', () => {
    const found = lint({
      'a.yaml': mirrorSet('IDMS', 'a', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
      'b.yaml': mirrorSet('IDMS', 'b', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
    });
    expect(lintOnly(found)).toEqual([
      expect.stringMatching(/^b\.yaml:9:7: warning DUPLICATE_MIRROR spec\.imageDigestMirrors\[0\]\.mirrors\[0\]: .*already listed in ImageDigestMirrorSet\/a spec\.imageDigestMirrors\[0\] at a\.yaml:9/),
    ]);
  });

  test('an ICSP left beside the IDMS it was migrated to duplicates every mirror', () => {
    const found = lint({
      'idms.yaml': mirrorSet('IDMS', 'migrated', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
      'icsp.yaml': mirrorSet('ICSP', 'legacy', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
    });
    expect(found.filter((d) => d.code === 'DUPLICATE_MIRROR').map((d) => d.location?.file)).toEqual(['icsp.yaml']);
  });

  test('twice in one ICSP entry (its schema, unlike IDMS, allows it)', () => {
    const text = mirrorSet('ICSP', 'legacy', [{ source: 'quay.io', mirrors: ['mirror.example/quay', 'mirror.example/quay'] }]);
    expect(lint({ 'icsp.yaml': text }).filter((d) => d.code === 'DUPLICATE_MIRROR').map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^icsp\.yaml:10:7: .*earlier in this entry \(spec\.repositoryDigestMirrors\[0\]\.mirrors\[0\]\)/),
    ]);
  });

  test('a digest mirror and a tag mirror with the same location are not duplicates', () => {
    const found = lint({
      'idms.yaml': mirrorSet('IDMS', 'd', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
      'itms.yaml': mirrorSet('ITMS', 't', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
    });
    expect(found.map((d) => d.code)).not.toContain('DUPLICATE_MIRROR');
  });
});

describe('registry-wide NeverContactSource (docs 5.6)', () => {
  const text = mirrorSet('IDMS', 'strict', [{ source: 'quay.io/org/app', policy: 'NeverContactSource', mirrors: ['mirror.example/org/app'] }]);

  test('containerd: POLICY_REGISTRY_WIDE at the policy', () => {
    expect(lintOnly(lint({ 'in.yaml': text }))).toEqual([
      expect.stringMatching(/^in\.yaml:8:25: warning POLICY_REGISTRY_WIDE spec\.imageDigestMirrors\[0\]\.mirrorSourcePolicy: .*no image of quay\.io is pulled from quay\.io/),
    ]);
  });

  test('wmco: reported once, by the profile (WMCO_POLICY_REGISTRY_WIDE)', () => {
    expect(codesAt(lint({ 'in.yaml': text }, 'wmco'), 8)).toEqual(['WMCO_POLICY_REGISTRY_WIDE']);
  });

  test('a registry-level source is not broadened', () => {
    const registry = mirrorSet('IDMS', 'strict', [{ source: 'quay.io', policy: 'NeverContactSource', mirrors: ['mirror.example/quay'] }]);
    expect(lintOnly(lint({ 'in.yaml': registry }))).toEqual([]);
  });
});

describe('the catalogue of documented rules', () => {
  // One input that breaks each documented rule, and where the finding must be.
  const breaches: Record<string, Record<string, string>> = {
    "Windows naming requirement: a mirror ends with the source's whole namespace/image path; containerd cannot express a repository rename": {
      'in.yaml': mirrorSet('IDMS', 'a', [{ source: 'quay.io/remote-org/image', mirrors: ['quay.io/my-org/image'] }]),
    },
    'ITMS mirrors apply to the whole registry; prefer IDMS with digests': {
      'in.yaml': mirrorSet('ITMS', 'a', [{ source: 'quay.io/remote-org/image', mirrors: ['mirror.example/remote-org/image'] }]),
    },
    'mcr.microsoft.com/oss/kubernetes/pause must be mirrored when mcr.microsoft.com is': {
      'in.yaml': mirrorSet('IDMS', 'a', [{ source: 'mcr.microsoft.com/windows', mirrors: ['mirror.example/windows'] }]),
    },
    'ImageContentSourcePolicy is deprecated and ignored by WMCO: `oc adm migrate icsp`': {
      'in.yaml': mirrorSet('ICSP', 'a', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
    },
    'a mirror equal to its source': { 'in.yaml': mirrorSet('IDMS', 'a', [{ source: 'quay.io/org', mirrors: ['quay.io/org'] }]) },
    'duplicate mirrors': {
      'in.yaml': mirrorSet('ICSP', 'a', [{ source: 'quay.io', mirrors: ['mirror.example/quay', 'mirror.example/quay'] }]),
    },
    'conflicting mirrorSourcePolicy values': {
      'a.yaml': mirrorSet('IDMS', 'a', [{ source: 'quay.io', policy: 'NeverContactSource', mirrors: ['mirror.example/quay'] }]),
      'b.yaml': mirrorSet('IDMS', 'b', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]),
    },
    'NeverContactSource on a namespace or repository applies to the whole registry': {
      'in.yaml': mirrorSet('IDMS', 'a', [{ source: 'quay.io/org', policy: 'NeverContactSource', mirrors: ['mirror.example/org'] }]),
    },
    'wildcard sources (*.example.com) have no containerd equivalent': {
      'in.yaml': mirrorSet('IDMS', 'a', [{ source: '"*.example.com"', mirrors: ['mirror.example/any'] }]),
    },
  };

  test('every documented rule has a breach example here', () => {
    expect(Object.keys(breaches).sort()).toEqual(DOCUMENTED_RULES.map((r) => r.rule).sort());
  });

  test.each(DOCUMENTED_RULES.flatMap((rule) => (['containerd', 'wmco'] as const).map((profile) => [rule.rule, profile, rule] as const)))(
    '%s (%s): lint reports it with one of its codes',
    (name, profile, rule) => {
      const codes = lint(breaches[name] as Record<string, string>, profile).map((d) => d.code);
      expect(codes.some((c) => rule.codes[profile].includes(c))).toBe(true);
    },
  );

  test('every code in the catalogue exists, and every lint rule code is catalogued', () => {
    const catalogued = new Set(DOCUMENTED_RULES.flatMap((r) => [...r.codes.containerd, ...r.codes.wmco]));
    for (const code of catalogued) expect(Object.keys(DIAGNOSTIC_CODES)).toContain(code);
    for (const code of LINT_CODES) expect([...catalogued]).toContain(code);
  });

  test.each(LINT_RULES.map((r) => [r.id, r] as const))('src/validate/lint-rules/%s.ts cites the doc section it enforces in its header', (id, rule) => {
    const text = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/validate/lint-rules', `${id}.ts`), 'utf8');
    const header = text.split('\nimport ')[0] as string;
    const section = /^\d+(\.\d+)*/.exec(rule.doc)?.[0] as string;
    expect(header).toContain(`Docs ${section}`);
  });
});

test('render never reports the documentation rules (golden outputs depend on it)', () => {
  const files = [
    { path: 'a.yaml', content: mirrorSet('ITMS', 'a', [{ source: 'mcr.microsoft.com/windows', mirrors: ['mcr.microsoft.com/windows'] }]) },
    { path: 'b.yaml', content: mirrorSet('ICSP', 'b', [{ source: 'quay.io', mirrors: ['mirror.example/quay', 'mirror.example/quay'] }]) },
    { path: 'c.yaml', content: mirrorSet('IDMS', 'c', [{ source: 'quay.io/org', policy: 'NeverContactSource', mirrors: ['m.example/org'] }]) },
  ];
  for (const profile of ['containerd', 'wmco'] as const) {
    const rendered = run(files, { profile }).diagnostics.map((d) => d.code);
    const linted = run(files, { profile, lint: true }).diagnostics.map((d) => d.code);
    expect(rendered.filter((c) => LINT_CODES.has(c))).toEqual([]);
    expect(linted.filter((c) => LINT_CODES.has(c)).length).toBeGreaterThan(0);
  }
});
