// Issue 13's table against real containerd 1.6, 1.7 and 2.1: for each node situation a node config is
// stood up, the real Linux probe runs over it with that release's `containerd` on PATH (so the probe's
// `containerd --version` and `containerd config dump` are containerd's own), and
//   1. the verdict is the one the table expects for that release;
//   2. the verdict from containerd's own loading (config dump: imports, globs, version migration,
//      defaults) equals the verdict from our reading of the files: our loader matches containerd's;
//   3. where a daemon can show it here, containerd's behaviour (see the 'in the daemon' tests).
// No daemon is started by the table itself: `config dump` starts none and writes nothing.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { linuxCommands } from '../../../src/node-applier/linux-commands.js';
import { parseProbeOutput, type NodeState } from '../../../src/node-applier/node-state.js';
import { resolveTarget, type NodeTarget } from '../../../src/node-applier/node-target.js';
import { configPathVerdict, LINUX_TOOLS } from '../../../src/node-applier/preflight.js';
import type { ConfigPathVerdict } from '../../../src/node-applier/containerd-config.js';
import type { ContainerdRelease } from '../../../src/vocabulary.js';
import { cleanUpGlobalPaths, debianSuiteBuild, existingGlobalPaths, installedBuild, type BuildLookup, type ContainerdBuild } from './containerd.js';
import { findOnPath, makeTempDir, removeTempDir, run, startDaemon, stopDaemon, waitUntil, isRunning, unavailable as unavailableSuite } from './harness.js';

const notRoot = process.getuid?.() !== 0;
const lookups: BuildLookup[] = notRoot ? [] : await Promise.all([installedBuild(), debianSuiteBuild('trixie'), debianSuiteBuild('sid')]);
const builds: ContainerdBuild[] = lookups.flatMap((l) => (l.found ? [l.build] : []));

const unavailable = (title: string, reason: string): void => unavailableSuite('containerd config_path', title, reason);
if (notRoot) describe('containerd config_path', () => unavailable('needs root', 'containerd config dump reads root-owned paths; run as root (CI does)'));
for (const l of lookups) if (!l.found) describe('containerd config_path', () => unavailable(l.what, l.reason));

const releaseOfBuild = (b: ContainerdBuild): ContainerdRelease =>
  b.major === 1 ? (b.minor >= 7 ? '1.7' : '1.6') : b.minor === 0 ? '2.0' : b.minor === 1 ? '2.1' : b.minor === 2 ? '2.2' : '2.3';
/** 2.0 to 2.2 drop a version 0/1 file's CRI registry settings (fixed in 2.3's LoadConfigWithPlugins). */
const oldLoader = (r: ContainerdRelease): boolean => r === '2.0' || r === '2.1' || r === '2.2';

type Verdict = ConfigPathVerdict['verdict'];
interface Row {
  /** The situation, as issue 13's table names it. */
  name: string;
  /** Files under the node's /etc/containerd (relative); `config.toml` is the main one ('' : absent). */
  files: (certs: string) => Record<string, string>;
  /** The verdict per release line (and patch), and a text the message must hold. */
  expect: (r: ContainerdRelease, b: ContainerdBuild) => { verdict: Verdict; says: string };
  /** A CRI-O node: no containerd binary, a crio one. */
  crio?: boolean;
}

const cri = (version: number, body: string): string =>
  version >= 3 ? `version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n${body}` : `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n${body}`;
const isTwo = (r: ContainerdRelease): boolean => r.startsWith('2');

