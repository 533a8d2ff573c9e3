// What is on a node, as the probe program reports it, and what we record there about what we own.
//
// The remote programs (linux-commands.ts, windows-commands.ts) print one line per fact, prefixed with
// `MSH1 ` so that anything else a login shell prints (banners, profile noise) is ignored. Every name
// and every content travels base64-encoded, or as itself when it is a name made of a few safe
// characters (PROBE_GRAMMAR below); paths are `/`-separated on every OS.
import { base64ToBytes, compareStrings, textToBase64, type TargetOs } from '../vocabulary.js';
import type { ImportedFile } from './containerd-config.js';

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
  /** A path the program must write through is a symlink or not ours: nothing more was done. */
  unsafe: 77,
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
    files: [...files].map((f) => ({ path: f.path, sha256: f.sha256 })).sort((a, b) => compareStrings(a.path, b.path)),
  };
  return JSON.stringify(record, null, 2) + '\n';
}

/** The record on the node, or null when it is missing or not ours (then we own nothing there). */
export function parseRecord(text: string): OwnershipRecord | null {
  try {
    const data = JSON.parse(text) as Partial<OwnershipRecord>;
    if (data.managedBy !== 'mirrorset-hosts' || !Array.isArray(data.files)) return null;
    const files = data.files.filter(
      (f): f is { path: string; sha256: string } => typeof f?.path === 'string' && typeof f?.sha256 === 'string' && isBundleFilePath(f.path),
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

export function isBundleFilePath(path: string): boolean {
  const parts = path.split('/');
  return parts.length === 2 && DIR_SEGMENT.test(parts[0] as string) && FILE_SEGMENT.test(parts[1] as string) && path.length <= 255;
}

/** Problems with the bundle's paths for this node OS; empty when every file can be written. */
export function desiredPathProblems(files: readonly DesiredFile[], os: TargetOs): string[] {
  const problems: string[] = [];
  for (const file of files) {
    if (!isBundleFilePath(file.path)) {
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
  /**
   * `<dir>/.mirrorset-hosts`: absent, a real directory, a symlink (or Windows reparse point), or
   * something else. `ours`: owned by the SSH user (or Administrators/SYSTEM on Windows); null when the
   * program could not tell. `mode`: the permission bits on Linux, null elsewhere.
   */
  stateDir: { kind: 'absent' | 'dir' | 'link' | 'other'; ours: boolean | null; mode: number | null };
  /** Raw owner.json as found and its sha256, or null when absent. */
  record: { sha256: string; text: string } | null;
  /** Non-hidden real directories directly under the config directory (symlinks are in `links`). */
  dirs: string[];
  /** Regular files one level below (hidden ones included, to find our temporary files): path -> sha256. */
  files: Map<string, string>;
  /** Symlinks (reparse points on Windows): registry directories (`name`) and entries in them (`dir/name`). */
  links: string[];
  /** Entries one level below that are neither regular files nor symlinks (directories, FIFOs, devices). */
  others: string[];
  /** First line of each `<dir>/hosts.toml`: how another manager's header is recognised. */
  firstLines: Map<string, string>;
  /** Markers of another configuration manager found on the node (paths that exist). */
  markers: string[];
  containerdConfig: { state: 'not-checked' | 'absent' | 'unreadable' } | { state: 'read'; text: string };
  /** The files the config's `imports` name, in containerd's order; null when the probe did not read them. */
  containerdImports: ImportedFile[] | null;
  /** Whether a containerd / CRI-O binary or socket exists; null when the probe did not look. */
  runtime: { containerd: boolean; crio: boolean } | null;
  /** `containerd --version`, `containerd config dump` and `crictl info` output; null when not run or failed. */
  containerdVersion: string | null;
  containerdDump: string | null;
  criInfo: string | null;
}

export type ProbeParse = { ok: true; state: NodeState } | { ok: false; problem: string };

/** What is known of a node before its probe says anything; tests start from it too. */
export function unknownNodeState(): NodeState {
  return {
    osId: null,
    missingTools: [],
    dir: 'absent',
    dirWritable: null,
    stateDir: { kind: 'absent', ours: null, mode: null },
    record: null,
    dirs: [],
    files: new Map(),
    links: [],
    others: [],
    firstLines: new Map(),
    markers: [],
    containerdConfig: { state: 'not-checked' },
    containerdImports: null,
    runtime: null,
    containerdVersion: null,
    containerdDump: null,
    criInfo: null,
  };
}

// The grammar of a protocol line: every field is a fixed word, a sha256, an octal mode, base64 ('-'
// for empty) or a NAME. A NAME (a file or directory name in the probe) is `=` and the name itself
// when it holds only letters, digits, '.', '_', ':' and '-', which is every name we write (base64
// never starts with '='), else base64. Contents, and any other name, only ever cross as base64, so a
// file name holding a newline, a space, `MSH1 ` or a control character arrives as data and can never
// start a line or a field of its own; a line that does not fit is refused (the run fails on that node)
// instead of being skipped.
//
// `heads` (Linux) carries the first line of every `<dir>/hosts.toml` at once, base64 of lines
// `<NAME of dir> <first line>\n` (one base64 process for all); the Windows probe says `head` per dir.
const B64 = '(?:-|(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)';
const RAW_NAME = '=[A-Za-z0-9._:-]+';
const NAME = `(?:${RAW_NAME}|${B64})`;
const SHA = '[0-9a-f]{64}';
const PROBE_GRAMMAR: Readonly<Record<string, RegExp>> = {
  begin: /^probe$/,
  end: /^probe$/,
  'os-id': new RegExp(`^${B64}$`),
  'missing-tool': /^[a-z0-9]+$/,
  marker: new RegExp(`^${B64}$`),
  dir: /^(?:exists|absent|not-a-directory)$/,
  'dir-writable': /^(?:yes|no|unknown)$/,
  state: /^(?:absent|link|other|dir (?:yes|no|unknown) (?:[0-7]{3,4}|-))$/,
  record: new RegExp(`^(?:absent|${SHA} ${B64})$`),
  subdir: new RegExp(`^${NAME} (?:dir|link)$`),
  file: new RegExp(`^${NAME} ${NAME} (?:${SHA}|link|other)$`),
  head: new RegExp(`^${NAME} ${B64}$`),
  heads: new RegExp(`^${B64}$`),
  'containerd-config': new RegExp(`^(?:absent|unreadable|${B64})$`),
  'containerd-imports': new RegExp(`^${B64}$`),
  runtime: /^(?:yes|no) (?:yes|no)$/,
  'containerd-version': new RegExp(`^${B64}$`),
  'containerd-dump': new RegExp(`^(?:failed|${B64})$`),
  'cri-info': new RegExp(`^(?:failed|${B64})$`),
};
/** Facts a probe states once: a second line of these is a forgery or a broken program. */
const PROBE_SINGLETONS = new Set(['begin', 'end', 'os-id', 'dir', 'dir-writable', 'state', 'record', 'heads', 'containerd-config', 'containerd-imports', 'runtime', 'containerd-version', 'containerd-dump', 'cri-info']);

const APPLY_STEP_NAMES = ['prepare', 'lock', 'upload', 'rename', 'cleanup', 'record'] as const;
const APPLY_GRAMMAR: Readonly<Record<string, RegExp>> = {
  begin: /^apply$/,
  end: /^apply$/,
  step: new RegExp(`^(?:${APPLY_STEP_NAMES.join('|')}) ok$`),
  sum: new RegExp(`^${B64} (?:${SHA}|missing)$`),
  'removed-file': new RegExp(`^${B64}$`),
  'removed-dir': new RegExp(`^${B64}$`),
  'kept-dir': new RegExp(`^${B64}$`),
  conflict: new RegExp(`^(?:absent|${SHA})$`),
  'lock-timeout': /^$/,
  unsafe: new RegExp(`^[a-z-]+ ${B64}$`),
};

/** The probe program's stdout -> NodeState. Incomplete or malformed output is a failure, never a guess. */
export function parseProbeOutput(stdout: string): ProbeParse {
  const state = unknownNodeState();
  const seen = new Set<string>();
  let begun = false;
  let ended = false;
  for (const line of protocolLines(stdout)) {
    const bad = checkLine(line, PROBE_GRAMMAR);
    if (bad !== null) return { ok: false, problem: `the probe sent a line that is not in the protocol: ${bad}` };
    const { kind, fields } = line;
    if (PROBE_SINGLETONS.has(kind)) {
      if (seen.has(kind)) return { ok: false, problem: `the probe sent "${kind}" twice; refusing the node's report` };
      seen.add(kind);
    }
    if (kind !== 'begin' && (!begun || ended)) return { ok: false, problem: `the probe sent "${kind}" outside its begin and end lines` };
    const [a = '', b = '', c = ''] = fields;
    switch (kind) {
      case 'begin':
        begun = true;
        break;
      case 'end':
        ended = true;
        break;
      case 'os-id':
        state.osId = decodeText(a) || null;
        break;
      case 'missing-tool':
        state.missingTools.push(a);
        break;
      case 'marker':
        state.markers.push(decodeText(a));
        break;
      case 'dir':
        state.dir = a as NodeState['dir'];
        break;
      case 'dir-writable':
        state.dirWritable = a === 'yes' ? true : a === 'no' ? false : null;
        break;
      case 'state':
        state.stateDir = {
          kind: a as NodeState['stateDir']['kind'],
          ours: b === 'yes' ? true : b === 'no' ? false : null,
          mode: /^[0-7]+$/.test(c) ? parseInt(c, 8) : null,
        };
        break;
      case 'record':
        if (a !== 'absent') state.record = { sha256: a, text: decodeText(b) };
        break;
      case 'subdir': {
        const name = decodeName(a);
        if (b === 'link') state.links.push(name);
        else state.dirs.push(name);
        break;
      }
      case 'file': {
        const path = `${decodeName(a)}/${decodeName(b)}`;
        if (c === 'link') state.links.push(path);
        else if (c === 'other') state.others.push(path);
        else state.files.set(path, c);
        break;
      }
      case 'head':
        state.firstLines.set(`${decodeName(a)}/hosts.toml`, decodeText(b));
        break;
      case 'heads': {
        const heads = parseHeads(decodeText(a));
        if (heads === null) return { ok: false, problem: 'the probe sent a heads record that is not lines of a name and a first line' };
        for (const [dir, line] of heads) state.firstLines.set(`${dir}/hosts.toml`, line);
        break;
      }
      case 'containerd-config':
        state.containerdConfig = a === 'absent' || a === 'unreadable' ? { state: a } : { state: 'read', text: decodeText(a) };
        break;
      case 'containerd-imports': {
        const imports = parseImportRecords(decodeText(a));
        if (imports === null) return { ok: false, problem: 'the probe sent a containerd-imports record that is not entry, path, state, text' };
        state.containerdImports = imports;
        break;
      }
      case 'runtime':
        state.runtime = { containerd: a === 'yes', crio: b === 'yes' };
        break;
      case 'containerd-version':
        state.containerdVersion = decodeText(a).split('\n')[0] ?? '';
        break;
      case 'containerd-dump':
        state.containerdDump = a === 'failed' ? null : decodeText(a);
        break;
      case 'cri-info':
        state.criInfo = a === 'failed' ? null : decodeText(a);
        break;
      default:
        break;
    }
  }
  if (!ended) return { ok: false, problem: 'the probe program did not finish (no end line in its output)' };
  state.dirs.sort(compareStrings);
  state.links.sort(compareStrings);
  state.others.sort(compareStrings);
  state.missingTools.sort(compareStrings);
  state.markers.sort(compareStrings);
  return { ok: true, state };
}

const NAME_FIELD = new RegExp(`^${NAME}$`);

/** `<NAME> <first line>\n`, repeated (linux-commands.ts probe); null when malformed. */
function parseHeads(text: string): Array<[string, string]> | null {
  if (text === '') return [];
  if (!text.endsWith('\n')) return null;
  const out: Array<[string, string]> = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const space = line.indexOf(' ');
    const field = space < 0 ? '' : line.slice(0, space);
    if (!NAME_FIELD.test(field)) return null;
    out.push([decodeName(field), line.slice(space + 1)]);
  }
  return out;
}

const IMPORT_STATES = new Set(['read', 'absent', 'unreadable', 'no-match']);

/** `entry NUL path NUL state NUL text NUL`, repeated (linux-commands.ts CONTAINERD_IMPORTS); null when malformed. */
function parseImportRecords(text: string): ImportedFile[] | null {
  if (text === '') return [];
  const fields = text.split('\0');
  if (fields.pop() !== '' || fields.length % 4 !== 0) return null;
  const out: ImportedFile[] = [];
  for (let i = 0; i < fields.length; i += 4) {
    const [entry = '', path = '', state = '', content = ''] = fields.slice(i, i + 4);
    if (!IMPORT_STATES.has(state)) return null;
    out.push({ entry, path: state === 'no-match' ? null : path, state: state as ImportedFile['state'], text: content });
  }
  return out;
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
  /** The program refused a path that is not what it must be (a symlink, not ours): reason and path. */
  unsafe: { reason: string; path: string } | null;
  ended: boolean;
  /** A line that is not in the protocol: the report cannot be trusted. */
  protocolError: string | null;
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
    unsafe: null,
    ended: false,
    protocolError: null,
  };
  for (const line of protocolLines(stdout)) {
    const bad = checkLine(line, APPLY_GRAMMAR);
    if (bad !== null) {
      report.protocolError ??= `the apply program sent a line that is not in the protocol: ${bad}`;
      continue;
    }
    const [a = '', b = ''] = line.fields;
    switch (line.kind) {
      case 'step':
        report.steps.push(a);
        break;
      case 'sum':
        if (b !== 'missing') report.sums.set(decodeText(a), b);
        break;
      case 'removed-file':
        report.removedFiles.push(decodeText(a));
        break;
      case 'removed-dir':
        report.removedDirs.push(decodeText(a));
        break;
      case 'kept-dir':
        report.keptDirs.push(decodeText(a));
        break;
      case 'conflict':
        report.conflict = true;
        break;
      case 'lock-timeout':
        report.lockTimeout = true;
        break;
      case 'unsafe':
        report.unsafe ??= { reason: a, path: decodeText(b) };
        break;
      case 'end':
        report.ended = true;
        break;
      default:
        break;
    }
  }
  if (report.protocolError !== null) report.ended = false;
  return report;
}

interface ProtocolLine {
  kind: string;
  fields: string[];
  /** The line after the prefix, for messages (escaped by whoever prints it). */
  raw: string;
}

function checkLine(line: ProtocolLine, grammar: Readonly<Record<string, RegExp>>): string | null {
  // Own keys only: a kind such as `constructor` or `valueOf` is not a rule.
  const rule = Object.prototype.hasOwnProperty.call(grammar, line.kind) ? grammar[line.kind] : undefined;
  if (rule === undefined || !rule.test(line.fields.join(' '))) return JSON.stringify(line.raw.slice(0, 120));
  return null;
}

function* protocolLines(stdout: string): Generator<ProtocolLine> {
  for (const raw of stdout.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line.startsWith(PROTOCOL_PREFIX)) continue;
    const rest = line.slice(PROTOCOL_PREFIX.length);
    const space = rest.indexOf(' ');
    const kind = space < 0 ? rest : rest.slice(0, space);
    yield { kind, fields: space < 0 ? [] : rest.slice(space + 1).split(' '), raw: rest };
  }
}

/** base64 ('-' for empty) -> text; bytes that are not UTF-8 become U+FFFD, never an exception. */
export function decodeText(text: string): string {
  return new TextDecoder('utf-8').decode(base64ToBytes(text === '-' ? '' : text));
}

/** A NAME field -> the name: `=` and the name itself, or base64 as decodeText. */
export function decodeName(field: string): string {
  return field.startsWith('=') ? field.slice(1) : decodeText(field);
}

/** text -> base64 of its UTF-8, '-' for empty: how a name crosses the protocol. */
export function encodeText(text: string): string {
  return text === '' ? '-' : textToBase64(text);
}
