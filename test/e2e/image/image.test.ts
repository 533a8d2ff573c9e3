// The node-applier image, built for real by `npm run image` (scripts/build-image.sh: buildah over a
// Debian root file system from mmdebstrap), then inspected and its root file system run. No container
// engine can start a process in this sandbox, so the image's own binaries run in a chroot of its
// root file system, in a private mount namespace laid out as the Job's pod is: read-only root, an
// in-memory /tmp, /proc, /dev, the Job's volumes at /etc/mirrorset-hosts, and an OpenShift-style
// arbitrary uid with no passwd entry (group 0, the fsGroup as a supplementary group). docs/image.md
// says what this proves and what only a cluster can.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Fleet, hostsTreeOf } from '../ssh/fleet.js';
import { bundleFilesIn, buildJob, jobConfigFor, mountJobVolumes } from '../ssh/job-pod.js';
import { missingSshTools, SshdNode } from '../ssh/sshd-node.js';

const repo = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string };
/** An OpenShift-style uid: restricted-v2 picks one from the namespace's range (1000680000-1000689999 here). */
const ARBITRARY_UID = 1000680000;

/** Like missingSshTools: null when everything is there; under CI=true anything missing is a failure. */
async function missingImageTools(): Promise<string | null> {
  const problems: string[] = [];
  const onPath = (tool: string): boolean => (process.env['PATH'] ?? '').split(':').some((dir) => dir !== '' && existsSync(path.join(dir, tool)));
  const tools = ['buildah', 'mmdebstrap', 'strip', 'unshare', 'chroot'].filter((tool) => !onPath(tool));
  if (tools.length > 0) problems.push(`the image test needs ${tools.join(', ')} (Debian: apt-get install buildah mmdebstrap binutils)`);
  if (process.getuid?.() !== 0) problems.push('the image test needs root (buildah storage, mmdebstrap, chroot)');
  if (problems.length > 0 && process.env['CI'] === 'true') throw new Error(`${problems.join('; ')}; CI=true, so this is a failure, not a skip`);
  return problems.length > 0 ? problems.join('; ') : missingSshTools();
}

const missing = await missingImageTools();
if (missing) console.warn(`skipping: ${missing}`);
const describeImage = missing ? describe.skip : describe;

interface ImageConfig {
  OCIv1: {
    architecture: string;
    os: string;
    config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; Labels?: Record<string, string> };
  };
}

interface RunOptions {
  uid?: number;
  gid?: number;
  groups?: number[];
  /** Host directory bind-mounted read-only at /etc/mirrorset-hosts, where the Job mounts its volumes. */
  volumes?: string;
  input?: string;
}

