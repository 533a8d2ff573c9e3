// The fast block-YAML reader must give exactly what the yaml library gives (objects, document
// indexes, every field's position, every diagnostic), or decline. Compared on every manifest under
// fixtures/ and on generated documents full of the scalars and layouts that trip readers up.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { readBlockSubset } from '../../src/parse/block-subset.js';
import { parseManifests, type FieldPath, type ManifestObject, type SourceFile } from '../../src/parse/parse-manifests.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');

function manifestFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ya?ml|json)$/.test(e.name))
    .map((e) => path.join(e.path, e.name))
    .sort();
}

/** Every path into a value, with the value's own path first. */
function paths(value: unknown, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function view(objects: ManifestObject[]) {
  return objects.map((o) => ({
    documentIndex: o.documentIndex,
    basePath: o.basePath,
    value: o.value,
    positions: paths(o.value).map((p) => [p, o.locate(p), o.locateKey(p), o.locate([...p, 'missing'])]),
  }));
}

function expectSameAsYaml(file: SourceFile): void {
  const byYaml = parseManifests([file], { blockSubset: false });
  const bySubset = parseManifests([file]);
  expect(bySubset.diagnostics.map(formatDiagnostic)).toEqual(byYaml.diagnostics.map(formatDiagnostic));
  expect(view(bySubset.objects)).toEqual(view(byYaml.objects));
}

const files = manifestFiles(fixtures);

test('the fixtures hold manifests, and the subset reader takes most of them', () => {
  const accepted = files.filter((f) => readBlockSubset(readFileSync(f, 'utf8')) !== undefined);
  expect(files.length).toBeGreaterThan(100);
  expect(accepted.length / files.length).toBeGreaterThan(0.5);
  // What oc-mirror and the example repo write is plain block YAML: the fast path must take it.
  for (const f of files.filter((f) => (f.includes('example-repo') || f.includes('oc-mirror-v2')) && !f.endsWith('.json'))) {
    expect([f, readBlockSubset(readFileSync(f, 'utf8')) !== undefined]).toEqual([f, true]);
  }
});

test.each(files.map((f) => [path.relative(fixtures, f), f]))('%s reads the same with both readers', (_name, file) => {
  expectSameAsYaml({ path: 'f.yaml', content: readFileSync(file) });
});

// Generated block YAML: keys, scalars and layouts chosen to hit every branch of the reader.
const SCALARS = [
  'quay.io', 'mirror.example:5000/org', 'x#y', 'a #comment', 'null', 'Null', '~', 'true', 'False', 'yes', 'on', '0', '7',
  '01', '1.5', '1e3', '-1', '-x', '.inf', '"quoted"', "'single'", "'it''s'", '"a: b"', "'a # b'", '""', "''", '{}', '[]',
  'Tuesday, 25-Nov-25 17:50:51 UTC', '"2026-08-14T09:12:44Z"', 'a: b', 'a:', '*alias', '&anchor x', '!tag x', '|', '>-',
  '"esc\\"aped"', '4.19.0-202511251700', '2026-08-14', '0x1F', '0o17', '1_000', '10.0.0.5:5000/x', '[a, b]', '{a: 1}', '@x', '%x', '`x`', '? x', 'trailing   ', 'a [b]', 'x: "y"', '12345678901234567890',
];
const KEYS = ['apiVersion', 'kind', 'name', 'source', 'mirrors', 'a.b/c', 'x-y', '"quoted key"', "'q'", 'null', 'true', '1', 'spec', '<<', '__proto__', 'k:v'];

type Tree = string | Tree[] | [string, Tree][];
const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...SCALARS),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
    fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('node')), { minLength: 1, maxLength: 4 }).map((e) => e as [string, Tree][]),
  ),
})).node;

const isMapping = (t: Tree): t is [string, Tree][] => Array.isArray(t) && t.length > 0 && Array.isArray(t[0]) && t.every((e) => Array.isArray(e) && typeof e[0] === 'string' && e.length === 2);

function render(t: Tree, indent: number, step: number, compact: boolean): string[] {
  const pad = ' '.repeat(indent);
  if (typeof t === 'string') return [`${pad}${t}`];
  if (isMapping(t)) {
    return t.flatMap(([k, v]) => {
      if (typeof v === 'string') return [`${pad}${k}: ${v}`];
      const nested = !isMapping(v) && compact ? render(v, indent, step, compact) : render(v, indent + step, step, compact);
      return [`${pad}${k}:`, ...nested];
    });
  }
  return (t as Tree[]).flatMap((item) => {
    if (typeof item === 'string') return [`${pad}- ${item}`];
    const lines = render(item, indent + 2, step, compact);
    const first = (lines[0] as string).slice(indent + 2);
    return isMapping(item) ? [`${pad}- ${first}`, ...lines.slice(1)] : [`${pad}-`, ...lines];
  });
}

test('generated block YAML reads the same with both readers', () => {
  fc.assert(
    fc.property(
      fc.array(tree, { minLength: 1, maxLength: 3 }),
      fc.constantFrom(2, 4),
      fc.boolean(),
      fc.constantFrom('', '# a comment\n', '---\n'),
      fc.constantFrom('\n', '\r\n'),
      (docs, step, compact, lead, eol) => {
        const text = lead + docs.map((d) => render(d, 0, step, compact).join('\n')).join('\n---\n') + '\n';
        expectSameAsYaml({ path: 'g.yaml', content: text.replaceAll('\n', eol) });
      },
    ),
    { seed: 20261121, numRuns: 1500 },
  );
});

// Positions live in a compact index (src/parse/position-index.ts) that searches a large mapping
// through a key table built on first use: the same answers as yaml at every key and item.
test('a mapping of many keys and a long sequence locate every field as yaml does', () => {
  const keys = Array.from({ length: 120 }, (_, i) => `key-${i}: value-${i}`).join('\n  ');
  const items = Array.from({ length: 60 }, (_, i) => `  - source: r${i}.example.com/a\n    mirrors: [m${i}.example.com/a]`).join('\n');
  const text = `apiVersion: v1\nkind: ConfigMap\ndata:\n  ${keys}\nitems:\n${items.replaceAll('[m', '\n    - m').replaceAll('/a]', '/a')}\n`;
  expect(readBlockSubset(text)).toBeDefined();
  expectSameAsYaml({ path: 'big.yaml', content: text });
});

test('paths that leave the document locate the nearest node, as yaml does', () => {
  const file = { path: 'p.yaml', content: 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: X\n  list:\n  - a\n  - b\n' };
  const [bySubset] = parseManifests([file]).objects;
  const [byYaml] = parseManifests([file], { blockSubset: false }).objects;
  for (const p of [['list', -1], ['list', 1.5], ['list', 2], ['list', '0'], ['kind', 0], ['list', 0, 'deeper'], ['missing', 'x']] as FieldPath[]) {
    expect([p, bySubset?.locate(p), bySubset?.locateKey(p)]).toEqual([p, byYaml?.locate(p), byYaml?.locateKey(p)]);
  }
});
