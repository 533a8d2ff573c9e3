// The Linux command set as text. Its behaviour is proven against real sshd in test/e2e/ssh; this pins
// the exact commands and paths, and runs the bootstrap in a local sh to show a truncated program
// never runs.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { linuxCommands, shQuote } from '../../src/delivery/linux-commands.js';
import { bytesToBase64, serializeRecord, type NodeState } from '../../src/delivery/node-state.js';
import { resolveTarget } from '../../src/delivery/node-target.js';
import { planNode } from '../../src/delivery/plan-node.js';
import { markerPaths } from '../../src/delivery/preflight.js';

const sha = (c: string): string => c.repeat(64);
const target = resolveTarget({ name: 'lin-a', address: '10.0.0.6' }, { os: 'linux', port: 22 });

describe('quoting and paths', () => {
  test.each([
    ['/etc/containerd/certs.d', "'/etc/containerd/certs.d'"],
    ["/srv/it's", "'/srv/it'\\''s'"],
    ['/srv/$(reboot)', "'/srv/$(reboot)'"],
  ])('%s', (value, quoted) => {
    expect(shQuote(value)).toBe(quoted);
  });

  test('defaults are containerd\'s conventional directory and config, as root', () => {
    expect(target).toMatchObject({ configDir: '/etc/containerd/certs.d', containerdConfig: '/etc/containerd/config.toml', user: 'root', port: 22 });
    expect(linuxCommands.nodePath('/etc/containerd/certs.d/', 'registry.local_5000_/hosts.toml')).toBe('/etc/containerd/certs.d/registry.local_5000_/hosts.toml');
  });
});

describe('the bootstrap', () => {
  test('is exactly this', () => {
    expect(linuxCommands.remoteCommand).toBe(
      `p=$(cat) && case "$p" in *'# mirrorset-hosts program end') eval "$p" ;; *) printf 'MSH1 truncated\\n'; exit 97 ;; esac`,
    );
  });

  test.each([
    ['a complete program runs', 'echo ran\n# mirrorset-hosts program end\n', 0, 'ran\n'],
    ['a program cut before its last line does not run at all', 'echo ran\n# mirrorset-hosts prog', 97, 'MSH1 truncated\n'],
    ['an empty transfer runs nothing', '', 97, 'MSH1 truncated\n'],
  ])('%s', (_name, program, status, stdout) => {
    const result = spawnSync('sh', ['-c', linuxCommands.remoteCommand], { input: program, encoding: 'utf8' });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status, stdout });
  });
});

describe('the programs', () => {
  const probe = linuxCommands.probeProgram(target, markerPaths('linux'));

  test('the probe checks the tools it needs and the k3s/rke2 markers, and changes nothing', () => {
    expect(probe).toContain('for t in base64 cat cut flock head mkdir mv rm rmdir sha256sum tr; do');
    expect(probe).toContain("for m in '/etc/rancher/k3s' '/etc/rancher/rke2'; do if [ -e \"$m\" ]; then msh marker \"$m\"; fi; done");
    expect(probe).toContain("d='/etc/containerd/certs.d'");
    expect(probe).not.toMatch(/\b(rm|mv|mkdir|rmdir|flock)\b -/);
  });

  const state: NodeState = {
    osId: 'debian',
    missingTools: [],
    dir: 'exists',
    dirWritable: true,
    record: { sha256: sha('f'), text: serializeRecord('old', [{ path: 'old.io/hosts.toml', sha256: sha('b') }]) },
    dirs: ['old.io'],
    files: new Map([['old.io/hosts.toml', sha('b')]]),
    firstLines: new Map(),
    markers: [],
    containerdConfig: { state: 'not-checked' },
  };
  const content = new TextEncoder().encode('server = "https://quay.io/v2"\n');
  const plan = planNode([{ path: 'quay.io/hosts.toml', sha256: sha('a'), content }], state, 'h1');
  const D = '/etc/containerd/certs.d';

  test('the apply program is exactly this', () => {
    expect(linuxCommands.applyProgram(target, plan, ['quay.io/hosts.toml'], 60)).toBe(
      [
        'set -eu',
        'umask 022',
        "msh() { printf 'MSH1 %s\\n' \"$*\"; }",
        'msh begin apply',
        `mkdir -p -- '${D}/.mirrorset-hosts'`,
        'msh step prepare ok',
        `exec 9>>'${D}/.mirrorset-hosts/lock'`,
        'flock -w 60 9 || { msh lock-timeout; exit 75; }',
        'msh step lock ok',
        'r=absent',
        `if [ -f '${D}/.mirrorset-hosts/owner.json' ]; then r=$(sha256sum < '${D}/.mirrorset-hosts/owner.json' | cut -c1-64); fi`,
        `[ "$r" = '${sha('f')}' ] || { msh conflict "$r"; exit 76; }`,
        `mkdir -p -- '${D}/quay.io'`,
        `printf '%s' '${bytesToBase64(content)}' | base64 -d > '${D}/quay.io/.hosts.toml.mirrorset-hosts-tmp'`,
        `sync -- '${D}/quay.io/.hosts.toml.mirrorset-hosts-tmp' 2>/dev/null || sync`,
        'msh step upload ok',
        `mv -f -- '${D}/quay.io/.hosts.toml.mirrorset-hosts-tmp' '${D}/quay.io/hosts.toml'`,
        'msh step rename ok',
        `rm -f -- '${D}/old.io/hosts.toml'`,
        "msh removed-file 'old.io/hosts.toml'",
        `if rmdir -- '${D}/old.io' 2>/dev/null; then msh removed-dir 'old.io'; else msh kept-dir 'old.io'; fi`,
        'msh step cleanup ok',
        `printf '%s' '${bytesToBase64(new TextEncoder().encode(plan.record))}' | base64 -d > '${D}/.mirrorset-hosts/.owner.json.mirrorset-hosts-tmp'`,
        `mv -f -- '${D}/.mirrorset-hosts/.owner.json.mirrorset-hosts-tmp' '${D}/.mirrorset-hosts/owner.json'`,
        'msh step record ok',
        `msh sum "$(sha256sum < '${D}/quay.io/hosts.toml' | cut -c1-64)" 'quay.io/hosts.toml'`,
        'msh end apply',
        'exit 0',
        '# mirrorset-hosts program end',
        '',
      ].join('\n'),
    );
  });
});
