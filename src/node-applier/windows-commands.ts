// The Windows command set: Windows PowerShell 5.1 over OpenSSH for Windows.
//
// WMCO runs `powershell.exe -NonInteractive -ExecutionPolicy Bypass "<cmd>"` (pkg/windows/windows.go
// `formatRemotePowerShellCommand`) and has to find out whether the SSH default shell is cmd.exe or
// PowerShell first. `-EncodedCommand` needs no quoting in either shell, so one command line works on
// both. The bootstrap stays far below cmd.exe's 8191-character limit: the program itself (files
// included) arrives on stdin, read as bytes and decoded as UTF-8 whatever the console code page is.
import { bytesToBase64 } from '../vocabulary.js';
import { nodeCommandSet, type ProgramDialect } from './apply-program.js';
import type { NodeCommandSet } from './command-set.js';
import { PROGRAM_END, RECORD_FILE, REMOTE_EXIT, STATE_DIR } from './node-state.js';
import type { NodeTarget } from './node-target.js';

/**
 * Single-quoted for PowerShell: a quote is escaped by doubling it, and PowerShell also takes the
 * typographic quotes U+2018..U+201B as single quotes (about_Quoting_Rules), so those are doubled too.
 */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

function nodePath(configDir: string, relative: string): string {
  return `${configDir.replace(/[\\/]+$/, '')}\\${relative.split('/').join('\\')}`;
}

export const WINDOWS_BOOTSTRAP = [
  "$ErrorActionPreference='Stop'",
  '$i=[Console]::OpenStandardInput()',
  '$m=New-Object IO.MemoryStream',
  '$i.CopyTo($m)',
  '$p=[Text.Encoding]::UTF8.GetString($m.ToArray())',
  `if(-not $p.TrimEnd().EndsWith(${psQuote(PROGRAM_END)})){[Console]::Out.Write("MSH1 truncated\`n");exit ${REMOTE_EXIT.truncated}}`,
  '. ([ScriptBlock]::Create($p))',
].join(';');

/** `-EncodedCommand` takes base64 of the UTF-16LE text (powershell.exe /?). */
export function encodePowerShellCommand(script: string): string {
  const bytes = new Uint8Array(script.length * 2);
  for (let i = 0; i < script.length; i++) {
    const code = script.charCodeAt(i);
    bytes[i * 2] = code & 0xff;
    bytes[i * 2 + 1] = code >> 8;
  }
  return bytesToBase64(bytes);
}

const REMOTE_COMMAND = `powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ${encodePowerShellCommand(WINDOWS_BOOTSTRAP)}`;

const PRELUDE = [
  "$ErrorActionPreference = 'Stop'",
  // An error nothing catches would reach stderr as PowerShell serialises it for a caller that started
  // it with -EncodedCommand and redirected output: a `#< CLIXML` document (with ANSI colours under
  // PowerShell 7), which is what the applier would quote as the reason. One plain line instead, with
  // the program's line number; exit 1 as PowerShell's own exit on an error.
  "trap { [Console]::Error.Write('mirrorset-hosts program failed at line ' + $_.InvocationInfo.ScriptLineNumber + ': ' + ($_.Exception.Message -replace '\\s+', ' ') + \"`n\"); exit 1 }",
  // Progress records from Get-FileHash and friends reach a redirected stderr as CLIXML noise.
  "$ProgressPreference = 'SilentlyContinue'",
  'function Out-Msh([string]$line) { [Console]::Out.Write(\'MSH1 \' + $line + "`n") }',
  'function Get-Sha256([string]$path) { (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() }',
  'function Get-B64([string]$path) { $b = [Convert]::ToBase64String([IO.File]::ReadAllBytes((Get-NativePath $path))); if ($b -eq \'\') { \'-\' } else { $b } }',
  // .NET resolves a path against the process's directory and knows no PowerShell drive; the cmdlets
  // resolve it through PowerShell's providers. Every path handed to .NET goes through the same
  // resolution (GetUnresolvedProviderPathFromPSPath: no wildcards, nothing needs to exist), so a
  // cmdlet and a .NET call always name the same file. An absolute C:\ path comes back unchanged.
  'function Get-NativePath([string]$p) { $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p) }',
  // A name as one protocol field: base64 of its UTF-8, '-' for empty.
  "function B64([string]$t) { if ($t -eq '') { '-' } else { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($t)) } }",
  // GetFileAttributes does not follow a symlink or junction: a reparse point is reported as a link.
  "function Get-Kind([string]$p) { try { $a = [IO.File]::GetAttributes((Get-NativePath $p)) } catch { return 'absent' }; if (($a -band [IO.FileAttributes]::ReparsePoint) -ne 0) { 'link' } elseif (($a -band [IO.FileAttributes]::Directory) -ne 0) { 'dir' } else { 'file' } }",
  // Ours: owned by Administrators, SYSTEM or the SSH user (files an administrator creates are owned by Administrators).
  "function Test-Ours([string]$p) { try { $o = (Get-Acl -LiteralPath $p).GetOwner([Security.Principal.SecurityIdentifier]).Value; $me = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value; if ($o -eq 'S-1-5-32-544' -or $o -eq 'S-1-5-18' -or $o -eq $me) { 'yes' } else { 'no' } } catch { 'unknown' } }",
];

