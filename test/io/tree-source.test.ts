// One tree walker for the work tree and for a commit (src/io/tree-source.ts): a directory holds the
// same manifests on disk and at a revision because both are listed by the same collectManifests,
// and the walk itself never follows a link, reports what it cannot list, and lets its caller prune.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { collectManifests, isManifestPath, readCollected } from '../../src/io/files.js';
import { fileSystemTree } from '../../src/io/fs-tree.js';
import { GitTree, readInputsAtRevision } from '../../src/io/git.js';
import { walkTree, type EntryKind, type TreeSource } from '../../src/io/tree-source.js';
import { createGitRepo, describeWith } from '../plan/git-fixture.js';

const SEED = Number(process.env['FC_SEED'] ?? 11_2026);

test.each([
  ['a.yaml', true],
  ['a.yml', true],
  ['a.json', true],
  ['a.YAML', false],
  ['a.yaml.txt', false],
  ['kustomization.txt', false],
  ['yaml', false],
])('isManifestPath(%j) is %s', (name, expected) => {
  expect(isManifestPath(name)).toBe(expected);
});

describeWith('git')('a directory in the work tree and at a revision', () => {
  // Names that test every rule: manifests by extension, hidden entries, a directory named like a
  // manifest, files that are not manifests.
  const part = fc.constantFrom('a', 'b.yaml', 'c.yml', 'd.json', '.hidden', '.e.yaml', 'x.yaml', 'README.md');
  const layout = fc.uniqueArray(fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')), { maxLength: 8 });

  test('holds the same manifests with the same bytes, from the top and from a subdirectory (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(layout, fc.constantFrom('', 'a', 'x.yaml'), async (files, cwdBelow) => {
        // A path cannot be a file and a directory: keep the first of each clash.
        const kept = files.filter((file, i) => !files.slice(0, i).some((other) => file.startsWith(`${other}/`) || other.startsWith(`${file}/`)));
        const repo = createGitRepo(Object.fromEntries(kept.map((file) => [`ms/${file}`, `file: ${file}\n`])));
        try {
          const commit = repo.commitAll('layout');
          const cwd = path.join(repo.dir, 'ms', cwdBelow);
          const args = [path.relative(cwd, path.join(repo.dir, 'ms')) || '.'];
          const onDisk = collectManifests(fileSystemTree, args, { cwd });
          const tree = new GitTree(repo.dir, commit);
          await tree.load('ms');
          const atRevision = collectManifests(tree, args, { cwd });
          await tree.fetch([...atRevision.found.values()].map((file) => file.absolute), 1 << 20);
          const read = (source: TreeSource, found: typeof onDisk.found) =>
            readCollected(source, found, { cwd }).files.map((file) => [file.path, Buffer.from(file.content).toString('utf8')]);
          expect(read(tree, atRevision.found)).toEqual(read(fileSystemTree, onDisk.found));
          expect(atRevision.absent).toEqual(kept.length === 0 ? [expect.objectContaining({ arg: args[0] })] : []);
          // The rules, spelled out once more: no hidden part, a manifest name, nothing else.
          const expected = kept.filter((file) => !file.split('/').some((p) => p.startsWith('.')) && isManifestPath(file));
          expect(read(fileSystemTree, onDisk.found).length).toBe(expected.length);
        } finally {
          repo.cleanup();
        }
      }),
      { seed: SEED, numRuns: 25 },
    );
  }, 120_000);
});

describeWith('git')('paths at a revision', () => {
  test('a directory whose name starts with two dots (..data, as projected volumes name theirs) is inside the repository', async () => {
    const repo = createGitRepo({ '..data/a.yaml': 'a: 1\n' });
    try {
      const commit = repo.commitAll('dots');
      const read = await readInputsAtRevision(repo.dir, commit, ['..data'], repo.dir);
      expect(read.files.map((file) => file.path)).toEqual(['..data/a.yaml']);
      await expect(readInputsAtRevision(repo.dir, commit, ['../..data'], repo.dir)).rejects.toThrow(/is outside the repository/);
    } finally {
      repo.cleanup();
    }
  });
});