const ROWS: Row[] = [
  {
    name: 'config file absent (1.x default: config_path = "")',
    files: () => ({}),
    expect: () => ({ verdict: 'unknown', says: 'does not exist, so it cannot be told which config_path containerd runs with' }),
  },
  {
    name: 'config_path = "<dir>:/etc/docker/certs.d" (the 2.x default list, EKS AL2023)',
    files: (certs) => ({ 'config.toml': cri(2, `config_path = "${certs}:/etc/docker/certs.d"\n`) }),
    expect: (r) => (r === '1.6' || r === '1.7' || r === '2.0' ? { verdict: 'reads', says: `so containerd ${r} reads` } : { verdict: 'does-not-read', says: 'takes the whole list as ONE directory name' }),
  },
  {
    name: 'imports = [...] with config_path set only in a drop-in (a glob, relative to the config)',
    files: (certs) => ({ 'config.toml': 'version = 2\nimports = ["conf.d/*.toml"]\n', 'conf.d/10-registry.toml': cri(2, `config_path = "${certs}"\n`), 'conf.d/20-other.toml': 'version = 2\n' }),
    // 1.6.0-1.6.28 and 1.7.0-1.7.15 expand a relative glob against their working directory.
    expect: (_r, b) =>
      b.major === 1 && b.patch < (b.minor === 6 ? 29 : 16) ? { verdict: 'unknown', says: 'a relative glob' } : { verdict: 'reads', says: 'has config_path = ' },
  },
  {
    name: "imports: a drop-in's CRI table replaces the main file's whole table (config_path lost)",
    files: (certs) => ({
      'config.toml': `version = 2\nimports = ["conf.d/*.toml"]\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "${certs}"\n`,
      'conf.d/10-sandbox.toml': 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "registry.k8s.io/pause:3.9"\n',
    }),
    // 1.x replaces a plugin's table as a whole; 2.x merges tables key by key.
    expect: (r, b) =>
      b.major === 1
        ? b.patch < (b.minor === 6 ? 29 : 16)
          ? { verdict: 'unknown', says: 'a relative glob' }
          : { verdict: 'does-not-read', says: 'leaves config_path unset' }
        : { verdict: 'reads', says: `so containerd ${r} reads` },
  },
  {
    name: 'registry.mirrors and config_path both set',
    files: (certs) => ({ 'config.toml': cri(2, `config_path = "${certs}"\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\nendpoint = ["https://mirror.example"]\n`) }),
    expect: () => ({ verdict: 'does-not-read', says: "containerd's CRI plugin does not load" }),
  },
  {
    name: 'a CRI-O node',
    files: () => ({}),
    crio: true,
    expect: () => ({ verdict: 'does-not-read', says: 'the node runs CRI-O, not containerd' }),
  },
  {
    name: 'version = 1 config, [plugins.cri.registry] config_path (AKS Windows template, EKS GPU AMI)',
    files: (certs) => ({ 'config.toml': `version = 1\n[plugins.cri.registry]\nconfig_path = "${certs}"\n` }),
    // The dump shows the effect (no config_path); the files say why (containerd-config.test.ts).
    expect: (r) => (oldLoader(r) ? { verdict: 'does-not-read', says: 'config_path' } : { verdict: 'reads', says: `so containerd ${r} reads` }),
  },
  {
    name: 'version = 3 without a registry section (implicit default)',
    files: () => ({ 'config.toml': 'version = 3\n[plugins."io.containerd.cri.v1.images"]\nsnapshotter = "native"\n' }),
    expect: (r) =>
      isTwo(r) ? { verdict: 'does-not-read', says: r === '2.2' || r === '2.3' ? 'a list' : `containerd ${r}'s default is ""` } : { verdict: 'does-not-read', says: 'config_path' },
  },
  {
    name: 'no `version` key, with the version 2 table names',
    files: (certs) => ({ 'config.toml': `[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "${certs}"\n` }),
    expect: (r: ContainerdRelease) =>
      r === '2.3' ? { verdict: 'reads', says: `so containerd ${r} reads` } : { verdict: 'does-not-read', says: 'config_path' },
  },
];

/** A PATH directory with just the tools the probe uses, plus containerd (or crio) as the row wants. */
function toolDir(dir: string, build: ContainerdBuild, crio: boolean): string {
  mkdirSync(dir, { recursive: true });
  for (const tool of LINUX_TOOLS) {
    const found = findOnPath(tool);
    if (found !== undefined && !existsSync(join(dir, tool))) symlinkSync(found, join(dir, tool));
  }
  if (crio) {
    writeFileSync(join(dir, 'crio'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, 'crio'), 0o755);
  } else {
    symlinkSync(build.containerd, join(dir, 'containerd'));
  }
  return dir;
}

function probe(target: NodeTarget, path: string): NodeState {
  const r = spawnSync('/bin/sh', ['-c', linuxCommands.remoteCommand], { input: linuxCommands.probeProgram(target, []), encoding: 'utf8', env: { PATH: path }, timeout: 60_000 });
  const parsed = parseProbeOutput(r.stdout);
  if (!parsed.ok) throw new Error(`probe failed: ${parsed.problem}\n${r.stderr}`);
  return parsed.state;
}

