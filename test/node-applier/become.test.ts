// spec.ssh.become: sudo wraps the node program as a whole, and sudo's refusals become per-node errors.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { becomeCommand, becomeFailure } from '../../src/node-applier/become.js';
import { resolveTarget } from '../../src/node-applier/node-target.js';
import { sshArgs } from '../../src/io/ssh.js';
import { commandSetFor } from '../../src/node-applier/command-set.js';

const linux = resolveTarget({ name: 'worker-a', address: '10.0.0.5', user: 'ec2-user' }, { os: 'linux', port: 22, become: 'sudo' });
const options = { identityFile: '/k', knownHostsFile: '/h', connectTimeoutSeconds: 10, commandTimeoutSeconds: 120 };

describe('the command ssh runs', () => {
  test('without become it is the bootstrap itself; with sudo, the bootstrap under one `sudo -n -- /bin/sh -c`', () => {
    const bootstrap = commandSetFor('linux').remoteCommand;
    expect(becomeCommand({}, bootstrap)).toBe(bootstrap);
    expect(sshArgs(linux, options, bootstrap).at(-1)).toBe(`sudo -n -- /bin/sh -c '${bootstrap.replace(/'/g, `'\\''`)}'`);
    expect(sshArgs({ ...linux, become: undefined } as never, options, bootstrap).at(-1)).toBe(bootstrap);
  });

  test('whatever the program text, the login shell hands /bin/sh exactly that text as one argument', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\0')), (text) => {
        const line = becomeCommand({ become: 'sudo' }, text).replace(/^sudo -n -- \/bin\/sh -c /, '');
        const echoed = spawnSync('/bin/sh', ['-c', `printf %s ${line}`], { encoding: 'utf8' });
        expect(echoed.stdout).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

describe("sudo's refusals", () => {
  const result = (exitCode: number, stderr: string, stdout = '') => ({ exitCode, stderr, stdout, timedOut: false });
  test.each([
    ['no rule (sudo -n cannot ask)', 1, 'sudo: a password is required\n', 'user ec2-user may not run the node program as root with non-interactive sudo (sudo: a password is required); add a sudoers rule on the node, e.g. in /etc/sudoers.d/mirrorset-hosts: "ec2-user ALL=(root) NOPASSWD: /bin/sh"'],
    ['requiretty', 1, 'sudo: sorry, you must have a tty to run sudo\n', 'and no `Defaults requiretty` for this user'],
    ['no sudo on the node', 127, 'sh: 1: sudo: not found\n', 'the node has no sudo command for user ec2-user; install sudo on the node'],
  ])('%s: a per-node error naming the user and what to add', (_why, code, stderr, expected) => {
    expect(becomeFailure(linux, result(code, stderr))).toContain(expected);
  });

  test('a program that ran (it printed its protocol) or a run without become is not a sudo refusal', () => {
    expect(becomeFailure(linux, result(1, 'sudo: something', 'MSH1 begin\n'))).toBeNull();
    expect(becomeFailure({ user: 'root' }, result(1, 'sudo: a password is required'))).toBeNull();
    expect(becomeFailure(linux, result(2, 'sh: 1: syntax error'))).toBeNull();
  });
});
