import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { linuxCommands } from '../../src/node-applier/linux-commands.js';
import { desiredPathProblems, encodeText, parseApplyOutput, parseProbeOutput, parseRecord, serializeRecord } from '../../src/node-applier/node-state.js';
import { displayAddress, knownHostsName, mergeTargets, parseInventory, resolveTarget } from '../../src/node-applier/node-target.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const sha = (c: string): string => c.repeat(64);

describe('probe output', () => {
  test('protocol lines are read; anything a login shell prints around them is ignored', () => {
    const record = serializeRecord('h', [{ path: 'quay.io/hosts.toml', sha256: sha('a') }]);
    const parsed = parseProbeOutput(
      [
        'Welcome to node-a!',
        'MSH1 begin probe',
        `MSH1 os-id ${b64('debian')}`,
        'MSH1 dir exists',
        'MSH1 dir-writable yes',
        'MSH1 state dir yes 700',
        `MSH1 record ${sha('9')} ${b64(record)}`,
        `MSH1 subdir ${b64('quay.io')} dir`,
        `MSH1 file ${b64('quay.io')} ${b64('hosts.toml')} ${sha('a')}`,
        `MSH1 head ${b64('quay.io')} ${b64('# managed by mirrorset-hosts')}`,
        `MSH1 containerd-config ${b64('version = 2\n')}`,
        'MSH1 end probe\r',
      ].join('\n'),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.state).toMatchObject({ osId: 'debian', dir: 'exists', dirWritable: true, dirs: ['quay.io'], record: { sha256: sha('9'), text: record }, stateDir: { kind: 'dir', ours: true, mode: 0o700 } });
    expect([...parsed.state.files]).toEqual([['quay.io/hosts.toml', sha('a')]]);
    expect(parsed.state.firstLines.get('quay.io/hosts.toml')).toBe('# managed by mirrorset-hosts');
    expect(parsed.state.containerdConfig).toEqual({ state: 'read', text: 'version = 2\n' });
  });

  test('output without the end line is a failure, never a partial state', () => {
    expect(parseProbeOutput('MSH1 begin probe\nMSH1 dir exists\n')).toEqual({ ok: false, problem: 'the probe program did not finish (no end line in its output)' });
  });

  test('apply output: steps, read-back sums, removals', () => {
    const report = parseApplyOutput(
      ['MSH1 begin apply', 'MSH1 step prepare ok', 'MSH1 step lock ok', `MSH1 sum ${b64('quay.io/hosts.toml')} ${sha('a')}`, `MSH1 kept-dir ${b64('old.io')}`, 'MSH1 end apply'].join('\n'),
    );
    expect(report).toMatchObject({ steps: ['prepare', 'lock'], keptDirs: ['old.io'], ended: true, conflict: false });
    expect(report.sums.get('quay.io/hosts.toml')).toBe(sha('a'));
  });
});

describe('the protocol cannot be forged from the node\'s file names', () => {
  const VALID = ['MSH1 begin probe', 'MSH1 dir absent', 'MSH1 dir-writable yes', 'MSH1 state absent', 'MSH1 record absent', 'MSH1 end probe'];

  test('a line that does not fit the grammar makes the whole probe fail, wherever it is', () => {
    const hostile = fc.oneof(
      fc.string().map((t) => `MSH1 ${t}`),
      fc.constantFrom(`MSH1 record ${sha('1')} ${b64('{}')}`, `MSH1 file ${sha('a')} quay.io/hosts.toml`, 'MSH1 subdir quay.io', 'MSH1 dir exists', 'MSH1 end probe', 'MSH1 begin probe'),
    );
    fc.assert(
      fc.property(hostile, fc.nat(VALID.length - 2), (line, at) => {
        const lines = [...VALID];
        lines.splice(at + 1, 0, line);
        const parsed = parseProbeOutput(lines.join('\n'));
        // Either the line was a valid, non-repeating fact, or the probe is refused.
        if (parsed.ok) expect(line).toMatch(/^MSH1 (?:marker|missing-tool|os-id|subdir|file|head|containerd-config) \S/);
      }),
      { numRuns: 500 },
    );
  });

  // The real probe program in a local sh, over a directory whose file names are hostile: every
  // name comes back exactly, nothing else appears, and no name forges the ownership record.
  test('the Linux probe reports any file name exactly and nothing more (real sh)', () => {
    const nameChar = fc.oneof(fc.constantFrom('\n', '\r', ' ', '\t', '\u001b', '\u202e', 'M', 'S', 'H', '1', '*', '?', '[', '$', '`', '"', "'", '\\', '-', '.', 'é'), fc.string({ minLength: 1, maxLength: 1 }));
    const name = fc
      .array(nameChar, { minLength: 1, maxLength: 12 })
      .map((cs) => cs.join(''))
      .filter((n) => !n.includes('/') && !n.includes('\0') && n !== '.' && n !== '..' && Buffer.byteLength(n) < 200);
    const forged = b64(JSON.stringify({ managedBy: 'mirrorset-hosts', files: [{ path: 'q.io/hosts.toml', sha256: 'a' }] }));
    const injected = fc.constantFrom(`x\nMSH1 record ${sha('1')} ${forged}\n`, '\nMSH1 end probe\n', 'a\nMSH1 file ');
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(name, injected), { minLength: 1, maxLength: 5 }), fc.oneof(name, injected), (names, dirName) => {
        const root = mkdtempSync(path.join(os.tmpdir(), 'msh-probe-'));
        try {
          const d = path.join(root, 'certs.d');
          mkdirSync(path.join(d, dirName), { recursive: true });
          for (const n of names) writeFileSync(path.join(d, dirName, n), n);
          const target = { name: 'n', address: '127.0.0.1', port: 22, user: 'root', os: 'linux' as const, configDir: d, containerdConfig: '' };
          const run = spawnSync('sh', ['-c', linuxCommands.remoteCommand], { input: linuxCommands.probeProgram(target, []), encoding: 'utf8' });
          const parsed = parseProbeOutput(run.stdout);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          expect(parsed.state.record).toBeNull();
          expect(parsed.state.dirs).toEqual(dirName.startsWith('.') ? [] : [dirName]);
          if (!dirName.startsWith('.')) expect([...parsed.state.files.keys()].sort()).toEqual(names.map((n) => `${dirName}/${n}`).sort());
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  });

  test('names cross encoded and come back exactly', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (t) => {
      const parsed = parseApplyOutput(`MSH1 begin apply\nMSH1 kept-dir ${encodeText(t)}\nMSH1 end apply\n`);
      expect(parsed.protocolError).toBeNull();
      expect(parsed.keptDirs).toEqual([t]);
    }));
  });
});

