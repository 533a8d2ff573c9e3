// Reading inputs and writing output trees: the only module that touches the file system for the
// render pipeline (globby stays here: it is ESM-only, and it is I/O).
// fs.promises, not node:fs/promises: it loads streams and readline, about 10 ms that a KRM function
// run would pay at start-up without using them (bench/README.md "Cold start"); the getter loads it on first use.
import { closeSync, openSync, promises as fsp, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { MAX_INPUT_BYTES, tooLarge, type SourceFile } from '../parse/parse-manifests.js';
import { StdinTooLarge, UsageError } from '../errors.js';
import { describeFileType, describeFsError } from './fs-errors.js';

// globby (with fast-glob and micromatch) is loaded on first use, not at start-up: it is a large part of
// what a KRM function run costs on top of Node's start (bench/README.md "Cold start").
const loadGlobby = () => import('globby');

export const MANIFEST_GLOB = '**/*.{yaml,yml,json}';

export interface ReadInputsResult {
  files: SourceFile[];
  diagnostics: Diagnostic[];
}

export interface InputContext {
  cwd: string;
  /** At most maxBytes bytes of standard input; rejects with StdinTooLarge when it holds more. */
  readStdin(maxBytes: number): Promise<string>;
  /**
   * For inputs a repository's settings name (spec.inputs, `.mirrorset-hosts.yaml`): the directory
   * every file read must lie in once symbolic links are resolved (see readFound). Unset for paths
   * the user names on the command line.
   */
  root?: string;
}

/** How a path is shown in diagnostics: relative to cwd when inside it, `/`-separated. */
export function displayPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
  return shown.split(path.sep).join('/');
}

/**
 * PATH arguments -> source files: a file, a directory (recursively `*.yaml`, `*.yml`, `*.json`,
 * hidden entries skipped), a glob, or `-` for stdin. A named path that does not exist is a usage
 * error; a file or directory inside a directory that cannot be read is a READ_FAILED finding. Files
 * come back in bytewise path order.
 * Symbolic links are treated alike in a directory and by a glob: a link to a file is read like the
 * file (named by the link), a link to a directory is never descended (a loop cannot trap us), a
 * dangling link is READ_FAILED. With `context.root`, a file whose real path is outside it is refused.
 * Files found in a directory or by a glob must be regular files (a named pipe would block the run, a
 * device such as /dev/zero never ends); a path named on the command line may be a pipe (`<(...)`).
 * No file is read beyond MAX_INPUT_BYTES.
 */
export async function readInputs(args: readonly string[], context: InputContext): Promise<ReadInputsResult> {
  const diagnostics: Diagnostic[] = [];
  const found = new Map<string, { absolute: string; named: boolean }>(); // display path -> file
  const stdinFiles: SourceFile[] = [];

  for (const arg of args) {
    if (arg === '-') {
      try {
        stdinFiles.push({ path: '<stdin>', content: await context.readStdin(MAX_INPUT_BYTES) });
      } catch (err) {
        if (!(err instanceof StdinTooLarge)) throw err;
        diagnostics.push(tooLarge('<stdin>', MAX_INPUT_BYTES + 1));
      }
      continue;
    }
    const absolute = path.resolve(context.cwd, arg);
    let failure: NodeJS.ErrnoException | undefined;
    const info = await fsp.stat(absolute).catch((err: NodeJS.ErrnoException) => void (failure = err));
    if (!info) {
      const error = failure as NodeJS.ErrnoException;
      if (error.code === 'ENOENT' && (await loadGlobby()).isDynamicPattern(arg)) {
        const matches = await globFiles(arg, context.cwd);
        if (matches.length === 0) throw new UsageError(`no file matches ${arg}`);
        for (const match of matches) found.set(displayPath(context.cwd, match), { absolute: match, named: false });
        continue;
      }
      throw new UsageError(`cannot read input ${arg}: ${describeFsError(error)}`);
    }
    if (info.isDirectory()) {
      const listed = listManifests(absolute);
      for (const file of listed.files) found.set(displayPath(context.cwd, file), { absolute: file, named: false });
      diagnostics.push(...unreadableDirectories(listed.unreadable, context.cwd));
    } else {
      found.set(displayPath(context.cwd, absolute), { absolute, named: true });
    }
  }

  const read = readFound(found, context.cwd, context.root);
  diagnostics.push(...read.diagnostics);
  const files = read.files;
  return { files: [...files, ...stdinFiles], diagnostics };
}

/**
 * What a glob matches, as listManifests lists a directory: every entry that is not a directory,
 * symbolic links to files included (globby's `onlyFiles` would drop them: with
 * followSymbolicLinks: false it sees a link, not a file), links to directories neither listed nor
 * descended, hidden entries skipped (globby's default, `dot: false`).
 */
async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const entries = await (await loadGlobby()).globby(pattern, { cwd, absolute: true, onlyFiles: false, followSymbolicLinks: false, objectMode: true });
  return entries
    .filter((entry) => !entry.dirent.isDirectory() && !(entry.dirent.isSymbolicLink() && statIfAny(entry.path)?.isDirectory()))
    .map((entry) => entry.path);
}

