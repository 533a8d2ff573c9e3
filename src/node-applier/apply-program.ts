// The apply program, described once: the steps every node OS takes, in order, with the safety rule
// of each. linux-commands.ts and windows-commands.ts each give a ProgramDialect (how to quote, make
// directories, write a file, move it over another, remove files or empty directories, take the lock,
// read sums back, print a protocol line) and this renders the steps in it. The steps that touch many
// files take them all at once, so that a dialect whose commands are processes (sh) can start one
// process for all of them rather than one per file.
//
// The steps: prepare the state directory (refused when it is a link, not ours, or open to others),
// take the node's lock, check the ownership record is the one the plan was made from, remove the
// leftovers of an earlier run, make the registry directories, write every file to a new temporary
// name beside it, record what is about to be renamed (intent), rename each file over its final
// name, remove what the bundle no longer holds, record what we own, and read back every file's sum.
import type { NodeCommandSet } from './command-set.js';
import { encodeText, LOCK_FILE, PROGRAM_END, RECORD_FILE, STATE_DIR, TEMP_SUFFIX } from './node-state.js';
import { dirOf, tempPathFor, type NodePlan } from './plan-node.js';
import type { NodeTarget } from './node-target.js';
import type { TargetOs } from '../vocabulary.js';

/** One OS's spelling of the steps. Every path argument is already quoted with `quote`. */
export interface ProgramDialect {
  quote(value: string): string;
  /** Absolute path on the node of a `/`-separated path relative to the config directory. */
  nodePath(configDir: string, relative: string): string;
  /** The config directory as the program names it (no trailing separator). */
  configRoot(configDir: string): string;
  /** Shell settings and the functions the apply program calls. */
  applyHeader: readonly string[];
  /** A protocol line: fixed words, then optionally one base64 field. */
  emit(words: string, field?: string): string;
  /** Report an unsafe path (its base64) and stop, having changed nothing more. */
  refuse(reason: string, encodedPath: string): string;
  /** Run `then` when `path` is a symbolic link (a reparse point on Windows). */
  ifLink(path: string, then: string): string;
  /** Create the state directory if absent, then refuse it unless it is a real directory that only we can write. */
  prepareStateDir(stateDir: string, configDir: string, refuse: (reason: string) => string): string[];
  /** Take the node's lock, released by the OS when the program ends however it ends. */
  lock(lockFile: string, timeoutSeconds: number): string[];
  /** Stop with `conflict` unless the record's sha256 (or `absent`) is the expected one. */
  checkRecord(recordFile: string, expectedSha256: string): string[];
  /** Remove leftover temporary files (or links in their place, never their targets). */
  removeStale(paths: readonly string[]): string[];
  /** From `open` to `close`, a failure removes these temporary files and nothing else. */
  guardTemps(temps: readonly string[]): { open: string[]; close: string[] };
  /** Create those of the directories that do not exist (their parent, the config directory, does). */
  mkdirs(paths: readonly string[]): string[];
  /** Create `path` (exclusively: an existing name is an error) holding `content`. */
  writeFile(path: string, content: Uint8Array): string;
  /** Put the temporary files' bytes on disk before a rename makes them visible. */
  flush(temps: readonly string[]): string[];
  /** Replace `to` by `from` in one step; a directory at `to` is an error, never a place to move into. */
  moveOver(from: string, to: string): string;
  /** Remove regular files: `onLink` (which stops the program) when one is a link, `onRemoved` for each removed. */
  removeFiles(files: ReadonlyArray<{ path: string; onLink: string; onRemoved: string }>): string[];
  /** Remove directories that are real and empty; `onRemoved` or `onKept` for each. */
  removeDirsIfEmpty(dirs: ReadonlyArray<{ path: string; onRemoved: string; onKept: string }>): string[];
  /**
   * Print `sum <encodedPath> <sha256 or missing>` for each file. `relative` is the file's path below
   * `configRoot` (`/`-separated, NOT quoted); `path` is the same file as an absolute quoted path.
   */
  readBack(configRoot: string, files: ReadonlyArray<{ relative: string; path: string; encodedPath: string }>): string[];
}

const encoder = new TextEncoder();

