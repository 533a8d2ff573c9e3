// Invariant 6 (issue 10): all findings in one pass where the input allows it. Independent mistakes,
// spread over documents and files in any layout, are all reported by one run: a broken document does
// not hide the schema findings of the others, and a schema error in one entry does not hide MCO's
// rule findings (policy conflicts, NeverContactSource listing its source) for the valid entries.
// Before, any schema error returned before MCO's rules ran: fixing a file took one round per stage.
import fc from 'fast-check';
import { formatDiagnostic, type DiagnosticCode } from '../../src/diagnostics.js';
import { run } from '../../src/pipeline.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_6);

interface Mistake {
  /** One or more YAML documents, `---`-separated, each independent of the other mistakes. */
  text: string;
  /** The findings it must produce: code and the text that must appear in that line. */
  expected: [DiagnosticCode, string][];
}

// Each mistake uses its own sources (registry r<i>.example) and object names, so none interacts with another.
// An entry the schema refuses is left out of the later checks ("where the input allows": what it would
// conflict with is unknown until it is fixed), so no mistake here depends on a refused entry.
const MISTAKES: ((i: number) => Mistake)[] = [
  (i) => ({
    // An unclosed quote: yaml reads it to the end of the file, over the "---" lines YAML forbids in it.
    text: `apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: "quote-${i}\nspec:\n  imageDigestMirrors: [{source: q${i}.example}]\n`,
    expected: [['YAML_SYNTAX', 'Missing closing']],
  }),
  (i) => ({
    text: `apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata:\n  name: 'squote-${i}\nspec: {}\n`,
    expected: [['YAML_SYNTAX', 'Missing closing']],
  }),
  (i) => ({
    // A YAML error in one document of a multi-document file.
    text: `apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: broken-${i}\nspec:\n  imageDigestMirrors: [{source: r${i}.example\n`,
    expected: [['YAML_SYNTAX', '']],
  }),
  (i) => ({
    // A pattern error in one entry, and a policy conflict between two valid entries of the same object.
    text: idms(`conflict-${i}`, [
      `  - source: r${i}.example/UPPER\n`,
      `  - source: r${i}.example/app\n    mirrorSourcePolicy: NeverContactSource\n    mirrors: [m.example/app]\n`,
      `  - source: r${i}.example/app\n    mirrors: [m.example/other]\n`,
    ]),
    expected: [['SCHEMA_PATTERN', `r${i}.example/UPPER`], ['POLICY_CONFLICT', `source r${i}.example/app`]],
  }),
  (i) => ({
    // An unknown field in one entry; a NeverContactSource entry listing its own source beside it.
    text: idms(`never-${i}`, [
      `  - source: x${i}.example\n    mirorrs: [m.example/x]\n`,
      `  - source: r${i}.example/own\n    mirrorSourcePolicy: NeverContactSource\n    mirrors: [m.example/own, r${i}.example/own]\n`,
    ]),
    expected: [['SCHEMA_UNKNOWN_FIELD', 'mirorrs'], ['NEVER_CONTACT_SOURCE_MIRRORS_SOURCE', `r${i}.example/own`]],
  }),
  (i) => ({
    text: `apiVersion: operator.openshift.io/v1alpha1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: group-${i}\nspec:\n  imageDigestMirrors:\n  - source: r${i}.example\n    mirrors: [m.example/g]\n`,
    expected: [['UNSUPPORTED_API_VERSION', `"group-${i}"`]],
  }),
  (i) => ({
    // A bad object name and a host too long for a DNS name in the same object.
    text: idms(`Bad_Name_${i}`, [`  - source: r${i}.example\n    mirrors: [${'a'.repeat(64)}.example/x]\n`]),
    expected: [['INVALID_NAME', `Bad_Name_${i}`], ['INVALID_REGISTRY_HOST', 'label of 64']],
  }),
  (i) => ({
    text: `apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata:\n  name: enum-${i}\nspec:\n  imageTagMirrors:\n  - source: r${i}.example\n    mirrorSourcePolicy: Never\n    mirrors: [m.example/t]\n`,
    expected: [['SCHEMA_ENUM', 'Never']],
  }),
];

