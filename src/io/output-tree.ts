// Writing an output tree (`render --out`, `build --out`): all or nothing, and only over what the tool
// itself wrote.
//
// An output directory is owned through a marker file the tool writes into it, listing every file of
// the tree. A later run replaces the directory only when everything in it is listed there: a directory
// without the marker (the input, a Git checkout, a home directory) or with anything added by hand is
// refused, naming what is in the way, so nothing the tool did not write is ever deleted.
import { existsSync, mkdirSync, promises as fsp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareStrings } from '../vocabulary.js';
import type { RenderedFile } from '../render/rendered-file.js';
import { UsageError } from '../errors.js';
import { describeFsError } from './fs-errors.js';
import { fileSystemTree } from './fs-tree.js';
import { walkTree, type TreeEntry } from './tree-source.js';

/** The ownership marker at the top of every output tree. Hidden: input directories skip it, and no
 * registry directory or bundle file name starts with '.'. */
export const OUTPUT_MARKER = '.mirrorset-hosts-output';

const MARKER_HEADER =
  '# Written by mirrorset-hosts. This directory is replaced as a whole by the next `render --out` or\n' +
  '# `build --out`, which refuses to run while it holds anything not listed here: keep this file with\n' +
  '# the output, and keep your own files elsewhere.\n';

/** How many entries in the way a refusal names before it counts the rest. */
const NAMED_IN_REFUSAL = 5;

/** The tree as written: `files` plus the marker that lists them (sorted, so the bytes are deterministic). */
export function withOwnershipMarker(files: readonly RenderedFile[]): RenderedFile[] {
  const listed = files.map((f) => f.path).sort(compareStrings);
  return [...files, { path: OUTPUT_MARKER, content: MARKER_HEADER + listed.map((p) => `${p}\n`).join('') }];
}

/** A relative output path that cannot leave the output directory. */
export function isSafeRelativePath(relative: string): boolean {
  if (relative === '' || relative.includes('\0') || relative.includes('\\') || relative.startsWith('/')) return false;
  return relative.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * What in `target` the tool did not write, by `/`-separated relative path (a directory is named once,
 * not descended): everything when there is no marker, else every entry the marker does not list, and
 * anything that is not a regular file or directory (a symbolic link is never ours). Empty when the
 * directory may be replaced; a missing directory is empty.
 */
export async function unownedEntries(target: string): Promise<string[]> {
  let listed: string[] | undefined;
  const owned = new Set<string>();
  const ownedDirs = new Set<string>();
  const unowned: string[] = [];
  // Hidden entries too, links never followed; a directory is descended only when the marker claims
  // something in it. The top step comes first, so the marker is read before any descent is decided.
  for (const step of walkTree(fileSystemTree, target, { hidden: true, descend: (entry) => ownedDirs.has(entry.relative) })) {
    if ('error' in step) {
      if (step.error.code === 'ENOENT') continue; // a missing directory (or one gone since) holds nothing
      throw step.error;
    }
    if (step.relative === '') {
      listed = readMarker(target, step.entries);
      for (const file of listed ?? []) {
        owned.add(file);
        for (let dir = path.posix.dirname(file); dir !== '.'; dir = path.posix.dirname(dir)) ownedDirs.add(dir);
      }
    }
    for (const entry of step.entries) {
      if (entry.relative === OUTPUT_MARKER && listed !== undefined) continue;
      if (entry.kind === 'directory' && ownedDirs.has(entry.relative)) continue; // descended
      if (!(entry.kind === 'file' && owned.has(entry.relative))) unowned.push(entry.relative);
    }
  }
  return unowned.sort(compareStrings);
}

/** The paths the marker lists, or undefined when there is no marker (or it is not a regular file). */
function readMarker(target: string, top: readonly TreeEntry[]): string[] | undefined {
  if (!top.some((entry) => entry.name === OUTPUT_MARKER && entry.kind === 'file')) return undefined;
  const text = readFileSync(path.join(target, OUTPUT_MARKER), 'utf8');
  // A line that is not a safe relative path is not a claim of ownership: it can never match an entry.
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && isSafeRelativePath(line));
}

/** Entries in the way, named up to a few, for a message. */
export function describeInTheWay(unowned: readonly string[]): string {
  const named = unowned.slice(0, NAMED_IN_REFUSAL).join(', ');
  return unowned.length > NAMED_IN_REFUSAL ? `${named} and ${unowned.length - NAMED_IN_REFUSAL} more` : named;
}

