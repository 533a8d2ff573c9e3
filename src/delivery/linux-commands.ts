// The Linux command set: POSIX sh plus coreutils (base64, sha256sum) and util-linux flock.
//
// Each file is decoded to `.<name>.mirrorset-hosts-tmp` beside its final name and renamed over it with
// `mv -f` (rename(2): a reader sees the old or the new file, never a partial or missing one), the
// `cat > tmp && mv -f tmp final` idiom with the content carried in the program.
import type { NodeCommandSet } from './command-set.js';
import { bytesToBase64, LOCK_FILE, PROGRAM_END, RECORD_FILE, REMOTE_EXIT, STATE_DIR, TEMP_SUFFIX } from './node-state.js';
import { tempPathFor, type NodePlan } from './plan-node.js';
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

const PRELUDE = `msh() { printf 'MSH1 %s\\n' "$*"; }`;

function probeProgram(target: NodeTarget, markers: readonly string[]): string {
  const d = target.configDir.replace(/\/+$/, '') || '/';
  return [
    'set -u',
    `d=${shQuote(d)}`,
    `c=${shQuote(target.containerdConfig)}`,
    `s=${shQuote(nodePath(d, STATE_DIR))}`,
    PRELUDE,
    'msh begin probe',
    `for t in ${LINUX_TOOLS.join(' ')}; do command -v "$t" >/dev/null 2>&1 || msh missing-tool "$t"; done`,
    `if [ -r /etc/os-release ]; then msh os-id "$(. /etc/os-release && printf '%s' "\${ID:-}")"; fi`,
    ...(markers.length > 0 ? [`for m in ${markers.map(shQuote).join(' ')}; do if [ -e "$m" ]; then msh marker "$m"; fi; done`] : []),
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
    `if [ -f "$s/${RECORD_FILE}" ]; then`,
    `  msh record "$(sha256sum < "$s/${RECORD_FILE}" | cut -c1-64)" "$(base64 < "$s/${RECORD_FILE}" | tr -d '\\n')"`,
    'else',
    '  msh record absent',
    'fi',
    'if [ -d "$d" ]; then',
    '  for x in "$d"/*; do',
    '    [ -d "$x" ] || continue',
    '    n=${x##*/}',
    '    msh subdir "$n"',
    '    for f in "$x"/* "$x"/.[!.]*; do',
    '      [ -f "$f" ] || continue',
    '      msh file "$(sha256sum < "$f" | cut -c1-64)" "$n/${f##*/}"',
    '    done',
    '    if [ -f "$x/hosts.toml" ]; then',
    `      h=$(head -n 1 "$x/hosts.toml" | base64 | tr -d '\\n')`,
    '      msh head "${h:--}" "$n/hosts.toml"',
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
  const recordTemp = `${state}/.${RECORD_FILE}${TEMP_SUFFIX}`;
  const temps = plan.writes.map((w) => at(tempPathFor(w.path)));
  const lines = [
    'set -eu',
    'umask 022',
    PRELUDE,
    'msh begin apply',
    `mkdir -p -- ${shQuote(state)}`,
    'msh step prepare ok',
    // flock(1) on an open descriptor: the kernel drops the lock when this shell dies, so a run killed
    // mid-way never leaves the node locked.
    `exec 9>>${shQuote(`${state}/${LOCK_FILE}`)}`,
    `flock -w ${lockTimeoutSeconds} 9 || { msh lock-timeout; exit ${REMOTE_EXIT.lockTimeout}; }`,
    'msh step lock ok',
    'r=absent',
    `if [ -f ${shQuote(`${state}/${RECORD_FILE}`)} ]; then r=$(sha256sum < ${shQuote(`${state}/${RECORD_FILE}`)} | cut -c1-64); fi`,
    `[ "$r" = ${shQuote(plan.expectedRecordSha256)} ] || { msh conflict "$r"; exit ${REMOTE_EXIT.conflict}; }`,
  ];
  for (const dir of plan.mkdirs) lines.push(`mkdir -p -- ${at(dir)}`);
  for (const write of plan.writes) {
    lines.push(`printf '%s' ${shQuote(bytesToBase64(write.content))} | base64 -d > ${at(tempPathFor(write.path))}`);
  }
  // fsync before rename, so a power cut cannot leave the new name pointing at unwritten blocks.
  if (temps.length > 0) lines.push(`sync -- ${temps.join(' ')} 2>/dev/null || sync`);
  lines.push('msh step upload ok');
  for (const write of plan.writes) lines.push(`mv -f -- ${at(tempPathFor(write.path))} ${at(write.path)}`);
  lines.push('msh step rename ok');
  for (const file of plan.removeFiles) lines.push(`rm -f -- ${at(file)}`, `msh removed-file ${shQuote(file)}`);
  for (const dir of plan.removeDirs) {
    // rmdir removes only an empty directory: files someone else put there keep it, and it stays.
    lines.push(`if rmdir -- ${at(dir)} 2>/dev/null; then msh removed-dir ${shQuote(dir)}; else msh kept-dir ${shQuote(dir)}; fi`);
  }
  for (const temp of plan.removeTemps) lines.push(`rm -f -- ${at(temp)}`);
  lines.push('msh step cleanup ok');
  lines.push(
    `printf '%s' ${shQuote(bytesToBase64(new TextEncoder().encode(plan.record)))} | base64 -d > ${shQuote(recordTemp)}`,
    `mv -f -- ${shQuote(recordTemp)} ${shQuote(`${state}/${RECORD_FILE}`)}`,
    'msh step record ok',
  );
  for (const path of desiredPaths) lines.push(`msh sum "$(sha256sum < ${at(path)} | cut -c1-64)" ${shQuote(path)}`);
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