/** A tree in memory: path -> kind, directories implied; `unreadable` directories throw EACCES. */
function memoryTree(entries: Record<string, EntryKind>, unreadable: string[] = []): TreeSource {
  const kindAt = (file: string): EntryKind | undefined =>
    entries[file] ?? (Object.keys(entries).some((p) => p.startsWith(`${file}/`)) || file === '/' ? 'directory' : undefined);
  const error = (code: string) => Object.assign(new Error(code), { code });
  const lstat = (file: string): EntryKind => {
    const kind = kindAt(file);
    if (kind === undefined) throw error('ENOENT');
    return kind;
  };
  return {
    stat: (file) => {
      const kind = lstat(file);
      if (kind === 'link') throw error('ENOENT'); // links in memory lead nowhere
      return kind;
    },
    lstat,
    list(directory) {
      if (unreadable.includes(directory)) throw error('EACCES');
      const prefix = directory === '/' ? '/' : `${directory}/`;
      const names = new Set(Object.keys(entries).filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length).split('/')[0] as string));
      return [...names].map((name) => ({ name, kind: kindAt(prefix + name) as EntryKind }));
    },
    read: () => ({ content: new Uint8Array() }),
  };
}

describe('walkTree', () => {
  test('lists hidden entries only when asked, descends every directory by default, never a link', () => {
    const source = memoryTree({ '/t/a': 'file', '/t/.h/b': 'file', '/t/d/c': 'file', '/t/link': 'link' });
    const relatives = (hidden: boolean) => [...walkTree(source, '/t', { hidden })].flatMap((step) => ('entries' in step ? step.entries.map((e) => `${e.relative}:${e.kind}`) : [])).sort();
    expect(relatives(false)).toEqual(['a:file', 'd/c:file', 'd:directory', 'link:link']);
    expect(relatives(true)).toEqual(['.h/b:file', '.h:directory', 'a:file', 'd/c:file', 'd:directory', 'link:link']);
  });

  test('a directory that cannot be listed is a step with its error, and the walk goes on', () => {
    const source = memoryTree({ '/t/locked/a': 'file', '/t/open/b': 'file' }, ['/t/locked']);
    const steps = [...walkTree(source, '/t', { hidden: false })];
    expect(steps.filter((step) => 'error' in step).map((step) => [step.relative, 'error' in step && step.error.code])).toEqual([['locked', 'EACCES']]);
    expect(steps.flatMap((step) => ('entries' in step ? step.entries.map((e) => e.relative) : []))).toContain('open/b');
  });

  test('asks whether to descend only once the step that lists the directory has been consumed', () => {
    const source = memoryTree({ '/t/keep/a': 'file', '/t/skip/b': 'file', '/t/choice': 'file' });
    let chosen = '';
    const seen: string[] = [];
    for (const step of walkTree(source, '/t', { hidden: false, descend: (entry) => entry.relative === chosen })) {
      if ('error' in step) continue;
      // The caller decides from what the top step holds, as the ownership check reads its marker.
      if (step.relative === '') chosen = 'keep';
      seen.push(...step.entries.map((e) => e.relative));
    }
    expect(seen.sort()).toEqual(['choice', 'keep', 'keep/a', 'skip']);
  });

  test('on disk, a symbolic link to a directory (a loop back up, too) is an entry, never descended', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-walk-'));
    try {
      mkdirSync(path.join(dir, 'd'));
      writeFileSync(path.join(dir, 'd', 'a.yaml'), 'a: 1\n');
      symlinkSync('..', path.join(dir, 'd', 'up'));
      symlinkSync('d', path.join(dir, 'again'));
      const entries = [...walkTree(fileSystemTree, dir, { hidden: true })].flatMap((step) => ('entries' in step ? step.entries.map((e) => `${e.relative}:${e.kind}`) : []));
      expect(entries.sort()).toEqual(['again:link', 'd/a.yaml:file', 'd/up:link', 'd:directory']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