/**
 * The manifests of one directory, listed and read exactly as readInputs does, synchronously: the
 * KRM function and the exec plugin read their config's inputs with it, without loading globby or
 * fs.promises (bench/README.md "Cold start").
 */
export function readManifestDirectory(directory: string, cwd: string, root?: string): ReadInputsResult {
  const listed = listManifests(directory);
  const found = new Map(listed.files.map((file) => [displayPath(cwd, file), { absolute: file, named: false }]));
  const read = readFound(found, cwd, root);
  return { files: read.files, diagnostics: [...unreadableDirectories(listed.unreadable, cwd), ...read.diagnostics] };
}

function unreadableDirectories(unreadable: readonly { directory: string; error: NodeJS.ErrnoException }[], cwd: string): Diagnostic[] {
  return unreadable.map(({ directory, error }) => ({
    code: 'READ_FAILED',
    severity: 'error',
    message: `cannot read the directory: ${describeFsError(error)}; the manifests in it would be left out of the render`,
    location: { file: displayPath(cwd, directory), line: 1, column: 1 },
  }));
}

/**
 * Reads every found file (display path -> file) in bytewise path order, each bounded by MAX_INPUT_BYTES.
 * With a `root` (a real path), a file that lies outside it once symbolic links are resolved is not
 * read: INPUT_OUTSIDE_ROOT names the link and where it leads. Without one, a link is read like its target.
 */
function readFound(found: ReadonlyMap<string, { absolute: string; named: boolean }>, cwd: string, root?: string): ReadInputsResult {
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const shown of [...found.keys()].sort()) {
    const { absolute, named } = found.get(shown) as { absolute: string; named: boolean };
    const location = { file: shown, line: 1, column: 1 };
    const real = root === undefined ? undefined : realPathIfAny(absolute);
    if (root !== undefined && real !== undefined && isOutside(root, real)) {
      diagnostics.push({
        code: 'INPUT_OUTSIDE_ROOT',
        severity: 'error',
        message:
          `expected a file inside ${path.relative(cwd, root) === '' ? '.' : displayPath(cwd, root)} (the directory of the settings that name it), found ${real === absolute ? 'one' : `a symbolic link to ${displayPath(cwd, real)}`} outside it; ` +
          `copy the file in, or name it on the command line`,
        location,
      });
      continue;
    }
    try {
      const content = readBounded(absolute, named);
      if (typeof content === 'number') diagnostics.push(tooLarge(shown, content));
      else files.push({ path: shown, content });
    } catch (err) {
      const message = err instanceof NotRegularFile ? err.message : `cannot read the file: ${describeFsError(err as NodeJS.ErrnoException)}`;
      diagnostics.push({ code: 'READ_FAILED', severity: 'error', message, location });
    }
  }
  return { files, diagnostics };
}

function realPathIfAny(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined; // dangling or a loop: reading it reports READ_FAILED
  }
}

/** True when `target` is not `root` nor below it. */
export function isOutside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative);
}

/**
 * `*.yaml`, `*.yml` and `*.json` below `root` (MANIFEST_GLOB), hidden entries skipped. Symbolic links
 * are listed but never descended, so a loop cannot trap us, and a dangling link or a loop fails to
 * read with READ_FAILED instead of vanishing; a link to a directory is left out. A directory that
 * cannot be listed is reported: skipping it silently would render without its mirror sets.
 */
function listManifests(root: string): { files: string[]; unreadable: { directory: string; error: NodeJS.ErrnoException }[] } {
  const files: string[] = [];
  const unreadable: { directory: string; error: NodeJS.ErrnoException }[] = [];
  const pending = [root];
  for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch (err) {
      unreadable.push({ directory, error: err as NodeJS.ErrnoException });
      continue;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (!MANIFEST_NAME.test(entry.name)) continue;
      else if (!entry.isSymbolicLink() || !statIfAny(full)?.isDirectory()) files.push(full);
    }
  }
  return { files, unreadable };
}

export const MANIFEST_NAME = /\.(?:yaml|yml|json)$/;

class NotRegularFile extends Error {}

/**
 * The file's bytes, or its size when that is over MAX_INPUT_BYTES (MAX_INPUT_BYTES + 1 for "more, how
 * much unknown": a pipe that goes on). Only a path the user `named` may be something other than a
 * regular file (a pipe from `<(kustomize build)`), read up to the limit.
 */
function readBounded(absolute: string, named: boolean): Uint8Array | number {
  const info = statSync(absolute);
  if (!info.isFile() && !named) {
    throw new NotRegularFile(
      `expected a regular file, found ${describeFileType(info)}; only regular files are read from a directory or a glob ` +
        `(a pipe would block the render, a device would never end): remove it, or name it on the command line`,
    );
  }
  if (info.isFile() && info.size > MAX_INPUT_BYTES) return info.size;
  const fd = openSync(absolute, 'r');
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
      if (total > MAX_INPUT_BYTES) return MAX_INPUT_BYTES + 1;
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function statIfAny(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
