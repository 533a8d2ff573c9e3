// The OpenSSH client as the applier's transport: one `ssh` process per exchange, the program on stdin.
// No ssh library: the client every distribution ships already does host-key checking, keepalives and
// timeouts, and its behaviour is what administrators know and can reproduce by hand.
import { spawn } from 'node:child_process';
import type { Exec } from '../node-applier/apply-node.js';
import { becomeCommand } from '../node-applier/become.js';
import type { NodeTarget } from '../node-applier/node-target.js';
import type { RemoteResult } from '../node-applier/ssh-errors.js';

export interface SshOptions {
  /** The client binary; `ssh` from PATH by default. */
  binary?: string;
  identityFile: string;
  /** null: host keys are not verified (--insecure-ignore-host-keys). */
  knownHostsFile: string | null;
  connectTimeoutSeconds: number;
  commandTimeoutSeconds: number;
  /** ServerAliveInterval x ServerAliveCountMax is how long a silent connection may stay open. */
  serverAliveIntervalSeconds?: number;
  serverAliveCountMax?: number;
  /** PATH for the client; nothing else from the environment reaches it (no SSH_AUTH_SOCK). */
  path?: string;
}

/** Largest stdout/stderr kept from one session; more is a runaway node, not a report. */
const MAX_OUTPUT = 32 * 1024 * 1024;

/**
 * A file path as the value of `-o Keyword=value`. ssh reads the value as a config line
 * (openssh-portable readconf.c `process_config_line_depth` -> misc.c `argv_split`): unquoted
 * whitespace splits it, double and single quotes quote, a backslash escapes a quote or a backslash,
 * a `#` starting a token ends the line; then ssh.c expands `%` tokens and `${VAR}` in IdentityFile
 * and UserKnownHostsFile (`default_client_percent_dollar_expand`). So: `%` doubled, the whole value
 * in double quotes with each backslash and double quote escaped by a backslash. `${` has no escape
 * there: sshPathProblem refuses such a path.
 */
export function sshConfigPath(path: string): string {
  return `"${path.replace(/%/g, '%%').replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Why a path cannot be handed to ssh as an option value, or null when it can. Names the path only. */
export function sshPathProblem(path: string): string | null {
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'contains a control character (a newline or tab), which ssh cannot take in an option value';
  if (path.includes('${')) return "contains '${', which ssh expands as an environment variable and cannot escape";
  if (!path.startsWith('/')) return 'is not an absolute path';
  return null;
}

/** The full argument list for one session. `-F none`: no user or system ssh_config can change any of it. */
export function sshArgs(target: NodeTarget, options: SshOptions, remoteCommand: string): string[] {
  const verify = options.knownHostsFile !== null;
  const o = (setting: string): string[] => ['-o', setting];
  return [
    '-F', 'none',
    '-T',
    ...o('BatchMode=yes'),
    // Key authentication only, with exactly this key: no agent, no passwords, no keyboard prompts.
    ...o('IdentitiesOnly=yes'),
    ...o(`IdentityFile=${sshConfigPath(options.identityFile)}`),
    ...o('IdentityAgent=none'),
    ...o('PreferredAuthentications=publickey'),
    ...o('PubkeyAuthentication=yes'),
    ...o('PasswordAuthentication=no'),
    ...o('KbdInteractiveAuthentication=no'),
    ...o('HostbasedAuthentication=no'),
    ...o('GSSAPIAuthentication=no'),
    // Host keys: only the provided known_hosts counts, and it is never written to.
    ...o(`StrictHostKeyChecking=${verify ? 'yes' : 'no'}`),
    ...o(`UserKnownHostsFile=${sshConfigPath(verify ? (options.knownHostsFile as string) : '/dev/null')}`),
    ...o('GlobalKnownHostsFile=none'),
    ...o('UpdateHostKeys=no'),
    ...o('CheckHostIP=no'),
    ...o(`ConnectTimeout=${options.connectTimeoutSeconds}`),
    ...o('ConnectionAttempts=1'),
    ...o(`ServerAliveInterval=${options.serverAliveIntervalSeconds ?? 5}`),
    ...o(`ServerAliveCountMax=${options.serverAliveCountMax ?? 3}`),
    // Nothing but the one command: no multiplexing, forwarding, local commands or terminal.
    ...o('ControlMaster=no'),
    ...o('ControlPath=none'),
    ...o('ForwardAgent=no'),
    ...o('ForwardX11=no'),
    ...o('ClearAllForwardings=yes'),
    ...o('PermitLocalCommand=no'),
    ...o('RequestTTY=no'),
    ...o('LogLevel=ERROR'),
    '-p', String(target.port),
    '-l', target.user,
    // `--`: whatever the address is, it is never read as an option.
    '--', target.address.replace(/^\[(.*)\]$/, '$1'),
    // spec.ssh.become: the whole bootstrap under one `sudo -n`, so the program is the same as root's.
    becomeCommand(target, remoteCommand),
  ];
}

export function createSshExec(options: SshOptions): Exec {
  return (target, remoteCommand, stdin) => runSsh(sshArgs(target, options, remoteCommand), stdin, options);
}

function runSsh(args: string[], stdin: string, options: SshOptions): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const child = spawn(options.binary ?? 'ssh', args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: options.path ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    let spawnError: string | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if ((outBytes += chunk.length) <= MAX_OUTPUT) out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if ((errBytes += chunk.length) <= MAX_OUTPUT) err.push(chunk);
    });
    // ssh may exit before reading its input (refused connection): EPIPE here is expected, the exit
    // status says what happened.
    child.stdin.on('error', () => undefined);
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'ENOENT' ? `${options.binary ?? 'ssh'} not found` : e.message;
    });
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
    }, options.commandTimeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const result: RemoteResult = {
        exitCode: timedOut ? null : code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      };
      if (spawnError !== undefined) result.spawnError = spawnError;
      resolve(result);
    });
    child.stdin.end(stdin);
  });
}
