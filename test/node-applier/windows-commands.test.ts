// The Windows command set, exactly: the commands and paths are pinned here and reviewed as text
// (PowerShell 5.1 semantics noted where they matter). They also run for real under pwsh behind sshd
// in test/e2e/ssh/ (a Windows stand-in node); what that does not prove is in docs/containerd-proof.md.
import { describe, expect, test } from '@jest/globals';
import { bytesToBase64 } from '../../src/vocabulary.js';
import { serializeRecord, unknownNodeState, type DesiredFile, type NodeState } from '../../src/node-applier/node-state.js';
import { resolveTarget } from '../../src/node-applier/node-target.js';
import { planNode } from '../../src/node-applier/plan-node.js';
import { markerPaths } from '../../src/node-applier/preflight.js';
import { encodePowerShellCommand, psQuote, WINDOWS_BOOTSTRAP, windowsCommands } from '../../src/node-applier/windows-commands.js';

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
    expect(program.split('\n').filter((l) => !/^function (B64|Get-Kind|Test-Ours)\(/.test(l)).slice(0, 11)).toEqual([
      "$ErrorActionPreference = 'Stop'",
      "trap { [Console]::Error.Write('mirrorset-hosts program failed at line ' + $_.InvocationInfo.ScriptLineNumber + ': ' + ($_.Exception.Message -replace '\\s+', ' ') + \"`n\"); exit 1 }",
      "$ProgressPreference = 'SilentlyContinue'",
      "function Out-Msh([string]$line) { [Console]::Out.Write('MSH1 ' + $line + \"`n\") }",
      'function Get-Sha256([string]$path) { (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant() }',
      "function Get-B64([string]$path) { $b = [Convert]::ToBase64String([IO.File]::ReadAllBytes((Get-NativePath $path))); if ($b -eq '') { '-' } else { $b } }",
      'function Get-NativePath([string]$p) { $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($p) }',
      "$d = 'C:\\k\\containerd\\registries'",
      "$c = 'C:\\k\\containerd\\containerd_conf.toml'",
      "$s = 'C:\\k\\containerd\\registries\\.mirrorset-hosts'",
      "Out-Msh 'begin probe'",
    ]);
  });

  test('looks for rke2 and lists registry directories, files and hashes with -LiteralPath', () => {
    expect(program).toContain("foreach ($k in @('C:\\etc\\rancher\\rke2')) { if ((Get-Kind $k) -ne 'absent') { Out-Msh ('marker ' + (B64 $k)) } }");
    expect(program).toContain('  foreach ($x in @(Get-ChildItem -LiteralPath $d -Force | Sort-Object Name)) {');
    expect(program).toContain("      Out-Msh ('file ' + $n + ' ' + (B64 $f.Name) + ' ' + $h)");
    expect(program).toContain("    if (($x.Attributes -band [IO.FileAttributes]::ReparsePoint) -ne 0) { Out-Msh ('subdir ' + $n + ' link'); continue }");
    // The writable check creates a new name each time, only if absent: concurrent probes never share one.
    expect(program).toContain("  $w = '.mirrorset-hosts-probe-' + [guid]::NewGuid().ToString('N')\n  try { $t = New-Object IO.FileStream((Get-NativePath (Join-Path $d $w)), [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::None, 1, [IO.FileOptions]::DeleteOnClose)");
    expect(program).not.toMatch(/Remove-Item|Move|Write-Bytes|Remove-Stale|SetAccessControl/); // the probe changes nothing
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

  const b = (t: string): string => Buffer.from(t).toString('base64');

  test('creates temporary files exclusively, never follows a reparse point, and replaces without moving into a directory', () => {
    expect(program).toContain("  $fs = [IO.File]::Open((Get-NativePath $path), 'CreateNew', 'Write', 'None')");
    expect(program).not.toMatch(/'Create',/);
    expect(program).toContain("      if ((Get-Kind $to) -eq 'file') { [IO.File]::Replace($from, $to, [NullString]::Value) } else { [IO.File]::Move($from, $to) }");
    expect(program).toContain("function Get-Kind([string]$p) { try { $a = [IO.File]::GetAttributes((Get-NativePath $p)) } catch { return 'absent' }; if (($a -band [IO.FileAttributes]::ReparsePoint) -ne 0) { 'link' } elseif (($a -band [IO.FileAttributes]::Directory) -ne 0) { 'dir' } else { 'file' } }");
    expect(program).toContain("  $a.SetAccessRuleProtection($true, $false)");
    expect(program).toContain("function Stop-Unsafe([string]$reason, [string]$b64) { Out-Msh ('unsafe ' + $reason + ' ' + $b64); exit 77 }");
  });

  test('after its functions, is exactly this', () => {
    expect(program.slice(program.indexOf("Out-Msh 'begin apply'"))).toBe(
      [
        `Out-Msh 'begin apply'`,
        `$s = Get-NativePath '${R}\\.mirrorset-hosts'`,
        `$k = Get-Kind $s`,
        `$ntfs = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT`,
        `if ($k -eq 'link') { Stop-Unsafe 'state-dir-is-a-symlink' '${b('.mirrorset-hosts')}' }`,
        `if ($k -eq 'absent') { [void][IO.Directory]::CreateDirectory((Get-NativePath '${R}')); if ($ntfs) { [void][IO.Directory]::CreateDirectory($s, (New-StateAcl)) } else { [void][IO.Directory]::CreateDirectory($s) } }`,
        `if ((Get-Kind $s) -ne 'dir') { Stop-Unsafe 'state-dir-not-a-directory' '${b('.mirrorset-hosts')}' }`,
        `if ((Test-Ours $s) -eq 'no') { Stop-Unsafe 'state-dir-not-ours' '${b('.mirrorset-hosts')}' }`,
        `if ($ntfs) { [IO.Directory]::SetAccessControl($s, (New-StateAcl)) }`,
        `if ((Get-Kind '${R}\\.mirrorset-hosts\\lock') -eq 'link') { Stop-Unsafe 'lock-is-a-symlink' '${b('.mirrorset-hosts/lock')}' }`,
        `Out-Msh 'step prepare ok'`,
        `$deadline = [DateTime]::UtcNow.AddSeconds(60)`,
        `while ($true) {`,
        `  try { $lock = [IO.File]::Open((Get-NativePath '${R}\\.mirrorset-hosts\\lock'), 'OpenOrCreate', 'ReadWrite', 'None'); break }`,
        `  catch {`,
        `    if (-not ($_.Exception -is [IO.IOException] -or $_.Exception.InnerException -is [IO.IOException])) { throw }`,
        `    if ([DateTime]::UtcNow -ge $deadline) { Out-Msh 'lock-timeout'; exit 75 }`,
        `    Start-Sleep -Milliseconds 250`,
        `  }`,
        `}`,
        `Out-Msh 'step lock ok'`,
        `if ((Get-Kind '${R}\\.mirrorset-hosts\\owner.json') -eq 'link') { Stop-Unsafe 'record-is-a-symlink' '${b('.mirrorset-hosts/owner.json')}' }`,
        `$r = 'absent'`,
        `if ((Get-Kind '${R}\\.mirrorset-hosts\\owner.json') -eq 'file') { $r = Get-Sha256 '${R}\\.mirrorset-hosts\\owner.json' }`,
        `if ($r -ne '${sha('f')}') { Out-Msh ('conflict ' + $r); exit 76 }`,
        `Remove-Stale '${R}\\old.io\\.ca.crt.mirrorset-hosts-tmp'`,
        `Remove-Stale '${R}\\quay.io\\.hosts.toml.mirrorset-hosts-tmp'`,
        `Remove-Stale '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp'`,
        `try {`,
        `if ((Get-Kind '${R}\\quay.io') -eq 'link') { Stop-Unsafe 'registry-dir-is-a-symlink' '${b('quay.io')}' }`,
        `[void][IO.Directory]::CreateDirectory((Get-NativePath '${R}\\quay.io'))`,
        `if ((Get-Kind '${R}\\quay.io\\hosts.toml') -eq 'link') { Stop-Unsafe 'file-is-a-symlink' '${b('quay.io/hosts.toml')}' }`,
        `Write-Bytes '${R}\\quay.io\\.hosts.toml.mirrorset-hosts-tmp' '${bytesToBase64(content)}'`,
        `Out-Msh 'step upload ok'`,
        `Write-Bytes '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp' '${bytesToBase64(new TextEncoder().encode(plan.intentRecord))}'`,
        `Move-Over '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp' '${R}\\.mirrorset-hosts\\owner.json'`,
        `Move-Over '${R}\\quay.io\\.hosts.toml.mirrorset-hosts-tmp' '${R}\\quay.io\\hosts.toml'`,
        `Out-Msh 'step rename ok'`,
        `$k = Get-Kind '${R}\\old.io\\hosts.toml'; if ($k -eq 'link') { Stop-Unsafe 'file-is-a-symlink' '${b('old.io/hosts.toml')}' } elseif ($k -eq 'file') { Remove-Item -LiteralPath '${R}\\old.io\\hosts.toml' -Force; Out-Msh ('removed-file ' + '${b('old.io/hosts.toml')}') }`,
        `if ((Get-Kind '${R}\\old.io') -eq 'dir' -and @(Get-ChildItem -LiteralPath '${R}\\old.io' -Force).Count -eq 0) { [IO.Directory]::Delete((Get-NativePath '${R}\\old.io')); Out-Msh ('removed-dir ' + '${b('old.io')}') } else { Out-Msh ('kept-dir ' + '${b('old.io')}') }`,
        `Out-Msh 'step cleanup ok'`,
        `Write-Bytes '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp' '${bytesToBase64(new TextEncoder().encode(plan.record))}'`,
        `Move-Over '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp' '${R}\\.mirrorset-hosts\\owner.json'`,
        `Out-Msh 'step record ok'`,
        `} finally { foreach ($t in @('${R}\\quay.io\\.hosts.toml.mirrorset-hosts-tmp', '${R}\\.mirrorset-hosts\\.owner.json.mirrorset-hosts-tmp')) { try { Remove-Stale $t } catch { } } }`,
        `try { $h = Get-Sha256 '${R}\\quay.io\\hosts.toml' } catch { $h = 'missing' }`,
        `Out-Msh ('sum ' + '${b('quay.io/hosts.toml')}' + ' ' + $h)`,
        `Out-Msh 'end apply'`,
        `exit 0`,
        `# mirrorset-hosts program end`,
        ``,
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

// Both programs, every line that prints: a name or content from the node is always passed through
// B64 (or Get-B64, or is one of our base64 literals), so it can never start a protocol line.
describe('the Windows protocol', () => {
  const probe = windowsCommands.probeProgram(target, markerPaths('windows'));
  const plan = planNode([{ path: 'quay.io/hosts.toml', sha256: sha('a'), content: new Uint8Array([1]) }], state({ dirs: ['old.io'], files: new Map([['old.io/x', sha('b')]]), record: { sha256: sha('f'), text: serializeRecord('o', [{ path: 'old.io/x', sha256: sha('b') }]) } }), 'h');
  const apply = windowsCommands.applyProgram(target, plan, ['quay.io/hosts.toml'], 60);

  test.each([['probe', probe], ['apply', apply]])('every Out-Msh in the %s program prints only fixed words, hashes and base64', (_name, program) => {
    const calls = program.split('\n').flatMap((l) => [...l.matchAll(/Out-Msh (\(.*?\)(?= *[;}]|$)|'[^']*')/g)].map((m) => m[1] as string));
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls) {
      // Variables allowed: $n (B64 of a name), $h (hash, 'link', 'other', 'missing'), $k (Get-Kind), $r (hash), $reason/$b64 (Stop-Unsafe), $line.
      const parts = call.replace(/^\(|\)$/g, '').split(' + ');
      for (const part of parts) {
        expect({ call, part, ok: /^'[A-Za-z0-9+/=\- ]*'$|^\$(n|h|k|r|reason|b64)$|^\((B64|Get-B64|Get-Sha256|Test-Ours) .*\)$/.test(part.trim()) }).toEqual({ call, part, ok: true });
      }
    }
  });

  // Windows Server 2019/2022 ship Windows PowerShell 5.1: nothing from PowerShell 7.
  // The e2e suite runs these programs under PowerShell 7, which accepts all of this: only this test
  // keeps 7-only syntax and .NET Core-only APIs out.
  const SEVEN_ONLY: Array<[string, RegExp]> = [
    ['null-coalescing ?? / ??=', /\?\?/],
    ['null-conditional ?. / ?[', /\?\.|\?\[/],
    ['pipeline chain && / ||', /&&|\|\|/],
    ['ternary a ? b : c', /\s\?\s[^;{}]*\s:\s/],
    ['ForEach-Object -Parallel', /-Parallel\b/],
    ['Join-Path -AdditionalChildPath', /-AdditionalChildPath\b/],
    ['Join-Path with more than one child', /Join-Path[ \t]+[^\s)]+[ \t]+[^\s)]+[ \t]+[^\s)-]/],
    ['a clean block', /\bclean\s*\{/],
    ['the `e and `u{} escapes', /`e|`u\{/],
    ['7-only cmdlets, parameters and variables', /\b(?:Get-Error|Join-String|Test-Json)\b|-(?:AsHashtable|AsByteStream|SkipHttpErrorCheck)\b|\$(?:PSStyle|IsWindows|IsLinux|IsMacOS|IsCoreCLR)\b/],
    ['.NET Core-only APIs', /\[IO\.Path\]::(?:Join|GetRelativePath|TrimEndingDirectorySeparator)|\[IO\.File\]::\w+Async|ReplaceLineEndings|\[Convert\]::(?:ToHexString|FromHexString)/],
  ];
  test.each([['probe', probe], ['apply', apply], ['bootstrap', WINDOWS_BOOTSTRAP]])('the %s program keeps to the Windows PowerShell 5.1 language', (_name, program) => {
    const code = program.replace(/'(?:[^']|'')*'/g, "''"); // string literals out of the way
    for (const [what, pattern] of SEVEN_ONLY) expect({ what, found: code.match(pattern)?.[0] ?? null }).toEqual({ what, found: null });
  });

  test.each(SEVEN_ONLY)('the 5.1 check refuses %s', (what, pattern) => {
    const samples: Record<string, string> = {
      'null-coalescing ?? / ??=': '$a = $b ?? 1',
      'null-conditional ?. / ?[': '${a}?.Length',
      'pipeline chain && / ||': 'Get-Item x && Get-Item y',
      'ternary a ? b : c': '$a = $b ? 1 : 2',
      'ForEach-Object -Parallel': '1..2 | ForEach-Object -Parallel { $_ }',
      'Join-Path -AdditionalChildPath': 'Join-Path $a b -AdditionalChildPath c',
      'Join-Path with more than one child': 'Join-Path $a b c',
      'a clean block': 'function f { process { } clean { } }',
      'the `e and `u{} escapes': '"`e[31m"',
      '7-only cmdlets, parameters and variables': 'if ($IsLinux) { }',
      '.NET Core-only APIs': '[IO.Path]::Join($a, $b)',
    };
    expect(pattern.test(samples[what] as string)).toBe(true);
  });

  // .NET resolves a path against the process directory and knows no PowerShell drive: a .NET call on
  // a path PowerShell did not resolve could name another file than the cmdlets next to it.
  test.each([['probe', probe], ['apply', apply]])('the %s program hands .NET only paths resolved by Get-NativePath', (_name, program) => {
    const calls = [...program.matchAll(/(?:\[IO\.(?:File|Directory)\]::|New-Object IO\.)(\w+)\(([^,)]*)/g)].map((m) => ({ call: `${m[1]}(${m[2]}`, ok: /^\(Get-NativePath |^\$(?:s|from|to)$/.test(m[2] as string) }));
    expect(calls.length).toBeGreaterThanOrEqual(3);
    for (const call of calls) expect(call).toEqual({ ...call, ok: true });
  });
});
