// Properties over hostile and broken input (issue 7): random bytes, YAML-ish token soup, random JSON
// values and valid manifests with random damage. Whatever arrives, the tool answers with diagnostics
// that have a position, exit 1 (or 0 when the damage happens to leave valid input), never a crash or
// a stack trace, and writes nothing unless everything succeeded. Seeded; FC_SEED=<n> replays another.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { LineCounter, parseAllDocuments } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { formatDiagnostic, sortDiagnostics } from '../../src/diagnostics.js';
import { decodeText, parseManifests } from '../../src/parse/parse-manifests.js';
import { run } from '../../src/pipeline.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { readTree, writeTree } from '../helpers/golden.js';
import { mirrorSetsArb, oneFile } from './mirror-set-arbitraries.js';

const SEED = Number(process.env['FC_SEED'] ?? 7_2024);
const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });
// Generous: the machine is shared; a property takes seconds alone.
const TIMEOUT = 120_000;

// YAML's syntax, its traps (anchors, tags, directives, tabs, CR, BOM, NUL, lone surrogates) and
// the words of a mirror set, so that the soup sometimes comes close to a manifest.
const TOKENS = [
  'apiVersion: config.openshift.io/v1\n', 'apiVersion: operator.openshift.io/v1alpha1\n', 'kind: ImageDigestMirrorSet\n',
  'kind: ImageTagMirrorSet\n', 'kind: ImageContentSourcePolicy\n', 'kind: List\n', 'items:\n', 'metadata:\n', '  name: x\n',
  'spec:\n', '  imageDigestMirrors:\n', '  repositoryDigestMirrors:\n', '  - source: quay.io\n', '    mirrors:\n', '    - m.example/q\n',
  '    mirrorSourcePolicy: NeverContactSource\n', '---\n', '...\n', '%YAML 1.1\n', '%TAG ! tag:x:\n', '&a ', '*a', '<<: ', '[', ']', '{', '}',
  ',', ': ', ':', '- ', '? ', '!!binary ', '!!map ', '!local ', '"', "'", '\\', '\t', '\r\n', '\r', '\n', '\n', ' ', '  ', '# c\n', '|\n', '>-\n',
  '@', '`', '\u0000', '\uFEFF', 'é', '\u{1F600}', '\uD800', 'null', '~', 'true', '0x1F', '.inf', 'key', 'source', 'mirrors', '__proto__',
  'constructor', 'quay.io', '*.example.com', 'a'.repeat(300), '\u202E', '\u00A0',
];
const yamlish = fc.array(fc.constantFrom(...TOKENS), { minLength: 0, maxLength: 60 }).map((parts) => parts.join(''));
const jsonValue = fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v));
const bytes = fc.uint8Array({ minLength: 0, maxLength: 300 });

/** A valid manifest file with 1 to 6 random edits: cut, insert a token, replace a character, repeat or swap lines, truncate. */
const damaged = fc
  .tuple(
    mirrorSetsArb().map((objects) => oneFile(objects)[0]?.content as string),
    fc.array(fc.record({ op: fc.constantFrom('cut', 'insert', 'replace', 'repeat-line', 'swap-lines', 'truncate'), at: fc.nat(), span: fc.nat(40), token: fc.constantFrom(...TOKENS) }), { minLength: 1, maxLength: 6 }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const { op, at, span, token } of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      const lines = out.split('\n');
      const l = lines.length === 0 ? 0 : at % lines.length;
      if (op === 'cut') out = out.slice(0, i) + out.slice(i + span);
      else if (op === 'insert') out = out.slice(0, i) + token + out.slice(i);
      else if (op === 'replace') out = out.slice(0, i) + token.slice(0, 1) + out.slice(i + 1);
      else if (op === 'repeat-line') out = [...lines.slice(0, l + 1), lines[l] ?? '', ...lines.slice(l + 1)].join('\n');
      else if (op === 'swap-lines') out = lines.map((line, k) => (k === l ? lines[(l + span) % lines.length] : k === (l + span) % lines.length ? lines[l] : line)).join('\n');
      else out = out.slice(0, i);
    }
    return out;
  });

