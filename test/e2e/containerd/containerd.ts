// containerd daemons with a private root, state and socket, and the `ctr` pulls made against them.
// Setup follows docs/containerd-proof.md "The setup": native snapshotter (overlayfs does not
// load in this VM), isolated content sharing, NRI off, absolute socket path, 2.x transfer unpack_config.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goArch, readFileFromLayer } from './oci-image.js';
import { cacheDir, findOnPath, isRunning, repoRoot, run, startDaemon, stopDaemon, waitUntil } from './harness.js';

export interface ContainerdBuild {
  /** Where the binaries come from: "installed" or "Debian sid, apt-get download". */
  origin: string;
  containerd: string;
  ctr: string;
  version: string;
  major: number;
  minor: number;
  patch: number;
}

export type BuildLookup = { found: true; build: ContainerdBuild } | { found: false; what: string; reason: string };

async function describeBuild(origin: string, containerd: string, ctr: string): Promise<BuildLookup> {
  const r = await run(containerd, ['--version']);
  // "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3", "... /v2 2.1.9+unknown"
  const m = /^containerd \S+ v?(\d+)\.(\d+)\.(\d+)/.exec(r.stdout.toString('utf8'));
  if (r.code !== 0 || m === null) {
    return { found: false, what: origin, reason: `\`${containerd} --version\` gave no version: ${r.stderr}` };
  }
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return { found: true, build: { origin, containerd, ctr, version: `${major}.${minor}.${patch}`, major, minor, patch } };
}

/** The containerd on PATH (Debian bookworm's 1.6 here). */
export async function installedBuild(): Promise<BuildLookup> {
  const containerd = findOnPath('containerd');
  const ctr = findOnPath('ctr');
  if (containerd === undefined || ctr === undefined) {
    return { found: false, what: 'installed containerd', reason: 'containerd or ctr not on PATH (apt-get install containerd)' };
  }
  return describeBuild('installed', containerd, ctr);
}

/**
 * A later Debian suite's containerd, fetched by scripts/fetch-containerd.sh (apt-get download into a
 * private apt state under the cache dir, dpkg-deb -x; nothing installed). Cached after the first run.
 */
export async function debianSuiteBuild(suite: string): Promise<BuildLookup> {
  const what = `containerd from Debian ${suite}`;
  for (const tool of ['apt-get', 'dpkg-deb', 'flock']) {
    if (findOnPath(tool) === undefined) return { found: false, what, reason: `${tool} not on PATH` };
  }
  const r = await run('sh', [join(repoRoot, 'scripts', 'fetch-containerd.sh'), suite, cacheDir()], { timeoutMs: 150_000 });
  const binDir = r.stdout.toString('utf8').trim().split('\n').pop() ?? '';
  if (r.code !== 0 || binDir === '') {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    return { found: false, what, reason: `scripts/fetch-containerd.sh ${suite} failed (exit ${r.code ?? r.signal}): ${last}\n${r.stderr}` };
  }
  return describeBuild(`Debian ${suite}, apt-get download`, join(binDir, 'containerd'), join(binDir, 'ctr'));
}

/** containerd writes these outside --root/--state; only /run/containerd is expected (research §10). */
const globalPaths = ['/run/containerd', '/run/nri', '/run/netns', '/var/lib/containerd', '/opt/containerd'];

export function existingGlobalPaths(): Set<string> {
  return new Set(globalPaths.filter((p) => existsSync(p)));
}

/**
 * Removes /run/containerd when the daemon created it and left it empty (1.7 and 2.x create it even
 * with a private state dir) and returns any other global path that appeared since `before`.
 */
export function cleanUpGlobalPaths(before: ReadonlySet<string>): string[] {
  if (!before.has('/run/containerd') && existsSync('/run/containerd') && readdirSync('/run/containerd').length === 0) {
    rmdirSync('/run/containerd');
  }
  return globalPaths.filter((p) => !before.has(p) && existsSync(p));
}

