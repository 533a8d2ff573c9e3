// One tree, whatever holds it: the work tree on disk (fs-tree.ts) or the files of a commit (git.ts).
// Every directory walk of the tool is walkTree over a TreeSource, as publint's core runs over an
// injected file system (its `Vfs`, createNodeVfs for the disk): the manifests of an input directory,
// now or at a revision (files.ts collectManifests), the committed output `check` compares with
// (adapters/check-command.ts), and the ownership check of an output directory (output-tree.ts).
// Synchronous on purpose: the KRM function lists its inputs with readdirSync, without loading
// fs.promises (bench/README.md "Cold start"); a Git source loads what it serves before the walk.
import path from 'node:path';

/** What an entry is, as its directory lists it: a symbolic link is a `link`, not what it leads to. */
export type EntryKind = 'file' | 'directory' | 'link' | 'other';

export interface TreeEntry {
  name: string;
  kind: EntryKind;
}

/** A bounded read: the bytes, or the size when over the bound, or what the file is when it may not be read. */
export type ReadResult = { content: Uint8Array } | { tooLarge: number } | { notRegular: string };

/**
 * A tree addressed by absolute native paths. Failures throw errors with an errno `code` (ENOENT for
 * nothing there), as node:fs does, so one describeFsError words them.
 */
export interface TreeSource {
  /** What `path` leads to, symbolic links followed (stat(2)). */
  stat(path: string): Exclude<EntryKind, 'link'>;
  /** What `path` itself is, a final symbolic link not followed (lstat(2)). */
  lstat(path: string): EntryKind;
  /** The entries of a directory, in no particular order. */
  list(directory: string): TreeEntry[];
  /**
   * Where `path` leads once every symbolic link is resolved (realpath(3)), or undefined when it
   * cannot be (dangling, a loop). Only a source that has links has it.
   */
  realPath?(path: string): string | undefined;
  /**
   * The bytes of a file, never more than `maxBytes` read. With `regularOnly`, anything but a regular
   * file (a named pipe would block, a device never end) is refused before it is opened.
   */
  read(path: string, options: { maxBytes: number; regularOnly: boolean }): ReadResult;
}

export interface WalkEntry extends TreeEntry {
  /** Absolute. */
  path: string;
  /** Below the top of the walk, `/`-separated. */
  relative: string;
}

/** One directory of a walk: its entries, or why it could not be listed. */
export type WalkStep =
  | { directory: string; relative: string; entries: WalkEntry[] }
  | { directory: string; relative: string; error: NodeJS.ErrnoException };

export interface WalkOptions {
  /** List entries whose name starts with '.' (and descend into such directories). */
  hidden: boolean;
  /**
   * Whether to descend into a directory entry; every directory when unset. Asked only once the step
   * that lists the entry has been consumed, so an answer may depend on what that step held.
   */
  descend?(entry: WalkEntry): boolean;
}

/**
 * The directories below `top`, top-down, one step each (os.walk with topdown=True). Only real
 * directories are descended, never a symbolic link, so a link loop cannot trap the walk and a link
 * never leads it out of the tree. A directory that cannot be listed is a step with its error, left
 * to the caller: skipped, reported, or fatal.
 */
export function* walkTree(source: TreeSource, top: string, options: WalkOptions): Generator<WalkStep> {
  const pending = [{ directory: top, relative: '' }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { directory, relative } = next;
    let listed: TreeEntry[];
    try {
      listed = source.list(directory);
    } catch (err) {
      yield { directory, relative, error: err as NodeJS.ErrnoException };
      continue;
    }
    const entries = listed
      .filter((entry) => options.hidden || !entry.name.startsWith('.'))
      .map((entry) => ({ ...entry, path: path.join(directory, entry.name), relative: relative ? `${relative}/${entry.name}` : entry.name }));
    yield { directory, relative, entries };
    for (const entry of entries) {
      if (entry.kind === 'directory' && (options.descend?.(entry) ?? true)) pending.push({ directory: entry.path, relative: entry.relative });
    }
  }
}

/**
 * Whether an entry found in a directory or by a glob is taken as a file: anything but a directory,
 * a symbolic link included unless it leads to a directory (never descended, never listed). A link
 * that leads nowhere (dangling, a loop) is taken, so that reading it reports it.
 */
export function isFoundFile(source: TreeSource, entry: { path: string; kind: EntryKind }): boolean {
  if (entry.kind === 'directory') return false;
  if (entry.kind !== 'link') return true;
  try {
    return source.stat(entry.path) !== 'directory';
  } catch {
    return true;
  }
}
