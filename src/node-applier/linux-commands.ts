// The Linux command set: POSIX sh plus coreutils (base64, sha256sum, stat) and util-linux flock.
//
// Each file is written to `.<name>.mirrorset-hosts-tmp` beside its final name, created exclusively
// (`set -C`: an existing name, a symlink included, makes the redirection fail instead of writing
// through it), and renamed over its final name with `mv -fT` (rename(2): a reader sees the old or the
// new file, never a partial or missing one; -T: a directory in the way is an error, never a place to
// move the file into).
//
// Cost: the number of processes a program starts does not grow with the number of files, except one
// `mv` per file the apply writes (unchanged files cost nothing). The shell's builtins (`[`, `case`,
// `printf`, `read`) do the per-file work; one `sha256sum`, `mkdir`, `rm` or `rmdir` takes all the
// files of a step. sh has no rename builtin, and no command renames many files in one process with
// -T's refusal of a directory on every distribution we target (`mv --exchange` needs coreutils 9.5,
// util-linux `rename` substitutes names and is not everywhere): so one `mv -fT` per written file,
// which keeps rename(2), and with it the all-or-nothing replacement, per file.
import { bytesToBase64 } from '../vocabulary.js';
import { nodeCommandSet, type ProgramDialect } from './apply-program.js';
import type { NodeCommandSet } from './command-set.js';
import { PROGRAM_END, RECORD_FILE, REMOTE_EXIT, STATE_DIR } from './node-state.js';
import { LINUX_TOOLS } from './preflight.js';
import type { NodeTarget } from './node-target.js';

