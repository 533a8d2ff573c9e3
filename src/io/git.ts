// Git questions, one small function each (np source/git-util.js), through simple-git. Everything reads
// objects (rev-parse, ls-tree, cat-file): no checkout, no index or work-tree change, so it works in a
// dirty tree and while a hook runs.
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { UsageError } from '../errors.js';
import type { Diagnostic } from '../diagnostics.js';
import { MAX_INPUT_BYTES, tooLarge, type SourceFile } from '../parse/parse-manifests.js';
import { displayPath } from './files.js';

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

export interface TreeFile {
  /** Relative to the repository root, `/`-separated. */
  path: string;
  objectId: string;
  /** Bytes of the blob, from the tree listing: known before the blob is read. */
  size: number;
}

/** Regular files at `commit` under `repoPath` (a file or a directory; `''` for the whole tree), with their sizes. */
export async function listFilesAtRevision(root: string, commit: string, repoPath: string): Promise<TreeFile[]> {
  // --long adds each blob's size, as `git cat-file -s` would give it, in the same single listing.
  const args = ['ls-tree', '-r', '-z', '--long', '--full-tree', commit];
  if (repoPath !== '') args.push('--', repoPath);
  const out = await git(root).raw(args);
  const files: TreeFile[] = [];
  for (const record of out.split('\0')) {
    // `<mode> SP <type> SP <object> SP+ <size> TAB <path>`; symbolic links (120000) and submodules are not manifests.
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, objectId, size] = record.slice(0, tab).split(/ +/);
    if (type !== 'blob' || (mode !== '100644' && mode !== '100755') || !objectId || !/^[0-9]+$/.test(size ?? '')) continue;
    files.push({ path: record.slice(tab + 1), objectId, size: Number(size) });
  }
  return files;
}

async function readBlob(root: string, objectId: string): Promise<Buffer> {
  return (await git(root).binaryCatFile(['blob', objectId])) as Buffer;
}

const MANIFEST_EXTENSION = /\.(ya?ml|json)$/;

export interface RevisionInputs {
  files: SourceFile[];
  /** PATH arguments with nothing at this revision. */
  missing: string[];
  /** Files not read: over MAX_INPUT_BYTES (READ_FAILED, as io/files.ts reports them in the work tree). */
  diagnostics: Diagnostic[];
}

/**
 * PATH arguments (relative to `cwd`) -> the manifests they name at `commit`, as `readInputs` reads them
 * from the work tree: a file as named, a directory recursively (`*.yaml`, `*.yml`, `*.json`, hidden
 * entries skipped). Paths are shown relative to `cwd`, so findings at both revisions line up. A blob
 * over MAX_INPUT_BYTES is never read: its size comes with the tree listing.
 */
export async function readInputsAtRevision(root: string, commit: string, args: readonly string[], cwd: string): Promise<RevisionInputs> {
  const found = new Map<string, TreeFile>();
  const missing: string[] = [];
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    const relative = path.relative(root, absolute).split(path.sep).join('/');
    if (relative.startsWith('..') || path.isAbsolute(relative)) throw new UsageError(`${arg} is outside the repository ${root}`);
    const listed = await listFilesAtRevision(root, commit, relative);
    const exact = listed.find((f) => f.path === relative);
    const chosen = exact
      ? [exact]
      : listed.filter((f) => {
          const inside = relative === '' ? f.path : f.path.slice(relative.length + 1);
          return MANIFEST_EXTENSION.test(f.path) && !inside.split('/').some((part) => part.startsWith('.'));
        });
    if (listed.length === 0) missing.push(arg);
    for (const file of chosen) found.set(displayPath(cwd, path.join(root, ...file.path.split('/'))), file);
  }
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const shown of [...found.keys()].sort()) {
    const file = found.get(shown) as TreeFile;
    if (file.size > MAX_INPUT_BYTES) diagnostics.push(tooLarge(shown, file.size));
    else files.push({ path: shown, content: await readBlob(root, file.objectId) });
  }
  return { files, missing, diagnostics };
}
