#!/usr/bin/env node
// Pattern benchmark (issue 10): the CRD location pattern on a mirror with a long repository name and
// a digest, `mirror.example.com/org/<n letters>@sha256:<64 hex>`, matched with RegExp as the schema
// check did before (backtracking: the time doubles with each letter) and with the linear-time matcher
// it uses now (src/validate/linear-pattern.ts), then every schema pattern on 100,000-character inputs.
//
//   node bench/patterns.mjs [--regexp-limit-ms 2000] [--json]
//
// RegExp is timed from n = 16 letters upward until one run exceeds the limit (it cannot be stopped
// once started: the last run may take twice the limit). The schema code is bundled from its
// TypeScript sources with esbuild, so this does not depend on `npm run build`.
import { buildSync } from 'esbuild';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({ options: { 'regexp-limit-ms': { type: 'string', default: '2000' }, json: { type: 'boolean', default: false } } });
const LIMIT = Number(values['regexp-limit-ms']);

// The matcher and the schemas only (no YAML library), bundled to an ES module beside the other benches' output.
const outdir = path.join(root, '.tmp', 'bench-patterns');
mkdirSync(outdir, { recursive: true });
buildSync({
  stdin: {
    contents: `
      export { compileLinearPattern } from './src/validate/linear-pattern.ts';
      export { CRD_SCHEMAS } from './src/validate/crd-schemas.ts';
      export { FUNCTION_CONFIG_SCHEMA } from './src/validate/function-config-schema.ts';`,
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: path.join(outdir, 'patterns.mjs'),
  logLevel: 'warning',
});
const { compileLinearPattern, CRD_SCHEMAS, FUNCTION_CONFIG_SCHEMA } = await import(pathToFileURL(path.join(outdir, 'patterns.mjs')).href);
// As src/validate/json-schema.ts compiledPattern: one matcher per pattern per process.
const compiled = new Map();
const compiledPattern = (pattern) => compiled.get(pattern) ?? compiled.set(pattern, compileLinearPattern(pattern)).get(pattern);

const entry = CRD_SCHEMAS['config.openshift.io/v1/ImageDigestMirrorSet'].properties.spec.properties.imageDigestMirrors.items;
const MIRROR = entry.properties.mirrors.items.pattern;
const SHA = `sha256:${'0123456789abcdef'.repeat(4)}`;
const issueMirror = (n) => `mirror.example.com/org/${'a'.repeat(n)}@${SHA}`;

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
function time(fn) {
  const start = process.hrtime.bigint();
  const verdict = fn();
  return { ms: ms(start), verdict };
}
/** Mean time of `fn` once warm: after one untimed run, repeated until 50 ms have passed, best of 3 such means. */
function warm(fn) {
  fn();
  const means = [];
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint();
    let runs = 0;
    do {
      fn();
      runs++;
    } while (ms(start) < 50);
    means.push(ms(start) / runs);
  }
  return Math.min(...means);
}
/** The fastest of `runs` single runs (other load on the machine only ever adds time). */
const best = (fn, runs = 5) => Math.min(...Array.from({ length: runs }, () => time(fn).ms));
const round = (x) => (x >= 100 ? Math.round(x) : Number(x.toPrecision(3)));

// 1. RegExp (as compiled before: `new RegExp(pattern)`), until one run exceeds the limit.
const regexp = new RegExp(MIRROR);
for (let i = 0; i < 1000; i++) regexp.test(issueMirror(8)); // compiled and warm before the first timing
const regexpRows = [];
for (let n = 16; ; n += 2) {
  const { ms: t, verdict } = time(() => regexp.test(issueMirror(n)));
  if (verdict) throw new Error(`RegExp accepted ${issueMirror(n)}`);
  regexpRows.push({ letters: n, ms: round(t) });
  if (t > LIMIT || n >= 40) break;
}

// 2. The linear-time matcher on the same input, from the same lengths to 1,000,000 letters: the first
// call on a fresh matcher (it builds its state cache) and the mean once warm. 1M letters give the
// growth figure: ten times the input should cost about ten times the time.
const fresh = () => compiledPattern(MIRROR);
const linearRows = [];
for (const n of [16, 20, 24, 30, 100, 1_000, 10_000, 100_000, 1_000_000]) {
  const input = issueMirror(n);
  // A new matcher for the cold figure (compile and an empty state cache, as the first check of a run).
  const cold = time(() => compileLinearPattern(MIRROR).test(input));
  if (cold.verdict) throw new Error('the linear matcher accepted a mirror with a digest');
  const matcher = fresh();
  linearRows.push({ letters: n, coldMs: round(cold.ms), warmMs: round(warm(() => matcher.test(input))) });
}