// The probe reads the files of the config's `imports` in the same shell, as containerd resolves them:
// relative to the config's directory, `*` globbed in byte order, plain paths as they are.
describe('the probe gathers containerd\'s config with its imports (real sh)', () => {
  test('globs, relative and absolute entries, a missing file and a glob without match', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'msh-imports-'));
    try {
      mkdirSync(path.join(root, 'conf.d'));
      writeFileSync(path.join(root, 'conf.d', 'b.toml'), 'b = 1\n');
      writeFileSync(path.join(root, 'conf.d', 'a.toml'), 'a = "x y"\n\n');
      writeFileSync(path.join(root, 'abs.toml'), 'version = 2');
      const main = [
        '# imports = ["not/this.toml"]',
        'version = 2',
        `imports = ["conf.d/*.toml",`,
        `  '${root}/abs.toml', "missing.toml", "none/*.toml"]`,
        '[plugins."io.containerd.grpc.v1.cri".registry]',
        'imports = ["never.toml"]',
      ].join('\n');
      writeFileSync(path.join(root, 'config.toml'), main);
      const target = { name: 'n', address: '127.0.0.1', port: 22, user: 'root', os: 'linux' as const, configDir: path.join(root, 'certs.d'), containerdConfig: path.join(root, 'config.toml') };
      const run = spawnSync('sh', ['-c', linuxCommands.remoteCommand], { input: linuxCommands.probeProgram(target, []), encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
      const parsed = parseProbeOutput(run.stdout);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.state.containerdConfig).toEqual({ state: 'read', text: main });
      expect(parsed.state.containerdImports).toEqual([
        { entry: 'conf.d/*.toml', path: `${root}/conf.d/a.toml`, state: 'read', text: 'a = "x y"\n\n' },
        { entry: 'conf.d/*.toml', path: `${root}/conf.d/b.toml`, state: 'read', text: 'b = 1\n' },
        { entry: `${root}/abs.toml`, path: `${root}/abs.toml`, state: 'read', text: 'version = 2\n' },
        { entry: 'missing.toml', path: `${root}/missing.toml`, state: 'absent', text: '' },
        { entry: 'none/*.toml', path: null, state: 'no-match', text: '' },
      ]);
      expect(parsed.state.runtime).not.toBeNull();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the runtime facts parse, and a second copy of one is refused', () => {
    const lines = (extra: string[]): string => ['MSH1 begin probe', ...extra, 'MSH1 end probe', ''].join('\n');
    const ok = parseProbeOutput(lines(['MSH1 runtime no yes', `MSH1 containerd-version ${b64('containerd x 2.1.9\n')}`, 'MSH1 containerd-dump failed', `MSH1 cri-info ${b64('{}')}`]));
    expect(ok.ok && ok.state).toMatchObject({ runtime: { containerd: false, crio: true }, containerdVersion: 'containerd x 2.1.9', containerdDump: null, criInfo: '{}' });
    expect(parseProbeOutput(lines(['MSH1 runtime yes no', 'MSH1 runtime no no'])).ok).toBe(false);
    expect(parseProbeOutput(lines([`MSH1 containerd-imports ${b64('only\0three\0read\0')}`])).ok).toBe(false);
  });
});

