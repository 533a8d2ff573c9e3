// A few sshd "nodes", a client key, known_hosts, an inventory and bundles: what each SSH test starts from.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeKey, MANIFEST_KEY, type BundleManifest } from '../../../src/bundle/bundle-manifest.js';
import type { CliIo } from '../../../src/io/cli-io.js';
import { runApply } from '../../../src/adapters/apply-command.js';
import { makeKeyPair, missingPwsh, missingSshTools, SshdNode, tempDir, type KeyPair, type NodeOs } from './sshd-node.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export function captureIo(env: Record<string, string | undefined> = {}): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      readStdin: async () => '',
      stdinIsTTY: true,
      cwd: process.cwd(),
      env: { PATH: process.env['PATH'], ...env },
    },
    out: () => out,
    err: () => err,
  };
}

export async function apply(args: string[], env: Record<string, string | undefined> = {}): Promise<Captured> {
  const { io, out, err } = captureIo(env);
  const code = await runApply(args, io);
  return { code, stdout: out(), stderr: err() };
}

/** Writes a bundle directory as the ConfigMap mount would look: manifest.json + one file per encoded key. */
export async function writeBundle(dir: string, files: Record<string, string | Buffer>): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const entries = Object.entries(files)
    .map(([p, content]) => {
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
      return { path: p, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
  const contentHash = createHash('sha256')
    .update(entries.map((e) => `${e.path}\0${e.sha256}\n`).join(''))
    .digest('hex');
  const manifest: BundleManifest = {
    apiVersion: 'mirrorset-hosts.io/v1alpha1',
    kind: 'BundleManifest',
    profile: 'containerd',
    contentHash,
    files: entries.map((e) => ({ key: encodeKey(e.path), path: e.path, sha256: e.sha256, object: 'containerd-hosts' })),
  };
  for (const e of entries) await writeFile(path.join(dir, encodeKey(e.path)), e.bytes);
  await writeFile(path.join(dir, MANIFEST_KEY), JSON.stringify(manifest, null, 2));
  return dir;
}

export function hostsToml(server: string, mirror: string): string {
  return [
    '# managed by mirrorset-hosts',
    `server = "https://${server}/v2"`,
    'override_path = true',
    '',
    `[host."https://${mirror}/v2"]`,
    '  capabilities = ["pull"]',
    '  override_path = true',
    '',
  ].join('\n');
}

export class Fleet {
  private constructor(
    readonly dir: string,
    readonly key: KeyPair,
    readonly nodes: SshdNode[],
  ) {}

  /** `count` nodes on 127.0.<subnet>.1.., one client key authorised on all of them. */
  static async start(subnet: number, count: number, options: { dropCapabilities?: string[]; os?: NodeOs } = {}): Promise<Fleet> {
    const dir = await tempDir('fleet');
    const key = await makeKeyPair(dir, 'id_ed25519');
    const nodes = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        SshdNode.start({
          name: `node-${String.fromCharCode(97 + i)}`,
          address: `127.0.${subnet}.${i + 1}`,
          authorizedKeys: [key.publicKey],
          os: options.os ?? 'linux',
          ...(options.dropCapabilities ? { dropCapabilities: options.dropCapabilities } : {}),
        }),
      ),
    );
    const fleet = new Fleet(dir, key, nodes);
    // Each node's containerd config points config_path at its config dir: the applier refuses a node
    // whose containerd would not read the files (an absent config included).
    await Promise.all(
      // On a Windows stand-in the file is WMCO's C:\k\containerd\containerd_conf.toml, naming the directory as the node spells it.
      nodes.map(async (n) => {
        await mkdir(path.dirname(n.containerdConfigFile), { recursive: true });
        await writeFile(n.containerdConfigFile, `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = ${JSON.stringify(n.nodeConfigDir)}\n`);
      }),
    );
    await fleet.writeKnownHosts();
    await fleet.writeInventory();
    return fleet;
  }

  get knownHosts(): string {
    return path.join(this.dir, 'known_hosts');
  }

  get inventory(): string {
    return path.join(this.dir, 'inventory.yaml');
  }

  bundleDir(name: string): string {
    return path.join(this.dir, 'bundles', name);
  }

  async writeKnownHosts(lines: string[] = this.nodes.map((n) => n.knownHostsLine)): Promise<void> {
    await writeFile(this.knownHosts, lines.join('\n') + '\n');
  }

  /** Each node's own directory as its config dir (they share this machine's file system). */
  async writeInventory(extra: string[] = []): Promise<void> {
    const lines = ['nodes:'];
    for (const n of this.nodes) {
      lines.push(
        `  - name: ${n.name}`,
        `    address: ${n.address}`,
        `    port: ${n.port}`,
        `    user: root`,
        `    os: ${n.os}`,
        `    configDir: ${n.nodeConfigDir}`,
        `    containerdConfig: ${n.nodeContainerdConfig}`,
      );
    }
    lines.push(...extra);
    await writeFile(this.inventory, lines.join('\n') + '\n');
  }

  /** The usual flags; `more` is appended. */
  args(bundle: string, more: string[] = []): string[] {
    return ['--bundle', bundle, '--inventory', this.inventory, '--ssh-key', this.key.privateKeyFile, '--known-hosts', this.knownHosts, '--connect-timeout', '3', '--command-timeout', '30', ...more];
  }

  node(name: string): SshdNode {
    const found = this.nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no node ${name}`);
    return found;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.dispose()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Every file under a node's config dir: relative path -> content (state dir included). */
export async function treeOf(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(d, e.name), rel);
      else out[rel] = await readFile(path.join(d, e.name), 'utf8');
    }
  };
  await walk(dir, '');
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The files containerd reads (our state directory left out). */
export async function hostsTreeOf(dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await treeOf(dir)).filter(([p]) => !p.startsWith('.mirrorset-hosts/')));
}

export async function inode(file: string): Promise<number> {
  return (await stat(file)).ino;
}

/** The log lines of one node, parsed from logfmt enough for assertions. */
export function logLines(stderr: string, node?: string): Array<Record<string, string>> {
  return stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const fields: Record<string, string> = {};
      for (const m of line.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
        fields[m[1] as string] = (m[2] as string).startsWith('"') ? (JSON.parse(m[2] as string) as string) : (m[2] as string);
      }
      return fields;
    })
    .filter((f) => node === undefined || f['node'] === node);
}

/**
 * The node OSes a behavioural suite runs on: Linux (sh over sshd) and Windows (PowerShell programs
 * under pwsh behind the same sshd, sshd-node.ts `windowsLogin`). A missing tool skips that OS with a
 * warning, and fails under CI=true.
 */
export async function nodeOses(extraLinuxTools: string[] = []): Promise<Array<{ os: NodeOs; missing: string | null }>> {
  const ssh = await missingSshTools(extraLinuxTools);
  const pwsh = ssh ?? (await missingPwsh());
  for (const m of new Set([ssh, pwsh])) if (m) console.warn(`skipping: ${m}`);
  return [
    { os: 'linux', missing: ssh },
    { os: 'windows', missing: pwsh },
  ];
}

/** Holds the node's lock from outside, as another run would: flock(1) on the same file. */
export async function holdLock(configDir: string): Promise<ChildProcess> {
  await mkdir(path.join(configDir, '.mirrorset-hosts'), { recursive: true });
  // One process holds the descriptor from start to end (sh execs sleep), so killing it releases the lock.
  const holder = spawn('sh', ['-c', 'exec 9>>"$0" && flock 9 && echo locked && exec sleep 120', path.join(configDir, '.mirrorset-hosts/lock')], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve) => holder.stdout?.once('data', () => resolve()));
  return holder;
}

export async function release(holder: ChildProcess): Promise<void> {
  if (holder.exitCode !== null || holder.signalCode !== null) return;
  const exited = new Promise((r) => holder.once('exit', r));
  holder.kill('SIGKILL');
  await exited;
}
