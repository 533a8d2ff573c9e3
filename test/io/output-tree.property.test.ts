// Do no harm to an output directory: `render --out DIR` and `build --out DIR` replace DIR only when
// everything in it is listed in the ownership marker the tool wrote there. Checked as a property over
// many directories a user may point --out at (a Git checkout, the input, a home directory with .ssh,
// a previous output with files added by hand, symbolic links, a forged or broken marker), and for the
// layouts users hit first (`--out .`, `--out mirrorsets mirrorsets`).
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { OUTPUT_MARKER } from '../../src/io/output-tree.js';
import { idms, runCli, tempDir } from '../helpers/cli.js';

const INPUT = idms('quay', 'quay.io', ['mirror.example/quay']);
const CONFIG = 'apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata:\n  name: mirrors\nspec:\n  inputs: [in]\n';

/** Every path below `dir` (hidden ones too) with a hash of its content or its link target. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      const info = lstatSync(path.join(dir, rel));
      if (info.isSymbolicLink()) out[rel] = `-> ${readlinkSync(path.join(dir, rel))}`;
      else if (info.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(rel);
      } else out[rel] = createHash('sha256').update(readFileSync(path.join(dir, rel))).digest('hex');
    }
  };
  walk('');
  return out;
}

/** Regular files below `dir`, relative, without the marker. */
const filesBelow = (dir: string): string[] => Object.keys(snapshot(dir)).filter((p) => !p.endsWith('/') && p !== OUTPUT_MARKER);

// Names from what users keep next to their files, what the tool itself writes, and hostile ones.
const NAMES = ['.git', '.ssh', 'README.md', 'src', 'quay.io', 'hosts.toml', 'ca.crt', 'kustomization.yaml', 'job-mirrors.yaml', '..x', 'a b', '.mirrorset-hosts-outputx'];
const entryPath = fc.array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const entry = fc.record({ path: entryPath, kind: fc.constantFrom('file', 'dir', 'link-out', 'link-in') });
const marker = fc.option(
  fc.record({
    listed: fc.array(fc.oneof(entryPath, fc.constantFrom('quay.io/hosts.toml', '../outside', '/etc/passwd', '')), { maxLength: 6 }),
    asDirectory: fc.boolean(),
  }),
  { nil: undefined },
);

interface Layout {
  entries: Array<{ path: string; kind: string }>;
  marker: { listed: string[]; asDirectory: boolean } | undefined;
}

/** Lays `layout` out in `out`; an entry whose parent is a file is skipped (it cannot exist). */
function layOut(work: string, layout: Layout): void {
  const out = path.join(work, 'out');
  mkdirSync(out);
  writeFileSync(path.join(work, 'outside.txt'), 'outside\n');
  for (const { path: relative, kind } of layout.entries) {
    const full = path.join(out, ...relative.split('/'));
    try {
      mkdirSync(path.dirname(full), { recursive: true });
      if (kind === 'file') writeFileSync(full, `user file ${relative}\n`, { flag: 'wx' });
      else if (kind === 'dir') mkdirSync(full);
      else symlinkSync(kind === 'link-out' ? path.join(work, 'outside.txt') : '.', full);
    } catch {
      // EEXIST, or a parent that is a file or a link: this layout simply lacks that entry.
    }
  }
  if (layout.marker) {
    const full = path.join(out, OUTPUT_MARKER);
    if (layout.marker.asDirectory) mkdirSync(full, { recursive: true });
    else writeFileSync(full, `# forged or stale\n${layout.marker.listed.join('\n')}\n`);
  }
}

