// Reading the manifests the user names: files, directories, globs and stdin, from the work tree, or
// through any TreeSource (tree-source.ts) such as a commit (git.ts): one rule for what a directory
// holds (collectManifests), one for how a found file is read (readCollected).
// No fs.promises here: it loads streams and readline, about 10 ms that a KRM function run would pay
// at start-up without using them (bench/README.md "Cold start").
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { MAX_INPUT_BYTES, tooLarge, type SourceFile } from '../parse/parse-manifests.js';
import { StdinTooLarge, UsageError } from '../errors.js';
import { describeFsError } from './fs-errors.js';
import { fileSystemTree, kindOf } from './fs-tree.js';
import { isFoundFile, walkTree, type ReadResult, type TreeSource } from './tree-source.js';
import { compileExcludes, type ExcludeMatcher } from '../parse/exclude-patterns.js';

// globby (with fast-glob and micromatch) is loaded on first use, not at start-up: it is a large part of
// what a KRM function run costs on top of Node's start (bench/README.md "Cold start").
const loadGlobby = () => import('globby');

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
   * every file read must lie in once symbolic links are resolved (see readCollected). Unset for paths
   * the user names on the command line.
   */
  root?: string;
  /** Files that directories and globs find but that are never read (`exclude:`, --exclude). */
  exclude?: readonly Exclusion[];
}

/** `exclude:` globs (parse/exclude-patterns.ts) and the directory they are relative to. */
export interface Exclusion {
  /** Absolute. */
  base: string;
  matches: ExcludeMatcher;
}

export function exclusion(base: string, patterns: readonly string[]): Exclusion {
  return { base, matches: compileExcludes(patterns) };
}

/** Whether an absolute path is excluded; a path outside an exclusion's base is not its concern. */
export function isExcluded(exclude: readonly Exclusion[] | undefined, absolute: string, isDirectory = false): boolean {
  return (exclude ?? []).some(({ base, matches }) => {
    if (isOutside(base, absolute)) return false;
    const relative = path.relative(base, absolute).split(path.sep).join('/');
    return relative !== '' && matches(relative, isDirectory);
  });
}

/** How a path is shown in diagnostics: relative to cwd when inside it, `/`-separated. */
export function displayPath(cwd: string, absolute: string): string {
  const relative = path.relative(cwd, absolute);
  const shown = relative && !isOutside(cwd, absolute) ? relative : absolute;
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
  const found = new Map<string, FoundFile>();
  const stdinFiles: SourceFile[] = [];

  // One argument at a time, in order: a glob is expanded where it stands, and a usage error stops the
  // run before a later `-` waits on stdin.
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
    const collected = collectManifests(fileSystemTree, [arg], context);
    for (const { error } of collected.absent) {
      if (error.code === 'ENOENT' && (await loadGlobby()).isDynamicPattern(arg)) {
        const matches = (await globFiles(arg, context.cwd)).filter((match) => !isExcluded(context.exclude, match));
        if (matches.length === 0) throw new UsageError(`no file matches ${arg}`);
        for (const match of matches) found.set(displayPath(context.cwd, match), { absolute: match, named: false });
        continue;
      }
      throw new UsageError(`cannot read input ${arg}: ${describeFsError(error)}`);
    }
    for (const [shown, file] of collected.found) found.set(shown, file);
    diagnostics.push(...unreadableDirectories(collected.unreadable, context.cwd));
  }

  const read = readCollected(fileSystemTree, found, context);
  diagnostics.push(...read.diagnostics);
  return { files: [...read.files, ...stdinFiles], diagnostics };
}

/**
 * What a glob matches, as collectManifests lists a directory (isFoundFile): every entry that is not a
 * directory, symbolic links to files included (globby's `onlyFiles` would drop them: with
 * followSymbolicLinks: false it sees a link, not a file), links to directories neither listed nor
 * descended, hidden entries skipped (globby's default, `dot: false`).
 */
async function globFiles(pattern: string, cwd: string): Promise<string[]> {
  const entries = await (await loadGlobby()).globby(pattern, { cwd, absolute: true, onlyFiles: false, followSymbolicLinks: false, objectMode: true });
  return entries.filter((entry) => isFoundFile(fileSystemTree, { path: entry.path, kind: kindOf(entry.dirent) })).map((entry) => entry.path);
}

/**
 * The manifests of one directory, listed and read exactly as readInputs does, synchronously: the
 * KRM function and the exec plugin read their config's inputs with it, without loading globby or
 * fs.promises (bench/README.md "Cold start").
 */
export function readManifestDirectory(directory: string, cwd: string, root?: string, exclude?: readonly Exclusion[]): ReadInputsResult {
  const collected = collectManifests(fileSystemTree, [directory], { cwd, ...(exclude ? { exclude } : {}) });
  // The caller found a directory here: should a file have taken its place since, it is held to the
  // rules of a file found in a directory (a regular file), not those of a path the user named.
  const found = new Map([...collected.found].map(([shown, file]) => [shown, { ...file, named: false }]));
  const read = readCollected(fileSystemTree, found, { cwd, ...(root === undefined ? {} : { root }) });
  const unreadable = [...collected.absent.map(({ error }) => ({ directory, error })), ...collected.unreadable];
  return { files: read.files, diagnostics: [...unreadableDirectories(unreadable, cwd), ...read.diagnostics] };
}