/**
 * Writes exactly `files` (plus the ownership marker) as the tree `outDir`, all or nothing: the new
 * tree is staged in a directory beside `outDir`, created exclusively under a unique name, and swapped
 * in by rename(2), so a failure leaves the previous output as it was and a reader sees the old tree or
 * the new one. `outDir` must be absent, empty, or a previous output that holds nothing unlisted.
 * The staging directory is the only thing written outside `outDir`, and it is gone when this returns
 * (rename needs both on one file system; inside `outDir` the swap could not be atomic).
 */
export async function writeTreeAtomically(outDir: string, files: readonly RenderedFile[], shownAs = outDir): Promise<void> {
  const tree = withOwnershipMarker(files);
  for (const file of tree) {
    if (!isSafeRelativePath(file.path)) throw new Error(`bug: refusing to write ${JSON.stringify(file.path)} outside the output directory`);
  }
  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  if (parent === target) throw new UsageError(`--out ${shownAs} is the root directory; name a new directory for the output`);
  const existing = await fsp.lstat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(`--out ${shownAs} exists and is not a directory; name a new directory, or one that holds only a previous output`);
  }
  if (existing) {
    let unowned: string[];
    try {
      unowned = await unownedEntries(target);
    } catch (err) {
      throw new UsageError(`cannot read --out ${shownAs}: ${describeFsError(err as NodeJS.ErrnoException)}`);
    }
    if (unowned.length > 0) throw new UsageError(refusal(shownAs, unowned, existsSync(path.join(target, OUTPUT_MARKER))));
  }
  let stage: string | undefined;
  try {
    await fsp.mkdir(parent, { recursive: true });
    // mkdtemp creates the directory exclusively under a name no earlier run can have left behind.
    stage = await fsp.mkdtemp(path.join(parent, `.${path.basename(target)}.mirrorset-hosts-`));
    const staged = path.join(stage, 'new');
    mkdirSync(staged, { mode: 0o755 });
    for (const dir of new Set(tree.map((f) => path.posix.dirname(f.path)).filter((d) => d !== '.'))) {
      mkdirSync(path.join(staged, ...dir.split('/')), { recursive: true, mode: 0o755 });
    }
    // One file after another, synchronously: the simplest writer, and it stops at the first failure.
    for (const file of tree) {
      writeFileSync(path.join(staged, ...file.path.split('/')), file.content, { mode: 0o644, flag: 'wx' }); // create, never overwrite
    }
    if (existing) {
      const previous = path.join(stage, 'old');
      await fsp.rename(target, previous);
      try {
        await fsp.rename(staged, target);
      } catch (err) {
        await fsp.rename(previous, target);
        throw err;
      }
    } else {
      await fsp.rename(staged, target);
    }
  } catch (err) {
    if (stage !== undefined) await fsp.rm(stage, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot write ${shownAs}: ${describeFsError(err as NodeJS.ErrnoException)}; the previous contents are unchanged`);
  }
  // The new tree is in place; the previous one (only files the marker listed) may not go away (files
  // of another user): say so, truthfully.
  try {
    rmSync(stage, { recursive: true, force: true });
  } catch (err) {
    throw new UsageError(`wrote ${shownAs}, but cannot remove its previous contents, moved to ${stage}: ${describeFsError(err as NodeJS.ErrnoException)}; remove that directory`);
  }
}

/** The message when `outDir` holds what the tool did not write. */
function refusal(shownAs: string, unowned: readonly string[], hasMarker: boolean): string {
  const them = unowned.length === 1 ? 'it' : 'them';
  if (!hasMarker) {
    return (
      `--out ${shownAs} holds ${describeInTheWay(unowned)} and has no ${OUTPUT_MARKER}: mirrorset-hosts did not write it, and ` +
      `the output directory is replaced as a whole, so that would delete ${them}. Name a new or empty directory ` +
      `(is --out the input, or a directory that contains it?). An output of mirrorset-hosts 0.1, which wrote no ` +
      `${OUTPUT_MARKER}, must be deleted by hand once`
    );
  }
  return (
    `--out ${shownAs} holds ${describeInTheWay(unowned)}, which mirrorset-hosts did not write (its ${OUTPUT_MARKER} does not ` +
    `list ${them}); the output directory is replaced as a whole, so that would delete ${them}: move ${them} out of ${shownAs}, ` +
    `or name another directory`
  );
}