/** Single-quoted for sh: the only character to escape is the quote itself. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const RAW_NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-';

function nodePath(configDir: string, relative: string): string {
  return `${configDir.replace(/\/+$/, '')}/${relative}`;
}

// `$(cat)` waits for end of input; the `case` refuses a program that lost its tail on the way.
const BOOTSTRAP =
  `p=$(cat) && case "$p" in *${shQuote(PROGRAM_END)}) eval "$p" ;; ` +
  `*) printf 'MSH1 truncated\\n'; exit ${REMOTE_EXIT.truncated} ;; esac`;

const PRELUDE = [
  `msh() { printf 'MSH1 %s\\n' "$*"; }`,
  // Text as one protocol field: base64 of its bytes on one line, '-' for empty.
  `b64() { if [ -n "$1" ]; then printf '%s' "$1" | base64 | tr -d '\\n'; else printf '%s' -; fi; }`,
  // A name as one protocol field, in $v: '=' and the name itself when it holds only letters, digits,
  // '.', '_', ':' and '-' (decided by \`case\`, no process: every name we write), else b64 (node-state.ts
  // NAME). The characters are listed, not ranged: a range such as a-z follows the locale's collation.
  `nf() { case $1 in '' | *[!${RAW_NAME_CHARS}]*) v=$(b64 "$1") ;; *) v="=$1" ;; esac; }`,
  // The sha256 of "$1" in $k (empty when it has none), from the output of one \`sha256sum -- <files>\`
  // on stdin: a line per file it could read, in the order given, none for a file it could not. $q
  // holds a line read but not yet matched.
  `sn() { if [ -z "$q" ]; then IFS= read -r q || q=-; fi; k=\${q%% *}; if [ "\${q#"$k"??}" = "$1" ]; then q=; else k=; fi; }`,
];

// sha256sum escapes a name holding a backslash, newline or CR in its output (and marks the line with a
// leading backslash): those files, and any with an unprintable byte, get a call of their own.
const ESCAPED_BY_SHA256SUM = /[^\x20-\x7e]|\\/;

// The files the main config's `imports` name, read in this same shell (no process per file): the
// top-level `imports = [...]` value's quoted strings, each made absolute against the config's
// directory and, when it holds `*`, expanded by the shell's glob (bytewise sorted under LC_ALL=C, as
// Go's filepath.Glob; unlike it, `*` does not match a leading '.'), as containerd's resolveImports
// does. One record per file: entry NUL path NUL state NUL text NUL, all of them through one base64.
// containerd-config.ts checks every entry against its own TOML parse, so a value this scan misreads
// makes the verdict unknown, never wrong.
const CONTAINERD_IMPORTS = [
  'cr() { printf \'%s\\0%s\\0%s\\0\' "$1" "$2" "$3"; if [ "$3" = read ]; then while IFS= read -r l || [ -n "$l" ]; do printf \'%s\\n\' "$l"; done < "$2"; fi; printf \'\\0\'; }',
  'cf() { if [ -f "$2" ] && [ -r "$2" ]; then cr "$1" "$2" read; elif [ -e "$2" ]; then cr "$1" "$2" unreadable; else cr "$1" "$2" absent; fi; }',
  'ci() {',
  '  i= on=',
  '  while IFS= read -r l || [ -n "$l" ]; do',
  '    t=${l#"${l%%[! 	]*}"}',
  '    if [ -z "$on" ]; then case $t in \\[*) return 0 ;; imports*=*) on=1; t=${t#*=} ;; *) continue ;; esac; fi',
  '    i="$i $t"',
  '    case $t in *\]*) break ;; esac',
  '  done < "$c"',
  '  r=$i',
  '  while :; do',
  '    case $r in *[\\"\\\']*) ;; *) break ;; esac',
  '    a=${r%%[\\"\\\']*}; r=${r#"$a"}; q=${r%"${r#?}"}; r=${r#?}',
  '    case $r in *"$q"*) ;; *) break ;; esac',
  '    v=${r%%"$q"*}; r=${r#*"$q"}',
  '    p=$v; case $p in /*) ;; *) p=${c%/*}/$p ;; esac',
  '    case $p in',
  '      *\\**) n=0; o=$IFS; IFS=; for f in $p; do if [ -e "$f" ] || [ -L "$f" ]; then n=1; cf "$v" "$f"; fi; done; IFS=$o; [ $n = 1 ] || cr "$v" - no-match ;;',
  '      *) cf "$v" "$p" ;;',
  '    esac',
  '  done',
  '}',
  'x=$(LC_ALL=C; ci | base64 | tr -d \'\\n\')',
  'msh containerd-imports "${x:--}"',
];

// Which runtime the node has, and what containerd itself says: its version, and `config dump` (the
// configuration as containerd loads it: imports merged, defaults filled in; it starts no daemon and
// writes nothing). `crictl info` asks the RUNNING daemon (containerd 1.x shows its registry
// config_path there), which is what tells a config edited but not yet restarted.
const CONTAINERD_RUNTIME = [
  'k=no; o=no',
  'if command -v containerd >/dev/null 2>&1 || [ -S /run/containerd/containerd.sock ]; then k=yes; fi',
  'if command -v crio >/dev/null 2>&1 || [ -S /run/crio/crio.sock ] || [ -S /var/run/crio/crio.sock ]; then o=yes; fi',
  'msh runtime "$k" "$o"',
  'if command -v containerd >/dev/null 2>&1; then',
  '  if v=$(containerd --version 2>/dev/null); then msh containerd-version "$(b64 "$v")"; fi',
  '  if [ -f "$c" ] && [ -r "$c" ]; then if v=$(containerd --config "$c" config dump 2>/dev/null); then msh containerd-dump "$(b64 "$v")"; else msh containerd-dump failed; fi; fi',
  'fi',
  'if command -v crictl >/dev/null 2>&1 && [ -S /run/containerd/containerd.sock ]; then',
  '  if v=$(crictl --runtime-endpoint unix:///run/containerd/containerd.sock --timeout 5s info 2>/dev/null); then msh cri-info "$(b64 "$v")"; else msh cri-info failed; fi',
  'fi',
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
    // The regular files to sum are gathered in "$@", named relative to $d.
    '  set --',
    '  for x in "$d"/*; do',
    '    nf "${x##*/}"; n=$v',
    '    if [ -L "$x" ]; then msh subdir "$n" link; continue; fi',
    '    [ -d "$x" ] || continue',
    '    msh subdir "$n" dir',
    '    for f in "$x"/* "$x"/.[!.]* "$x"/..?*; do',
    '      if [ -L "$f" ]; then k=link',
    // -f before reading: a FIFO or device is never opened (reading one could block the probe).
    '      elif [ -f "$f" ]; then',
    '        r=${x##*/}/${f##*/}',
    `        case $r in *[![:print:]]* | *\\\\*) k=$(sha256sum < "$f" | cut -c1-64); k=\${k:-other} ;; *) set -- "$@" "$r"; continue ;; esac`,
    '      elif [ -e "$f" ]; then k=other',
    '      else continue',
    '      fi',
    '      nf "${f##*/}"; msh file "$n" "$v" "$k"',
    '    done',
    '  done',
    // One sha256sum for all of them; a file it could not read is `other`, as a FIFO is.
    '  if [ $# -gt 0 ]; then',
    '    (cd -- "$d" && exec sha256sum -- "$@" 2>/dev/null) | {',
    '      q=',
    '      for r; do sn "$r"; nf "${r%%/*}"; n=$v; nf "${r#*/}"; msh file "$n" "$v" "${k:-other}"; done',
    '    }',
    '  fi',
    // The first line of every real hosts.toml, read by the shell: one `<name field> <line>` line each,
    // all of them through one base64.
    '  h=$(for x in "$d"/*; do',
    '    if [ -d "$x" ] && [ ! -L "$x" ] && [ -f "$x/hosts.toml" ] && [ ! -L "$x/hosts.toml" ]; then',
    `      l=; IFS= read -r l 2>/dev/null < "$x/hosts.toml" || :; nf "\${x##*/}"; printf '%s %s\\n' "$v" "$l"`,
    '    fi',
    `  done | base64 | tr -d '\\n')`,
    '  msh heads "${h:--}"',
    'fi',
    'if [ -n "$c" ]; then',
    `  if [ -f "$c" ] && [ -r "$c" ]; then h=$(base64 < "$c" | tr -d '\\n'); msh containerd-config "\${h:--}"`,
    ...CONTAINERD_IMPORTS.map((line) => `  ${line}`),
    '  elif [ -e "$c" ]; then msh containerd-config unreadable',
    '  else msh containerd-config absent',
    '  fi',
    ...CONTAINERD_RUNTIME.map((line) => `  ${line}`),
    'fi',
    'msh end probe',
    'exit 0',
    PROGRAM_END,
    '',
  ].join('\n');
}

