// The Windows command set: Windows PowerShell 5.1 over OpenSSH for Windows.
//
// WMCO runs `powershell.exe -NonInteractive -ExecutionPolicy Bypass "<cmd>"` (pkg/windows/windows.go
// `formatRemotePowerShellCommand`) and has to find out whether the SSH default shell is cmd.exe or
// PowerShell first. `-EncodedCommand` needs no quoting in either shell, so one command line works on
// both. The bootstrap stays far below cmd.exe's 8191-character limit: the program itself (files
// included) arrives on stdin, read as bytes and decoded as UTF-8 whatever the console code page is.
import type { NodeCommandSet } from './command-set.js';
import { bytesToBase64, LOCK_FILE, PROGRAM_END, RECORD_FILE, REMOTE_EXIT, STATE_DIR, TEMP_SUFFIX } from './node-state.js';
import { tempPathFor, type NodePlan } from './plan-node.js';
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
  // Progress records from Get-FileHash and friends reach a redirected stderr as CLIXML noise.
  "$ProgressPreference = 'SilentlyContinue'",
  'function Out-Msh([string]$line) { [Console]::Out.Write(\'MSH1 \' + $line + "`n") }',
  'function Get-Sha256([string]$path) { (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() }',
  'function Get-B64([string]$path) { $b = [Convert]::ToBase64String([IO.File]::ReadAllBytes($path)); if ($b -eq \'\') { \'-\' } else { $b } }',
];

