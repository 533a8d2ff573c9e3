// The file system as a TreeSource (tree-source.ts): node:fs, synchronously, fs.promises never loaded.
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { describeFileType } from './fs-errors.js';
import type { EntryKind, ReadResult, TreeSource } from './tree-source.js';

export const fileSystemTree: TreeSource = {
  stat: (file) => kindOf(statSync(file)) as Exclude<EntryKind, 'link'>,
  lstat: (file) => kindOf(lstatSync(file)),
  list: (directory) => readdirSync(directory, { withFileTypes: true }).map((entry) => ({ name: entry.name, kind: kindOf(entry) })),
  realPath(file) {
    try {
      return realpathSync(file);
    } catch {
      return undefined; // dangling or a loop: reading it reports it
    }
  },
  read: readBounded,
};

/** The kind of a directory entry (globby's objectMode hands them out too) or of stat(2)'s answer. */
export function kindOf(info: Pick<Dirent | Stats, 'isFile' | 'isDirectory' | 'isSymbolicLink'>): EntryKind {
  if (info.isFile()) return 'file';
  if (info.isDirectory()) return 'directory';
  if (info.isSymbolicLink()) return 'link';
  return 'other';
}

/**
 * At most `maxBytes` bytes of a file, or its size when over (`maxBytes + 1` for "more, how much
 * unknown": a pipe that goes on). With `regularOnly`, only a regular file is opened; else a pipe (from
 * `<(kustomize build)`) or a device is read up to the bound.
 */
function readBounded(file: string, { maxBytes, regularOnly }: { maxBytes: number; regularOnly: boolean }): ReadResult {
  const info = statSync(file);
  if (!info.isFile() && regularOnly) return { notRegular: describeFileType(info) };
  if (info.isFile() && info.size > maxBytes) return { tooLarge: info.size };
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      // A pipe, or a file that grew since stat: stop as soon as it is too large, size unknown.
      if (total > maxBytes) return { tooLarge: maxBytes + 1 };
    }
    return { content: Buffer.concat(chunks, total) };
  } finally {
    closeSync(fd);
  }
}