const content = fc.oneof(
  bytes.map((b): string | Uint8Array => b),
  yamlish,
  jsonValue,
  damaged,
  damaged.map((text) => new TextEncoder().encode(text)),
);
const FILE_NAMES = ['a.yaml', 'b.yml', 'c.json', 'sub/d.yaml'];
const files = fc.uniqueArray(fc.tuple(fc.constantFrom(...FILE_NAMES), content), { minLength: 1, maxLength: 3, selector: ([name]) => name });

// The field is one token: no space outside its quoted keys (formatFieldPath quotes unusual keys).
const DIAGNOSTIC_LINE = /^(?<file>[^:]+):(?<line>\d+):(?<col>\d+): (?<severity>error|warning|info) (?<code>[A-Z][A-Z0-9_]+)(?: (?:[^\s"]|"(?:[^"\\]|\\.)*")+)?: \S/;
const NO_POSITION = new Set(['NO_MIRROR_SETS']); // about the inputs as a whole, not one file

const textOf = (value: string | Uint8Array): string | undefined => decodeText({ path: 'x', content: value }).text;

describe('garbage through the pipeline', () => {
  test('never throws; every diagnostic has a position inside the file it names (NO_MIRROR_SETS excepted); no file unless no error', () => {
    fc.assert(
      fc.property(files, fc.constantFrom('containerd' as const, 'wmco' as const), fc.boolean(), (inputs, profile, strict) => {
        const sources = inputs.map(([name, value]) => ({ path: `in/${name}`, content: value }));
        const result = run(sources, { profile, strict });
        const errors = result.diagnostics.filter((d) => d.severity === 'error');
        if (errors.length > 0) expect(result.files).toEqual([]);
        expect(result.diagnostics).toEqual(sortDiagnostics(result.diagnostics));
        for (const d of result.diagnostics) {
          if (NO_POSITION.has(d.code)) continue;
          const file = sources.find((s) => s.path === d.location?.file);
          expect(file).toBeDefined();
          const text = textOf(file?.content ?? '') ?? '';
          expect(d.location?.line).toBeGreaterThanOrEqual(1);
          expect(d.location?.column).toBeGreaterThanOrEqual(1);
          expect(d.location?.line).toBeLessThanOrEqual(text.split(/\r\n|\r|\n/).length); // YAML's line breaks, as editors count them
          expect(formatDiagnostic(d)).toMatch(DIAGNOSTIC_LINE);
        }
      }),
      runs(1500),
    );
  }, TIMEOUT);

  test('DUPLICATE_KEY is found exactly where the YAML library\'s own uniqueKeys check finds it, and other syntax errors are unchanged', () => {
    // Keys from a small pool, block and flow mappings, nested, so that duplicates are common.
    const key = fc.constantFrom('a', 'b', '"a"', "'b'", '1', '1.0', '0x1', 'true', 'True', '~', 'null', '? a', '<<', '[a]', '&k c', '!!str a');
    const node: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom('1', 'x', '[]', '{}'),
        fc.array(fc.tuple(key, tie('value')), { minLength: 1, maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
        fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
      ),
    })).value;
    const document = fc.array(fc.tuple(key, node), { minLength: 1, maxLength: 6 }).map((pairs) => pairs.map(([k, v]) => `${k.startsWith('?') ? `${k}\n:` : `${k}:`} ${v}\n`).join(''));
    fc.assert(
      fc.property(fc.array(document, { minLength: 1, maxLength: 3 }).map((docs) => docs.join('---\n')), (text) => {
        const lineCounter = new LineCounter();
        const reference = parseAllDocuments(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
        const docs = Array.isArray(reference) ? reference : [reference];
        const expectedDuplicates = docs
          .flatMap((d) => d.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => lineCounter.linePos(e.pos[0])))
          .map((p) => `${p.line}:${p.col}`)
          .sort();
        const otherErrors = docs.flatMap((d) => d.errors.filter((e) => e.code !== 'DUPLICATE_KEY')).length;
        const found = parseManifests([{ path: 'f.yaml', content: text }]).diagnostics;
        expect(found.filter((d) => d.code === 'DUPLICATE_KEY').map((d) => `${d.location?.line}:${d.location?.column}`).sort()).toEqual(expectedDuplicates);
        // Parser errors end with the yaml error code; expanding the document (toJS) can add others.
        expect(found.filter((d) => d.code === 'YAML_SYNTAX' && / \([A-Z_]+\)$/.test(d.message)).length).toBe(otherErrors);
      }),
      runs(1000),
    );
  }, TIMEOUT);
});

describe('garbage through the CLI', () => {
  let baseline: Map<string, string>;
  beforeAll(async () => {
    // A previous output, to show that a failed render leaves it as it was.
    const work = tempDir({ 'in/idms.yaml': oneFile([{ kind: 'ImageDigestMirrorSet', name: 'prev', entries: [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }] }])[0]?.content as string });
    const result = await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir });
    expect(result.code).toBe(0);
    baseline = readTree(path.join(work.dir, 'out'));
    work.cleanup();
  });

  test('exit 1 with one diagnostic line each (or 0), no stack trace, the previous output untouched and nothing else written on failure', async () => {
    await fc.assert(
      fc.asyncProperty(files, fc.boolean(), fc.constantFrom('containerd', 'wmco'), async (inputs, previous, profile) => {
        const work = tempDir(Object.fromEntries(inputs.map(([name, value]) => [`in/${name}`, value])));
        try {
          const out = path.join(work.dir, 'out');
          if (previous) writeTree(out, baseline);
          const result = await runCli(['render', '--profile', profile, '--out', 'out', 'in'], { cwd: work.dir });
          expect([0, 1]).toContain(result.code);
          expect(result.stdout).toBe('');
          expect(result.stderr).not.toMatch(/internal error|^\s+at |Error:/m);
          const lines = result.stderr.split('\n').filter(Boolean);
          const diagnostics = lines.filter((line) => !line.startsWith('mirrorset-hosts: '));
          for (const line of diagnostics) {
            const match = DIAGNOSTIC_LINE.exec(line);
            if (!match) {
              expect(line).toMatch(/^(error|warning|info) NO_MIRROR_SETS: /);
              continue;
            }
            expect(inputs.map(([name]) => `in/${name}`)).toContain(match.groups?.['file']);
          }
          const failed = diagnostics.some((line) => / error [A-Z_]+/.test(line) || line.startsWith('error '));
          expect(result.code).toBe(failed ? 1 : 0);
          expect(readdirSync(work.dir).sort()).toEqual(previous || !failed ? ['in', 'out'] : ['in']);
          if (failed) {
            expect(lines.at(-1)).toBe('mirrorset-hosts: nothing written to out');
            if (previous) expect(readTree(out)).toEqual(baseline);
          } else if (profile === 'containerd') {
            for (const [file, text] of readTree(out)) if (file.endsWith('/hosts.toml')) parseToml(text);
          }
          expect(existsSync(out)).toBe(previous || !failed);
        } finally {
          work.cleanup();
        }
      }),
      runs(500),
    );
  }, TIMEOUT);

  test('garbage on standard input: the same clean failure, positions on <stdin>', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(yamlish, jsonValue, damaged), async (text) => {
        const work = tempDir();
        try {
          const result = await runCli(['render', '--out', 'out', '-'], { cwd: work.dir, stdin: text });
          expect([0, 1]).toContain(result.code);
          expect(result.stderr).not.toMatch(/internal error|^\s+at /m);
          for (const line of result.stderr.split('\n').filter((l) => l && !l.startsWith('mirrorset-hosts: '))) {
            if (!line.startsWith('error NO_MIRROR_SETS')) expect(line).toMatch(/^<stdin>:\d+:\d+: /);
          }
          expect(existsSync(path.join(work.dir, 'out'))).toBe(result.code === 0);
        } finally {
          work.cleanup();
        }
      }),
      runs(100),
    );
  }, TIMEOUT);
});