describe('ownership record', () => {
  test('a record that is not ours means we own nothing there', () => {
    expect(parseRecord('{"files": [{"path": "quay.io/hosts.toml", "sha256": "x"}]}')).toBeNull();
    expect(parseRecord('not json')).toBeNull();
  });

  test('entries that could escape the directory are dropped from a record', () => {
    const text = JSON.stringify({ managedBy: 'mirrorset-hosts', contentHash: 'h', files: [{ path: '../../etc/passwd', sha256: 'x' }, { path: 'quay.io/hosts.toml', sha256: 'y' }] });
    expect(parseRecord(text)?.files).toEqual([{ path: 'quay.io/hosts.toml', sha256: 'y' }]);
  });
});

describe('bundle paths', () => {
  const f = (path: string): { path: string; sha256: string; content: Uint8Array } => ({ path, sha256: sha('a'), content: new Uint8Array() });
  test.each<[string, 'linux' | 'windows', number]>([
    ['quay.io/hosts.toml', 'linux', 0],
    ['registry.local_5000_/ca.crt', 'windows', 0],
    ['registry.local:5000/hosts.toml', 'linux', 0],
    ['registry.local:5000/hosts.toml', 'windows', 1], // WMCO's host:port directory: illegal on Windows
    ['../etc/hosts.toml', 'linux', 1],
    ['.mirrorset-hosts/owner.json', 'linux', 1],
    ['quay.io/sub/hosts.toml', 'linux', 1],
    ['/etc/passwd', 'linux', 1],
    ['quay.io/.hidden', 'linux', 1],
  ])('%s on %s: %d problem(s)', (path, os, count) => {
    expect(desiredPathProblems([f(path)], os)).toHaveLength(count);
  });
});

describe('inventory', () => {
  test('a list or {nodes: [...]}, YAML or JSON', () => {
    expect(parseInventory('- {name: win-a, address: 10.0.0.5}\n', 'inv.yaml')).toEqual({ entries: [{ name: 'win-a', address: '10.0.0.5' }], diagnostics: [] });
    expect(parseInventory('{"nodes": [{"name": "win-a", "address": "10.0.0.5", "port": 2222}]}', 'inv.json').entries).toEqual([{ name: 'win-a', address: '10.0.0.5', port: 2222 }]);
  });

  test('every problem is listed, with where it is', () => {
    const { diagnostics } = parseInventory(
      ['- {name: win-a, address: 10.0.0.5, adress: typo}', '- {name: win-a, address: 10.0.0.6}', '- {name: Bad_Name, address: "-oProxyCommand=sh"}', '- {name: win-c, address: 10.0.0.7, port: 0, os: macos}'].join('\n'),
      'inv.yaml',
    );
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'inv.yaml:1:36: error SCHEMA_UNKNOWN_FIELD nodes[0].adress: unknown field "adress"; expected one of: address, configDir, containerdConfig, name, os, port, user; did you mean "address"?',
      'inv.yaml:2:10: error SCHEMA_DUPLICATE_ITEM nodes[1].name: node win-a is listed twice (first as nodes[0]); list each node once',
      'inv.yaml:3:10: error SCHEMA_PATTERN nodes[2].name: expected a Kubernetes node name, found "Bad_Name"',
      'inv.yaml:3:29: error SCHEMA_PATTERN nodes[2].address: expected a host name or an IP address, found "-oProxyCommand=sh"',
      'inv.yaml:4:42: error SCHEMA_OUT_OF_RANGE nodes[3].port: expected a number from 1 to 65535, found 0',
      'inv.yaml:4:49: error SCHEMA_ENUM nodes[3].os: expected one of linux, windows, found "macos"',
    ]);
  });

  test('a file that is not an inventory is described, never quoted', () => {
    const { diagnostics } = parseInventory('-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n', 'id');
    expect(diagnostics.map(formatDiagnostic)).toEqual(['id:1:1: error SCHEMA_TYPE: expected a list of nodes or {nodes: [...]}, found a string']);
  });

  test('a static entry overrides a discovered node of the same name; entry fields win over defaults', () => {
    const merged = mergeTargets([{ name: 'win-a', address: '192.168.1.5', user: 'admin' }], [{ name: 'win-b', address: '10.0.0.6' }, { name: 'win-a', address: '10.0.0.5', os: 'windows' }]);
    expect(merged).toEqual([{ name: 'win-a', address: '192.168.1.5', user: 'admin' }, { name: 'win-b', address: '10.0.0.6' }]);
    expect(resolveTarget(merged[0] as (typeof merged)[number], { os: 'windows', port: 22, configDir: 'D:\\hosts' })).toEqual({
      name: 'win-a',
      address: '192.168.1.5',
      port: 22,
      user: 'admin',
      os: 'windows',
      configDir: 'D:\\hosts',
      containerdConfig: 'C:\\k\\containerd\\containerd_conf.toml',
    });
  });

  test('addresses as shown and as known_hosts spells them', () => {
    expect(displayAddress({ address: '10.0.0.5', port: 22 })).toBe('10.0.0.5');
    expect(displayAddress({ address: 'fd00::5', port: 2222 })).toBe('[fd00::5]:2222');
    expect(knownHostsName({ address: '10.0.0.5', port: 22 })).toBe('10.0.0.5');
    expect(knownHostsName({ address: '10.0.0.5', port: 2222 })).toBe('[10.0.0.5]:2222');
  });
});