function idms(name: string, entries: string[]): string {
  return `apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: ${name}\nspec:\n  imageDigestMirrors:\n${entries.join('')}`;
}

const VALID = idms('valid', ['  - source: quay.io\n    mirrors: [mirror.example/quay]\n']);

/** Mistakes (by catalogue index, repeats allowed) and, per document, the file it goes to. */
const layouts = fc
  .array(fc.nat({ max: MISTAKES.length - 1 }), { minLength: 1, maxLength: 8 })
  .chain((picked) => fc.tuple(fc.constant(picked), fc.array(fc.nat({ max: 2 }), { minLength: picked.length + 1, maxLength: picked.length + 1 })));

test('every independent mistake is reported by one run, whatever the layout of documents and files', () => {
  fc.assert(
    fc.property(layouts, ([picked, fileOf]) => {
      const mistakes = picked.map((m, i) => (MISTAKES[m] as (i: number) => Mistake)(i));
      const files = new Map<string, string[]>();
      [VALID, ...mistakes.map((m) => m.text)].forEach((doc, i) => {
        const file = `f${fileOf[i]}.yaml`;
        files.set(file, [...(files.get(file) ?? []), doc]);
      });
      const inputs = [...files].map(([path, docs]) => ({ path, content: docs.join('---\n') }));
      const lines = run(inputs, { profile: 'containerd' }).diagnostics.map(formatDiagnostic);
      for (const mistake of mistakes) {
        for (const [code, words] of mistake.expected) {
          expect(lines.filter((l) => new RegExp(` ${code}[ :]`).test(l) && l.includes(words))).not.toEqual([]);
        }
      }
    }),
    { seed: SEED, numRuns: 150 },
  );
});

test('a file with several independent mistakes needs one round: fixing what one run reports leaves nothing', () => {
  const broken = [MISTAKES[3], MISTAKES[4], MISTAKES[5]].map((m, i) => (m as (i: number) => Mistake)(i).text).join('---\n');
  const first = run([{ path: 'all.yaml', content: `${VALID}---\n${broken}` }], { profile: 'containerd' });
  expect(first.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code).sort()).toEqual([
    'NEVER_CONTACT_SOURCE_MIRRORS_SOURCE', 'POLICY_CONFLICT', 'SCHEMA_PATTERN', 'SCHEMA_UNKNOWN_FIELD', 'UNSUPPORTED_API_VERSION',
  ]);
  // Round two: every reported line fixed at once.
  const fixed = broken
    .replace('r0.example/UPPER', 'r0.example/upper')
    .replace('    mirrors: [m.example/other]\n', '    mirrorSourcePolicy: NeverContactSource\n    mirrors: [m.example/other]\n')
    .replace('mirorrs:', 'mirrors:')
    .replace(', r1.example/own]', ']')
    .replace('apiVersion: operator.openshift.io/v1alpha1\nkind: ImageDigestMirrorSet', 'apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet');
  const second = run([{ path: 'all.yaml', content: `${VALID}---\n${fixed}` }], { profile: 'containerd' });
  expect(second.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(second.files.length).toBeGreaterThan(0);
  // Nothing new in round two: every warning it gives was already given by round one.
  const seen = new Set(first.diagnostics.map((d) => `${d.code} ${d.field}`));
  expect(second.diagnostics.map((d) => `${d.code} ${d.field}`).filter((k) => !seen.has(k))).toEqual([]);
});

test('after an unclosed quote, the next documents of the file are read, with their real positions', () => {
  const broken = 'apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: "open\nspec: {}\n';
  const wrong = 'apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: later\nspec:\n  imageDigestMirrors:\n  - source: quay.io/App\n';
  const lines = run([{ path: 'f.yaml', content: `${broken}---\n${wrong}` }], { profile: 'containerd' }).diagnostics.map(formatDiagnostic);
  expect(lines).toEqual([
    expect.stringMatching(/^f\.yaml:[45]:\d+: error YAML_SYNTAX: Missing closing "quote/),
    expect.stringMatching(/^f\.yaml:13:13: error SCHEMA_PATTERN spec\.imageDigestMirrors\[0\]\.source: "quay\.io\/App"/),
  ]);
});
