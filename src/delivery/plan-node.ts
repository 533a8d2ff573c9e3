// Desired files + what the probe found -> what to do on one node.
//
// WMCO (`pkg/windows/windows.go` `ReplaceDir`) deletes the whole directory and writes every file again,
// so stale registries vanish but so does everything else, and containerd sees no file meanwhile.
// Here: only files whose sha256 differs are written (to a temporary name, then renamed over the old
// one); a directory is removed only when our ownership record lists it and no desired file is left in
// it, and even then only the files we wrote are deleted (rmdir refuses a directory someone else added
// to). Directories we never wrote are never touched.
import {
  compare,
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
  /** new: nothing there; changed: our file with other content; adopted: a file we did not record. */
  reason: 'new' | 'changed' | 'adopted';
}

export interface NodePlan {
  writes: PlannedWrite[];
  /** Directories to create before writing (registry directories that do not exist yet). */
  mkdirs: string[];
  /** Files we own that the bundle no longer has. */
  removeFiles: string[];
  /** Directories we own with no desired file left: removed when empty after removeFiles. */
  removeDirs: string[];
  /** Temporary files left by an interrupted run. */
  removeTemps: string[];
  /** Directories neither in the bundle nor ours: left alone, reported. */
  foreignDirs: string[];
  /** The ownership record to write. */
  record: string;
  /** sha256 of owner.json when probed ('absent' when there was none): the apply checks it under the lock. */
  expectedRecordSha256: string;
  /** Nothing to do: every file matches and the record is current. */
  upToDate: boolean;
}

export function planNode(desired: readonly DesiredFile[], state: NodeState, contentHash: string): NodePlan {
  const owned = parseRecord(state.record?.text ?? '')?.files ?? [];
  const ownedPaths = new Set(owned.map((f) => f.path));
  const desiredPaths = new Set(desired.map((f) => f.path));
  const desiredDirs = new Set(desired.map((f) => dirOf(f.path)));
  const ownedDirs = new Set(owned.map((f) => dirOf(f.path)));
  const existingDirs = new Set(state.dirs);

  const writes: PlannedWrite[] = [];
  for (const file of [...desired].sort((a, b) => compare(a.path, b.path))) {
    const current = state.files.get(file.path);
    if (current === file.sha256) continue;
    const reason = current === undefined ? 'new' : ownedPaths.has(file.path) ? 'changed' : 'adopted';
    writes.push({ path: file.path, sha256: file.sha256, content: file.content, reason });
  }

  const mkdirs = [...new Set(writes.map((w) => dirOf(w.path)))].filter((d) => !existingDirs.has(d)).sort(compare);

  const removeFiles = owned
    .map((f) => f.path)
    .filter((p) => !desiredPaths.has(p) && state.files.has(p))
    .sort(compare);
  const removeDirs = [...ownedDirs].filter((d) => !desiredDirs.has(d) && existingDirs.has(d)).sort(compare);
  const removeTemps = [...state.files.keys()].filter(isTempPath).sort(compare);
  const foreignDirs = state.dirs.filter((d) => !desiredDirs.has(d) && !ownedDirs.has(d));

  const record = serializeRecord(contentHash, desired);
  const recordCurrent = state.record !== null && state.record.text === record;
  return {
    writes,
    mkdirs,
    removeFiles,
    removeDirs,
    removeTemps,
    foreignDirs,
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

function isTempPath(path: string): boolean {
  const name = path.slice(path.indexOf('/') + 1);
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}
