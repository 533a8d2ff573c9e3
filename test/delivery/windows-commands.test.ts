// The Windows command set, exactly: no Windows host runs in this suite, so the commands and paths
// are pinned here and reviewed as text (PowerShell 5.1 semantics noted where they matter).
import { describe, expect, test } from '@jest/globals';
import { bytesToBase64, serializeRecord, unknownNodeState, type DesiredFile, type NodeState } from '../../src/delivery/node-state.js';
import { resolveTarget } from '../../src/delivery/node-target.js';
import { planNode } from '../../src/delivery/plan-node.js';
import { markerPaths } from '../../src/delivery/preflight.js';
import { encodePowerShellCommand, psQuote, WINDOWS_BOOTSTRAP, windowsCommands } from '../../src/delivery/windows-commands.js';

const sha = (c: string): string => c.repeat(64);
const target = resolveTarget({ name: 'win-a', address: '10.0.0.5' }, { os: 'windows', port: 22 });

function state(partial: Partial<NodeState>): NodeState {
  return { ...unknownNodeState(), osId: 'windows', dir: 'exists', dirWritable: true, ...partial };
}

describe('paths on a WMCO node', () => {
  test('defaults are WMCO\'s directory and containerd config', () => {
    expect(target.configDir).toBe('C:\\k\\containerd\\registries');
    expect(target.containerdConfig).toBe('C:\\k\\containerd\\containerd_conf.toml');
    expect(target.user).toBe('Administrator');
  });

  test.each([
    ['C:\\k\\containerd\\registries', 'quay.io/hosts.toml', 'C:\\k\\containerd\\registries\\quay.io\\hosts.toml'],
    ['C:\\k\\containerd\\registries\\', 'registry.local_5000_/ca.crt', 'C:\\k\\containerd\\registries\\registry.local_5000_\\ca.crt'],
    ['D:/containerd/hosts', '.mirrorset-hosts/owner.json', 'D:/containerd/hosts\\.mirrorset-hosts\\owner.json'],
  ])('%s + %s', (dir, relative, expected) => {
    expect(windowsCommands.nodePath(dir, relative)).toBe(expected);
  });
});

describe('quoting', () => {
  test.each([
    ["C:\\k\\it's", "'C:\\k\\it''s'"],
    ['C:\\$env:x\\`n', "'C:\\$env:x\\`n'"],
    ['C:\\a\u2019b', "'C:\\a\u2019\u2019b'"], // PowerShell also ends a '...' string at a typographic quote
  ])('%s', (value, quoted) => {
    expect(psQuote(value)).toBe(quoted);
  });
});

describe('the command line sent over ssh', () => {
  test('is powershell.exe with the bootstrap as -EncodedCommand (UTF-16LE, base64)', () => {
    const prefix = 'powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ';
    expect(windowsCommands.remoteCommand.startsWith(prefix)).toBe(true);
    const encoded = windowsCommands.remoteCommand.slice(prefix.length);
    expect(Buffer.from(encoded, 'base64').toString('utf16le')).toBe(WINDOWS_BOOTSTRAP);
    expect(encodePowerShellCommand('ab')).toBe(Buffer.from('ab', 'utf16le').toString('base64'));
  });

  test('the bootstrap reads stdin as bytes, refuses a program without its last line, and runs it in scope', () => {
    expect(WINDOWS_BOOTSTRAP).toBe(
      "$ErrorActionPreference='Stop';$i=[Console]::OpenStandardInput();$m=New-Object IO.MemoryStream;$i.CopyTo($m);" +
        '$p=[Text.Encoding]::UTF8.GetString($m.ToArray());' +
        "if(-not $p.TrimEnd().EndsWith('# mirrorset-hosts program end')){[Console]::Out.Write(\"MSH1 truncated`n\");exit 97};" +
        '. ([ScriptBlock]::Create($p))',
    );
  });

  test('fits cmd.exe\'s 8191-character command line (OpenSSH for Windows\' default shell)', () => {
    expect(windowsCommands.remoteCommand.length).toBeLessThan(8191);
  });
});

