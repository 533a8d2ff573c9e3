// Desired files + what the probe found -> what to do on one node.
//
// WMCO (`pkg/windows/windows.go` `ReplaceDir`) deletes the whole directory and writes every file again,
// so stale registries vanish but so does everything else, and containerd sees no file meanwhile.
// Here: only files whose sha256 differs are written (to a temporary name, then renamed over the old
// one); a file is written over or removed only when our ownership record lists it (or, with
// --adopt, when the bundle wants it); a directory is removed only when the record lists it and no
// desired file is left in it, and even then only the files we wrote are deleted (rmdir refuses a
// directory someone else added to). What someone else wrote is never touched: a registry whose
// file the bundle wants is held by another writer is skipped whole and reported.
import { compareStrings } from '../vocabulary.js';
import {
  serializeRecord,
  parseRecord,
  TEMP_SUFFIX,
  type DesiredFile,
  type NodeState,
} from './node-state.js';

export interface PlannedWrite {
  path: string;
  sha256: string;
  content: Uint8Array;
  /** new: nothing there; changed: our file with other content; adopted: a file we did not record (--adopt only). */
  reason: 'new' | 'changed' | 'adopted';
}

/** A file the bundle wants where something we did not write already is: left alone, its registry skipped. */
export interface ForeignFile {
  path: string;
  /** same: identical to the bundle's file; differs: other content; not-a-file: a directory, FIFO or device. */
  found: 'same' | 'differs' | 'not-a-file';
}

export interface PlanOptions {
  /** --adopt: take over files the bundle wants that we did not write (write them and record them). */
  adopt: boolean;
}

export interface NodePlan {
  writes: PlannedWrite[];
  /** Directories to create before writing (registry directories that do not exist yet). */
  mkdirs: string[];
  /** Files we own that the bundle no longer has. */
  removeFiles: string[];
  /** Directories we own with no desired file left: removed when empty after removeFiles. */
  removeDirs: string[];
  /** Temporary files left by an interrupted run: removed before anything is written. */
  removeTemps: string[];
  /** Directories neither in the bundle nor ours: left alone, reported. */
  foreignDirs: string[];
  /** Files the bundle wants that someone else wrote: left alone (without --adopt). */
  foreignFiles: ForeignFile[];
  /** Registry directories skipped because of foreignFiles: none of their files is written or recorded. */
  skippedDirs: string[];
  /** Paths that are symlinks where we would write or remove: the node is refused (preflight). */
  unsafePaths: string[];
  /**
   * Written before any rename: every file we own now plus every file this plan writes. A run killed
   * after a rename but before the final record still owns what it wrote, so the next run neither
   * mistakes its own file for someone else's nor leaves it behind.
   */
  intentRecord: string;
  /** The ownership record to write at the end. */
  record: string;
  /** sha256 of owner.json when probed ('absent' when there was none): the apply checks it under the lock. */
  expectedRecordSha256: string;
  /** Nothing to do: every file matches and the record is current. */
  upToDate: boolean;
}

