// What a file-system failure means, in words for a message: the errno codes the tool meets while it
// reads inputs and writes output trees, and the kinds of file it refuses to read.
import type { Stats } from 'node:fs';

export function describeFsError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    case 'EIO':
      return 'input/output error';
    case 'ENAMETOOLONG':
      return 'file name too long (a registry host longer than the 255 bytes a directory name may have?)';
    case 'EBUSY':
      // rename(2) of a mount point, such as a container volume: it cannot be replaced as a whole.
      return 'device or resource busy (a mount point cannot be replaced: name a directory inside it)';
    default:
      return err.code ?? err.message;
  }
}

/** What a file that is not a regular file is, for "expected a regular file, found ...". */
export function describeFileType(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'something that is not a regular file';
}
