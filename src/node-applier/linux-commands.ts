// The Linux command set: POSIX sh plus coreutils (base64, sha256sum, stat) and util-linux flock.
//
// Each file is decoded to `.<name>.mirrorset-hosts-tmp` beside its final name, created exclusively
// (`set -C`: an existing name, a symlink included, makes the redirection fail instead of writing
// through it), and renamed over its final name with `mv -fT` (rename(2): a reader sees the old or the
// new file, never a partial or missing one; -T: a directory in the way is an error, never a place to
// move the file into). Every name the node reports crosses the protocol base64-encoded.
import { bytesToBase64 } from '../vocabulary.js';
import type { NodeCommandSet } from './command-set.js';
import { encodeText, LOCK_FILE, PROGRAM_END, RECORD_FILE, REMOTE_EXIT, STATE_DIR, TEMP_SUFFIX } from './node-state.js';
import { dirOf, tempPathFor, type NodePlan } from './plan-node.js';
import { LINUX_TOOLS } from './preflight.js';
import type { NodeTarget } from './node-target.js';

/** Single-quoted for sh: the only character to escape is the quote itself. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function nodePath(configDir: string, relative: string): string {
  return `${configDir.replace(/\/+$/, '')}/${relative}`;
}

// `$(cat)` waits for end of input; the `case` refuses a program that lost its tail on the way.
const BOOTSTRAP =
  `p=$(cat) && case "$p" in *${shQuote(PROGRAM_END)}) eval "$p" ;; ` +
  `*) printf 'MSH1 truncated\\n'; exit ${REMOTE_EXIT.truncated} ;; esac`;

const PRELUDE = [
  `msh() { printf 'MSH1 %s\\n' "$*"; }`,
  // A name as one protocol field: base64 of its bytes on one line, '-' for empty.
  `b64() { if [ -n "$1" ]; then printf '%s' "$1" | base64 | tr -d '\\n'; else printf '%s' -; fi; }`,
];

function probeProgram(target: NodeTarget, markers: readonly string[]): string {
  const d = target.configDir.replace(/\/+$/, '') || '/';
  return [
    'set -u',
    `d=${shQuote(d)}`,
    `c=${shQuote(target.containerdConfig)}`,
    `s=${shQuote(nodePath(d, STATE_DIR))}`,
    ...PRELUDE,
    'msh begin probe',
    `for t in ${LINUX_TOOLS.join(' ')}; do command -v "$t" >/dev/null 2>&1 || msh missing-tool "$t"; done`,
    `if [ -r /etc/os-release ]; then msh os-id "$(b64 "$(. /etc/os-release && printf '%s' "\${ID:-}")")"; fi`,
    ...(markers.length > 0 ? [`for m in ${markers.map(shQuote).join(' ')}; do if [ -e "$m" ] || [ -L "$m" ]; then msh marker "$(b64 "$m")"; fi; done`] : []),
    'if [ -d "$d" ]; then',
    '  msh dir exists',
    '  if [ -w "$d" ]; then msh dir-writable yes; else msh dir-writable no; fi',
    'elif [ -e "$d" ] || [ -L "$d" ]; then',
    '  msh dir not-a-directory',
    'else',
    '  msh dir absent',
    // the nearest existing parent decides whether `mkdir -p` can create the directory
    '  p=$d; while [ ! -e "$p" ]; do p=${p%/*}; p=${p:-/}; done',
    '  if [ -d "$p" ] && [ -w "$p" ]; then msh dir-writable yes; else msh dir-writable no; fi',
    'fi',
    // Our state directory: never followed when it is a symlink; its owner and mode decide whether
    // the lock and the record in it can be trusted.
    'if [ -L "$s" ]; then msh state link',
    'elif [ -d "$s" ]; then',
    '  if [ -O "$s" ]; then o=yes; else o=no; fi',
    '  m=$(stat -c %a -- "$s" 2>/dev/null) || m=-',
    '  msh state dir "$o" "${m:--}"',
    'elif [ -e "$s" ]; then msh state other',
    'else msh state absent',
    'fi',
    `if [ ! -L "$s" ] && [ -d "$s" ] && [ ! -L "$s/${RECORD_FILE}" ] && [ -f "$s/${RECORD_FILE}" ]; then`,
    `  h=$(base64 < "$s/${RECORD_FILE}" | tr -d '\\n')`,
    `  msh record "$(sha256sum < "$s/${RECORD_FILE}" | cut -c1-64)" "\${h:--}"`,
    'else',
    '  msh record absent',
    'fi',
    'if [ -d "$d" ]; then',
    '  for x in "$d"/*; do',
    '    n=$(b64 "${x##*/}")',
    '    if [ -L "$x" ]; then msh subdir "$n" link; continue; fi',
    '    [ -d "$x" ] || continue',
    '    msh subdir "$n" dir',
    '    for f in "$x"/* "$x"/.[!.]* "$x"/..?*; do',
    '      if [ -L "$f" ]; then k=link',
    // -f before reading: a FIFO or device is never opened (reading one could block the probe).
    '      elif [ -f "$f" ]; then k=$(sha256sum < "$f" | cut -c1-64); k=${k:-other}',
    '      elif [ -e "$f" ]; then k=other',
    '      else continue',
    '      fi',
    '      msh file "$n" "$(b64 "${f##*/}")" "$k"',
    '    done',
    '    if [ -f "$x/hosts.toml" ] && [ ! -L "$x/hosts.toml" ]; then',
    `      h=$(head -n 1 "$x/hosts.toml" | base64 | tr -d '\\n')`,
    '      msh head "$n" "${h:--}"',
    '    fi',
    '  done',
    'fi',
    'if [ -n "$c" ]; then',
    `  if [ -f "$c" ] && [ -r "$c" ]; then h=$(base64 < "$c" | tr -d '\\n'); msh containerd-config "\${h:--}"`,
    '  elif [ -e "$c" ]; then msh containerd-config unreadable',
    '  else msh containerd-config absent',
    '  fi',
    'fi',
    'msh end probe',
    'exit 0',
    PROGRAM_END,
    '',
  ].join('\n');
}