function probeProgram(target: NodeTarget, markers: readonly string[]): string {
  const d = target.configDir.replace(/[\\/]+$/, '');
  return [
    ...PRELUDE,
    `$d = ${psQuote(d)}`,
    `$c = ${psQuote(target.containerdConfig)}`,
    `$s = ${psQuote(nodePath(d, STATE_DIR))}`,
    "Out-Msh 'begin probe'",
    "Out-Msh ('os-id ' + (B64 'windows'))",
    ...(markers.length > 0
      ? [`foreach ($k in @(${markers.map(psQuote).join(', ')})) { if ((Get-Kind $k) -ne 'absent') { Out-Msh ('marker ' + (B64 $k)) } }`]
      : []),
    'if (Test-Path -LiteralPath $d -PathType Container) {',
    "  Out-Msh 'dir exists'",
    // Windows has no access(2): create and drop a file (DeleteOnClose leaves nothing behind). A new
    // name each time, created only if absent: two runs probing at once never meet on one file (an
    // exclusive open of a shared name made the second say "not writable"), and no file is replaced.
    // Typed arguments: with a plain string last, New-Object picks the (..., int, bool useAsync) overload.
    `  $w = '.mirrorset-hosts-probe-' + [guid]::NewGuid().ToString('N')`,
    `  try { $t = New-Object IO.FileStream((Get-NativePath (Join-Path $d $w)), [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None, 1, [IO.FileOptions]::DeleteOnClose); $t.Dispose(); Out-Msh 'dir-writable yes' } catch { Out-Msh 'dir-writable no' }`,
    '} elseif (Test-Path -LiteralPath $d) {',
    "  Out-Msh 'dir not-a-directory'",
    '} else {',
    "  Out-Msh 'dir absent'",
    "  Out-Msh 'dir-writable unknown'",
    '}',
    '$k = Get-Kind $s',
    "if ($k -eq 'absent' -or $k -eq 'link') { Out-Msh ('state ' + $k) } elseif ($k -eq 'dir') { Out-Msh ('state dir ' + (Test-Ours $s) + ' -') } else { Out-Msh 'state other' }",
    `$r = Join-Path $s '${RECORD_FILE}'`,
    "if ($k -eq 'dir' -and (Get-Kind $r) -eq 'file') { Out-Msh ('record ' + (Get-Sha256 $r) + ' ' + (Get-B64 $r)) } else { Out-Msh 'record absent' }",
    'if (Test-Path -LiteralPath $d -PathType Container) {',
    '  foreach ($x in @(Get-ChildItem -LiteralPath $d -Force | Sort-Object Name)) {',
    "    if ($x.Name.StartsWith('.')) { continue }",
    '    $n = B64 $x.Name',
    "    if (($x.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) { Out-Msh ('subdir ' + $n + ' link'); continue }",
    '    if (-not $x.PSIsContainer) { continue }',
    "    Out-Msh ('subdir ' + $n + ' dir')",
    '    foreach ($f in @(Get-ChildItem -LiteralPath $x.FullName -Force | Sort-Object Name)) {',
    "      if (($f.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) { $h = 'link' } elseif ($f.PSIsContainer) { $h = 'other' } else { try { $h = Get-Sha256 $f.FullName } catch { $h = 'other' } }",
    "      Out-Msh ('file ' + $n + ' ' + (B64 $f.Name) + ' ' + $h)",
    '    }',
    "    $h = Join-Path $x.FullName 'hosts.toml'",
    "    if ((Get-Kind $h) -eq 'file') { Out-Msh ('head ' + $n + ' ' + (B64 ([string](Get-Content -LiteralPath $h -TotalCount 1)))) }",
    '  }',
    '}',
    "if ($c -ne '') {",
    "  if (Test-Path -LiteralPath $c -PathType Leaf) { try { Out-Msh ('containerd-config ' + (Get-B64 $c)) } catch { Out-Msh 'containerd-config unreadable' } }",
    "  else { Out-Msh 'containerd-config absent' }",
    '}',
    "Out-Msh 'end probe'",
    'exit 0',
    PROGRAM_END,
    '',
  ].join('\n');
}

