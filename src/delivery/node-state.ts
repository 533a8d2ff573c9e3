// What is on a node, as the probe program reports it, and what we record there about what we own.
//
// The remote programs (linux-commands.ts, windows-commands.ts) print one line per fact, prefixed with
// `MSH1 ` so that anything else a login shell prints (banners, profile noise) is ignored. Free text
// (file contents, first lines) travels base64-encoded; paths are `/`-separated on every OS.
import type { TargetOs } from './node-target.js';

export const PROTOCOL_PREFIX = 'MSH1 ';
/** Last line of every program: the bootstrap runs nothing unless the program arrived up to here. */
export const PROGRAM_END = '# mirrorset-hosts program end';
/** Our state inside the config directory. containerd never looks here: no registry host starts with '.'. */
export const STATE_DIR = '.mirrorset-hosts';
export const RECORD_FILE = 'owner.json';
export const LOCK_FILE = 'lock';
/** A file being written is `.<name>` + this suffix, beside its final name, so the rename stays in one directory. */
export const TEMP_SUFFIX = '.mirrorset-hosts-tmp';

/** Exit codes the remote programs use for outcomes the applier handles itself. */
export const REMOTE_EXIT = {
  /** The program did not arrive completely (connection cut): nothing was run. */
  truncated: 97,
  /** Another run held the node's lock for longer than --lock-timeout. */
  lockTimeout: 75,
  /** The ownership record changed between probe and apply (another run finished first): probe again. */
  conflict: 76,
} as const;

/** One file the bundle wants on the node. */
export interface DesiredFile {
  /** Relative to the config directory, `/`-separated: `<registry dir>/<file>`. */
  path: string;
  sha256: string;
  content: Uint8Array;
}

/** What we write to `<configDir>/.mirrorset-hosts/owner.json`: the files we own there. */
export interface OwnershipRecord {
  apiVersion: 'mirrorset-hosts.io/v1alpha1';
  kind: 'NodeState';
  managedBy: 'mirrorset-hosts';
  contentHash: string;
  files: Array<{ path: string; sha256: string }>;
}

/** Deterministic text of the record: fixed key order, files sorted, trailing newline. */
export function serializeRecord(contentHash: string, files: ReadonlyArray<{ path: string; sha256: string }>): string {
  const record: OwnershipRecord = {
    apiVersion: 'mirrorset-hosts.io/v1alpha1',
    kind: 'NodeState',
    managedBy: 'mirrorset-hosts',
    contentHash,
    files: [...files].map((f) => ({ path: f.path, sha256: f.sha256 })).sort((a, b) => compare(a.path, b.path)),
  };
  return JSON.stringify(record, null, 2) + '\n';
}

/** The record on the node, or null when it is missing or not ours (then we own nothing there). */
export function parseRecord(text: string): OwnershipRecord | null {
  try {
    const data = JSON.parse(text) as Partial<OwnershipRecord>;
    if (data.managedBy !== 'mirrorset-hosts' || !Array.isArray(data.files)) return null;
    const files = data.files.filter(
      (f): f is { path: string; sha256: string } => typeof f?.path === 'string' && typeof f?.sha256 === 'string' && isSafeRelativePath(f.path),
    );
    return {
      apiVersion: 'mirrorset-hosts.io/v1alpha1',
      kind: 'NodeState',
      managedBy: 'mirrorset-hosts',
      contentHash: typeof data.contentHash === 'string' ? data.contentHash : '',
      files,
    };
  } catch {
    return null;
  }
}

// `<registry dir>/<file>`: what the renderer writes (SPEC "Output tree"). Brackets for IPv6 hosts,
// ':' for WMCO's `host:port` names (refused on Windows by preflight). No leading '.', so a bundle can
// never name our state directory or a temporary file.
const DIR_SEGMENT = /^[A-Za-z0-9_[\]][A-Za-z0-9._:[\]-]*$/;
const FILE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

export function isSafeRelativePath(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 2 && DIR_SEGMENT.test(parts[0] as string) && FILE_SEGMENT.test(parts[1] as string) && path.length <= 255;
}

/** Problems with the bundle's paths for this node OS; empty when every file can be written. */
export function desiredPathProblems(files: readonly DesiredFile[], os: TargetOs): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (!isSafeRelativePath(file.path)) {
      problems.push(`bundle path ${JSON.stringify(file.path)} is not <registry dir>/<file> with letters, digits, '.', '_', '-'; regenerate the bundle with mirrorset-hosts`);
    } else if (os === 'windows' && file.path.includes(':')) {
      // WMCO writes `host:port` directories too (pkg/registries/registries.go) and Windows rejects them:
      // "The directory name is invalid" (rke2#8138 hit the same).
      problems.push(`bundle path ${JSON.stringify(file.path)} contains ':', which Windows does not allow in a directory name; render with --profile containerd, which writes host_port_`);
    }
  }
  return problems;
}

