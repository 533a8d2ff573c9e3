// Real OpenSSH servers standing in for nodes: one `sshd -D` per node, each on its own loopback
// address (127.0.0.0/8 only) and port, with its own host key and its own directory standing in for
// the node's containerd hosts directory. Every process is started here and stopped by PID.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';
const TOOLS = [SSHD, 'ssh', 'ssh-keygen'];

/**
 * null when every tool is there. Under CI=true a missing tool throws: the suite must fail, never
 * skip silently. Outside CI the caller skips with the returned message.
 */
export async function missingSshTools(extra: string[] = []): Promise<string | null> {
  const missing: string[] = [];
  for (const tool of [...TOOLS, ...extra]) {
    if (tool.startsWith('/') ? !existsSync(tool) : !(await onPath(tool))) missing.push(tool);
  }
  if (missing.length === 0) return null;
  const message = `SSH end-to-end tests need ${missing.join(', ')} (Debian: apt-get install openssh-server openssh-client)`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI=true, so this is a failure, not a skip`);
  return message;
}

async function onPath(tool: string): Promise<boolean> {
  return (await whichTool(tool)) !== null;
}

/** The absolute path of `tool` on this process's PATH, or null. */
export async function whichTool(tool: string): Promise<string | null> {
  for (const dir of (process.env['PATH'] ?? '').split(':')) if (dir && existsSync(path.join(dir, tool))) return path.join(dir, tool);
  return null;
}

/**
 * The PowerShell the Windows stand-in nodes run. `.ci/run` installs exactly this version as a .NET
 * global tool (7.7.0 does not install here). Under CI=true a missing pwsh throws, like a missing sshd.
 */
export const PWSH_VERSION = '7.6.10';
export async function missingPwsh(): Promise<string | null> {
  if (await onPath('pwsh')) return null;
  const message = `Windows-node end-to-end tests need pwsh (dotnet tool install --global PowerShell --version ${PWSH_VERSION}, with ~/.dotnet/tools on PATH)`;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI=true, so this is a failure, not a skip`);
  return message;
}

export interface KeyPair {
  privateKeyFile: string;
  publicKey: string;
}

export async function makeKeyPair(dir: string, name: string): Promise<KeyPair> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  return { privateKeyFile: file, publicKey: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `msh-${prefix}-`));
}

/** A free TCP port on `address` (bound and released; sshd takes it right after). */
export async function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface SshdNodeOptions {
  name: string;
  /** A loopback address, 127.x.y.z. */
  address: string;
  port?: number;
  authorizedKeys: string[];
  /** Capabilities removed from sshd's bounding set (so from every session): e.g. dac_override. */
  dropCapabilities?: string[];
  /**
   * Key exchange offered by the server. curve25519-sha256 is what the OpenSSH 8.x in Windows Server
   * 2019/2022 negotiates; the client's default sntrup761 hybrid costs about 0.25 s of CPU per
   * handshake on a 2-core runner, which would make these tests measure crypto.
   */
  kex?: string;
  /** More sshd_config lines. */
  extraConfig?: string[];
  /** 'windows': a stand-in Windows node (see `windowsLogin`). Default 'linux'. */
  os?: NodeOs;
}

export type NodeOs = 'linux' | 'windows';

/**
 * A Windows node stood in for by this machine, as far as the remote programs can tell:
 *
 * - OpenSSH for Windows with `DefaultShell` = powershell.exe runs a client's command as
 *   `powershell.exe -c <command>` (Win32-OpenSSH session.c). Here sshd's ForceCommand does the same
 *   with the command the client sent (SSH_ORIGINAL_COMMAND), so the command line our applier sends is
 *   parsed by PowerShell, which then starts the `powershell.exe` it names from the session's PATH.
 * - `powershell.exe` is a small sh script that starts `pwsh` with the arguments it was given. For
 *   `-EncodedCommand` it prepends one statement to the decoded text: a PowerShell drive `C:` whose root
 *   is this node's `C` directory. That is the path mapping: the programs see and print
 *   `C:\k\containerd\registries\...`, and the files land under `<root>/C/k/containerd/registries/...`.
 *   The programs hand .NET only paths resolved through PowerShell (windows-commands.ts
 *   `Get-NativePath`), so the cmdlets and .NET both go through the drive.
 */