const APPLY_FUNCTIONS = [
  // CreateNew: an existing name (a planted file or link included) is an error, never written through.
  // Flush($true) is FlushFileBuffers: the bytes are on disk before the rename makes them visible.
  'function Write-Bytes([string]$path, [string]$b64) {',
  '  $bytes = [Convert]::FromBase64String($b64)',
  "  $fs = [IO.File]::Open((Get-NativePath $path), 'CreateNew', 'Write', 'None')",
  '  try { $fs.Write($bytes, 0, $bytes.Length); $fs.Flush($true) } finally { $fs.Dispose() }',
  '}',
  // ReplaceFile swaps the file in one step and keeps the old file's ACL; Move-Item -Force deletes
  // first. Go's os.Open (containerd) shares without FILE_SHARE_DELETE, so a replace can meet a
  // sharing violation while containerd reads the file: retry briefly. [NullString]::Value, because
  // PowerShell turns $null into '' for a string parameter and ReplaceFile rejects an empty backup path.
  // File.Move onto a directory throws: a file is never moved into a directory.
  'function Move-Over([string]$from, [string]$to) {',
  '  $from = Get-NativePath $from; $to = Get-NativePath $to',
  '  for ($n = 1; ; $n++) {',
  '    try {',
  "      if ((Get-Kind $to) -eq 'file') { [IO.File]::Replace($from, $to, [NullString]::Value) } else { [IO.File]::Move($from, $to) }",
  '      return',
  '    } catch { if ($n -ge 10) { throw }; Start-Sleep -Milliseconds 200 }',
  '  }',
  '}',
  // A leftover of ours (or a link in its place: File.Delete removes the link, never its target).
  "function Remove-Stale([string]$p) { if ((Get-Kind $p) -ne 'absent') { [IO.File]::Delete((Get-NativePath $p)) } }",
  `function Stop-Unsafe([string]$reason, [string]$b64) { Out-Msh ('unsafe ' + $reason + ' ' + $b64); exit ${REMOTE_EXIT.unsafe} }`,
  // Administrators and SYSTEM only, nothing inherited: no other user can open the lock or the record.
  'function New-StateAcl {',
  '  $a = New-Object Security.AccessControl.DirectorySecurity',
  '  $a.SetAccessRuleProtection($true, $false)',
  "  foreach ($sid in @('S-1-5-32-544', 'S-1-5-18')) { $a.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule((New-Object Security.Principal.SecurityIdentifier($sid)), 'FullControl', 'ContainerInherit, ObjectInherit', 'None', 'Allow'))) }",
  '  $a',
  '}',
];

