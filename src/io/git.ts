// Git questions, one small function each (np source/git-util.js), through simple-git. Everything reads
// objects (rev-parse, ls-tree, cat-file): no checkout, no index or work-tree change, so it works in a
// dirty tree and while a hook runs.
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { UsageError } from '../errors.js';
import type { Diagnostic } from '../diagnostics.js';
import { MAX_INPUT_BYTES, type SourceFile } from '../parse/parse-manifests.js';
import { collectManifests, isOutside, readCollected, type Exclusion } from './files.js';
import type { EntryKind, ReadResult, TreeSource } from './tree-source.js';

function git(directory: string): SimpleGit {
  return simpleGit({ baseDir: directory, binary: 'git', maxConcurrentProcesses: 6, trimmed: false });
}

function gitMessage(err: unknown): string {
  const message = typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
  return message.trim().split('\n')[0] ?? '';
}

/** The top directory of the work tree that holds `cwd`. */
export async function repositoryRoot(cwd: string): Promise<string> {
  try {
    return path.resolve((await git(cwd).revparse(['--show-toplevel'])).trim());
  } catch (err) {
    throw new UsageError(`${cwd} is not inside a Git work tree (${gitMessage(err)}); run the command in the repository that holds the mirror sets`);
  }
}

/** The commit a revision names (`main`, `origin/main`, `HEAD~1`, a tag or a hash). */
export async function resolveCommit(root: string, revision: string): Promise<string> {
  if (revision === '' || revision.startsWith('-')) throw new UsageError(`expected a revision, found ${JSON.stringify(revision)}`);
  let out = '';
  try {
    out = (await git(root).revparse(['--verify', '--end-of-options', `${revision}^{commit}`])).trim();
  } catch {
    // simple-git rejects when git exits non-zero with a message (here "fatal: Needed a single revision").
  }
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(out)) {
    throw new UsageError(
      `unknown revision ${JSON.stringify(revision)}: no commit of that name in ${root}; in CI, fetch it first (actions/checkout with fetch-depth: 0)`,
    );
  }
  return out;
}

/**
 * The files of a commit as a TreeSource (tree-source.ts), loaded path by path from `git ls-tree`
 * before the walk. Regular files only: a symbolic link at a revision is not followed (its target is
 * a path in some work tree, not an object of this commit), nor is a submodule. Paths are absolute,
 * below the repository's work tree, as the file-system source has them.
 */
export class GitTree implements TreeSource {
  /** Relative path (`/`-separated, `''` for the top) -> entries. */
  private readonly directories = new Map<string, Map<string, EntryKind>>();
  private readonly files = new Map<string, { objectId: string; size: number }>();
  private readonly blobs = new Map<string, Buffer>();

  constructor(
    private readonly root: string,
    private readonly commit: string,
  ) {}

  /** Lists `repoPath` (a file or a directory; `''` for the whole tree) at the commit, with each blob's size. */
  async load(repoPath: string): Promise<void> {
    // --long adds each blob's size, as `git cat-file -s` would give it, in the same single listing.
    const args = ['ls-tree', '-r', '-z', '--long', '--full-tree', this.commit];
    if (repoPath !== '') args.push('--', repoPath);
    const out = await git(this.root).raw(args);
    for (const record of out.split('\0')) {
      // `<mode> SP <type> SP <object> SP+ <size> TAB <path>`; symbolic links (120000) and submodules are left out.
      const tab = record.indexOf('\t');
      if (tab < 0) continue;
      const [mode, type, objectId, size] = record.slice(0, tab).split(/ +/);
      if (type !== 'blob' || (mode !== '100644' && mode !== '100755') || !objectId || !/^[0-9]+$/.test(size ?? '')) continue;
      this.add(record.slice(tab + 1), { objectId, size: Number(size) });
    }
  }

  /**
   * Reads the blobs of `files` (absolute paths of this tree) that are at most `maxBytes`, the size
   * from the listing, so a larger one is never read into memory. The walk and read() are synchronous
   * (tree-source.ts); this is the one asynchronous step between them.
   */
  async fetch(files: readonly string[], maxBytes: number): Promise<void> {
    for (const file of files) {
      const relative = this.relative(file);
      const blob = this.files.get(relative);
      if (!blob || blob.size > maxBytes || this.blobs.has(relative)) continue;
      this.blobs.set(relative, (await git(this.root).binaryCatFile(['blob', blob.objectId])) as Buffer);
    }
  }

  stat(file: string): 'file' | 'directory' {
    const relative = this.relative(file);
    if (this.files.has(relative)) return 'file';
    if (this.directories.has(relative)) return 'directory';
    throw this.absent(file);
  }

  lstat(file: string): EntryKind {
    return this.stat(file);
  }

  list(directory: string): { name: string; kind: EntryKind }[] {
    const entries = this.directories.get(this.relative(directory));
    if (!entries) throw this.absent(directory);
    return [...entries].map(([name, kind]) => ({ name, kind }));
  }

  read(file: string, { maxBytes }: { maxBytes: number }): ReadResult {
    const relative = this.relative(file);
    const blob = this.files.get(relative);
    if (!blob) throw this.absent(file);
    if (blob.size > maxBytes) return { tooLarge: blob.size };
    const content = this.blobs.get(relative);
    if (!content) throw new Error(`bug: ${relative} at ${this.commit} read before it was fetched`);
    return { content };
  }

  private add(relative: string, blob: { objectId: string; size: number }): void {
    this.files.set(relative, blob);
    let child = relative;
    let kind: EntryKind = 'file';
    for (;;) {
      const slash = child.lastIndexOf('/');
      const parent = slash < 0 ? '' : child.slice(0, slash);
      const entries = this.directories.get(parent) ?? new Map<string, EntryKind>();
      this.directories.set(parent, entries);
      entries.set(child.slice(slash + 1), kind);
      if (parent === '') return;
      child = parent;
      kind = 'directory';
    }
  }

  private relative(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  private absent(file: string): NodeJS.ErrnoException {
    return Object.assign(new Error(`${this.relative(file)} is not at ${this.commit}`), { code: 'ENOENT' });
  }
}

export interface RevisionInputs {
  files: SourceFile[];
  /** PATH arguments with nothing at this revision. */
  missing: string[];
  /** Files not read: over MAX_INPUT_BYTES (READ_FAILED, as io/files.ts reports them in the work tree). */
  diagnostics: Diagnostic[];
}

/**
 * PATH arguments (relative to `cwd`) -> the manifests they name at `commit`, as `readInputs` reads them
 * from the work tree (collectManifests, readCollected): a file as named, a directory recursively
 * (`*.yaml`, `*.yml`, `*.json`, hidden entries skipped). Paths are shown relative to `cwd`, so findings
 * at both revisions line up. A blob over MAX_INPUT_BYTES is never read: its size comes with the tree listing.
 */
export async function readInputsAtRevision(root: string, commit: string, args: readonly string[], cwd: string, exclude?: readonly Exclusion[]): Promise<RevisionInputs> {
  const tree = new GitTree(root, commit);
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    if (isOutside(root, absolute)) throw new UsageError(`${arg} is outside the repository ${root}`);
    await tree.load(path.relative(root, absolute).split(path.sep).join('/'));
  }
  const collected = collectManifests(tree, args, { cwd, ...(exclude ? { exclude } : {}) });
  await tree.fetch([...collected.found.values()].map((file) => file.absolute), MAX_INPUT_BYTES);
  const read = readCollected(tree, collected.found, { cwd });
  return { files: read.files, missing: collected.absent.map(({ arg }) => arg), diagnostics: read.diagnostics };
}
