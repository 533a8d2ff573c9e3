import { describe, expect, test } from '@jest/globals';
import { resolveTarget } from '../../src/delivery/node-target.js';
import { classifySshFailure } from '../../src/delivery/ssh-errors.js';
import { sshArgs } from '../../src/io/ssh.js';

const target = resolveTarget({ name: 'win-a', address: '10.0.0.5', port: 2222 }, { os: 'windows', port: 22 });
const options = { identityFile: '/etc/mirrorset-hosts/ssh/ssh-privatekey', knownHostsFile: '/etc/mirrorset-hosts/known-hosts/known_hosts', connectTimeoutSeconds: 10, commandTimeoutSeconds: 120 };

describe('the ssh command line', () => {
  test('key authentication only, host keys checked against the given file only, no config file read', () => {
    expect(sshArgs(target, options, 'CMD')).toEqual([
      '-F', 'none',
      '-T',
      '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'IdentityFile=/etc/mirrorset-hosts/ssh/ssh-privatekey',
      '-o', 'IdentityAgent=none',
      '-o', 'PreferredAuthentications=publickey',
      '-o', 'PubkeyAuthentication=yes',
      '-o', 'PasswordAuthentication=no',
      '-o', 'KbdInteractiveAuthentication=no',
      '-o', 'HostbasedAuthentication=no',
      '-o', 'GSSAPIAuthentication=no',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'UserKnownHostsFile=/etc/mirrorset-hosts/known-hosts/known_hosts',
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

  test('the opt-out accepts any key and remembers none', () => {
    const args = sshArgs(target, { ...options, knownHostsFile: null }, 'CMD');
    expect(args).toContain('StrictHostKeyChecking=no');
    expect(args).toContain('UserKnownHostsFile=/dev/null');
  });

  test('an IPv6 address goes without brackets, after --', () => {
    const args = sshArgs({ ...target, address: '[fd00::5]' }, options, 'CMD');
    expect(args.slice(-3)).toEqual(['--', 'fd00::5', 'CMD']);
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