const windowsDialect: ProgramDialect = {
  quote: psQuote,
  nodePath,
  configRoot: (configDir) => configDir.replace(/[\\/]+$/, ''),
  applyHeader: [...PRELUDE, ...APPLY_FUNCTIONS],
  emit: (words, field) => (field === undefined ? `Out-Msh ${psQuote(words)}` : `Out-Msh (${psQuote(`${words} `)} + ${psQuote(field)})`),
  refuse: (reason, encodedPath) => `Stop-Unsafe '${reason}' ${psQuote(encodedPath)}`,
  ifLink: (path, then) => `if ((Get-Kind ${path}) -eq 'link') { ${then} }`,
  prepareStateDir: (state, d, refuse) => [
    `$s = Get-NativePath ${state}`,
    '$k = Get-Kind $s',
    // NTFS ACLs exist only where Windows is the OS: .NET elsewhere throws PlatformNotSupportedException,
    // and this is how the Windows program runs under PowerShell on a Linux test machine at all
    // (docs/containerd-proof.md). On a Windows node the test is always true.
    '$ntfs = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT',
    `if ($k -eq 'link') { ${refuse('state-dir-is-a-symlink')} }`,
    `if ($k -eq 'absent') { [void][IO.Directory]::CreateDirectory((Get-NativePath ${d})); if ($ntfs) { [void][IO.Directory]::CreateDirectory($s, (New-StateAcl)) } else { [void][IO.Directory]::CreateDirectory($s) } }`,
    `if ((Get-Kind $s) -ne 'dir') { ${refuse('state-dir-not-a-directory')} }`,
    `if ((Test-Ours $s) -eq 'no') { ${refuse('state-dir-not-ours')} }`,
    'if ($ntfs) { [IO.Directory]::SetAccessControl($s, (New-StateAcl)) }',
  ],
  lock: (lock, timeoutSeconds) => [
    // An exclusive handle (FileShare None) is the lock; Windows closes it when this process ends, so
    // a run killed mid-way never leaves the node locked.
    `$deadline = [DateTime]::UtcNow.AddSeconds(${timeoutSeconds})`,
    'while ($true) {',
    `  try { $lock = [IO.File]::Open((Get-NativePath ${lock}), 'OpenOrCreate', 'ReadWrite', 'None'); break }`,
    '  catch {',
    '    if (-not ($_.Exception -is [IO.IOException] -or $_.Exception.InnerException -is [IO.IOException])) { throw }',
    `    if ([DateTime]::UtcNow -ge $deadline) { Out-Msh 'lock-timeout'; exit ${REMOTE_EXIT.lockTimeout} }`,
    '    Start-Sleep -Milliseconds 250',
    '  }',
    '}',
  ],
  checkRecord: (record, expected) => [
    "$r = 'absent'",
    `if ((Get-Kind ${record}) -eq 'file') { $r = Get-Sha256 ${record} }`,
    `if ($r -ne ${psQuote(expected)}) { Out-Msh ('conflict ' + $r); exit ${REMOTE_EXIT.conflict} }`,
  ],
  removeStale: (paths) => paths.map((path) => `Remove-Stale ${path}`),
  guardTemps: (temps) => ({ open: ['try {'], close: [`} finally { foreach ($t in @(${temps.join(', ')})) { try { Remove-Stale $t } catch { } } }`] }),
  // One PowerShell process runs the whole program: a step per file costs no process.
  mkdirs: (paths) => paths.map((path) => `[void][IO.Directory]::CreateDirectory((Get-NativePath ${path}))`),
  writeFile: (path, content) => `Write-Bytes ${path} ${psQuote(bytesToBase64(content))}`,
  // Write-Bytes flushes every file to disk itself.
  flush: () => [],
  moveOver: (from, to) => `Move-Over ${from} ${to}`,
  removeFiles: (files) =>
    files.map(({ path, onLink, onRemoved }) => `$k = Get-Kind ${path}; if ($k -eq 'link') { ${onLink} } elseif ($k -eq 'file') { Remove-Item -LiteralPath ${path} -Force; ${onRemoved} }`),
  removeDirsIfEmpty: (dirs) =>
    dirs.map(
      ({ path, onRemoved, onKept }) =>
        `if ((Get-Kind ${path}) -eq 'dir' -and @(Get-ChildItem -LiteralPath ${path} -Force).Count -eq 0) { [IO.Directory]::Delete((Get-NativePath ${path})); ${onRemoved} } else { ${onKept} }`,
    ),
  readBack: (_root, files) =>
    files.flatMap(({ path, encodedPath }) => [`try { $h = Get-Sha256 ${path} } catch { $h = 'missing' }`, `Out-Msh ('sum ' + ${psQuote(encodedPath)} + ' ' + $h)`]),
};

export const windowsCommands: NodeCommandSet = nodeCommandSet('windows', REMOTE_COMMAND, probeProgram, windowsDialect);