describe('the probe program', () => {
  const program = windowsCommands.probeProgram(target, markerPaths('windows'));

  test('names the directory, config and state paths literally', () => {
    expect(program.split('\n').slice(0, 9)).toEqual([
      "$ErrorActionPreference = 'Stop'",
      "$ProgressPreference = 'SilentlyContinue'",
      "function Out-Msh([string]$line) { [Console]::Out.Write('MSH1 ' + $line + \"`n\") }",
      'function Get-Sha256([string]$path) { (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() }',
      "function Get-B64([string]$path) { $b = [Convert]::ToBase64String([IO.File]::ReadAllBytes($path)); if ($b -eq '') { '-' } else { $b } }",
      "$d = 'C:\\k\\containerd\\registries'",
      "$c = 'C:\\k\\containerd\\containerd_conf.toml'",
      "$s = 'C:\\k\\containerd\\registries\\.mirrorset-hosts'",
      "Out-Msh 'begin probe'",
    ]);
  });

  test('looks for rke2 and lists registry directories, files and hashes with -LiteralPath', () => {
    expect(program).toContain("foreach ($k in @('C:\\etc\\rancher\\rke2')) { if (Test-Path -LiteralPath $k) { Out-Msh ('marker ' + $k) } }");
    expect(program).toContain('  foreach ($x in @(Get-ChildItem -LiteralPath $d -Directory -Force | Sort-Object Name)) {');
    expect(program).toContain("      Out-Msh ('file ' + (Get-Sha256 $f.FullName) + ' ' + $x.Name + '/' + $f.Name)");
    expect(program).toContain("[IO.File]::Create((Join-Path $d '.mirrorset-hosts-probe'), 1, 'DeleteOnClose')");
    expect(program).not.toMatch(/Remove-Item|Move|Write-Bytes/); // the probe changes nothing
    expect(program.endsWith("Out-Msh 'end probe'\nexit 0\n# mirrorset-hosts program end\n")).toBe(true);
  });
});

