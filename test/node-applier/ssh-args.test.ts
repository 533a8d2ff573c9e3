import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { resolveTarget } from '../../src/node-applier/node-target.js';
import { classifySshFailure } from '../../src/node-applier/ssh-errors.js';
import { MASTER_IDLE_SECONDS, sshArgs, sshConfigPath, sshPathProblem } from '../../src/io/ssh.js';

const target = resolveTarget({ name: 'win-a', address: '10.0.0.5', port: 2222 }, { os: 'windows', port: 22 });
const options = { identityFile: '/etc/mirrorset-hosts/ssh/ssh-privatekey', knownHostsFile: '/etc/mirrorset-hosts/known-hosts/known_hosts', connectTimeoutSeconds: 10, commandTimeoutSeconds: 120 };

describe('the ssh command line', () => {
  test('key authentication only, host keys checked against the given file only, no config file read', () => {
    expect(sshArgs(target, options, 'CMD')).toEqual([
      '-F', 'none',
      '-T',
      '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'IdentityFile="/etc/mirrorset-hosts/ssh/ssh-privatekey"',
      '-o', 'IdentityAgent=none',
      '-o', 'PreferredAuthentications=publickey',
      '-o', 'PubkeyAuthentication=yes',
      '-o', 'PasswordAuthentication=no',
      '-o', 'KbdInteractiveAuthentication=no',
      '-o', 'HostbasedAuthentication=no',
      '-o', 'GSSAPIAuthentication=no',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'UserKnownHostsFile="/etc/mirrorset-hosts/known-hosts/known_hosts"',
      '-o', 'GlobalKnownHostsFile=none',
      '-o', 'UpdateHostKeys=no',
      '-o', 'CheckHostIP=no',
      '-o', 'ConnectTimeout=10',
      '-o', 'ConnectionAttempts=1',
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=3',
      '-o', 'ControlMaster=no',
      '-o', 'ControlPath=none',
      '-o', 'ForwardAgent=no',
      '-o', 'ForwardX11=no',
      '-o', 'ClearAllForwardings=yes',
      '-o', 'PermitLocalCommand=no',
      '-o', 'RequestTTY=no',
      '-o', 'LogLevel=ERROR',
      '-p', '2222',
      '-l', 'Administrator',
      '--', '10.0.0.5',
      'CMD',
    ]);
  });

  test("with the node's control socket, the session shares the node's one connection; nothing else changes", () => {
    const alone = sshArgs(target, options, 'CMD');
    const shared = sshArgs(target, options, 'CMD', '/tmp/mirrorset-hosts-ssh-Ab12Cd/3');
    const at = alone.indexOf('ControlMaster=no');
    expect(alone.slice(at - 1, at + 3)).toEqual(['-o', 'ControlMaster=no', '-o', 'ControlPath=none']);
    expect(shared).toEqual([
      ...alone.slice(0, at - 1),
      '-o', 'ControlMaster=auto',
      '-o', 'ControlPath="/tmp/mirrorset-hosts-ssh-Ab12Cd/3"',
      '-o', `ControlPersist=${MASTER_IDLE_SECONDS}`,
      ...alone.slice(at + 3),
    ]);
  });

  test('the opt-out accepts any key and remembers none', () => {
    const args = sshArgs(target, { ...options, knownHostsFile: null }, 'CMD');
    expect(args).toContain('StrictHostKeyChecking=no');
    expect(args).toContain('UserKnownHostsFile="/dev/null"');
  });

  test('an IPv6 address goes without brackets, after --', () => {
    const args = sshArgs({ ...target, address: '[fd00::5]' }, options, 'CMD');
    expect(args.slice(-3)).toEqual(['--', 'fd00::5', 'CMD']);
  });
});

// The real client parses the option: `ssh -G` prints the configuration it would use, after
// argv_split (quotes, escapes, comments); IdentityFile before its %-token expansion (which turns
// the doubled %% back), UserKnownHostsFile and ControlPath after it.
describe('file paths survive ssh\'s option parsing (real ssh -G)', () => {
  const hasSsh = spawnSync('ssh', ['-V']).status === 0;
  const pathChar = fc.constantFrom(' ', '\t', '"', "'", '\\', '=', '#', '%', '$', '{', '}', '~', ',', 'a', 'b', '/', 'é', '*');
  const filePath = fc.array(pathChar, { minLength: 1, maxLength: 16 }).map((cs) => `/tmp/${cs.join('')}`).filter((p) => sshPathProblem(p) === null);

  (hasSsh ? test : test.skip)('any absolute path without control characters or ${ reaches ssh as one exact value', () => {
    fc.assert(
      fc.property(filePath, (p) => {
        const args = sshArgs(target, { ...options, identityFile: p, knownHostsFile: p }, 'CMD', p);
        const dump = spawnSync('ssh', ['-G', ...args.slice(0, args.indexOf('--')), '--', 'node.example'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
        expect(dump.stderr).toBe('');
        const lines = dump.stdout.split('\n');
        expect(lines.filter((l) => l.startsWith('identityfile '))).toEqual([`identityfile ${p.replace(/%/g, '%%')}`]);
        // UserKnownHostsFile is printed after ssh.c's %-expansion: the exact path again.
        expect(lines.filter((l) => l.startsWith('userknownhostsfile '))).toEqual([`userknownhostsfile ${p}`]);
        expect(lines.filter((l) => l.startsWith('controlpath '))).toEqual([`controlpath ${p}`]);
      }),
      { numRuns: 60 },
    );
  });

  test.each([
    ['/etc/key with space', '"/etc/key with space"'],
    ['/etc/a"b\\c', '"/etc/a\\"b\\\\c"'],
    ['/etc/100%', '"/etc/100%%"'],
  ])('%s', (p, quoted) => {
    expect(sshConfigPath(p)).toBe(quoted);
  });

  test.each([
    ['/etc/${HOME}/key', "contains '${'"],
    ['/etc/a\nb', 'control character'],
    ['relative/key', 'not an absolute path'],
  ])('%s cannot be passed to ssh and says why', (p, why) => {
    expect(sshPathProblem(p)).toContain(why);
  });
});

describe('ssh failures', () => {
  const r = (stderr: string, exitCode: number | null = 255) => ({ exitCode, stdout: '', stderr, timedOut: false });
  test.each([
    ['@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n', 'host-key-changed'],
    ['No ED25519 host key is known for [10.0.0.5]:2222 and you have requested strict checking.\nHost key verification failed.\n', 'host-key-unknown'],
    ['root@10.0.0.5: Permission denied (publickey).\n', 'auth-denied'],
    ['Connection timed out during banner exchange\nConnection to 10.0.0.5 port 22 timed out\n', 'timeout'],
    ['ssh: connect to host 10.0.0.5 port 22: Connection refused\n', 'refused'],
    ['ssh: connect to host 10.0.0.5 port 22: No route to host\n', 'unreachable'],
    ['ssh: Could not resolve hostname win-a: Name or service not known\n', 'dns'],
    ['client_loop: send disconnect: Broken pipe\n', 'ssh-error'],
  ])('%s', (stderr, kind) => {
    expect(classifySshFailure(r(stderr))).toBe(kind);
  });

  test('any other exit status is the remote program\'s, not a connection failure', () => {
    expect(classifySshFailure(r('mkdir: Permission denied', 1))).toBeNull();
  });
});
