// Symbolic links among the manifests, one rule for both ways of naming them (io/files.ts readInputs):
// - a directory and a glob over it read the same set: a link to a file is read like the file (named
//   by the link), a link to a directory is neither listed nor descended, a dangling link or a loop
//   is READ_FAILED. The glob form used to drop every linked file without a word;
// - where a repository's settings name the inputs (spec.inputs of a MirrorSetHosts, `inputs` of
//   .mirrorset-hosts.yaml), every file read must lie inside the settings' directory once links are
//   resolved: a link leading out is INPUT_OUTSIDE_ROOT naming the link and its target, never read.
//   It used to be read: only the named input itself was checked, not the files found in it.
//   spec.allowOutsideRoot lifts it; PATH arguments on the command line are never restricted.
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { readInputs } from '../../src/io/files.js';
import { idms, runCli, tempDir } from '../helpers/cli.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_2026);
const OUTSIDE_MARK = 'outside-the-root';

type Kind = 'file' | 'link-file-in' | 'link-file-out' | 'link-dir-in' | 'link-dir-out' | 'dangling' | 'loop' | 'not-a-manifest';
const entryArb = fc.record({
  dir: fc.constantFrom('', 'd1', 'd1/d2', '.hidden', 'x.yaml'),
  name: fc.constantFrom('a', 'b', 'c', '.h', 'dup'),
  ext: fc.constantFrom('.yaml', '.yml', '.json'),
  kind: fc.constantFrom<Kind>('file', 'link-file-in', 'link-file-out', 'link-dir-in', 'link-dir-out', 'dangling', 'loop', 'not-a-manifest'),
});