// 3. Every schema pattern on 100,000 characters: a run of the characters it accepts, then one that
// breaks the match at the very end (the backtracking shape), and the same run valid.
function patternsOf(schema, into = new Set()) {
  if (schema.pattern !== undefined) into.add(schema.pattern);
  for (const child of Object.values(schema.properties ?? {})) patternsOf(child, into);
  if (schema.items) patternsOf(schema.items, into);
  if (schema.additionalProperties) patternsOf(schema.additionalProperties, into);
  return into;
}
const patterns = [...new Set([...Object.values(CRD_SCHEMAS).flatMap((s) => [...patternsOf(s)]), ...patternsOf(FUNCTION_CONFIG_SCHEMA)])];
// A long valid-looking body for each shape of pattern, built from characters every pattern's first class takes.
// The last: 99,999 different code points from U+4E00 on, characters no pattern names one by one.
const DISTINCT = Array.from({ length: 99_999 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
const BODIES = ['a'.repeat(100_000), `/${'a'.repeat(99_999)}`, `a${' a'.repeat(49_999)}`, `a=${'b'.repeat(99_998)}`, `/${DISTINCT}`];
// Flat strings made once, so the timing holds no concatenation.
const INPUTS = BODIES.flatMap((body) => ['', '@', '\n', '-'].map((tail) => [...`${body}${tail}`].join('')));
const everyPattern = patterns.map((pattern) => {
  const matcher = compiledPattern(pattern);
  let worst = 0;
  for (const input of INPUTS) worst = Math.max(worst, best(() => matcher.test(input)));
  return { pattern: pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern, worstMs: round(worst) };
});

// 4. What an ordinary run pays: a typical valid mirror, per check, RegExp against the matcher.
const typical = 'mirror-3.corp.example:5000/m1/team-42/app-42';
const perCheck = (fn) => warm(fn) * 1e6;
const typicalRegexpNs = round(perCheck(() => regexp.test(typical)));
const typicalLinearNs = round(perCheck(() => fresh().test(typical)));

const last = regexpRows[regexpRows.length - 1];
const at = (n) => linearRows.find((r) => r.letters === n);
const growth = at(1_000_000).warmMs / at(100_000).warmMs;
const report = {
  bench: 'patterns',
  machine: `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  regexp: regexpRows,
  linear: linearRows,
  everyPatternAt100k: everyPattern,
  typicalMirrorPerCheckNs: { regexp: typicalRegexpNs, linear: typicalLinearNs },
};
if (values.json) console.log(JSON.stringify(report));
else {
  console.log(`machine: ${report.machine}\n`);
  console.log('mirror.example.com/org/<n letters>@sha256:<64 hex>, one test() each\n');
  console.log('| letters | RegExp | linear, fresh matcher | linear, warm |');
  console.log('|---:|---:|---:|---:|');
  for (const row of linearRows) {
    const re = regexpRows.find((r) => r.letters === row.letters);
    console.log(`| ${row.letters.toLocaleString('en')} | ${re ? `${re.ms} ms` : row.letters < last.letters ? '' : '(not run)'} | ${row.coldMs} ms | ${row.warmMs} ms |`);
  }
  console.log(`\nRegExp by letters: ${regexpRows.map((r) => `${r.letters}: ${r.ms} ms`).join(', ')}`);
  console.log('\nEvery schema pattern, 100,000 characters, worst of valid and broken endings (best of 5 runs):\n');
  console.log('| pattern | ms |');
  console.log('|---|---:|');
  for (const row of everyPattern) console.log(`| \`${row.pattern.replaceAll('|', '\\|')}\` | ${row.worstMs} |`);
  console.log(`\nA typical valid mirror (${typical}): RegExp ${typicalRegexpNs} ns, linear ${typicalLinearNs} ns per check`);
}
const worstAll = Math.max(...everyPattern.map((r) => r.worstMs));
const nsPerChar = (at(1_000_000).warmMs * 1e6) / issueMirror(1_000_000).length;
console.log(`BENCH_RESULT ${JSON.stringify([
  { figure: `RegExp, issue's mirror: letters until one check exceeds ${LIMIT} ms`, value: `${last.letters} letters: ${last.ms} ms`, target: '' },
  { figure: "linear matcher, issue's mirror with 30 letters (fresh matcher)", value: `${at(30).coldMs} ms`, target: '< 10 ms', pass: at(30).coldMs < 10 },
  { figure: 'linear matcher, 100k -> 1M letters (warm)', value: `${at(100_000).warmMs} -> ${at(1_000_000).warmMs} ms (${growth.toFixed(1)}x)`, target: '' },
  { figure: 'linear matcher, 1M letters, per character', value: `${nsPerChar.toFixed(1)} ns`, target: '< 100 ns', pass: nsPerChar < 100 },
  { figure: 'linear matcher, every schema pattern on 100k characters (worst)', value: `${worstAll} ms`, target: '< 100 ms', pass: worstAll < 100 },
])}`);
if (!(at(30).coldMs < 10 && nsPerChar < 100 && worstAll < 100)) process.exitCode = 1;