function configToml(build: ContainerdBuild, dir: string, socket: string): string {
  const platform = `linux/${goArch()}`;
  const snapshotters = ['overlayfs', 'aufs', 'btrfs', 'devmapper', 'zfs', 'blockfile', 'erofs'].map((s) => `io.containerd.snapshotter.v1.${s}`);
  const common = [
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
  ];
  const tail = [
    '[grpc]',
    `  address = ${JSON.stringify(socket)}`,
    // The default "shared" policy lets a second namespace reuse blobs already fetched by the first,
    // so a later pull would not reach any registry and the log check would prove nothing.
    '[plugins."io.containerd.metadata.v1.bolt"]',
    '  content_sharing_policy = "isolated"',
    // The opt plugin would otherwise create /opt/containerd.
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(join(dir, 'opt'))}`,
  ];
  if (build.major === 1) {
    const disabled = [
      'io.containerd.grpc.v1.cri',
      ...snapshotters,
      'io.containerd.nri.v1.nri',
      // 1.7's transfer plugin fails to load without overlayfs; 1.x ctr pulls without it anyway.
      'io.containerd.transfer.v1.local',
      'io.containerd.grpc.v1.transfer',
    ];
    return ['version = 2', ...common, `disabled_plugins = ${JSON.stringify(disabled)}`, ...tail, ''].join('\n');
  }
  const disabled = [
    'io.containerd.grpc.v1.cri',
    'io.containerd.cri.v1.images',
    'io.containerd.cri.v1.runtime',
    // The pod sandbox controller mounts /run/netns; nothing here runs pods.
    'io.containerd.podsandbox.controller.v1.podsandbox',
    'io.containerd.grpc.v1.sandbox-controllers',
    ...snapshotters,
    // 2.x otherwise creates /run/nri/nri.sock.
    'io.containerd.nri.v1.nri',
  ];
  return [
    'version = 3',
    ...common,
    `disabled_plugins = ${JSON.stringify(disabled)}`,
    ...tail,
    // 2.x ctr pulls through the transfer service, which does not load unless its unpack_config
    // names a snapshotter that exists (default overlayfs: `snapshotter "overlayfs" not found`).
    '[plugins."io.containerd.transfer.v1.local"]',
    '  [[plugins."io.containerd.transfer.v1.local".unpack_config]]',
    `    platform = ${JSON.stringify(platform)}`,
    '    snapshotter = "native"',
    '',
  ].join('\n');
}

export interface PullResult {
  ok: boolean;
  namespace: string;
  output: string;
}

export class ContainerdDaemon {
  private pulls = 0;

  private constructor(
    readonly build: ContainerdBuild,
    readonly dir: string,
    /** Absolute: 2.x ctr rejects a relative --address ("invalid (non-empty) authority"). */
    readonly socket: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {}

  static async start(build: ContainerdBuild, dir: string): Promise<ContainerdDaemon> {
    mkdirSync(dir, { recursive: true });
    const socket = join(dir, 'containerd.sock');
    const config = join(dir, 'config.toml');
    writeFileSync(config, configToml(build, dir, socket));
    const logFile = join(dir, 'containerd.log');
    const child = startDaemon(build.containerd, ['--config', config, '--log-level', 'info'], logFile, logFile);
    const daemon = new ContainerdDaemon(build, dir, socket, child, logFile);
    await waitUntil(`containerd ${build.version} on ${socket}`, async () => {
      if (!isRunning(child)) throw new Error(`containerd ${build.version} exited; see ${logFile}`);
      return existsSync(socket) && (await run(build.ctr, ['--address', socket, 'version'], { timeoutMs: 5_000 })).code === 0;
    }, 20_000);
    return daemon;
  }

  get running(): boolean {
    return isRunning(this.child);
  }

  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await stopDaemon(this.child);
    return { code: this.child.exitCode, signal: this.child.signalCode };
  }

  private ctr(namespace: string, args: readonly string[], timeoutMs = 30_000) {
    return run(this.build.ctr, ['--address', this.socket, '--namespace', namespace, ...args], { timeoutMs });
  }

  /**
   * `ctr images pull --hosts-dir DIR` in a namespace of its own (isolated content, so every blob is
   * fetched again). No --plain-http: the scheme must come from hosts.toml, as it does for CRI.
   * 1.x: ctr itself reads DIR (cmd/ctr/commands/resolver.go GetResolver); 2.x: the daemon reads it
   * through the transfer service (core/transfer/registry NewOCIRegistry), the same filesystem here.
   */
  async pull(ref: string, hostsDir: string): Promise<PullResult> {
    this.pulls += 1;
    const namespace = `e2e-${this.pulls}`;
    const r = await this.ctr(namespace, ['images', 'pull', '--snapshotter', 'native', '--hosts-dir', hostsDir, ref]);
    return { ok: r.code === 0, namespace, output: `${r.stdout.toString('utf8')}${r.stderr}` };
  }

  /** hello.txt from a layer the pull stored in `namespace`, or undefined when the blob is absent. */
  async layerFile(namespace: string, layerDigest: string, name = 'hello.txt'): Promise<string | undefined> {
    const r = await this.ctr(namespace, ['content', 'get', layerDigest]);
    if (r.code !== 0) return undefined;
    return readFileFromLayer(r.stdout, name);
  }
}

/**
 * containerd tries HTTPS first on an `http://` host that has TLS settings (ca, client, skip_verify)
 * only from 1.6.25, 1.7.7 and in 2.x (ConfigureHosts + docker.NewHTTPFallback; research §7).
 */
export function triesHttpsFirstForInsecureHosts(build: ContainerdBuild): boolean {
  if (build.major >= 2) return true;
  if (build.minor === 6) return build.patch >= 25;
  if (build.minor === 7) return build.patch >= 7;
  return build.minor > 7;
}
