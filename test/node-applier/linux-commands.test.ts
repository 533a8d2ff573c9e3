// The Linux command set as text. Its behaviour is proven against real sshd in test/e2e/ssh; this pins
// the exact commands and paths, and runs the bootstrap in a local sh to show a truncated program
// never runs.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { linuxCommands, shQuote } from '../../src/node-applier/linux-commands.js';
import { serializeRecord, unknownNodeState, type NodeState } from '../../src/node-applier/node-state.js';
import { resolveTarget } from '../../src/node-applier/node-target.js';
import { planNode } from '../../src/node-applier/plan-node.js';
import { markerPaths } from '../../src/node-applier/preflight.js';

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
    expect(probe).toContain('for t in base64 cat chmod cut flock mkdir mv rm rmdir sha256sum stat tr; do');
    expect(probe).toContain("for m in '/etc/rancher/k3s' '/etc/rancher/rke2'; do if [ -e \"$m\" ] || [ -L \"$m\" ]; then msh marker \"$(b64 \"$m\")\"; fi; done");
    expect(probe).toContain("d='/etc/containerd/certs.d'");
    expect(probe).not.toMatch(/\b(rm|mv|mkdir|rmdir|flock|chmod)\b -/);
  });

  const state: NodeState = {
    ...unknownNodeState(),
    osId: 'debian',
    dir: 'exists',
    dirWritable: true,
    stateDir: { kind: 'dir', ours: true, mode: 0o700 },
    record: { sha256: sha('f'), text: serializeRecord('old', [{ path: 'old.io/hosts.toml', sha256: sha('b') }]) },
    dirs: ['old.io'],
    files: new Map([['old.io/hosts.toml', sha('b')], ['old.io/.ca.crt.mirrorset-hosts-tmp', sha('c')]]),
  };
  const content = new TextEncoder().encode('server = "https://quay.io/v2"\n');
  const plan = planNode([{ path: 'quay.io/hosts.toml', sha256: sha('a'), content }], state, 'h1');
  const D = '/etc/containerd/certs.d';
  const T = `'${D}/quay.io/.hosts.toml.mirrorset-hosts-tmp'`;
  const RT = `'${D}/.mirrorset-hosts/.owner.json.mirrorset-hosts-tmp'`;
  const b = (t: string): string => Buffer.from(t).toString('base64');
  const q = `'\\''`;

  test('a file holding the program\'s last line crosses as base64: a transfer cut right after it cannot look complete', () => {
    const end = '# mirrorset-hosts program end';
    const hostile = new TextEncoder().encode(`x = 1\n${end}\n`);
    const p = planNode([{ path: 'quay.io/hosts.toml', sha256: sha('a'), content: hostile }], state, 'h1');
    const program = linuxCommands.applyProgram(target, p, ['quay.io/hosts.toml'], 60);
    expect(program.indexOf(end)).toBe(program.length - end.length - 1);
    expect(program).toContain(`printf '%s' '${Buffer.from(hostile).toString('base64')}' | base64 -d > ${T}`);
  });

  test('the apply program is exactly this', () => {
    expect(linuxCommands.applyProgram(target, plan, ['quay.io/hosts.toml'], 60)).toBe(
      [
        'set -Ceu',
        'umask 022',
        "msh() { printf 'MSH1 %s\\n' \"$*\"; }",
        "b64() { if [ -n \"$1\" ]; then printf '%s' \"$1\" | base64 | tr -d '\\n'; else printf '%s' -; fi; }",
        "nf() { case $1 in '' | *[!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-]*) v=$(b64 \"$1\") ;; *) v=\"=$1\" ;; esac; }",
        'sn() { if [ -z "$q" ]; then IFS= read -r q || q=-; fi; k=${q%% *}; if [ "${q#"$k"??}" = "$1" ]; then q=; else k=; fi; }',
        'msh begin apply',
        `s='${D}/.mirrorset-hosts'`,
        `if [ -L "$s" ]; then { msh unsafe state-dir-is-a-symlink '${b('.mirrorset-hosts')}'; exit 77; }; fi`,
        `if [ ! -e "$s" ]; then mkdir -p -- '${D}'; mkdir -m 700 -- "$s" 2>/dev/null || :; fi`,
        `if [ -L "$s" ] || [ ! -d "$s" ]; then { msh unsafe state-dir-not-a-directory '${b('.mirrorset-hosts')}'; exit 77; }; fi`,
        `if [ ! -O "$s" ]; then { msh unsafe state-dir-not-ours '${b('.mirrorset-hosts')}'; exit 77; }; fi`,
        `case $(stat -c %a -- "$s") in *[2367]? | *[2367]) { msh unsafe state-dir-writable-by-others '${b('.mirrorset-hosts')}'; exit 77; } ;; esac`,
        'chmod 700 -- "$s"',
        `if [ -L '${D}/.mirrorset-hosts/lock' ]; then { msh unsafe lock-is-a-symlink '${b('.mirrorset-hosts/lock')}'; exit 77; }; fi`,
        'msh step prepare ok',
        `umask 077; exec 9>>'${D}/.mirrorset-hosts/lock'; umask 022`,
        'flock -w 60 9 || { msh lock-timeout; exit 75; }',
        'msh step lock ok',
        `if [ -L '${D}/.mirrorset-hosts/owner.json' ]; then { msh unsafe record-is-a-symlink '${b('.mirrorset-hosts/owner.json')}'; exit 77; }; fi`,
        'r=absent',
        `if [ -f '${D}/.mirrorset-hosts/owner.json' ]; then r=$(sha256sum < '${D}/.mirrorset-hosts/owner.json' | cut -c1-64); fi`,
        `[ "$r" = '${sha('f')}' ] || { msh conflict "$r"; exit 76; }`,
        `rm -f -- '${D}/old.io/.ca.crt.mirrorset-hosts-tmp' ${T} ${RT}`,
        `trap 'rm -f -- ${q}${D}/quay.io/.hosts.toml.mirrorset-hosts-tmp${q} ${q}${D}/.mirrorset-hosts/.owner.json.mirrorset-hosts-tmp${q}' EXIT`,
        `if [ -L '${D}/quay.io' ]; then { msh unsafe registry-dir-is-a-symlink '${b('quay.io')}'; exit 77; }; fi`,
        'set --',
        `[ -d '${D}/quay.io' ] || set -- "$@" '${D}/quay.io'`,
        '[ $# -eq 0 ] || mkdir -- "$@"',
        `if [ -L '${D}/quay.io/hosts.toml' ]; then { msh unsafe file-is-a-symlink '${b('quay.io/hosts.toml')}'; exit 77; }; fi`,
        `printf '%s' 'server = "https://quay.io/v2"\n' > ${T}`,
        `sync -- ${T} 2>/dev/null || sync`,
        'msh step upload ok',
        `printf '%s' '${plan.intentRecord}' > ${RT}`,
        `mv -fT -- ${RT} '${D}/.mirrorset-hosts/owner.json'`,
        `mv -fT -- ${T} '${D}/quay.io/hosts.toml'`,
        'msh step rename ok',
        `if [ -L '${D}/old.io/hosts.toml' ]; then { msh unsafe file-is-a-symlink '${b('old.io/hosts.toml')}'; exit 77; }; fi`,
        'set --',
        `if [ -f '${D}/old.io/hosts.toml' ]; then set -- "$@" '${D}/old.io/hosts.toml'; rm0=1; else rm0=; fi`,
        '[ $# -eq 0 ] || rm -f -- "$@"',
        `[ -z "$rm0" ] || msh removed-file '${b('old.io/hosts.toml')}'`,
        'set --',
        `if [ ! -L '${D}/old.io' ] && [ -d '${D}/old.io' ]; then set -- "$@" '${D}/old.io'; rd0=1; else rd0=; fi`,
        '[ $# -eq 0 ] || rmdir -- "$@" 2>/dev/null || :',
        `if [ -n "$rd0" ] && [ ! -e '${D}/old.io' ] && [ ! -L '${D}/old.io' ]; then msh removed-dir '${b('old.io')}'; else msh kept-dir '${b('old.io')}'; fi`,
        'msh step cleanup ok',
        `printf '%s' '${plan.record}' > ${RT}`,
        `mv -fT -- ${RT} '${D}/.mirrorset-hosts/owner.json'`,
        'msh step record ok',
        "set -- 'quay.io/hosts.toml'",
        `(cd -- '${D}' && exec sha256sum -- "$@" 2>/dev/null) | {`,
        '  q=',
        `  sn 'quay.io/hosts.toml'; msh sum '${b('quay.io/hosts.toml')}' "\${k:-missing}"`,
        '}',
        'msh end apply',
        'exit 0',
        '# mirrorset-hosts program end',
        '',
      ].join('\n'),
    );
  });
});
