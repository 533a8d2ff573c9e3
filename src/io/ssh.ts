// The OpenSSH client as the applier's transport: one `ssh` process per exchange, the program on stdin,
// and one SSH connection per node that the exchanges of that node share (OpenSSH multiplexing).
// No ssh library: the client every distribution ships already does host-key checking, keepalives and
// timeouts, and its behaviour is what administrators know and can reproduce by hand.
import { spawn } from 'node:child_process';
import { access, mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Exec } from '../node-applier/apply-node.js';
import { becomeCommand } from '../node-applier/become.js';
import type { NodeTarget } from '../node-applier/node-target.js';
import type { Transport } from '../node-applier/run-apply.js';
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

/**
 * The full argument list for one session. `-F none`: no user or system ssh_config can change any of it.
 * `controlPath`: the socket of the node's shared connection (createSshTransport); null for a session
 * that is a connection of its own.
 */
export function sshArgs(target: NodeTarget, options: SshOptions, remoteCommand: string, controlPath: string | null = null): string[] {
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
    // The node's first session opens the connection and, once authenticated, serves the later ones
    // over the socket (ssh_config(5) ControlMaster auto); ControlPersist bounds how long an idle one
    // outlives a run that crashed. Without a socket: this session is the whole connection.
    ...(controlPath === null
      ? [...o('ControlMaster=no'), ...o('ControlPath=none')]
      : [...o('ControlMaster=auto'), ...o(`ControlPath=${sshConfigPath(controlPath)}`), ...o(`ControlPersist=${MASTER_IDLE_SECONDS}`)]),
    // Nothing but the one command: no forwarding, local commands or terminal.
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

/** Sessions that are each a connection of their own (no master, nothing to close). */
export function createSshExec(options: SshOptions): Exec {
  return (target, remoteCommand, stdin) => runSsh(sshArgs(target, options, remoteCommand), stdin, options);
}

/**
 * Seconds a node's master connection stays up with no session on it. Every master is closed when its
 * node is done; this only bounds how long one outlives a run that died without closing it.
 */
export const MASTER_IDLE_SECONDS = 60;

/**
 * The longest ControlPath ssh can listen on: sun_path holds 108 bytes with the final NUL, and the
 * master first binds `<ControlPath>.<16 random characters>`, then links it into place
 * (openssh-portable mux.c muxserver_listen); the client refuses a longer one (mux.c muxclient).
 */
const MAX_CONTROL_PATH_BYTES = 107 - 17;

/**
 * One SSH connection per node, as WMCO's one ssh.Dial per node (pkg/windows/connectivity.go), with
 * OpenSSH connection multiplexing: the node's first session becomes the master, its later sessions
 * (the apply, a probe again after a conflict) run over the master's socket. The sockets live in a
 * directory of their own (mode 0700, from mkdtemp) under the temp dir, in the Job the pod's in-memory
 * /tmp; one short name per node (its order of first contact), not `%C`: two inventory entries may
 * name the same user@host:port, and each node has its own connection.
 *
 * What the master does with our pipes: with ControlPersist, once authenticated the first `ssh`
 * forks; the child, which stays the master, points its stdin, stdout and stderr at /dev/null and
 * daemonizes, and the parent (the process we started) becomes a client of it for the session
 * (openssh-portable ssh.c ssh_session2 -> fork_postauth -> control_persist_detach). A client hands
 * its stdio to the master for the session only (mux.c mux_client_request_session, mm_send_fd); the
 * master closes them when the session's channel closes. So a session's 'close' never waits for the
 * master (test/e2e/ssh/one-connection.test.ts).
 *
 * closeNode ends a node's master (`ssh -O exit`) and close ends any left, then removes the directory.
 * Failures before authentication come from the first session's own ssh, as without sharing, so
 * classifySshFailure sees the same messages. A master that died (killed, its connection cut) leaves
 * no socket or a stale one: the next session's `ControlMaster auto` removes a stale socket and opens a
 * new connection (mux.c muxclient).
 *
 * On Windows (process.platform win32) every session is a connection of its own: OpenSSH for
 * Windows' client has no ControlMaster (it cannot pass a session's stdio to another process over a
 * Unix socket).
 */
export function createSshTransport(options: SshOptions, where: { platform?: NodeJS.Platform; tempDir?: string } = {}): Transport {
  if ((where.platform ?? process.platform) === 'win32') return { exec: createSshExec(options), closeNode: async () => undefined, close: async () => undefined };
  let socketDir: Promise<string | null> | undefined;
  const masters = new Map<string, { controlPath: string; target: NodeTarget }>();
  const stopping = new Map<string, Promise<void>>();

  /** The node's socket path, or null when this run cannot share connections (then each session connects). */
  const controlPathFor = async (target: NodeTarget): Promise<string | null> => {
    // No directory (a full or read-only temp dir): sessions connect one by one, as without sharing.
    socketDir ??= mkdtemp(join(where.tempDir ?? tmpdir(), 'mirrorset-hosts-ssh-')).catch(() => null);
    const dir = await socketDir;
    if (dir === null) return null;
    const known = masters.get(target.name);
    if (known !== undefined) return known.controlPath;
    const controlPath = join(dir, String(masters.size));
    if (sshPathProblem(controlPath) !== null || Buffer.byteLength(controlPath) > MAX_CONTROL_PATH_BYTES) return null;
    masters.set(target.name, { controlPath, target });
    return controlPath;
  };
  /** One stop at a time per master: a timeout's stop and the node's close may overlap. */
  const stop = (name: string): Promise<void> => {
    const master = masters.get(name);
    if (master === undefined) return Promise.resolve();
    let running = stopping.get(name);
    if (running === undefined) {
      running = stopMaster(master.controlPath, master.target, options).finally(() => stopping.delete(name));
      stopping.set(name, running);
    }
    return running;
  };

  return {
    exec: async (target, remoteCommand, stdin) => {
      const controlPath = await controlPathFor(target);
      // A client killed on timeout leaves the session's stdout and stderr with the master until the
      // node answers the channel close (mux.c mux_master_control_cleanup_cb): ending the master ends
      // the session at once, as killing the one ssh process did before connections were shared.
      return runSsh(sshArgs(target, options, remoteCommand, controlPath), stdin, options, controlPath === null ? undefined : () => void stop(target.name));
    },
    closeNode: (target) => stop(target.name),
    close: async () => {
      await Promise.all([...masters.keys()].map(stop));
      const dir = await socketDir;
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Ends the master listening on `controlPath`, if any: `ssh -O exit`, then wait until it has removed
 * its socket, which it does on its way out (ssh.c main, after ssh_session2 returns). A socket nobody
 * answers on is what a killed master leaves: removed here. Never throws.
 */
async function stopMaster(controlPath: string, target: NodeTarget, options: SshOptions): Promise<void> {
  if (!(await exists(controlPath))) return; // never opened (no session, or none got past authentication), or gone
  const asked = await runLocalSsh(
    ['-F', 'none', '-o', `ControlPath=${sshConfigPath(controlPath)}`, '-o', 'LogLevel=QUIET', '-O', 'exit', '--', target.address.replace(/^\[(.*)\]$/, '$1')],
    options,
  );
  if (asked === 0) {
    const deadline = Date.now() + 5000;
    while ((await exists(controlPath)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }
  await unlink(controlPath).catch(() => undefined);
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** Runs a local-only ssh command (a control request), at most 10 s; its exit status, null if killed or not started. */
function runLocalSsh(args: string[], options: SshOptions): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(options.binary ?? 'ssh', args, { stdio: 'ignore', env: sshEnv(options) });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function sshEnv(options: SshOptions): NodeJS.ProcessEnv {
  return { PATH: options.path ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' };
}

function runSsh(args: string[], stdin: string, options: SshOptions, onTimeout?: () => void): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const child = spawn(options.binary ?? 'ssh', args, { stdio: ['pipe', 'pipe', 'pipe'], env: sshEnv(options) });
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
      onTimeout?.();
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