function applyProgram(target: NodeTarget, plan: NodePlan, desiredPaths: readonly string[], lockTimeoutSeconds: number): string {
  const d = target.configDir.replace(/\/+$/, '') || '/';
  const at = (relative: string): string => shQuote(nodePath(d, relative));
  const state = nodePath(d, STATE_DIR);
  const record = shQuote(`${state}/${RECORD_FILE}`);
  const recordTemp = shQuote(`${state}/.${RECORD_FILE}${TEMP_SUFFIX}`);
  const lock = shQuote(`${state}/${LOCK_FILE}`);
  const temps = plan.writes.map((w) => at(tempPathFor(w.path)));
  const refuse = (reason: string, relative: string): string => `{ msh unsafe ${reason} ${shQuote(encodeText(relative))}; exit ${REMOTE_EXIT.unsafe}; }`;
  const writeDirs = [...new Set(plan.writes.map((w) => dirOf(w.path)))];
  const lines = [
    // -C (noclobber): `>` never writes through an existing name; every temporary file is new.
    'set -Ceu',
    'umask 022',
    ...PRELUDE,
    'msh begin apply',
    `s=${shQuote(state)}`,
    `if [ -L "$s" ]; then ${refuse('state-dir-is-a-symlink', STATE_DIR)}; fi`,
    // Another run may create it between our test and our mkdir: the checks below decide, not mkdir.
    `if [ ! -e "$s" ]; then mkdir -p -- ${shQuote(d)}; mkdir -m 700 -- "$s" 2>/dev/null || :; fi`,
    `if [ -L "$s" ] || [ ! -d "$s" ]; then ${refuse('state-dir-not-a-directory', STATE_DIR)}; fi`,
    `if [ ! -O "$s" ]; then ${refuse('state-dir-not-ours', STATE_DIR)}; fi`,
    // Writable by group or others: anyone could have planted the lock or the record.
    `case $(stat -c %a -- "$s") in *[2367]? | *[2367]) ${refuse('state-dir-writable-by-others', STATE_DIR)} ;; esac`,
    'chmod 700 -- "$s"',
    `if [ -L ${lock} ]; then ${refuse('lock-is-a-symlink', `${STATE_DIR}/${LOCK_FILE}`)}; fi`,
    'msh step prepare ok',
    // flock(1) on an open descriptor: the kernel drops the lock when this shell dies, so a run killed
    // mid-way never leaves the node locked. Created 0600 inside a 0700 directory: no other user can
    // open it, so none can hold it.
    `umask 077; exec 9>>${lock}; umask 022`,
    `flock -w ${lockTimeoutSeconds} 9 || { msh lock-timeout; exit ${REMOTE_EXIT.lockTimeout}; }`,
    'msh step lock ok',
    `if [ -L ${record} ]; then ${refuse('record-is-a-symlink', `${STATE_DIR}/${RECORD_FILE}`)}; fi`,
    'r=absent',
    `if [ -f ${record} ]; then r=$(sha256sum < ${record} | cut -c1-64); fi`,
    `[ "$r" = ${shQuote(plan.expectedRecordSha256)} ] || { msh conflict "$r"; exit ${REMOTE_EXIT.conflict}; }`,
    // Leftovers of a killed or failed run go first: they must not keep a full disk full, and every
    // temporary name must be free for the exclusive create below.
    ...[...plan.removeTemps.map(at), ...temps, recordTemp].map((t) => `rm -f -- ${t}`),
    // What this run may leave behind if it fails from here on: only its own temporary files.
    `trap 'rm -f -- ${[...temps, recordTemp].map((t) => t.replace(/'/g, `'\\''`)).join(' ')}' EXIT`,
  ];
  for (const dir of writeDirs) {
    lines.push(`if [ -L ${at(dir)} ]; then ${refuse('registry-dir-is-a-symlink', dir)}; fi`);
    if (plan.mkdirs.includes(dir)) lines.push(`[ -d ${at(dir)} ] || mkdir -- ${at(dir)}`);
  }
  for (const write of plan.writes) {
    lines.push(`if [ -L ${at(write.path)} ]; then ${refuse('file-is-a-symlink', write.path)}; fi`);
    lines.push(`printf '%s' ${shQuote(bytesToBase64(write.content))} | base64 -d > ${at(tempPathFor(write.path))}`);
  }
  // fsync before rename, so a power cut cannot leave the new name pointing at unwritten blocks.
  if (temps.length > 0) lines.push(`sync -- ${temps.join(' ')} 2>/dev/null || sync`);
  lines.push('msh step upload ok');
  if (plan.writes.length > 0) {
    // The record first lists what we are about to rename into place, so a run killed between the
    // renames and the final record still owns every file it wrote.
    lines.push(
      `printf '%s' ${shQuote(bytesToBase64(new TextEncoder().encode(plan.intentRecord)))} | base64 -d > ${recordTemp}`,
      `mv -fT -- ${recordTemp} ${record}`,
    );
  }
  for (const write of plan.writes) lines.push(`mv -fT -- ${at(tempPathFor(write.path))} ${at(write.path)}`);
  lines.push('msh step rename ok');
  for (const file of plan.removeFiles) {
    lines.push(`if [ -L ${at(file)} ]; then ${refuse('file-is-a-symlink', file)}; elif [ -f ${at(file)} ]; then rm -f -- ${at(file)}; msh removed-file ${shQuote(encodeText(file))}; fi`);
  }
  for (const dir of plan.removeDirs) {
    // rmdir removes only an empty directory (and never a symlink): files someone else put there keep it.
    lines.push(`if [ ! -L ${at(dir)} ] && rmdir -- ${at(dir)} 2>/dev/null; then msh removed-dir ${shQuote(encodeText(dir))}; else msh kept-dir ${shQuote(encodeText(dir))}; fi`);
  }
  lines.push('msh step cleanup ok');
  lines.push(
    `printf '%s' ${shQuote(bytesToBase64(new TextEncoder().encode(plan.record)))} | base64 -d > ${recordTemp}`,
    `mv -fT -- ${recordTemp} ${record}`,
    'msh step record ok',
  );
  for (const path of desiredPaths) lines.push(`k=$(sha256sum < ${at(path)} | cut -c1-64) || k=''`, `msh sum ${shQuote(encodeText(path))} "\${k:-missing}"`);
  lines.push('msh end apply', 'exit 0', PROGRAM_END, '');
  return lines.join('\n');
}

export const linuxCommands: NodeCommandSet = {
  os: 'linux',
  remoteCommand: BOOTSTRAP,
  probeProgram,
  applyProgram,
  nodePath,
};