export function planNode(desired: readonly DesiredFile[], state: NodeState, contentHash: string, options: PlanOptions = { adopt: false }): NodePlan {
  const owned = parseRecord(state.record?.text ?? '')?.files ?? [];
  const ownedPaths = new Set(owned.map((f) => f.path));
  const desiredDirs = new Set(desired.map((f) => dirOf(f.path)));
  const ownedDirs = new Set(owned.map((f) => dirOf(f.path)));
  const existingDirs = new Set(state.dirs);
  const links = new Set(state.links);
  const others = new Set(state.others);
  const sorted = [...desired].sort((a, b) => compareStrings(a.path, b.path));

  // Symlinks where we would write, read back or remove: refused whatever --adopt says. A rename over
  // a symlink would replace the link, but a link there means someone is redirecting this directory.
  const touched = new Set([...desired.map((f) => f.path), ...owned.map((f) => f.path)]);
  const unsafePaths = [
    ...[...desiredDirs, ...ownedDirs].filter((d) => links.has(d)),
    ...[...touched].filter((p) => links.has(p)),
  ];

  const foreignFiles: ForeignFile[] = [];
  if (!options.adopt) {
    for (const file of sorted) {
      if (ownedPaths.has(file.path)) continue;
      const current = state.files.get(file.path);
      if (others.has(file.path)) foreignFiles.push({ path: file.path, found: 'not-a-file' });
      else if (current !== undefined) foreignFiles.push({ path: file.path, found: current === file.sha256 ? 'same' : 'differs' });
    }
  } else {
    for (const file of sorted) if (others.has(file.path) && !ownedPaths.has(file.path)) foreignFiles.push({ path: file.path, found: 'not-a-file' });
  }
  const skippedDirs = [...new Set(foreignFiles.map((f) => dirOf(f.path)))].sort(compareStrings);
  const skipped = new Set(skippedDirs);
  const managed = sorted.filter((f) => !skipped.has(dirOf(f.path)));

  const writes: PlannedWrite[] = [];
  for (const file of managed) {
    const current = state.files.get(file.path);
    if (current === file.sha256 && (ownedPaths.has(file.path) || options.adopt)) continue;
    const reason = current === undefined ? 'new' : ownedPaths.has(file.path) ? 'changed' : 'adopted';
    writes.push({ path: file.path, sha256: file.sha256, content: file.content, reason });
  }
  const adoptedInPlace = managed.filter((f) => !ownedPaths.has(f.path) && state.files.get(f.path) === f.sha256);

  const mkdirs = [...new Set(writes.map((w) => dirOf(w.path)))].filter((d) => !existingDirs.has(d)).sort(compareStrings);

  // A file we own whose registry is skipped stays ours (and in the record): it is not removed.
  const kept = new Set([...managed.map((f) => f.path), ...owned.filter((f) => skipped.has(dirOf(f.path))).map((f) => f.path)]);
  const removeFiles = owned
    .map((f) => f.path)
    .filter((p) => !kept.has(p) && state.files.has(p))
    .sort(compareStrings);
  const removeDirs = [...ownedDirs].filter((d) => !desiredDirs.has(d) && existingDirs.has(d)).sort(compareStrings);
  // A stale temporary name that is a symlink goes too (rm removes the link, never its target).
  const removeTemps = [...state.files.keys(), ...state.links].filter(isTempPath).filter((p) => !links.has(dirOf(p))).sort(compareStrings);
  const foreignDirs = state.dirs.filter((d) => !desiredDirs.has(d) && !ownedDirs.has(d));

  const finalFiles = [
    ...managed.map((f) => ({ path: f.path, sha256: f.sha256 })),
    ...owned.filter((f) => skipped.has(dirOf(f.path))),
  ];
  const record = serializeRecord(contentHash, finalFiles);
  const intent = new Map<string, string>(owned.map((f) => [f.path, f.sha256]));
  for (const w of writes) intent.set(w.path, w.sha256);
  for (const f of adoptedInPlace) intent.set(f.path, f.sha256);
  const intentRecord = serializeRecord(contentHash, [...intent].map(([path, sha256]) => ({ path, sha256 })));
  const recordCurrent = state.record !== null && state.record.text === record;
  return {
    writes,
    mkdirs,
    removeFiles,
    removeDirs,
    removeTemps,
    foreignDirs,
    foreignFiles,
    skippedDirs,
    unsafePaths: [...new Set(unsafePaths)].sort(compareStrings),
    intentRecord,
    record,
    expectedRecordSha256: state.record?.sha256 ?? 'absent',
    upToDate: writes.length === 0 && removeFiles.length === 0 && removeDirs.length === 0 && removeTemps.length === 0 && recordCurrent,
  };
}

export function dirOf(path: string): string {
  return path.slice(0, path.indexOf('/'));
}

/** `<dir>/.<name>.mirrorset-hosts-tmp`, as the command sets name temporary files. */
export function tempPathFor(path: string): string {
  const slash = path.indexOf('/');
  return `${path.slice(0, slash)}/.${path.slice(slash + 1)}${TEMP_SUFFIX}`;
}

/** One of our temporary names: `.` + a bundle file name + the suffix (a file name we could have written). */
export function isTempPath(path: string): boolean {
  const name = path.slice(path.indexOf('/') + 1);
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX) && /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(name.slice(1, -TEMP_SUFFIX.length));
}