if (builds.length > 0) {
  let root: string;
  beforeAll(() => {
    root = makeTempDir('config-path');
  });
  afterAll(() => {
    if (root !== undefined) removeTempDir(root);
  });

  describe.each(builds)('containerd $version ($origin): issue 13 table', (build) => {
    const release = releaseOfBuild(build);
    // The probe runs `containerd config dump` on the node: it must start nothing and create nothing.
    let before: Set<string>;
    beforeAll(() => {
      before = existingGlobalPaths();
    });
    afterAll(() => {
      expect([...existingGlobalPaths()].filter((p) => !before.has(p))).toEqual([]);
    });
    test.each(ROWS.map((row, i) => ({ ...row, i })))('$name', ({ files, expect: want, crio, i }) => {
      const node = join(root, `${build.version}-${i}`);
      const etc = join(node, 'etc', 'containerd');
      const certs = join(etc, 'certs.d');
      mkdirSync(certs, { recursive: true });
      for (const [rel, text] of Object.entries(files(certs))) {
        mkdirSync(dirname(join(etc, rel)), { recursive: true });
        writeFileSync(join(etc, rel), text);
      }
      const target = resolveTarget({ name: 'n', address: '127.0.0.1', configDir: certs, containerdConfig: join(etc, 'config.toml') }, { os: 'linux', port: 22 });
      const state = probe(target, toolDir(join(node, 'bin'), build, crio === true));

      const verdict = configPathVerdict(target, state);
      const expected = want(release, build);
      expect(verdict?.verdict).toBe(expected.verdict);
      expect(verdict?.reason).toContain(expected.says);
      if (crio === true) {
        expect(verdict?.source).toBe('runtime binaries and sockets');
        return;
      }
      expect(state.containerdVersion).toContain(build.version);
      // containerd's own loading and ours agree: the same verdict from the dump as from the files.
      if (state.containerdDump !== null && verdict?.source === 'config dump') {
        const fromFiles = configPathVerdict(target, { ...state, containerdDump: null });
        expect(fromFiles?.verdict).toBe(verdict?.verdict);
      } else if (state.containerdDump !== null) {
        // Not trusted: a relative glob on a 1.x release that expands it against the working directory.
        expect(verdict).toMatchObject({ source: 'config file', verdict: 'unknown' });
      } else if (state.containerdConfig.state === 'read') {
        // Only a config containerd refuses to load has no dump: 1.6.32+/1.7.17+ with a version 3 file.
        expect({ release, verdict: verdict?.verdict }).toEqual({ release: expect.stringMatching(/^1\./), verdict: 'does-not-read' });
      }
    }, 60_000);
  });

  // containerd's behaviour, where a daemon shows it without running pods: the CRI plugin refusing
  // `mirrors` with `config_path` (it fails in its config validation, before it touches the host).
  describe.each(builds)('containerd $version ($origin): in the daemon', (build) => {
    let globalBefore: Set<string>;
    beforeAll(() => {
      globalBefore = existingGlobalPaths();
    });
    afterAll(() => {
      // Only the empty /run/containerd that 1.7 and 2.x create may appear, and it is removed.
      expect(cleanUpGlobalPaths(globalBefore)).toEqual([]);
    });
    test('registry.mirrors with config_path: the CRI plugin does not load', async () => {
      const dir = join(root, `daemon-${build.version}`);
      mkdirSync(dir, { recursive: true });
      const socket = join(dir, 'containerd.sock');
      const registry = build.major === 1 ? 'plugins."io.containerd.grpc.v1.cri".registry' : 'plugins."io.containerd.cri.v1.images".registry';
      const config = [
        build.major === 1 ? 'version = 2' : 'version = 3',
        `root = ${JSON.stringify(join(dir, 'root'))}`,
        `state = ${JSON.stringify(join(dir, 'state'))}`,
        // Only what the CRI plugin needs to get to its config check; everything that mounts or creates global paths off.
        `disabled_plugins = ${JSON.stringify(['io.containerd.nri.v1.nri', 'io.containerd.podsandbox.controller.v1.podsandbox', 'io.containerd.grpc.v1.sandbox-controllers', 'io.containerd.cri.v1.runtime', ...['overlayfs', 'aufs', 'btrfs', 'devmapper', 'zfs', 'blockfile', 'erofs'].map((s) => `io.containerd.snapshotter.v1.${s}`)])}`,
        '[grpc]',
        `  address = ${JSON.stringify(socket)}`,
        '[plugins."io.containerd.internal.v1.opt"]',
        `  path = ${JSON.stringify(join(dir, 'opt'))}`,
        `[${registry}]`,
        `  config_path = ${JSON.stringify(join(dir, 'certs.d'))}`,
        `[${registry}.mirrors."docker.io"]`,
        '  endpoint = ["https://mirror.example"]',
        '',
      ].join('\n');
      writeFileSync(join(dir, 'config.toml'), config);
      const log = join(dir, 'containerd.log');
      const child = startDaemon(build.containerd, ['--config', join(dir, 'config.toml'), '--log-level', 'info'], log, log);
      try {
        await waitUntil(`containerd ${build.version} on ${socket}`, async () => {
          if (!isRunning(child)) throw new Error(`containerd ${build.version} exited; see ${log}`);
          return existsSync(socket) && (await run(build.ctr, ['--address', socket, 'version'], { timeoutMs: 5_000 })).code === 0;
        }, 20_000);
        const plugins = await run(build.ctr, ['--address', socket, 'plugins', 'ls'], { timeoutMs: 10_000 });
        const criPlugin = build.major === 1 ? /^io\.containerd\.grpc\.v1\s+cri\s/ : /^io\.containerd\.cri\.v1\s+images\s/;
        const criLine = plugins.stdout.toString('utf8').split('\n').find((l) => criPlugin.test(l));
        expect(criLine).toMatch(/\serror\s*$/);
        const { readFileSync } = await import('node:fs');
        expect(readFileSync(log, 'utf8')).toContain('`mirrors` cannot be set when `config_path` is provided');
      } finally {
        await stopDaemon(child);
      }
    }, 60_000);
  });
}