export interface NodeState {
  /** `ID` from /etc/os-release, or `windows`. */
  osId: string | null;
  missingTools: string[];
  dir: 'exists' | 'absent' | 'not-a-directory';
  /** null: the program could not tell. */
  dirWritable: boolean | null;
  /** Raw owner.json as found and its sha256, or null when absent. */
  record: { sha256: string; text: string } | null;
  /** Non-hidden directories directly under the config directory. */
  dirs: string[];
  /** Regular files one level below (hidden ones included, to find our temporary files): path -> sha256. */
  files: Map<string, string>;
  /** First line of each `<dir>/hosts.toml`: how another manager's header is recognised. */
  firstLines: Map<string, string>;
  /** Markers of another configuration manager found on the node (paths that exist). */
  markers: string[];
  containerdConfig: { state: 'not-checked' | 'absent' | 'unreadable' } | { state: 'read'; text: string };
}

export type ProbeParse = { ok: true; state: NodeState } | { ok: false; problem: string };

/** What is known of a node before its probe says anything; tests start from it too. */
export function unknownNodeState(): NodeState {
  return {
    osId: null,
    missingTools: [],
    dir: 'absent',
    dirWritable: null,
    record: null,
    dirs: [],
    files: new Map(),
    firstLines: new Map(),
    markers: [],
    containerdConfig: { state: 'not-checked' },
  };
}

/** The probe program's stdout -> NodeState. Incomplete output (no end line) is a failure, never a guess. */
export function parseProbeOutput(stdout: string): ProbeParse {
  const state = unknownNodeState();
  let begun = false;
  let ended = false;
  for (const fields of protocolLines(stdout)) {
    const [kind, a = '', ...rest] = fields;
    const tail = rest.join(' ');
    switch (kind) {
      case 'begin':
        begun = a === 'probe';
        break;
      case 'end':
        ended = begun && a === 'probe';
        break;
      case 'os-id':
        state.osId = a || null;
        break;
      case 'missing-tool':
        state.missingTools.push(a);
        break;
      case 'dir':
        if (a === 'exists' || a === 'absent' || a === 'not-a-directory') state.dir = a;
        break;
      case 'dir-writable':
        state.dirWritable = a === 'yes' ? true : a === 'no' ? false : null;
        break;
      case 'record':
        if (a !== 'absent' && /^[0-9a-f]{64}$/.test(a)) state.record = { sha256: a, text: decodeBase64(tail) };
        break;
      case 'subdir':
        state.dirs.push([a, ...rest].join(' '));
        break;
      case 'file':
        if (/^[0-9a-f]{64}$/.test(a)) state.files.set(tail, a);
        break;
      case 'head':
        state.firstLines.set(tail, decodeBase64(a === '-' ? '' : a));
        break;
      case 'marker':
        state.markers.push([a, ...rest].join(' '));
        break;
      case 'containerd-config':
        state.containerdConfig =
          a === 'absent' || a === 'unreadable' ? { state: a } : { state: 'read', text: decodeBase64(a === '-' ? '' : a) };
        break;
      default:
        break;
    }
  }
  if (!ended) return { ok: false, problem: 'the probe program did not finish (no end line in its output)' };
  state.dirs.sort(compare);
  state.missingTools.sort(compare);
  state.markers.sort(compare);
  return { ok: true, state };
}

export interface ApplyReport {
  /** Steps the program reported as done, in order: prepare, lock, upload, rename, cleanup, record. */
  steps: string[];
  sums: Map<string, string>;
  removedFiles: string[];
  removedDirs: string[];
  keptDirs: string[];
  conflict: boolean;
  lockTimeout: boolean;
  ended: boolean;
}

export function parseApplyOutput(stdout: string): ApplyReport {
  const report: ApplyReport = {
    steps: [],
    sums: new Map(),
    removedFiles: [],
    removedDirs: [],
    keptDirs: [],
    conflict: false,
    lockTimeout: false,
    ended: false,
  };
  for (const fields of protocolLines(stdout)) {
    const [kind, a = '', ...rest] = fields;
    const tail = rest.join(' ');
    switch (kind) {
      case 'step':
        if (rest[0] === 'ok') report.steps.push(a);
        break;
      case 'sum':
        report.sums.set(tail, a);
        break;
      case 'removed-file':
        report.removedFiles.push([a, ...rest].join(' '));
        break;
      case 'removed-dir':
        report.removedDirs.push([a, ...rest].join(' '));
        break;
      case 'kept-dir':
        report.keptDirs.push([a, ...rest].join(' '));
        break;
      case 'conflict':
        report.conflict = true;
        break;
      case 'lock-timeout':
        report.lockTimeout = true;
        break;
      case 'end':
        report.ended = a === 'apply';
        break;
      default:
        break;
    }
  }
  return report;
}

function* protocolLines(stdout: string): Generator<string[]> {
  for (const raw of stdout.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith(PROTOCOL_PREFIX)) yield line.slice(PROTOCOL_PREFIX.length).split(' ');
  }
}

function decodeBase64(text: string): string {
  return new TextDecoder('utf-8').decode(base64ToBytes(text));
}

export function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'base64'));
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
