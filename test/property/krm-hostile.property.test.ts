// The KRM function's promise to kpt and kustomize (docs/gitops.md "Findings"): whatever arrives on
// stdin, stdout is one complete ResourceList (the items as they came, plus results), and the exit
// code is 0, 1, or 2 for stdin that is no ResourceList at all; never an internal error (3) with an
// empty stdout, which kpt would take for "no items" and kustomize for a crash. The same for the legacy
// exec plugin, whose answer is its exit code and stderr. Hostile shapes: alias bombs, nesting deeper
// than the parser's stack (flow and block), `!!binary` scalars, items that are not objects, a stdin
// over the limit, and the committed corpus (fixtures/hostile/*/input). Seeded; FC_SEED=<n> replays another.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseDocument } from 'yaml';
import { main } from '../../src/adapters/cli.js';
import { StdinTooLarge } from '../../src/errors.js';
import { MAX_RESOURCE_LIST_BYTES, RESOURCE_LIST_API_VERSIONS } from '../../src/krm/resource-list.js';
import { idms, runCli, tempDir, type CliRun } from '../helpers/cli.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_2026);
const TIMEOUT = 240_000;
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const HEAD = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n';
/** A document's text as one entry of a block sequence at column 0. */
const asItem = (text: string): string =>
  text
    .replace(/\n+$/, '')
    .split('\n')
    .map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`))
    .join('\n') + '\n';
const resourceList = (items: readonly string[], functionConfig?: string): string =>
  `${HEAD}items:${items.length === 0 ? ' []\n' : `\n${items.map(asItem).join('')}`}${functionConfig === undefined ? '' : `functionConfig:\n${functionConfig.replace(/^/gm, '  ')}\n`}`;

const CONFIG = 'apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata:\n  name: mirrors\n';
const VALID = idms('valid', 'quay.io', ['mirror.example/quay']);

// --- hostile pieces: each a YAML text meant to be one item (or a value inside one)
const aliasBomb = fc.record({ width: fc.integer({ min: 2, max: 12 }), levels: fc.integer({ min: 3, max: 9 }), inMapping: fc.boolean() }).map(({ width, levels, inMapping }) => {
  const lines = [`a0: &a0 [${Array(width).fill('lol').join(', ')}]`];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]`);
  const body = lines.join('\n');
  return inMapping ? `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n${body.replace(/^/gm, '  ')}` : `{${lines.join(', ')}}`;
});
const deepFlow = fc.record({ depth: fc.integer({ min: 200, max: 30_000 }), open: fc.constantFrom('[', '{a: ') }).map(({ depth, open }) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${open.repeat(depth)}${open === '[' ? '' : '1'}${(open === '[' ? ']' : '}').repeat(depth)}`,
);
const deepBlock = fc.record({ depth: fc.integer({ min: 200, max: 1_200 }), seq: fc.boolean() }).map(({ depth, seq }) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 2)}${seq ? '-' : 'a:'}\n`).join('')}${' '.repeat(depth + 2)}x`,
);
const base64 = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64') || 'AA==');
const binary = fc.tuple(base64, fc.constantFrom('source', 'mirror', 'name', 'data', 'item', 'key')).map(([b64, where]) => {
  const tagged = `!!binary ${b64}`;
  if (where === 'item') return tagged;
  if (where === 'data') return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bin}\nbinaryData:\n  a: ${tagged}`;
  if (where === 'key') return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bin}\ndata:\n  ? ${tagged}\n  : x`;
  if (where === 'name') return VALID.replace('name: valid', `name: ${tagged}`);
  return where === 'source' ? VALID.replace('source: quay.io', `source: ${tagged}`) : VALID.replace('- mirror.example/quay', `- ${tagged}`);
});
const notAnObject = fc.jsonValue({ maxDepth: 3 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v));
const selfReference = fc.constantFrom('&a [*a]', '&a {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {r: *a}}', '*undefined', '&a x\n*a: y');
const TOKENS = ['apiVersion: v1\n', 'kind: ConfigMap\n', 'kind: ImageDigestMirrorSet\n', 'metadata:\n', '  name: x\n', '&a ', '*a', '<<: *a\n', '[', ']', '{', '}', ',', ': ', '- ', '? ', '!!binary ', '!!set ', '!!omap ', '!!timestamp ', '%YAML 1.1\n', '---\n', '"', "'", '\t', '\r', '\n', '\u0000', '\uFEFF', '\uD800', '__proto__', 'quay.io', '|\n', '# c\n'];
const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join(''));
const piece = fc.oneof(aliasBomb, deepFlow, deepBlock, binary, notAnObject, selfReference, soup, fc.constant(VALID));

const functionConfig = fc.option(
  fc.oneof(
    fc.constant(`${CONFIG}spec:\n  profile: containerd\n`),
    fc.constant('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {}\n'),
    binary.map((b) => b.replace(/^apiVersion[\s\S]*?\n(?=spec|binaryData|data)/, CONFIG)),
    piece,
  ),
  { nil: undefined },
);
const stdin = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.array(piece, { maxLength: 4 }), functionConfig).map(([items, fcText]) => resourceList(items, fcText)) },
  // The whole stdin hostile: no ResourceList around it, or a damaged one.
  { weight: 1, arbitrary: piece },
  { weight: 1, arbitrary: fc.tuple(soup, fc.array(piece, { maxLength: 2 })).map(([junk, items]) => `${HEAD}${junk}\n${resourceList(items).slice(HEAD.length)}`) },
);

/** What every answer must be, whatever came in. */
function expectResourceListAnswer(result: CliRun): void {
  expect(result.stderr).not.toMatch(/internal error|^\s+at |\bTypeError\b|\bRangeError\b/m);
  expect([0, 1, 2]).toContain(result.code);
  const doc = parseDocument(result.stdout, { uniqueKeys: false });
  expect(doc.errors).toEqual([]);
  const out = doc.toJS({ maxAliasCount: -1 }) as Record<string, unknown>;
  expect(out['kind']).toBe('ResourceList');
  expect(RESOURCE_LIST_API_VERSIONS).toContain(out['apiVersion']);
  expect(Array.isArray(out['items'])).toBe(true);
  const results = (out['results'] ?? []) as { severity: string; tags?: { code?: string } }[];
  if (result.code !== 0) expect(results.some((r) => r.severity === 'error')).toBe(true);
  // 2 only for stdin that is no ResourceList at all (the tool was not started by kpt or kustomize).
  if (result.code === 2) expect(results.map((r) => r.tags?.code)).toEqual(['NOT_A_RESOURCE_LIST']);
}

let work: ReturnType<typeof tempDir>;
beforeAll(() => {
  work = tempDir({ 'pkg/.keep': '' });
});
afterAll(() => work.cleanup());
const krm = (text: string): Promise<CliRun> => runCli([], { cwd: path.join(work.dir, 'pkg'), stdin: text });

describe('KRM function on hostile stdin', () => {
  test('always prints a complete ResourceList and exits 0, 1 or 2 (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(stdin, async (text) => expectResourceListAnswer(await krm(text))),
      { seed: SEED, numRuns: 250 },
    );
  }, TIMEOUT);

  test.each([
    ['an alias bomb', 1, 'YAML_SYNTAX', resourceList([`a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]`])],
    ['block nesting 800 deep (the emitter overflowed)', 1, 'YAML_SYNTAX', resourceList([`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n${Array.from({ length: 800 }, (_, i) => `${' '.repeat(i + 2)}a:\n`).join('')}${' '.repeat(802)}b: 1`])],
    ['flow nesting 20,000 deep', 1, 'YAML_SYNTAX', resourceList([`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata: ${'['.repeat(20_000)}${']'.repeat(20_000)}`])],
    ['an item that refers to itself', 1, 'YAML_SYNTAX', resourceList(['&a {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {r: *a}}'])],
    ['a !!binary ConfigMap beside a mirror set (passed through)', 0, undefined, resourceList(['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bin}\nbinaryData:\n  a: !!binary aGVsbG8=', VALID])],
    ['a !!binary mirror source', 1, 'SCHEMA_TYPE', resourceList([VALID.replace('source: quay.io', 'source: !!binary aGVsbG8=')])],
    ['items that are not objects', 1, 'NOT_A_RESOURCE_LIST', resourceList(['1', '[a]', 'null', VALID])],
    ['a functionConfig that is a list', 1, 'NOT_A_RESOURCE_LIST', resourceList([VALID], '[1]')],
    ['a duplicate key', 1, 'YAML_SYNTAX', resourceList([`${VALID}kind: Secret\n`])],
    ['stdin that is no ResourceList', 2, 'NOT_A_RESOURCE_LIST', VALID],
  ] as const)('%s: a ResourceList with the finding, exit %d', async (_name, code, finding, text) => {
    const result = await krm(text);
    expectResourceListAnswer(result);
    expect(result.code).toBe(code);
    const out = parseDocument(result.stdout).toJS() as { items: unknown[]; results?: { tags: { code: string } }[] };
    if (finding) expect(out.results?.map((r) => r.tags.code)).toContain(finding);
  });

  test('a failure gives every item back as it came, objects and not, so kpt loses nothing', async () => {
    const result = await krm(resourceList(['1', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept} # comment\nbinaryData: {a: !!binary aGVsbG8=}', VALID]));
    expect(result.code).toBe(1);
    const out = parseDocument(result.stdout).toJS() as { items: unknown[] };
    expect(out.items).toEqual([1, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, binaryData: { a: expect.any(Uint8Array) } }, expect.objectContaining({ kind: 'ImageDigestMirrorSet' })]);
    expect(result.stdout).toContain('# comment');
  });

  test('stdin over the limit is not read further: exit 1 and a ResourceList saying so', async () => {
    let stdout = '';
    let asked = 0;
    const code = await main([], {
      stdout: (text) => void (stdout += text),
      stderr: () => undefined,
      // What io/node-io.ts does with more than maxBytes on fd 0.
      readStdin: async (maxBytes) => {
        asked = maxBytes;
        throw new StdinTooLarge(maxBytes);
      },
      stdinIsTTY: false,
      cwd: work.dir,
      env: {},
    });
    expect(asked).toBe(MAX_RESOURCE_LIST_BYTES);
    expect(code).toBe(1);
    expect(parseDocument(stdout).toJS()).toMatchObject({ kind: 'ResourceList', items: [], results: [{ severity: 'error', tags: { code: 'READ_FAILED' } }] });
  });

  test('a ResourceList longer than the limit handed in whole (a library caller) is refused the same way', async () => {
    const filler = (i: number): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\ndata: {a: "${'x'.repeat(1024 * 1024)}"}`;
    const result = await krm(resourceList([VALID, ...Array.from({ length: MAX_RESOURCE_LIST_BYTES / 1024 / 1024 }, (_, i) => filler(i))]));
    expectResourceListAnswer(result);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('code: READ_FAILED');
  }, 120_000);
});

