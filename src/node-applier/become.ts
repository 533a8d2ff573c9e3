// `spec.ssh.become: sudo`: the whole node program runs as root under one non-interactive sudo, for
// images that forbid root SSH (most cloud images and CIS baselines). The bootstrap command is wrapped
// as a whole, never command by command: the program, its lock and its checks stay exactly what a root
// session runs, and the node needs one sudoers rule, for /bin/sh.
import { shQuote } from './linux-commands.js';
import type { NodeTarget } from './node-target.js';
import type { RemoteResult } from './ssh-errors.js';

/** The program's interpreter as sudo runs it; the sudoers rule names this path. */
export const BECOME_SHELL = '/bin/sh';

/**
 * The command line ssh hands to the node's login shell. With sudo: `sudo -n` never prompts (sudo(8)
 * `-n, --non-interactive`: fails with "a password is required" instead), and `--` ends sudo's options
 * so the quoted bootstrap is only ever an argument of /bin/sh. stdin (the program) passes through.
 */
export function becomeCommand(target: Pick<NodeTarget, 'become'>, remoteCommand: string): string {
  return target.become === 'sudo' ? `sudo -n -- ${BECOME_SHELL} -c ${shQuote(remoteCommand)}` : remoteCommand;
}

/** The sudoers line that lets `user` run the program, as the error shows it. */
export function sudoersRule(user: string): string {
  return `${user} ALL=(root) NOPASSWD: ${BECOME_SHELL}`;
}

/**
 * Why sudo refused to start the program, or null when the program ran (or sudo is not in use).
 * sudo reports its own refusals on stderr as `sudo: ...` with exit status 1 before running anything
 * (sudo(8) EXIT VALUE); a shell that cannot find sudo exits 127. The node program itself always
 * writes its protocol lines first, so an empty stdout tells the two apart.
 */
export function becomeFailure(target: Pick<NodeTarget, 'become' | 'user'>, result: RemoteResult): string | null {
  if (target.become !== 'sudo' || result.stdout !== '' || result.timedOut) return null;
  const said = result.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (result.exitCode === 127 && said.some((l) => /sudo.*not found/i.test(l))) {
    return `spec.ssh.become is sudo, but the node has no sudo command for user ${target.user}; install sudo on the node, or connect as root (spec.ssh.become: none)`;
  }
  const refusal = said.find((l) => l.startsWith('sudo:'));
  if (result.exitCode !== 1 || refusal === undefined) return null;
  const tty = /tty/i.test(refusal) ? ' and no `Defaults requiretty` for this user' : '';
  return (
    `user ${target.user} may not run the node program as root with non-interactive sudo (${refusal.slice(0, 200)}); ` +
    `add a sudoers rule on the node, e.g. in /etc/sudoers.d/mirrorset-hosts: "${sudoersRule(target.user)}"${tty} (the program runs as one ${BECOME_SHELL}; that rule is root access, as root SSH is), or connect as root`
  );
}