async function windowsLogin(root: string): Promise<string[]> {
  const pwsh = await whichTool('pwsh');
  if (pwsh === null) throw new Error('a Windows stand-in node needs pwsh on PATH (see missingPwsh)');
  const bin = path.join(root, 'bin');
  const drive = path.join(root, 'C');
  await mkdir(bin, { recursive: true });
  await mkdir(drive, { recursive: true });
  if (/['\s]/.test(drive)) throw new Error(`the node directory ${drive} must not contain quotes or spaces`);
  const mapDrive = `$null = New-PSDrive -Name C -PSProvider FileSystem -Root '${drive}' -Scope Global; `;
  await writeFile(
    path.join(bin, 'powershell.exe'),
    [
      '#!/bin/sh',
      '# powershell.exe on a stand-in Windows node (test/e2e/ssh/sshd-node.ts): pwsh with the same arguments,',
      '# the text of -EncodedCommand (base64 of UTF-16LE) run after the drive C: is mapped to this node.',
      `pre=${shSingle(mapDrive)}`,
      'n=$#; next=',
      'for a in "$@"; do',
      `  if [ "$next" = 1 ]; then a=$( { printf '%s' "$pre" | iconv -f UTF-8 -t UTF-16LE; printf '%s' "$a" | base64 -d; } | base64 -w0); next=; fi`,
      '  [ "$a" = -EncodedCommand ] && next=1',
      '  set -- "$@" "$a"',
      'done',
      'shift "$n"',
      `exec ${shSingle(pwsh)} "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(path.join(bin, 'powershell.exe'), 0o755);
  // pwsh is a .NET apphost: it finds the runtime through DOTNET_ROOT (the session has no other hint).
  const dotnet = await whichTool('dotnet');
  const dotnetRoot = process.env['DOTNET_ROOT'] ?? (dotnet !== null ? path.dirname(await realpath(dotnet)) : undefined);
  return [
    `SetEnv PATH=${bin}:/usr/bin:/bin POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off${dotnetRoot ? ` DOTNET_ROOT=${dotnetRoot}` : ''}`,
    `ForceCommand exec ${bin}/powershell.exe -c "$SSH_ORIGINAL_COMMAND"`,
  ];
}

function shSingle(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export class SshdNode {
  process: ChildProcess | null = null;
  stderr = '';
  private constructor(
    readonly name: string,
    readonly address: string,
    readonly port: number,
    readonly root: string,
    readonly configFile: string,
    readonly hostPublicKey: string,
    private readonly dropCapabilities: string[],
    readonly os: NodeOs,
  ) {}

  /** Where the node's C:\ is on this machine (Windows stand-ins only). */
  get driveRoot(): string {
    return path.join(this.root, 'C');
  }

  /** The directory standing in for /etc/containerd/certs.d (C:\k\containerd\registries on Windows) on this node. */
  get configDir(): string {
    return this.os === 'windows' ? path.join(this.driveRoot, 'k', 'containerd', 'registries') : path.join(this.root, 'certs.d');
  }

  /** containerd's config file on this node, as a path on this machine. */
  get containerdConfigFile(): string {
    return this.os === 'windows' ? path.join(this.driveRoot, 'k', 'containerd', 'containerd_conf.toml') : path.join(this.root, 'config.toml');
  }

  /** How the inventory names the config directory: the node's own spelling. */
  get nodeConfigDir(): string {
    return this.os === 'windows' ? 'C:\\k\\containerd\\registries' : this.configDir;
  }

  get nodeContainerdConfig(): string {
    return this.os === 'windows' ? 'C:\\k\\containerd\\containerd_conf.toml' : this.containerdConfigFile;
  }

  get knownHostsLine(): string {
    const [type, key] = this.hostPublicKey.split(' ');
    return `[${this.address}]:${this.port} ${type} ${key}`;
  }

  static async start(options: SshdNodeOptions): Promise<SshdNode> {
    if (!/^127\.\d+\.\d+\.\d+$/.test(options.address)) throw new Error(`test nodes listen on loopback only, not ${options.address}`);
    // sshd's privilege separation directory; Debian's package creates it only at service start.
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    const root = await tempDir(`node-${options.name}`);
    const host = await makeKeyPair(root, 'ssh_host_ed25519_key');
    await writeFile(path.join(root, 'authorized_keys'), options.authorizedKeys.join('\n') + '\n', { mode: 0o600 });
    const port = options.port ?? (await freePort(options.address));
    const configFile = path.join(root, 'sshd_config');
    await writeFile(
      configFile,
      [
        `ListenAddress ${options.address}:${port}`,
        `HostKey ${host.privateKeyFile}`,
        `PidFile ${path.join(root, 'sshd.pid')}`,
        `AuthorizedKeysFile ${path.join(root, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UseDNS no',
        'PrintMotd no',
        'MaxStartups 100',
        'MaxSessions 100',
        `KexAlgorithms ${options.kex ?? 'curve25519-sha256'}`,
        'LogLevel ERROR',
        ...(options.os === 'windows' ? await windowsLogin(root) : []),
        ...(options.extraConfig ?? []),
        '',
      ].join('\n'),
    );
    const node = new SshdNode(options.name, options.address, port, root, configFile, host.publicKey, options.dropCapabilities ?? [], options.os ?? 'linux');
    await node.startProcess();
    return node;
  }

  async startProcess(): Promise<void> {
    let argv = [SSHD, '-D', '-e', '-f', this.configFile];
    if (this.dropCapabilities.length > 0) {
      argv = ['setpriv', `--bounding-set=${this.dropCapabilities.map((c) => `-${c}`).join(',')}`, '--', ...argv];
    }
    // bash sources ~/.bashrc for every command sshd runs; this machine's root profile (pyenv, cargo)
    // costs about 0.25 s of CPU per session, which no node would. Hide it from this sshd only, in a
    // private mount namespace that ends with the process; where that is not allowed, keep it.
    const bashrc = path.join(os.homedir(), '.bashrc');
    if (existsSync(bashrc) && (await canUnshare())) {
      argv = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind /dev/null "$0" && exec "$@"', bashrc, ...argv];
    }
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    this.process = child;
    await waitForPort(this.address, this.port, 5000, () => this.stderr);
  }

  /** Every process of this node: the listener and the per-connection sshd/shell children. */
  async pids(): Promise<number[]> {
    const pid = this.process?.pid;
    return pid === undefined ? [] : [pid, ...(await descendantsOf(pid))];
  }

  /** SIGKILL to the listener and every session process (sshd killed mid-transfer). */
  async kill(): Promise<void> {
    for (const pid of await this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.waitExit();
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const sessions = await descendantsOf(child.pid as number);
    child.kill('SIGTERM');
    for (const pid of sessions) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await this.waitExit();
  }

  private async waitExit(): Promise<void> {
    const child = this.process;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
    this.process = null;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.root, { recursive: true, force: true });
  }
}

let unshareWorks: Promise<boolean> | undefined;
function canUnshare(): Promise<boolean> {
  unshareWorks ??= run('unshare', ['--mount', '--propagation', 'private', '--', 'true']).then(
    () => true,
    () => false,
  );
  return unshareWorks;
}

/** PIDs whose parent chain leads to `pid` (from /proc). */
export async function descendantsOf(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may contain spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

export async function waitForPort(address: string, port: number, timeoutMs: number, why: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: address, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${address}:${port} after ${timeoutMs} ms: ${why()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