function unreadableDirectories(unreadable: readonly { directory: string; error: NodeJS.ErrnoException }[], cwd: string): Diagnostic[] {
  return unreadable.map(({ directory, error }) => ({
    code: 'READ_FAILED',
    severity: 'error',
    message: `cannot read the directory: ${describeFsError(error)}; the manifests in it would be left out of the render`,
    location: { file: displayPath(cwd, directory), line: 1, column: 1 },
  }));
}

/** Whether a file found in a directory is read as a manifest: `*.yaml`, `*.yml` or `*.json`. */
export function isManifestPath(name: string): boolean {
  return /\.(?:yaml|yml|json)$/.test(name);
}

/** A file to read: `named` when the user named this very path (it may then be a pipe). */
export interface FoundFile {
  absolute: string;
  named: boolean;
}

export interface CollectedManifests {
  /** Display path -> file. */
  found: Map<string, FoundFile>;
  /** Directories that could not be listed: their manifests would be left out without a word. */
  unreadable: { directory: string; error: NodeJS.ErrnoException }[];
  /** Arguments with nothing there (or nothing that can be told), in order, each with the reason. */
  absent: { arg: string; error: NodeJS.ErrnoException }[];
}

/**
 * PATH arguments (relative to `cwd`) -> the files they name in `source`: a path that is not a
 * directory as named (whatever its extension), a directory recursively (isManifestPath, hidden
 * entries skipped, walkTree). In a directory, a symbolic link is taken like the file it leads to, a
 * link to a directory is neither listed nor descended, and one that leads nowhere is taken so that
 * reading it reports it (isFoundFile). Files are keyed by how they are shown, relative to `cwd`, so
 * findings in the work tree and at a revision line up. What `exclude` matches is neither listed nor
 * descended; a path named as an argument is taken whatever it matches (the user asked for it).
 */
export function collectManifests(source: TreeSource, args: readonly string[], options: { cwd: string; exclude?: readonly Exclusion[] }): CollectedManifests {
  const { exclude } = options;
  const collected: CollectedManifests = { found: new Map(), unreadable: [], absent: [] };
  for (const arg of args) {
    const absolute = path.resolve(options.cwd, arg);
    let kind: ReturnType<TreeSource['stat']>;
    try {
      kind = source.stat(absolute);
    } catch (err) {
      collected.absent.push({ arg, error: err as NodeJS.ErrnoException });
      continue;
    }
    if (kind !== 'directory') {
      collected.found.set(displayPath(options.cwd, absolute), { absolute, named: true });
      continue;
    }
    for (const step of walkTree(source, absolute, { hidden: false, descend: (entry) => !isExcluded(exclude, entry.path, true) })) {
      if ('error' in step) {
        collected.unreadable.push({ directory: step.directory, error: step.error });
        continue;
      }
      for (const entry of step.entries) {
        if (isManifestPath(entry.name) && !isExcluded(exclude, entry.path) && isFoundFile(source, entry)) collected.found.set(displayPath(options.cwd, entry.path), { absolute: entry.path, named: false });
      }
    }
  }
  return collected;
}

/**
 * Reads every found file (display path -> file) in bytewise path order, each bounded by MAX_INPUT_BYTES;
 * a file found in a directory or by a glob only when it is a regular file.
 * With a `root` (a real path), a file that lies outside it once symbolic links are resolved is not
 * read: INPUT_OUTSIDE_ROOT names the link and where it leads. Without one, a link is read like its target.
 */
export function readCollected(source: TreeSource, found: ReadonlyMap<string, FoundFile>, options: { cwd: string; root?: string }): ReadInputsResult {
  const { cwd, root } = options;
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const shown of [...found.keys()].sort()) {
    const { absolute, named } = found.get(shown) as FoundFile;
    const location = { file: shown, line: 1, column: 1 };
    const real = root === undefined ? undefined : source.realPath?.(absolute);
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
    let read: ReadResult;
    try {
      read = source.read(absolute, { maxBytes: MAX_INPUT_BYTES, regularOnly: !named });
    } catch (err) {
      diagnostics.push({ code: 'READ_FAILED', severity: 'error', message: `cannot read the file: ${describeFsError(err as NodeJS.ErrnoException)}`, location });
      continue;
    }
    if ('content' in read) files.push({ path: shown, content: read.content });
    else if ('tooLarge' in read) diagnostics.push(tooLarge(shown, read.tooLarge));
    else {
      diagnostics.push({
        code: 'READ_FAILED',
        severity: 'error',
        message:
          `expected a regular file, found ${read.notRegular}; only regular files are read from a directory or a glob ` +
          `(a pipe would block the render, a device would never end): remove it, or name it on the command line`,
        location,
      });
    }
  }
  return { files, diagnostics };
}

/** True when `target` is not `root` nor below it. */
export function isOutside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative);
}