/** Carries out a plan under the node's lock and prints the sha256 of every desired file read back. */
export function renderApplyProgram(
  dialect: ProgramDialect,
  target: NodeTarget,
  plan: NodePlan,
  desiredPaths: readonly string[],
  lockTimeoutSeconds: number,
): string {
  const { quote, emit } = dialect;
  const d = dialect.configRoot(target.configDir);
  const at = (relative: string): string => quote(dialect.nodePath(d, relative));
  const state = at(STATE_DIR);
  const record = at(`${STATE_DIR}/${RECORD_FILE}`);
  const recordTemp = at(`${STATE_DIR}/.${RECORD_FILE}${TEMP_SUFFIX}`);
  const lock = at(`${STATE_DIR}/${LOCK_FILE}`);
  const refuse = (reason: string, relative: string): string => dialect.refuse(reason, encodeText(relative));
  const temps = plan.writes.map((w) => at(tempPathFor(w.path)));
  const writeDirs = [...new Set(plan.writes.map((w) => dirOf(w.path)))];
  const guard = dialect.guardTemps([...temps, recordTemp]);
  const lines = [
    ...dialect.applyHeader,
    emit('begin apply'),
    ...dialect.prepareStateDir(state, quote(d), (reason) => refuse(reason, STATE_DIR)),
    dialect.ifLink(lock, refuse('lock-is-a-symlink', `${STATE_DIR}/${LOCK_FILE}`)),
    emit('step prepare ok'),
    ...dialect.lock(lock, lockTimeoutSeconds),
    emit('step lock ok'),
    dialect.ifLink(record, refuse('record-is-a-symlink', `${STATE_DIR}/${RECORD_FILE}`)),
    ...dialect.checkRecord(record, plan.expectedRecordSha256),
    // Leftovers of a killed or failed run go first: they must not keep a full disk full, and every
    // temporary name must be free for the exclusive create below.
    ...dialect.removeStale([...plan.removeTemps.map(at), ...temps, recordTemp]),
    // What this run may leave behind if it fails from here on: only its own temporary files.
    ...guard.open,
  ];
  for (const dir of writeDirs) lines.push(dialect.ifLink(at(dir), refuse('registry-dir-is-a-symlink', dir)));
  lines.push(...dialect.mkdirs(writeDirs.filter((dir) => plan.mkdirs.includes(dir)).map(at)));
  for (const write of plan.writes) {
    lines.push(dialect.ifLink(at(write.path), refuse('file-is-a-symlink', write.path)));
    lines.push(dialect.writeFile(at(tempPathFor(write.path)), write.content));
  }
  lines.push(...dialect.flush(temps), emit('step upload ok'));
  if (plan.writes.length > 0) {
    // The record first lists what we are about to rename into place, so a run killed between the
    // renames and the final record still owns every file it wrote.
    lines.push(dialect.writeFile(recordTemp, encoder.encode(plan.intentRecord)), dialect.moveOver(recordTemp, record));
  }
  for (const write of plan.writes) lines.push(dialect.moveOver(at(tempPathFor(write.path)), at(write.path)));
  lines.push(emit('step rename ok'));
  lines.push(
    ...dialect.removeFiles(plan.removeFiles.map((file) => ({ path: at(file), onLink: refuse('file-is-a-symlink', file), onRemoved: emit('removed-file', encodeText(file)) }))),
    // Only an empty real directory goes: files someone else put there keep it.
    ...dialect.removeDirsIfEmpty(plan.removeDirs.map((dir) => ({ path: at(dir), onRemoved: emit('removed-dir', encodeText(dir)), onKept: emit('kept-dir', encodeText(dir)) }))),
    emit('step cleanup ok'),
    dialect.writeFile(recordTemp, encoder.encode(plan.record)),
    dialect.moveOver(recordTemp, record),
    emit('step record ok'),
    ...guard.close,
  );
  lines.push(...dialect.readBack(quote(d), desiredPaths.map((path) => ({ relative: path, path: at(path), encodedPath: encodeText(path) }))));
  lines.push(emit('end apply'), 'exit 0', PROGRAM_END, '');
  return lines.join('\n');
}

/** A node OS's command set: its bootstrap, its probe, and the apply steps in its dialect. */
export function nodeCommandSet(os: TargetOs, remoteCommand: string, probeProgram: NodeCommandSet['probeProgram'], dialect: ProgramDialect): NodeCommandSet {
  return {
    os,
    remoteCommand,
    probeProgram,
    applyProgram: (target, plan, desiredPaths, lockTimeoutSeconds) => renderApplyProgram(dialect, target, plan, desiredPaths, lockTimeoutSeconds),
    nodePath: dialect.nodePath,
  };
}