describe('KRM function on degenerate input under the byte limit', () => {
  test.each([
    ['a list of a million numbers', `${HEAD}items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: x}\n  data: {a: [${'1,'.repeat(1_000_000)}]}\n`],
    ['300,000 items that are not objects', `${HEAD}items:\n${'- 1\n'.repeat(300_000)}`],
  ])('%s: refused before parsing (the parser needs hundreds of bytes per token), a ResourceList, exit 1', async (_name, text) => {
    expect(text.length).toBeLessThan(MAX_RESOURCE_LIST_BYTES);
    const result = await krm(text);
    expectResourceListAnswer(result);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('YAML tokens on standard input');
  }, 60_000);
});

// fixtures/hostile/<case>/input/*: each file as the whole stdin, and its documents as items.
const corpus = readdirSync(path.join(root, 'fixtures', 'hostile'))
  .flatMap((name) => {
    const dir = path.join(root, 'fixtures', 'hostile', name, 'input');
    try {
      return readdirSync(dir).filter((f) => statSync(path.join(dir, f)).isFile()).map((f) => [`${name}/${f}`, readFileSync(path.join(dir, f), 'utf8')] as const);
    } catch {
      return [];
    }
  })
  .sort(([a], [b]) => (a < b ? -1 : 1));

describe('KRM function on the hostile corpus', () => {
  test('has the corpus', () => expect(corpus.length).toBeGreaterThanOrEqual(40));
  test.each(corpus)('%s: as stdin and as items, a ResourceList and exit 0, 1 or 2', async (_name, text) => {
    expectResourceListAnswer(await krm(text));
    expectResourceListAnswer(await krm(resourceList(text.split(/^---[^\n]*\n/m).filter((d) => d.trim() !== ''))));
  });
});

describe('exec plugin on hostile stdin', () => {
  test('exits 0 or 1 with findings on stderr, never an internal error, and prints nothing on failure (fast-check)', async () => {
    const config = tempDir({ 'config.yaml': `${CONFIG}spec:\n  profile: containerd\n` });
    try {
      const plugin = (text: string): Promise<CliRun> => runCli([path.join(config.dir, 'config.yaml')], { cwd: config.dir, stdin: text, env: { KUSTOMIZE_PLUGIN_CONFIG_ROOT: config.dir } });
      await fc.assert(
        fc.asyncProperty(fc.array(piece, { maxLength: 4 }), async (pieces) => {
          const result = await plugin(pieces.join('\n---\n'));
          expect(result.stderr).not.toMatch(/internal error|^\s+at |\bTypeError\b|\bRangeError\b/m);
          expect([0, 1]).toContain(result.code);
          if (result.code !== 0) {
            expect(result.stdout).toBe('');
            expect(result.stderr).toMatch(/^mirrorset-hosts: .*error [A-Z_]+/m);
          }
        }),
        { seed: SEED, numRuns: 120 },
      );
    } finally {
      config.cleanup();
    }
  }, TIMEOUT);
});
