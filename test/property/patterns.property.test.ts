// Schema pattern checks finish in time linear in the value (issue 10, invariant 3) and give the
// verdict they always gave. Two properties over every `pattern` of the CRD schemas and of our
// functionConfig schema:
// 1. On short strings (where backtracking is still cheap) the schema's matcher agrees with RegExp
//    (u flag: code points, as Go's runes): random strings of the pattern's own characters and
//    hostile ones, and strings that match the pattern with a few characters changed.
// 2. On long strings (thousands of label characters, then what breaks the match, the shape that
//    made RegExp run for minutes) it gives the verdict of an independent reading of the CRD's
//    location grammar, and of hand-known families for the other patterns.
// No timing assertion: a backtracking matcher exceeds jest's timeout here; bench/patterns.mjs measures.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import fc from 'fast-check';
import type { Diagnostic } from '../../src/diagnostics.js';
import { CRD_SCHEMAS } from '../../src/validate/crd-schemas.js';
import { FUNCTION_CONFIG_SCHEMA } from '../../src/validate/function-config-schema.js';
import { compiledPattern, type JsonSchema } from '../../src/validate/json-schema.js';
import { compileLinearPattern } from '../../src/validate/linear-pattern.js';

// The long inputs are matched in a worker thread, so that a matcher that backtracks fails these tests
// by jest's timeout instead of blocking the run for hours: the schema code is bundled from src/ with
// esbuild, as bench/rollout.mjs does.
type Job = { pattern: string; value: string } | { manifest: string };
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const workers = new Set<Worker>();
afterAll(async () => {
  await Promise.all([...workers].map((worker) => worker.terminate()));
});
let bundle: string | undefined;
function inWorker(jobs: Job[]): Promise<unknown[]> {
  bundle ??= buildSync({
    stdin: {
      contents: `
        import { parentPort, workerData } from 'node:worker_threads';
        import { compiledPattern } from './src/validate/json-schema.ts';
        import { parseManifests } from './src/parse/parse-manifests.ts';
        import { validateDocuments } from './src/validate/validate-documents.ts';
        parentPort.postMessage(workerData.map((job) => 'manifest' in job
          ? validateDocuments(parseManifests([{ path: 'idms.yaml', content: job.manifest }]).objects).diagnostics
          : compiledPattern(job.pattern).test(job.value)));`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
  }).outputFiles[0]?.text as string;
  return new Promise((resolve, reject) => {
    const worker = new Worker(bundle as string, { eval: true, workerData: jobs });
    workers.add(worker);
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const SEED = Number(process.env['FC_SEED'] ?? 7_2024);
const TIMEOUT = 120_000;

function patternsOf(schema: JsonSchema, into = new Set<string>()): Set<string> {
  if (schema.pattern !== undefined) into.add(schema.pattern);
  for (const child of Object.values(schema.properties ?? {})) patternsOf(child, into);
  if (schema.items) patternsOf(schema.items, into);
  if (schema.additionalProperties) patternsOf(schema.additionalProperties, into);
  return into;
}
const CRD_PATTERNS = [...new Set(Object.values(CRD_SCHEMAS).flatMap((schema) => [...patternsOf(schema)]))];
const PATTERNS = [...new Set([...CRD_PATTERNS, ...patternsOf(FUNCTION_CONFIG_SCHEMA)])];
const idmsEntry = CRD_SCHEMAS['config.openshift.io/v1/ImageDigestMirrorSet']?.properties?.['spec']?.properties?.['imageDigestMirrors']?.items;
const SOURCE = idmsEntry?.properties?.['source']?.pattern as string;
const MIRROR = idmsEntry?.properties?.['mirrors']?.items?.pattern as string;

test('the schemas have the patterns this file checks, and each compiles to the linear-time matcher', () => {
  // Two distinct CRD patterns (source, mirror) and the functionConfig's own.
  expect(CRD_PATTERNS).toHaveLength(2);
  expect(CRD_PATTERNS).toEqual(expect.arrayContaining([SOURCE, MIRROR]));
  expect(PATTERNS.length).toBeGreaterThanOrEqual(10);
  for (const pattern of PATTERNS) expect(() => compileLinearPattern(pattern)).not.toThrow();
});

// Characters a user or an attacker may write: separators of locations, paths and selectors,
// white space of every kind, control characters, look-alikes, a character outside the BMP and a
// lone surrogate (code points, not UTF-16 units, are what a class consumes).
const HOSTILE = ['@', ':', '/', '.', '-', '_', '__', '*', '=', '!', ',', '\\', '[', ']', ' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u0000', '\u0085',
  '\u00a0', '\u2028', '\ufeff', 'é', 'K', 'ſ', '\u{1F600}', '\uD800', 'A', 'Z', 'a', 'z', 'm', '0', '9', 'C:\\'];
/** The pattern's own characters (literals and class members as written), and the hostile ones. */
function alphabetOf(pattern: string): string[] {
  const own = [...pattern].filter((ch) => !'()?+*{}|^$'.includes(ch));
  return [...new Set([...own, ...HOSTILE])];
}

/** Up to 12 characters of the pattern's alphabet, or a string that matches it cut to 14 and changed in up to 3 places. */
function shortStrings(pattern: string): fc.Arbitrary<string> {
  const alphabet = alphabetOf(pattern);
  const soup = fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }).map((parts) => parts.join(''));
  const edit = fc.record({ op: fc.constantFrom('insert', 'replace', 'delete'), at: fc.nat(), ch: fc.constantFrom(...alphabet) });
  const nearMiss = fc.tuple(fc.stringMatching(new RegExp(pattern, 'u'), { size: 'xsmall' }), fc.array(edit, { maxLength: 3 })).map(([valid, edits]) => {
    let chars = [...valid].slice(0, 14);
    for (const { op, at, ch } of edits) {
      const i = chars.length === 0 ? 0 : at % chars.length;
      if (op === 'insert') chars = [...chars.slice(0, i), ch, ...chars.slice(i)];
      else if (op === 'replace') chars = [...chars.slice(0, i), ch, ...chars.slice(i + 1)];
      else chars = [...chars.slice(0, i), ...chars.slice(i + 1)];
    }
    return chars.join('');
  });
  return fc.oneof(soup, nearMiss);
}

test.each(PATTERNS)(
  'on short strings the schema matcher gives the verdict of RegExp: %s',
  (pattern) => {
    const matcher = compiledPattern(pattern);
    const oracle = new RegExp(pattern, 'u');
    const verdicts = new Set<boolean>();
    fc.assert(
      fc.property(shortStrings(pattern), (input) => {
        const verdict = matcher.test(input);
        verdicts.add(verdict);
        return verdict === oracle.test(input);
      }),
      { seed: SEED, numRuns: 3000 },
    );
    // Both answers were exercised: a property whose inputs all fail would prove little.
    expect([...verdicts].sort()).toEqual([false, true]);
  },
  TIMEOUT,
);

// The CRD's location grammar (openshift/api config/v1, the kubebuilder Pattern of `source`), read without
// a regular expression: host labels of letters, digits and inner '-', dot-separated; an optional
// `:port` of digits; then path components of lower-case letters and digits, separated inside a
// component by '.', '_', '__' or any run of '-'. A source may instead be `*.` plus host labels.
const isAlnum = (ch: string, upper: boolean): boolean => (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (upper && ch >= 'A' && ch <= 'Z');
function isLabel(label: string): boolean {
  return label.length > 0 && isAlnum(label[0] as string, true) && isAlnum(label[label.length - 1] as string, true) && [...label].every((ch) => ch === '-' || isAlnum(ch, true));
}
function isComponent(component: string): boolean {
  // Alternating runs of [a-z0-9] and of separators; it starts and ends with the former.
  const runs = component.match(/[a-z0-9]+|[^a-z0-9]+/g) ?? [];
  if (runs.length === 0 || !isAlnum(runs[0]?.[0] as string, false) || !isAlnum(runs[runs.length - 1]?.[0] as string, false)) return false;
  return runs.every((run) => isAlnum(run[0] as string, false) || run === '.' || run === '_' || run === '__' || /^-+$/.test(run));
}
function isLocation(value: string, wildcard: boolean): boolean {
  if (wildcard && value.startsWith('*.')) return value.slice(2).split('.').every(isLabel);
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  const colon = host.indexOf(':');
  const hostname = colon < 0 ? host : host.slice(0, colon);
  if (colon >= 0 && !/^[0-9]+$/.test(host.slice(colon + 1))) return false;
  if (!hostname.split('.').every(isLabel)) return false;
  return slash < 0 || value.slice(slash + 1).split('/').every(isComponent);
}

// Long pieces: runs of the characters a label or component is made of, then what breaks it.
const run = (chars: string) => fc.tuple(fc.constantFrom(...chars), fc.integer({ min: 1, max: 4000 })).map(([ch, n]) => ch.repeat(n));
const label = fc.array(fc.oneof(run('aZ9'), run('a-'), fc.constantFrom('a', '-', 'b1')), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
const component = fc.array(fc.oneof(run('a0z'), fc.constantFrom('.', '_', '__', '___', '-', '---', 'a', 'A', '..')), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
const SHA = `sha256:${'0123456789abcdef'.repeat(4)}`;
const TAILS = ['', '', '', `@${SHA}`, ':v1.2', ':latest', '@', '-', '.', '/', '_', '___', 'A', ' ', '\n', '\u0000', '\u{1F600}', '\uD800', ':', '/-', '//'];
const longLocation = fc
  .record({
    wildcard: fc.boolean(),
    labels: fc.array(label, { minLength: 1, maxLength: 3 }),
    port: fc.option(fc.constantFrom(':5000', ':0', ':', ':5x'), { nil: '' }),
    path: fc.array(component, { maxLength: 3 }),
    tail: fc.constantFrom(...TAILS),
  })
  .map(({ wildcard, labels, port, path, tail }) => `${wildcard ? '*.' : ''}${labels.join('.')}${wildcard ? '' : port}${path.map((c) => `/${c}`).join('')}${tail}`);

const longLocations = fc.sample(fc.tuple(fc.boolean(), longLocation), { seed: SEED, numRuns: 300 });
longLocations.push([false, `mirror.example.com/org/${'a'.repeat(30)}@${SHA}`], [false, `mirror.example.com/org/${'a'.repeat(30)}`]);

test(
  'on long locations the CRD source and mirror patterns give the verdict of the location grammar',
  async () => {
    const jobs = longLocations.map(([source, value]): Job => ({ pattern: source ? SOURCE : MIRROR, value }));
    const verdicts = await inWorker(jobs);
    const wrong = longLocations.filter(([source, value], i) => verdicts[i] !== isLocation(value, source));
    // The shortest wrong value, cut for the message.
    const [source, value] = wrong.sort((a, b) => a[1].length - b[1].length)[0] ?? [false, ''];
    expect({ wrong: wrong.length, first: JSON.stringify(value.slice(0, 300)), pattern: source ? 'source' : 'mirror' }).toMatchObject({ wrong: 0 });
    expect([...new Set(verdicts)].sort()).toEqual([false, true]);
  },
);

// The other patterns on long members of families whose verdict is known: n label characters,
// then either a valid end or the character that breaks the match.
const LONG = [30, 1_000, 100_000];
const FAMILIES: [string, (n: number) => string, boolean][] = [
  ['location: the issue\'s mirror, a digest after a long path', (n) => `mirror.example.com/org/${'a'.repeat(n)}@${SHA}`, false],
  ['location: a tag after a long path', (n) => `mirror.example.com/org/${'a'.repeat(n)}:v1`, false],
  ['location: a long path', (n) => `mirror.example.com/org/${'a'.repeat(n)}`, true],
  ['location: a long path of single separators', (n) => `mirror.example.com/${'a-b.c_d__'.repeat(n)}e`, true],
  ['location: a long path ending in a separator', (n) => `mirror.example.com/${'a-'.repeat(n)}`, false],
  ['location: three underscores after a long path', (n) => `mirror.example.com/${'a'.repeat(n)}___b`, false],
  ['location: a long host label', (n) => `${'a'.repeat(n)}.example.com:5000/x`, true],
  ['location: a long host label ending in "-"', (n) => `${'a-'.repeat(n)}/x`, false],
  ['location: an upper-case letter after a long path', (n) => `quay.io/${'a'.repeat(n)}A`, false],
];
const fn = (field: string): string => {
  const spec = FUNCTION_CONFIG_SCHEMA.properties?.['spec']?.properties ?? {};
  const found = field.split('.').reduce<JsonSchema | undefined>((node, key) => node?.properties?.[key] ?? node?.items?.properties?.[key], { properties: spec });
  if (!found?.pattern) throw new Error(`no pattern at spec.${field}`);
  return found.pattern;
};
/** `n` different code points from U+4E00 on (CJK, then surrogates and the supplementary planes), none a line break. */
const distinct = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
const FUNCTION_FAMILIES: [string, () => string, (n: number) => string, boolean][] = [
  ['image: a long repository path', () => fn('image'), (n) => `registry.example.com/${'a/'.repeat(n)}x:v1`, true],
  ['image: a long path with a digest', () => fn('image'), (n) => `registry.example.com/${'a:'.repeat(n)}x@${SHA}`, true],
  ['image: a tag over 128 characters', () => fn('image'), (n) => `r.example/x:V${'b'.repeat(n + 128)}`, false],
  ['image: a space after a long path', () => fn('image'), (n) => `r.example/${'a:'.repeat(n)} x`, false],
  ['schedule: five fields far apart', () => fn('rollout.schedule'), (n) => `*${' '.repeat(n)}* * * *`, true],
  ['schedule: many fields', () => fn('rollout.schedule'), (n) => `${'* '.repeat(n)}*`, false],
  ['configDir: a long path of characters the pattern does not name', () => fn('target.configDir'), (n) => `/${distinct(n)}`, true],
  ['configDir: a newline after a long path of such characters', () => fn('target.configDir'), (n) => `/${distinct(n)}\n`, false],
  ['canary: a long node name', () => fn('rollout.canary'), (n) => `${'a-.'.repeat(n)}b`, true],
  ['canary: a long node name ending in "-"', () => fn('rollout.canary'), (n) => `${'a-.'.repeat(n)}`, false],
];

const LONG_CASES = [
  ...FAMILIES.flatMap(([name, make, expected]) =>
    LONG.flatMap((n) => [
      { name: `${name} (source), n=${n}`, pattern: SOURCE, value: make(n), expected },
      { name: `${name} (mirror), n=${n}`, pattern: MIRROR, value: make(n), expected },
    ]),
  ),
  ...FUNCTION_FAMILIES.flatMap(([name, pattern, make, expected]) => LONG.map((n) => ({ name: `${name}, n=${n}`, pattern: pattern(), value: make(n), expected }))),
];

test('long members of known families get their known verdict, from every pattern', async () => {
  const verdicts = await inWorker(LONG_CASES.map(({ pattern, value }) => ({ pattern, value })));
  expect(LONG_CASES.map(({ name }, i) => `${name}: ${verdicts[i]}`)).toEqual(LONG_CASES.map(({ name, expected }) => `${name}: ${expected}`));
});

test("lint's schema check answers the issue's mirror (30 letters and a digest) with SCHEMA_PATTERN", async () => {
  const text = [
    'apiVersion: config.openshift.io/v1', 'kind: ImageDigestMirrorSet', 'metadata:', '  name: x', 'spec:', '  imageDigestMirrors:',
    '  - source: quay.io/org', '    mirrors:', `    - mirror.example.com/org/${'abcdefghijklmnopqrstuvwxyzabcd'}@${SHA}`, '',
  ].join('\n');
  const [diagnostics] = (await inWorker([{ manifest: text }])) as Diagnostic[][];
  expect(diagnostics).toEqual([
    expect.objectContaining({ code: 'SCHEMA_PATTERN', field: 'spec.imageDigestMirrors[0].mirrors[0]', location: expect.objectContaining({ line: 9, column: 7 }) }),
  ]);
  expect(diagnostics?.[0]?.message).toContain('remove the digest');
});
