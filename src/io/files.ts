// Reading inputs and writing output trees: the only module that touches the file system for the
// render pipeline (globby stays here: it is ESM-only, and it is I/O).
import { constants as fsConstants } from 'node:fs';
import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { globby, isDynamicPattern } from 'globby';
import type { Diagnostic } from '../diagnostics.js';
import type { SourceFile } from '../parse/parse-manifests.js';
import type { RenderedFile } from '../render/rendered-file.js';
import { UsageError } from '../adapters/cli-io.js';

export const MANIFEST_GLOB = '**/*.{yaml,yml,json}';

export interface ReadInputsResult {
  files: SourceFile[];
  diagnostics: Diagnostic[];
}

export interface InputContext {
  cwd: string;
  readStdin(): Promise<string>;
}

/** How a path is shown in diagnostics: relative to cwd when inside it, `/`-separated. */
export function displayPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
  return shown.split(path.sep).join('/');
}

/**
 * PATH arguments -> source files: a file, a directory (recursively `*.yaml`, `*.yml`, `*.json`,
 * hidden entries skipped, symlinked directories not descended so a loop cannot trap us), a glob,
 * or `-` for stdin. A named path that does not exist is a usage error; a file inside a directory
 * that cannot be read is a READ_FAILED finding. Files come back in bytewise path order.
 */
export async function readInputs(args: readonly string[], context: InputContext): Promise<ReadInputsResult> {
  const diagnostics: Diagnostic[] = [];
  const found = new Map<string, string>(); // display path -> absolute path
  const stdinFiles: SourceFile[] = [];

  for (const arg of args) {
    if (arg === '-') {
      stdinFiles.push({ path: '<stdin>', content: await context.readStdin() });
      continue;
    }
    const absolute = path.resolve(context.cwd, arg);
    let failure: NodeJS.ErrnoException | undefined;
    const info = await stat(absolute).catch((err: NodeJS.ErrnoException) => void (failure = err));
    if (!info) {
      const error = failure as NodeJS.ErrnoException;
      if (error.code === 'ENOENT' && isDynamicPattern(arg)) {
        const matches = await globby(arg, { cwd: context.cwd, absolute: true, onlyFiles: true, followSymbolicLinks: false });
        if (matches.length === 0) throw new UsageError(`no file matches ${arg}`);
        for (const match of matches) found.set(displayPath(context.cwd, match), match);
        continue;
      }
      throw new UsageError(`cannot read input ${arg}: ${describeFsError(error)}`);
    }
    if (info.isDirectory()) {
      // Symbolic links are listed but not descended: a dangling link or a loop then fails to read
      // with READ_FAILED instead of vanishing from the inputs unnoticed.
      const entries = await globby(MANIFEST_GLOB, {
        cwd: absolute,
        absolute: true,
        onlyFiles: false,
        objectMode: true,
        followSymbolicLinks: false,
        suppressErrors: true,
      });
      for (const entry of entries) {
        if (!entry.dirent.isFile() && !entry.dirent.isSymbolicLink()) continue;
        if (entry.dirent.isSymbolicLink() && (await stat(entry.path).catch(() => undefined))?.isDirectory()) continue;
        found.set(displayPath(context.cwd, entry.path), entry.path);
      }
    } else {
      found.set(displayPath(context.cwd, absolute), absolute);
    }
  }

  const files: SourceFile[] = [];
  for (const shown of [...found.keys()].sort()) {
    const absolute = found.get(shown) as string;
    try {
      files.push({ path: shown, content: await readFile(absolute) });
    } catch (err) {
      diagnostics.push({
        code: 'READ_FAILED',
        severity: 'error',
        message: `cannot read the file: ${describeFsError(err as NodeJS.ErrnoException)}`,
        location: { file: shown, line: 1, column: 1 },
      });
    }
  }
  return { files: [...files, ...stdinFiles], diagnostics };
}

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
    default:
      return err.code ?? err.message;
  }
}

/** A relative output path that cannot leave the output directory. */
export function isSafeRelativePath(relative: string): boolean {
  if (relative === '' || relative.includes('\0') || relative.includes('\\') || relative.startsWith('/')) return false;
  return relative.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * Writes exactly `files` as the tree `outDir`, all or nothing: everything goes to a sibling temp
 * directory first, which then replaces `outDir` by rename, so a failure leaves the previous output
 * as it was. Nothing outside `outDir` remains afterwards.
 */
export async function writeTreeAtomically(outDir: string, files: readonly RenderedFile[], shownAs = outDir): Promise<void> {
  for (const file of files) {
    if (!isSafeRelativePath(file.path)) throw new Error(`bug: refusing to write ${JSON.stringify(file.path)} outside the output directory`);
  }
  const target = path.resolve(outDir);
  const existing = await lstat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(`--out ${shownAs} exists and is not a directory; name a directory (it is replaced as a whole)`);
  }
  const parent = path.dirname(target);
  const base = path.basename(target);
  const temp = path.join(parent, `.${base}.mirrorset-hosts-tmp-${process.pid}`);
  const old = path.join(parent, `.${base}.mirrorset-hosts-old-${process.pid}`);
  try {
    await mkdir(parent, { recursive: true });
    await rm(temp, { recursive: true, force: true });
    await mkdir(temp, { mode: 0o755 });
    for (const file of files) {
      const destination = path.join(temp, ...file.path.split('/'));
      await mkdir(path.dirname(destination), { recursive: true, mode: 0o755 });
      await writeFile(destination, file.content, { mode: 0o644, flag: fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY });
    }
    if (existing) {
      await rename(target, old);
      try {
        await rename(temp, target);
      } catch (err) {
        await rename(old, target);
        throw err;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(temp, target);
    }
  } catch (err) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot write ${shownAs}: ${describeFsError(err as NodeJS.ErrnoException)}; the previous contents are unchanged`);
  }
}