const linuxDialect: ProgramDialect = {
  quote: shQuote,
  nodePath,
  configRoot: (configDir) => configDir.replace(/\/+$/, '') || '/',
  // -C (noclobber): `>` never writes through an existing name; every temporary file is new.
  applyHeader: ['set -Ceu', 'umask 022', ...PRELUDE],
  emit: (words, field) => (field === undefined ? `msh ${words}` : `msh ${words} ${shQuote(field)}`),
  refuse: (reason, encodedPath) => `{ msh unsafe ${reason} ${shQuote(encodedPath)}; exit ${REMOTE_EXIT.unsafe}; }`,
  ifLink: (path, then) => `if [ -L ${path} ]; then ${then}; fi`,
  prepareStateDir: (state, d, refuse) => [
    `s=${state}`,
    `if [ -L "$s" ]; then ${refuse('state-dir-is-a-symlink')}; fi`,
    // Another run may create it between our test and our mkdir: the checks below decide, not mkdir.
    `if [ ! -e "$s" ]; then mkdir -p -- ${d}; mkdir -m 700 -- "$s" 2>/dev/null || :; fi`,
    `if [ -L "$s" ] || [ ! -d "$s" ]; then ${refuse('state-dir-not-a-directory')}; fi`,
    `if [ ! -O "$s" ]; then ${refuse('state-dir-not-ours')}; fi`,
    // Writable by group or others: anyone could have planted the lock or the record.
    `case $(stat -c %a -- "$s") in *[2367]? | *[2367]) ${refuse('state-dir-writable-by-others')} ;; esac`,
    'chmod 700 -- "$s"',
  ],
  lock: (lock, timeoutSeconds) => [
    // flock(1) on an open descriptor: the kernel drops the lock when this shell dies, so a run killed
    // mid-way never leaves the node locked. Created 0600 inside a 0700 directory: no other user can
    // open it, so none can hold it.
    `umask 077; exec 9>>${lock}; umask 022`,
    `flock -w ${timeoutSeconds} 9 || { msh lock-timeout; exit ${REMOTE_EXIT.lockTimeout}; }`,
  ],
  checkRecord: (record, expected) => [
    'r=absent',
    `if [ -f ${record} ]; then r=$(sha256sum < ${record} | cut -c1-64); fi`,
    `[ "$r" = ${shQuote(expected)} ] || { msh conflict "$r"; exit ${REMOTE_EXIT.conflict}; }`,
  ],
  removeStale: (paths) => (paths.length > 0 ? [`rm -f -- ${paths.join(' ')}`] : []),
  guardTemps: (temps) => ({ open: [`trap 'rm -f -- ${temps.map((t) => t.replace(/'/g, `'\\''`)).join(' ')}' EXIT`], close: [] }),
  // One mkdir for every directory missing (the caller checked each for a symlink first).
  mkdirs: (paths) => (paths.length > 0 ? ['set --', ...paths.map((p) => `[ -d ${p} ] || set -- "$@" ${p}`), '[ $# -eq 0 ] || mkdir -- "$@"'] : []),
  // The printf builtin writes text that crosses the program as it is; other bytes (NUL, which the
  // bootstrap's `$(cat)` drops, or invalid UTF-8) go through base64 -d, a process for that file.
  writeFile: (path, content) => {
    const text = plainText(content);
    return text !== null ? `printf '%s' ${shQuote(text)} > ${path}` : `printf '%s' ${shQuote(bytesToBase64(content))} | base64 -d > ${path}`;
  },
  // fsync before rename, so a power cut cannot leave the new name pointing at unwritten blocks.
  flush: (temps) => (temps.length > 0 ? [`sync -- ${temps.join(' ')} 2>/dev/null || sync`] : []),
  // rename(2) with -T: a directory in the way is an error, never a place to move the file into.
  moveOver: (from, to) => `mv -fT -- ${from} ${to}`,
  // Every link is refused before anything is removed; then one rm for the regular files ($rm<i>: this one was).
  removeFiles: (files) =>
    files.length === 0
      ? []
      : [
          ...files.map(({ path, onLink }) => `if [ -L ${path} ]; then ${onLink}; fi`),
          'set --',
          ...files.map(({ path }, i) => `if [ -f ${path} ]; then set -- "$@" ${path}; rm${i}=1; else rm${i}=; fi`),
          '[ $# -eq 0 ] || rm -f -- "$@"',
          ...files.map(({ onRemoved }, i) => `[ -z "$rm${i}" ] || ${onRemoved}`),
        ],
  // rmdir removes only an empty directory (and never a symlink): one call for all, each then looked at.
  removeDirsIfEmpty: (dirs) =>
    dirs.length === 0
      ? []
      : [
          'set --',
          ...dirs.map(({ path }, i) => `if [ ! -L ${path} ] && [ -d ${path} ]; then set -- "$@" ${path}; rd${i}=1; else rd${i}=; fi`),
          '[ $# -eq 0 ] || rmdir -- "$@" 2>/dev/null || :',
          ...dirs.map(({ path, onRemoved, onKept }, i) => `if [ -n "$rd${i}" ] && [ ! -e ${path} ] && [ ! -L ${path} ]; then ${onRemoved}; else ${onKept}; fi`),
        ],
  // One sha256sum for every file, named relative to the config directory (cd in a subshell), each
  // line matched to its file by `sn`; a file it cannot read is `missing`.
  readBack: (root, files) => {
    const alone = files.filter((f) => ESCAPED_BY_SHA256SUM.test(f.relative));
    const together = files.filter((f) => !ESCAPED_BY_SHA256SUM.test(f.relative));
    return [
      ...alone.flatMap(({ path, encodedPath }) => [`k=$(sha256sum < ${path} | cut -c1-64) || k=''`, `msh sum ${shQuote(encodedPath)} "\${k:-missing}"`]),
      ...(together.length > 0
        ? [
            `set -- ${together.map((f) => shQuote(f.relative)).join(' ')}`,
            `(cd -- ${root} && exec sha256sum -- "$@" 2>/dev/null) | {`,
            '  q=',
            ...together.map(({ relative, encodedPath }) => `  sn ${shQuote(relative)}; msh sum ${shQuote(encodedPath)} "\${k:-missing}"`),
            '}',
          ]
        : []),
    ];
  },
};

/** The bytes as text when the printf builtin can write them from a single-quoted word: UTF-8, no NUL. */
function plainText(content: Uint8Array): string | null {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(content);
  } catch {
    return null;
  }
  // The bootstrap runs a program whose text ends with PROGRAM_END: content holding it could make a
  // transfer cut right after it look complete.
  if (text.includes('\0') || text.includes(PROGRAM_END)) return null;
  return text;
}

export const linuxCommands: NodeCommandSet = nodeCommandSet('linux', BOOTSTRAP, probeProgram, linuxDialect);