/** A layout under <tmp>/work/in (always one regular manifest), with <tmp>/work/elsewhere outside it. */
function makeLayout(entries: readonly { dir: string; name: string; ext: string; kind: Kind }[]): { base: string; cleanup(): void } {
  const base = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-links-'));
  const inDir = path.join(base, 'in');
  const elsewhere = path.join(base, 'elsewhere');
  mkdirSync(path.join(inDir, 'target-dir'), { recursive: true });
  mkdirSync(path.join(elsewhere, 'dir'), { recursive: true });
  writeFileSync(path.join(inDir, 'always.yaml'), 'kind: always\n');
  writeFileSync(path.join(inDir, 'target-dir', 'deep.yaml'), 'kind: deep\n');
  writeFileSync(path.join(elsewhere, 'secret.yaml'), `kind: ${OUTSIDE_MARK}\n`);
  writeFileSync(path.join(elsewhere, 'dir', 'secret.yaml'), `kind: ${OUTSIDE_MARK}\n`);
  for (const [i, { dir, name, ext, kind }] of entries.entries()) {
    const parent = path.join(inDir, dir);
    mkdirSync(parent, { recursive: true });
    const file = path.join(parent, `${name}${i}${kind === 'not-a-manifest' ? '.txt' : ext}`);
    const up = path.relative(parent, inDir) || '.';
    if (kind === 'file' || kind === 'not-a-manifest') writeFileSync(file, `kind: file${i}\n`);
    else if (kind === 'link-file-in') symlinkSync(path.join(up, 'always.yaml'), file);
    else if (kind === 'link-file-out') symlinkSync(i % 2 ? path.join(elsewhere, 'secret.yaml') : path.join(up, '..', 'elsewhere', 'secret.yaml'), file);
    else if (kind === 'link-dir-in') symlinkSync(path.join(up, 'target-dir'), file);
    else if (kind === 'link-dir-out') symlinkSync(path.join(elsewhere, 'dir'), file);
    else if (kind === 'dangling') symlinkSync('missing.yaml', file);
    else symlinkSync(path.basename(file), file);
  }
  return { base, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

const context = (cwd: string, root?: string) => ({ cwd, readStdin: async () => '', ...(root ? { root } : {}) });
const summary = (read: Awaited<ReturnType<typeof readInputs>>) => ({
  files: read.files.map((f) => [f.path, Buffer.from(f.content).toString('utf8')]),
  diagnostics: read.diagnostics.map((d) => `${d.location?.file} ${d.code}`),
});

describe('symbolic links among the inputs', () => {
  test('a directory and a glob over it read the same files and report the same findings, with and without a root (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entryArb, { maxLength: 8 }), fc.boolean(), async (entries, withRoot) => {
        const layout = makeLayout(entries);
        try {
          const root = withRoot ? realpathSync(path.join(layout.base, 'in')) : undefined;
          const fromDirectory = summary(await readInputs(['in'], context(layout.base, root)));
          const fromGlob = summary(await readInputs(['in/**/*.{yaml,yml,json}'], context(layout.base, root)));
          expect(fromGlob).toEqual(fromDirectory);
          // Linked files are read (the glob form dropped them), links to directories are not descended.
          const visible = (kind: Kind): number => entries.filter((e) => e.kind === kind && !e.dir.startsWith('.') && !e.name.startsWith('.')).length;
          const texts = fromDirectory.files.map(([, text]) => text ?? '');
          expect(texts.filter((text) => text === 'kind: always\n').length).toBe(1 + visible('link-file-in'));
          expect(texts.filter((text) => text === 'kind: deep\n').length).toBe(1);
          const outsideLinks = visible('link-file-out');
          const readOutside = texts.filter((text) => text.includes(OUTSIDE_MARK)).length;
          const refused = fromDirectory.diagnostics.filter((d) => d.endsWith('INPUT_OUTSIDE_ROOT')).length;
          // With a root, nothing outside it is read and each link leading out is named; without, they are read.
          expect([readOutside, refused]).toEqual(withRoot ? [0, outsideLinks] : [outsideLinks, 0]);
        } finally {
          layout.cleanup();
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  }, 120_000);
});

describe('spec.inputs and .mirrorset-hosts.yaml hold the files found to their directory', () => {
  let work: ReturnType<typeof tempDir>;
  beforeEach(() => {
    work = tempDir({
      'repo/ms/quay.yaml': idms('quay', 'quay.io', ['mirror.example/quay']),
      'elsewhere/k8s.yaml': idms('k8s', 'registry.k8s.io', ['mirror.example/k8s']),
    });
    symlinkSync('../../elsewhere/k8s.yaml', path.join(work.dir, 'repo', 'ms', 'k8s.yaml'));
  });
  afterEach(() => work.cleanup());

  const krm = (inputs: string, extra = '') =>
    runCli([], {
      cwd: path.join(work.dir, 'repo'),
      stdin: `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: mirrorset-hosts.io/v1alpha1\n  kind: MirrorSetHosts\n  metadata: {name: mirrors}\n  spec:\n    inputs: ${inputs}\n${extra}`,
    });

  test.each([['a directory', '[ms]'], ['a glob', '["ms/*.yaml"]']])('KRM function, spec.inputs as %s: the link leading out is refused by name, exit 1', async (_name, inputs) => {
    const result = await krm(inputs);
    expect(result.code).toBe(1);
    const out = parse(result.stdout) as { kind: string; results: { message: string; file?: { path: string }; tags: { code: string } }[] };
    expect(out.kind).toBe('ResourceList');
    const refused = out.results.filter((r) => r.tags.code === 'INPUT_OUTSIDE_ROOT');
    expect(refused).toEqual([expect.objectContaining({ file: { path: 'ms/k8s.yaml' }, message: expect.stringContaining(`found a symbolic link to ${realpathSync(work.dir)}/elsewhere/k8s.yaml outside it`) })]);
    expect(result.stdout).not.toContain('registry.k8s.io');
  });

  test.each([['a directory', '[ms]'], ['a glob', '["ms/*.yaml"]']])('KRM function, spec.inputs as %s with allowOutsideRoot: the link is read like its file', async (_name, inputs) => {
    const result = await krm(inputs, '    allowOutsideRoot: true\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('registry.k8s.io_2fhosts.toml');
  });

  test('lint with inputs from .mirrorset-hosts.yaml refuses the link; the same directory named as PATH reads it', async () => {
    writeFileSync(path.join(work.dir, 'repo', '.mirrorset-hosts.yaml'), 'inputs: [ms]\n');
    const fromSettings = await runCli(['lint'], { cwd: path.join(work.dir, 'repo') });
    expect(fromSettings.code).toBe(1);
    expect(fromSettings.stderr).toContain(`ms/k8s.yaml:1:1: error INPUT_OUTSIDE_ROOT: expected a file inside . (the directory of the settings that name it), found a symbolic link to ${realpathSync(work.dir)}/elsewhere/k8s.yaml outside it`);
    const named = await runCli(['lint', 'ms'], { cwd: path.join(work.dir, 'repo') });
    expect(named.code).toBe(0);
  });
});