describeImage('the node-applier image', () => {
  let ref = '';
  let config: ImageConfig['OCIv1'];
  let container = '';
  let root = '';

  beforeAll(() => {
    // Builds only when no image has these inputs (the tag is their hash); a cold build takes minutes.
    const out = execFileSync('bash', [path.join(repo, 'scripts', 'build-image.sh')], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    ref = out.trim().split('\n').pop() as string;
    config = (JSON.parse(execFileSync('buildah', ['inspect', '--type', 'image', ref], { encoding: 'utf8' })) as ImageConfig).OCIv1;
    container = execFileSync('buildah', ['from', '--pull-never', '--quiet', ref], { encoding: 'utf8' }).trim();
    root = execFileSync('buildah', ['mount', container], { encoding: 'utf8' }).trim();
    // The mount point the runtime would make for the Job's volumes (in this working container only).
    mkdirSync(path.join(root, 'etc', 'mirrorset-hosts'), { recursive: true });
  }, 900_000);

  afterAll(() => {
    if (container) {
      spawnSync('buildah', ['umount', container]);
      spawnSync('buildah', ['rm', container]);
    }
  });

  /** Runs argv from the image's root file system as the Job's container would, with the image's Env only. */
  function runInImage(argv: string[], options: RunOptions = {}): { status: number | null; stdout: string; stderr: string } {
    const uid = options.uid ?? ARBITRARY_UID;
    const gid = options.gid ?? 0;
    const groups = options.groups ?? [uid];
    const setup = [
      'set -e',
      'r=$1; v=$2; u=$3; shift 3',
      // readOnlyRootFilesystem: the root is a read-only bind of itself; the mounts below go on top.
      'mount --bind "$r" "$r"',
      'mount -o remount,bind,ro "$r"',
      'mount -t proc proc "$r/proc"',
      'mount --rbind /dev "$r/dev"',
      // The Job's only writable place: an in-memory /tmp of 16 MiB.
      'mount -t tmpfs -o size=16m,mode=1777 tmpfs "$r/tmp"',
      'if [ -n "$v" ]; then mount --bind "$v" "$r/etc/mirrorset-hosts"; mount -o remount,bind,ro "$r/etc/mirrorset-hosts"; fi',
      'exec chroot --userspec="$u" --groups="$GROUPS_LIST" "$r" "$@"',
    ].join('\n');
    const result = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'sh', '-c', setup, 'sh', root, options.volumes ?? '', `${uid}:${gid}`, 'env', '-i', ...(config.config.Env ?? []), ...argv],
      { encoding: 'utf8', input: options.input ?? '', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', GROUPS_LIST: groups.join(',') } },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  test('the entrypoint is the CLI, the default user is the Job\'s non-root uid, built for this machine', () => {
    expect(config.os).toBe('linux');
    expect(config.architecture).toBe(({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch]);
    expect(config.config.Entrypoint).toEqual(['/usr/local/bin/mirrorset-hosts']);
    expect(config.config.Cmd).toEqual(['--help']);
    // The Job's default runAsUser and runAsGroup (src/node-applier/job.ts).
    expect(config.config.User).toBe('65532:65532');
    expect(config.config.Env).toEqual(expect.arrayContaining(['PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/tmp']));
    const labels = config.config.Labels ?? {};
    expect(labels['org.opencontainers.image.version']).toBe(pkg.version);
    expect(labels['io.mirrorset-hosts.debian-suite']).toBe('trixie');
    // A supported Node: 24 is an LTS line until April 2028; 20 ended in April 2026.
    expect(Number(labels['io.mirrorset-hosts.node-version']?.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(ref.endsWith(`:${pkg.version}-${labels['io.mirrorset-hosts.inputs']}`)).toBe(true);
  });

  test('the root file system holds the executable, OpenSSH\'s client, CA certificates and a package database, and no apt or setuid file', () => {
    for (const file of ['usr/local/bin/mirrorset-hosts', 'usr/local/bin/ssh', 'usr/bin/ssh', 'bin/sh']) expect(existsSync(path.join(root, file))).toBe(true);
    // The name the Argo CD repo-server patch copies the executable out by (docs/gitops.md).
    expect(lstatSync(path.join(root, 'usr/local/bin/mirrorset-hosts-sea')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(root, 'etc/ssl/certs/ca-certificates.crt'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/m);
    const status = readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8');
    for (const p of ['openssh-client', 'ca-certificates', 'libnss-wrapper', 'libc6']) expect(status).toContain(`\nPackage: ${p}\n`);
    for (const absent of ['usr/bin/apt', 'usr/bin/apt-get', 'usr/bin/node', 'usr/bin/sudo']) expect(existsSync(path.join(root, absent))).toBe(false);
    const passwd = readFileSync(path.join(root, 'etc/passwd'), 'utf8');
    expect(passwd).toMatch(/^mirrorset-hosts:x:65532:65532:[^:]*:\/tmp:\/usr\/sbin\/nologin$/m);
    expect(passwd).not.toContain(`:${ARBITRARY_UID}:`);
    const setuid: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.isFile() && (lstatSync(file).mode & 0o6000) !== 0) setuid.push(path.relative(root, file));
      }
    };
    for (const top of ['usr', 'etc', 'var']) walk(path.join(root, top));
    expect(setuid).toEqual([]);
  });

  test('the image is as small as docs/image.md says', () => {
    const doc = readFileSync(path.join(repo, 'docs', 'image.md'), 'utf8');
    const stated = Number(/The image is about (\d+) MB/.exec(doc)?.[1]);
    const bytes = Number(execFileSync('buildah', ['images', '--noheading', '--format', '{{.Size}}', ref], { encoding: 'utf8' }).split('\n')[0]?.replace(/ MB$/, '')) || NaN;
    expect(stated).toBeGreaterThan(0);
    expect(Math.abs(bytes - stated) / stated).toBeLessThan(0.1);
  });

  test('under an arbitrary uid with no passwd entry, the CLI prints its version and ssh runs, where the bare client refuses the uid', () => {
    const version = runInImage(['mirrorset-hosts', '--version']);
    expect(version.stderr).toBe('');
    expect(version.stdout.trim()).toBe(pkg.version);
    expect(version.status).toBe(0);

    // What the wrapper is for: OpenSSH's own client exits for a uid getpwuid does not know.
    const bare = runInImage(['/usr/bin/ssh', '-V']);
    expect(bare.status).toBe(255);
    expect(bare.stderr).toContain(`No user exists for uid ${ARBITRARY_UID}`);

    const ssh = runInImage(['ssh', '-V']);
    expect(ssh.status).toBe(0);
    expect(ssh.stderr).toMatch(/^OpenSSH_\d+\.\d+p\d+ Debian/);
  });

  test('the default uid 65532 has a passwd entry: ssh is the plain client, nothing is written to /tmp', () => {
    const result = runInImage(['sh', '-c', 'ssh -V && ls -A /tmp'], { uid: 65532, gid: 65532, groups: [65532] });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/^OpenSSH_/);
    expect(result.stdout).toBe('');
  });

  test('where /tmp is not a directory of the uid\'s own, the wrapper refuses instead of reading planted files', () => {
    // Another uid made the wrapper's directory first (a shared /tmp): its files are not trusted.
    const planted = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', '--', 'sh', '-c',
        'set -e; r=$1; mount -t tmpfs tmpfs "$r/tmp"; mkdir -m 0777 "$r/tmp/.mirrorset-hosts-nss-' + ARBITRARY_UID + '"; ' +
        'exec chroot --userspec=' + ARBITRARY_UID + ':0 "$r" env -i PATH=/usr/local/bin:/usr/bin:/bin ssh -V', 'sh', root],
      { encoding: 'utf8' },
    );
    expect(planted.status).toBe(255);
    expect(planted.stderr).toContain('is not a directory of its own');
  });

  describe('the Job\'s own command line (platform openshift), run by the image under an arbitrary uid, against a real sshd node', () => {
    let fleet: Fleet;
    let node: SshdNode;
    beforeAll(async () => {
      fleet = await Fleet.start(41, 1);
      node = fleet.nodes[0] as SshdNode;
    });
    afterAll(async () => {
      await fleet?.dispose();
    });

    test('the bundle\'s files land on the node byte for byte', async () => {
      const configFile = path.join(fleet.dir, 'mirrorset-hosts.yaml');
      // The OpenShift pod: no uid, gid or fsGroup of its own; restricted-v2 assigns them (docs/platforms.md).
      await writeFile(configFile, jobConfigFor(node, ref, 'openshift'));
      const job = await buildJob(configFile, path.join(repo, 'fixtures/example-repo/mirror-sets'));
      const container = job.container;
      expect(container.image).toBe(ref);
      expect(job.pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });

      // The volumes as the kubelet lays them out, under one host directory that is bind-mounted at
      // /etc/mirrorset-hosts; the ssh key as the kubelet writes a Secret for a pod with this fsGroup.
      const volumes = path.join(fleet.dir, 'volumes');
      const MOUNT = '/etc/mirrorset-hosts';
      await mountJobVolumes(
        job,
        fleet,
        (mountPath) => {
          if (mountPath === '/tmp') return undefined;
          expect(mountPath.startsWith(`${MOUNT}/`)).toBe(true);
          return path.join(volumes, path.relative(MOUNT, mountPath));
        },
        { uid: 0, gid: ARBITRARY_UID },
      );

      // The container's command: the image's entrypoint with the Job's args (the Job sets no command).
      expect(container.command).toBeUndefined();
      const run = runInImage([...(config.config.Entrypoint ?? []), ...(container.args as string[])], { volumes, uid: ARBITRARY_UID, gid: 0, groups: [ARBITRARY_UID] });
      expect(run.stderr).not.toContain('level=error');
      expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });

      const expected = await bundleFilesIn(path.join(volumes, 'bundle'));
      expect(Object.keys(expected).length).toBeGreaterThan(1);
      expect(await hostsTreeOf(node.configDir)).toEqual(expected);
    }, 120_000);
  });
});