describe('the apply program', () => {
  const content = new TextEncoder().encode('server = "https://quay.io/v2"\n');
  const desired: DesiredFile[] = [{ path: 'quay.io/hosts.toml', sha256: sha('a'), content }];
  const recordText = serializeRecord('old', [{ path: 'old.io/hosts.toml', sha256: sha('b') }]);
  const plan = planNode(
    desired,
    state({
      record: { sha256: sha('f'), text: recordText },
      dirs: ['old.io'],
      files: new Map([
        ['old.io/hosts.toml', sha('b')],
        ['old.io/.ca.crt.mirrorset-hosts-tmp', sha('c')],
      ]),
    }),
    'h1',
  );
  const program = windowsCommands.applyProgram(target, plan, ['quay.io/hosts.toml'], 60);
  const R = 'C:\\k\\containerd\\registries';

  test('is exactly this', () => {
    expect(program).toBe(
      [
        "$ErrorActionPreference = 'Stop'",
        "$ProgressPreference = 'SilentlyContinue'",
        "function Out-Msh([string]$line) { [Console]::Out.Write('MSH1 ' + $line + \"`n\") }",
        'function Get-Sha256([string]$path) { (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() }',
        "function Get-B64([string]$path) { $b = [Convert]::ToBase64String([IO.File]::ReadAllBytes($path)); if ($b -eq '') { '-' } else { $b } }",
        'function Write-Bytes([string]$path, [string]$b64) {',
        '  $bytes = [Convert]::FromBase64String($b64)',
        "  $fs = [IO.File]::Open($path, 'Create', 'Write', 'None')",
        '  try { $fs.Write($bytes, 0, $bytes.Length); $fs.Flush($true) } finally { $fs.Dispose() }',
        '}',
        'function Move-Over([string]$from, [string]$to) {',
        '  for ($n = 1; ; $n++) {',
        '    try {',
        '      if (Test-Path -LiteralPath $to -PathType Leaf) { [IO.File]::Replace($from, $to, [NullString]::Value) } else { [IO.File]::Move($from, $to) }',
        '      return',
        '    } catch { if ($n -ge 10) { throw }; Start-Sleep -Milliseconds 200 }',
        '  }',
        '}',
        "Out-Msh 'begin apply'",
        `[void][IO.Directory]::CreateDirectory('${R}\\.mirrorset-hosts')`,
        "Out-Msh 'step prepare ok'",
        '$deadline = [DateTime]::UtcNow.AddSeconds(60)',
        'while ($true) {',
        `  try { $lock = [IO.File]::Open('${R}\\.mirrorset-hosts\\lock', 'OpenOrCreate', 'ReadWrite', 'None'); break }`,
        '  catch {',
        '    if (-not ($_.Exception -is [IO.IOException] -or $_.Exception.InnerException -is [IO.IOException])) { throw }',
        "    if ([DateTime]::UtcNow -ge $deadline) { Out-Msh 'lock-timeout'; exit 75 }",
        '    Start-Sleep -Milliseconds 250',
        '  }',
        '}',
        "Out-Msh 'step lock ok'",
        "$r = 'absent'",
        `if (Test-Path -LiteralPath '${R}\\.mirrorset-hosts\\owner.json' -PathType Leaf) { $r = Get-Sha256 '${R}\\.mirrorset-hosts\\owner.json' }`,
        `if ($r -ne '${sha('f')}') { Out-Msh ('conflict ' + $r); exit 76 }`,
        `[void][IO.Directory]::CreateDirectory('${R}\\quay.io')`,
        `Write-Bytes '${R}\\quay.io\\.hosts.toml.mirrorset-hosts-tmp' '${bytesToBase64(content)}'`,
        "Out-Msh 'step upload ok'",
        `Move-Over '${R}\\quay.io\\.hosts.toml.mirrorset-hosts-tmp' '${R}\\quay.io\\hosts.toml'`,
        "Out-Msh 'step rename ok'",
        `if (Test-Path -LiteralPath '${R}\\old.io\\hosts.toml' -PathType Leaf) { Remove-Item -LiteralPath '${R}\\old.io\\hosts.toml' -Force }`,
        "Out-Msh 'removed-file old.io/hosts.toml'",
        `if (@(Get-ChildItem -LiteralPath '${R}\\old.io' -Force).Count -eq 0) { Remove-Item -LiteralPath '${R}\\old.io' -Force; Out-Msh 'removed-dir old.io' } else { Out-Msh 'kept-dir old.io' }`,
        `if (Test-Path -LiteralPath '${R}\\old.io\\.ca.crt.mirrorset-hosts-tmp' -PathType Leaf) { Remove-Item -LiteralPath '${R}\\old.io\\.ca.crt.mirrorset-hosts-tmp' -Force }`,
        "Out-Msh 'step cleanup ok'",
        `Write-Bytes '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp' '${bytesToBase64(new TextEncoder().encode(plan.record))}'`,
        `Move-Over '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp' '${R}\\.mirrorset-hosts\\owner.json'`,
        "Out-Msh 'step record ok'",
        `Out-Msh ('sum ' + (Get-Sha256 '${R}\\quay.io\\hosts.toml') + ' ' + 'quay.io/hosts.toml')`,
        "Out-Msh 'end apply'",
        'exit 0',
        '# mirrorset-hosts program end',
        '',
      ].join('\n'),
    );
  });

  test('never deletes the whole directory, as WMCO\'s ReplaceDir does', () => {
    expect(program).not.toMatch(/-Recurse/);
    expect(program).not.toContain(`Remove-Item -LiteralPath '${R}' `);
  });

  test('the file content travels only inside the program (stdin), never on the command line', () => {
    expect(windowsCommands.remoteCommand).not.toContain(bytesToBase64(content));
  });
});