describe.each([
  ['render', (out: string) => ['render', '--out', out, 'in']],
  ['build', (out: string) => ['build', '--config', 'mirrorset-hosts.yaml', '--out', out]],
])('%s --out', (_command, argv) => {
  test('never deletes or changes what it did not write: it either refuses and changes nothing, or every entry it replaced was listed in its marker', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), marker, async (entries, mark) => {
        const work = tempDir({ 'in/quay.yaml': INPUT, 'mirrorset-hosts.yaml': CONFIG });
        try {
          layOut(work.dir, { entries, marker: mark });
          const before = snapshot(work.dir);
          const previous = snapshot(path.join(work.dir, 'out'));
          const result = await runCli(argv('out'), { cwd: work.dir });
          expect(result.stderr).not.toMatch(/internal error/);
          if (result.code !== 0) {
            expect(result.code).toBe(2);
            expect(snapshot(work.dir)).toEqual(before);
            return;
          }
          // It replaced the directory: then everything that was there was listed by a marker file.
          const listed = mark && !mark.asDirectory ? mark.listed : [];
          const notOurs = Object.entries(previous).filter(([relative, what]) =>
            relative.endsWith('/')
              ? !listed.some((l) => l.startsWith(relative))
              : relative !== OUTPUT_MARKER && (what.startsWith('->') || !listed.includes(relative)),
          );
          expect(notOurs).toEqual([]);
          // Nothing outside the output directory changed, and no staging directory is left.
          const after = snapshot(work.dir);
          const outside = (s: Record<string, string>) => Object.fromEntries(Object.entries(s).filter(([p]) => !p.startsWith('out/')));
          expect(outside(after)).toEqual(outside(before));
        } finally {
          work.cleanup();
        }
      }),
      { numRuns: 150, seed: Number(process.env['FC_SEED'] ?? 20261202) },
    );
  });

  test('replaces its own previous output, and only that: a second run over the first succeeds', async () => {
    const work = tempDir({ 'in/quay.yaml': INPUT, 'mirrorset-hosts.yaml': CONFIG });
    try {
      expect((await runCli(argv('out'), { cwd: work.dir })).code).toBe(0);
      const first = snapshot(work.dir);
      expect((await runCli(argv('out'), { cwd: work.dir })).code).toBe(0);
      expect(snapshot(work.dir)).toEqual(first);
      const marker = readFileSync(path.join(work.dir, 'out', OUTPUT_MARKER), 'utf8');
      expect(marker.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual(filesBelow(path.join(work.dir, 'out')));
    } finally {
      work.cleanup();
    }
  });

  test.each([
    ['a Git checkout with sources, a README and an .ssh folder', { '.git/HEAD': 'ref: refs/heads/main\n', 'src/keep.txt': 'keep\n', 'README.md': 'doc\n', '.ssh/id_ed25519': 'secret\n' }],
    ['an empty-looking directory that holds only hidden files', { '.env': 'TOKEN=x\n' }],
    ['a previous output with one file added by hand', null],
  ])('--out naming %s is refused (exit 2) with what is in the way named, and nothing changes', async (_name, files) => {
    const work = tempDir({ 'in/quay.yaml': INPUT, 'mirrorset-hosts.yaml': CONFIG });
    try {
      if (files) {
        for (const [relative, content] of Object.entries(files)) {
          mkdirSync(path.dirname(path.join(work.dir, 'out', relative)), { recursive: true });
          writeFileSync(path.join(work.dir, 'out', relative), content);
        }
      } else {
        expect((await runCli(argv('out'), { cwd: work.dir })).code).toBe(0);
        writeFileSync(path.join(work.dir, 'out', 'NOTES.md'), 'mine\n');
      }
      const before = snapshot(work.dir);
      const result = await runCli(argv('out'), { cwd: work.dir });
      expect(result.code).toBe(2);
      const inTheWay = files ? Object.keys(files).map((f) => f.split('/')[0]).sort() : ['NOTES.md'];
      expect(result.stderr).toContain(`--out out holds ${[...new Set(inTheWay)].join(', ')}`);
      expect(snapshot(work.dir)).toEqual(before);
    } finally {
      work.cleanup();
    }
  });
});

describe('the layouts users try first', () => {
  test.each([
    ['render --out . in', ['render', '--out', '.', 'in']],
    ['render --out in in', ['render', '--out', 'in', 'in']],
    ['build --out in in', ['build', '--out', 'in', 'in']],
    ['build --out . --config mirrorset-hosts.yaml', ['build', '--out', '.', '--config', 'mirrorset-hosts.yaml']],
  ])('%s is refused and the repository is untouched', async (_name, args) => {
    const work = tempDir({ 'in/quay.yaml': INPUT, 'mirrorset-hosts.yaml': CONFIG, '.git/HEAD': 'ref: refs/heads/main\n', 'README.md': 'doc\n' });
    try {
      const before = snapshot(work.dir);
      const result = await runCli(args, { cwd: work.dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/mirrorset-hosts did not write/);
      expect(snapshot(work.dir)).toEqual(before);
    } finally {
      work.cleanup();
    }
  });

  test('what an earlier, killed run left beside the output never blocks the next run, and is left alone', async () => {
    const work = tempDir({ 'in/quay.yaml': INPUT });
    try {
      expect((await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir })).code).toBe(0);
      // What the writer of version 0.1 named by pid (a container's pid is the same every run).
      for (const leftover of [`.out.mirrorset-hosts-old-${process.pid}`, `.out.mirrorset-hosts-tmp-${process.pid}`, '.out.mirrorset-hosts-AAAAAA']) {
        mkdirSync(path.join(work.dir, leftover, 'quay.io'), { recursive: true });
        writeFileSync(path.join(work.dir, leftover, 'quay.io', 'hosts.toml'), 'stale\n');
      }
      const leftovers = snapshot(work.dir);
      const result = await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir });
      expect(result.code).toBe(0);
      const after = snapshot(work.dir);
      for (const [p, v] of Object.entries(leftovers)) if (!p.startsWith('out/')) expect(after[p]).toBe(v);
    } finally {
      work.cleanup();
    }
  });
});