function probeProgram(target: NodeTarget, markers: readonly string[]): string {
  const d = target.configDir.replace(/[\\/]+$/, '');
  return [
    ...PRELUDE,
    `$d = ${psQuote(d)}`,
    `$c = ${psQuote(target.containerdConfig)}`,
    `$s = ${psQuote(nodePath(d, STATE_DIR))}`,
    "Out-Msh 'begin probe'",
    "Out-Msh 'os-id windows'",
    ...(markers.length > 0
      ? [`foreach ($k in @(${markers.map(psQuote).join(', ')})) { if (Test-Path -LiteralPath $k) { Out-Msh ('marker ' + $k) } }`]
      : []),
    'if (Test-Path -LiteralPath $d -PathType Container) {',
    "  Out-Msh 'dir exists'",
    // Windows has no access(2): create and drop a file (DeleteOnClose leaves nothing behind).
    `  try { $t = [IO.File]::Create((Join-Path $d '.mirrorset-hosts-probe'), 1, 'DeleteOnClose'); $t.Dispose(); Out-Msh 'dir-writable yes' } catch { Out-Msh 'dir-writable no' }`,
    '} elseif (Test-Path -LiteralPath $d) {',
    "  Out-Msh 'dir not-a-directory'",
    '} else {',
    "  Out-Msh 'dir absent'",
    "  Out-Msh 'dir-writable unknown'",
    '}',
    `$r = Join-Path $s '${RECORD_FILE}'`,
    "if (Test-Path -LiteralPath $r -PathType Leaf) { Out-Msh ('record ' + (Get-Sha256 $r) + ' ' + (Get-B64 $r)) } else { Out-Msh 'record absent' }",
    'if (Test-Path -LiteralPath $d -PathType Container) {',
    '  foreach ($x in @(Get-ChildItem -LiteralPath $d -Directory -Force | Sort-Object Name)) {',
    "    if ($x.Name.StartsWith('.')) { continue }",
    "    Out-Msh ('subdir ' + $x.Name)",
    '    foreach ($f in @(Get-ChildItem -LiteralPath $x.FullName -File -Force | Sort-Object Name)) {',
    "      Out-Msh ('file ' + (Get-Sha256 $f.FullName) + ' ' + $x.Name + '/' + $f.Name)",
    '    }',
    "    $h = Join-Path $x.FullName 'hosts.toml'",
    '    if (Test-Path -LiteralPath $h -PathType Leaf) {',
    '      $l = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes([string](Get-Content -LiteralPath $h -TotalCount 1)))',
    "      if ($l -eq '') { $l = '-' }",
    "      Out-Msh ('head ' + $l + ' ' + $x.Name + '/hosts.toml')",
    '    }',
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
  // Flush($true) is FlushFileBuffers: the bytes are on disk before the rename makes them visible.
  'function Write-Bytes([string]$path, [string]$b64) {',
  '  $bytes = [Convert]::FromBase64String($b64)',
  "  $fs = [IO.File]::Open($path, 'Create', 'Write', 'None')",
  '  try { $fs.Write($bytes, 0, $bytes.Length); $fs.Flush($true) } finally { $fs.Dispose() }',
  '}',
  // ReplaceFile swaps the file in one step and keeps the old file's ACL; Move-Item -Force deletes
  // first. Go's os.Open (containerd) shares without FILE_SHARE_DELETE, so a replace can meet a
  // sharing violation while containerd reads the file: retry briefly. [NullString]::Value, because
  // PowerShell turns $null into '' for a string parameter and ReplaceFile rejects an empty backup path.
  'function Move-Over([string]$from, [string]$to) {',
  '  for ($n = 1; ; $n++) {',
  '    try {',
  '      if (Test-Path -LiteralPath $to -PathType Leaf) { [IO.File]::Replace($from, $to, [NullString]::Value) } else { [IO.File]::Move($from, $to) }',
  '      return',
  '    } catch { if ($n -ge 10) { throw }; Start-Sleep -Milliseconds 200 }',
  '  }',
  '}',
];

function applyProgram(target: NodeTarget, plan: NodePlan, desiredPaths: readonly string[], lockTimeoutSeconds: number): string {
  const d = target.configDir.replace(/[\\/]+$/, '');
  const at = (relative: string): string => psQuote(nodePath(d, relative));
  const state = nodePath(d, STATE_DIR);
  const record = `${state}\\${RECORD_FILE}`;
  const recordTemp = `${state}\\.${RECORD_FILE}${TEMP_SUFFIX}`;
  const lines = [
    ...PRELUDE,
    ...APPLY_FUNCTIONS,
    "Out-Msh 'begin apply'",
    `[void][IO.Directory]::CreateDirectory(${psQuote(state)})`,
    "Out-Msh 'step prepare ok'",
    // An exclusive handle (FileShare None) is the lock; Windows closes it when this process ends, so
    // a run killed mid-way never leaves the node locked.
    `$deadline = [DateTime]::UtcNow.AddSeconds(${lockTimeoutSeconds})`,
    'while ($true) {',
    `  try { $lock = [IO.File]::Open(${psQuote(`${state}\\${LOCK_FILE}`)}, 'OpenOrCreate', 'ReadWrite', 'None'); break }`,
    '  catch {',
    '    if (-not ($_.Exception -is [IO.IOException] -or $_.Exception.InnerException -is [IO.IOException])) { throw }',
    `    if ([DateTime]::UtcNow -ge $deadline) { Out-Msh 'lock-timeout'; exit ${REMOTE_EXIT.lockTimeout} }`,
    '    Start-Sleep -Milliseconds 250',
    '  }',
    '}',
    "Out-Msh 'step lock ok'",
    "$r = 'absent'",
    `if (Test-Path -LiteralPath ${psQuote(record)} -PathType Leaf) { $r = Get-Sha256 ${psQuote(record)} }`,
    `if ($r -ne ${psQuote(plan.expectedRecordSha256)}) { Out-Msh ('conflict ' + $r); exit ${REMOTE_EXIT.conflict} }`,
  ];
  for (const dir of plan.mkdirs) lines.push(`[void][IO.Directory]::CreateDirectory(${at(dir)})`);
  for (const write of plan.writes) lines.push(`Write-Bytes ${at(tempPathFor(write.path))} ${psQuote(bytesToBase64(write.content))}`);
  lines.push("Out-Msh 'step upload ok'");
  for (const write of plan.writes) lines.push(`Move-Over ${at(tempPathFor(write.path))} ${at(write.path)}`);
  lines.push("Out-Msh 'step rename ok'");
  for (const file of plan.removeFiles) {
    lines.push(
      `if (Test-Path -LiteralPath ${at(file)} -PathType Leaf) { Remove-Item -LiteralPath ${at(file)} -Force }`,
      `Out-Msh ${psQuote(`removed-file ${file}`)}`,
    );
  }
  for (const dir of plan.removeDirs) {
    // Only an empty directory goes: files someone else put there keep it.
    lines.push(
      `if (@(Get-ChildItem -LiteralPath ${at(dir)} -Force).Count -eq 0) { Remove-Item -LiteralPath ${at(dir)} -Force; Out-Msh ${psQuote(`removed-dir ${dir}`)} } else { Out-Msh ${psQuote(`kept-dir ${dir}`)} }`,
    );
  }
  for (const temp of plan.removeTemps) {
    lines.push(`if (Test-Path -LiteralPath ${at(temp)} -PathType Leaf) { Remove-Item -LiteralPath ${at(temp)} -Force }`);
  }
  lines.push("Out-Msh 'step cleanup ok'");
  lines.push(
    `Write-Bytes ${psQuote(recordTemp)} ${psQuote(bytesToBase64(new TextEncoder().encode(plan.record)))}`,
    `Move-Over ${psQuote(recordTemp)} ${psQuote(record)}`,
    "Out-Msh 'step record ok'",
  );
  for (const path of desiredPaths) lines.push(`Out-Msh ('sum ' + (Get-Sha256 ${at(path)}) + ' ' + ${psQuote(path)})`);
  lines.push("Out-Msh 'end apply'", 'exit 0', PROGRAM_END, '');
  return lines.join('\n');
}

export const windowsCommands: NodeCommandSet = {
  os: 'windows',
  remoteCommand: REMOTE_COMMAND,
  probeProgram,
  applyProgram,
  nodePath,
};

