// The OpenSSH client reports connection-level failures as exit status 255 with one message on stderr
// (ssh(1) EXIT STATUS). Those messages become one sentence each: what happened, what to do.
import { displayAddress, knownHostsName, type NodeTarget } from './node-target.js';

export interface RemoteResult {
  /** null when the process was killed (command timeout). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The ssh binary could not be started at all. */
  spawnError?: string;
}

export type ConnectFailure =
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'auth-denied'
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'dns'
  | 'ssh-error';

/** null: the connection worked and the remote program produced this exit status. */
export function classifySshFailure(result: RemoteResult): ConnectFailure | null {
  if (result.exitCode !== 255) return null;
  const err = result.stderr;
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(err)) return 'host-key-changed';
  if (/Host key verification failed|No [A-Z0-9-]+ host key is known/i.test(err)) return 'host-key-unknown';
  if (/Permission denied/i.test(err)) return 'auth-denied';
  if (/timed out/i.test(err)) return 'timeout';
  if (/Connection refused/i.test(err)) return 'refused';
  if (/No route to host|Network is unreachable/i.test(err)) return 'unreachable';
  if (/Could not resolve hostname|Name or service not known/i.test(err)) return 'dns';
  return 'ssh-error';
}

export function describeConnectFailure(kind: ConnectFailure, target: NodeTarget, connectTimeout: number, stderr: string): string {
  const where = displayAddress(target);
  switch (kind) {
    case 'host-key-unknown':
      return `refused: no host key for ${knownHostsName(target)} in the known_hosts file; add the node's public host key there (read it on the node, or ssh-keyscan from a trusted network and compare fingerprints)`;
    case 'host-key-changed':
      return `refused: the host key of ${knownHostsName(target)} does not match the known_hosts file (a reinstalled node, or someone in between); check the node's key and update known_hosts`;
    case 'auth-denied':
      return `authentication refused for user ${target.user} at ${where}: expected the public half of --ssh-key in the node's authorized keys (Windows administrators: C:\\ProgramData\\ssh\\administrators_authorized_keys)`;
    case 'timeout':
      return `no SSH answer from ${where} within ${connectTimeout}s (connect timeout); check that the node is up and port ${target.port} is reachable from the Job's pod`;
    case 'refused':
      return `connection refused by ${where}: nothing listens on port ${target.port}; start sshd on the node (Windows: the sshd service)`;
    case 'unreachable':
      return `${where} is unreachable from here (no route); check the node's address and network policies`;
    case 'dns':
      return `cannot resolve ${target.address}; use the node's IP address or fix DNS`;
    case 'ssh-error':
      return `ssh failed: ${lastLines(stderr) || 'no message'}`;
  }
}

/** The last non-empty lines of a remote error, on one line, for a log or table cell. */
export function lastLines(text: string, count = 3): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Warning: Permanently added/.test(l))
    .slice(-count)
    .join(' | ')
    .slice(0, 500);
}
