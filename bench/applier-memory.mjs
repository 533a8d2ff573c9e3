#!/usr/bin/env node
// Applier memory: what the node-applier pod needs, for spec.pod.resources (docs/platforms.md "Pod
// resources", MIN_APPLIER_MEMORY in src/validate/function-config.ts). Runs the built CLI's `apply`
// as the Job runs it (dist/mirrorset-hosts.cjs, the command the image's executable wraps) against
// real sshd nodes on loopback, and reports two peaks:
//   - the CLI process alone, as /usr/bin/time reports it (%M, max RSS);
//   - the whole process tree (the CLI plus its ssh children), sampled from /proc every 10 ms, with each
//     page counted once as a container's memory cgroup counts it: the CLI's resident set, plus each
//     child's private pages, plus the largest shared part of one child (the ssh binary and libraries
//     its siblings share). A plain sum of resident sets counts those shared pages once per ssh; a sum
//     of Pss divides the CLI's pages with unrelated node processes on this machine. What a limit must hold.
//
//   node bench/applier-memory.mjs [--nodes 20] [--parallel 10] [--files 3,500] [--repeat 3]
//
// Needs root (sshd), /usr/sbin/sshd, ssh, ssh-keygen, /usr/bin/time, and `npm run build` first.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '20' },
    parallel: { type: 'string', default: '10' },
    files: { type: 'string', default: '3,500' },
    repeat: { type: 'string', default: '3' },
  },
});
const NODES = Number(values.nodes);
const PARALLEL = Number(values.parallel);
const FILE_COUNTS = values.files.split(',').map(Number);
const REPEAT = Number(values.repeat);
const cli = path.join(root, 'dist', 'mirrorset-hosts.cjs');
if (!existsSync(cli)) {
  console.error('run `npm run build` first');
  process.exit(1);
}

const outdir = path.join(root, '.tmp', 'bench-memory');
await mkdir(outdir, { recursive: true });
const entry = path.join(outdir, 'entry.ts');
await writeFile(
  entry,
  [
    `export { SshdNode, makeKeyPair, missingSshTools, tempDir } from ${JSON.stringify(path.join(root, 'test/e2e/ssh/sshd-node.ts'))};`,
    `export { writeBundle, hostsToml } from ${JSON.stringify(path.join(root, 'test/e2e/ssh/fleet.ts'))};`,
  ].join('\n'),
);
await build({ entryPoints: [entry], outfile: path.join(outdir, 'bench.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
const lib = await import(path.join(outdir, 'bench.mjs'));
const missing = await lib.missingSshTools();
if (missing) {
  console.error(missing);
  process.exit(1);
}

/** `pid`'s resident set plus its descendants' unique pages (see the header), in KiB, from /proc. */
async function treeRssKiB(pid) {
  const children = new Map();
  const rss = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = await readFile(`/proc/${name}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
      const rollup = await readFile(`/proc/${name}/smaps_rollup`, 'utf8');
      const field = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      const own = field('Private_Clean') + field('Private_Dirty');
      rss.set(Number(name), { rss: field('Rss'), own, shared: field('Rss') - own });
    } catch {
      // exited while we looked
    }
  }
  // /usr/bin/time -> the CLI -> its ssh children (and whatever they start).
  const cliPid = (children.get(pid) ?? [])[0];
  if (cliPid === undefined) return 0;
  let total = rss.get(cliPid)?.rss ?? 0;
  let shared = 0;
  const stack = [...(children.get(cliPid) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop();
    total += rss.get(p)?.own ?? 0;
    shared = Math.max(shared, rss.get(p)?.shared ?? 0);
    stack.push(...(children.get(p) ?? []));
  }
  return total + shared;
}

/** `apply` under /usr/bin/time: exit code, the CLI's max RSS (KiB) and the tree's sampled peak (KiB). */
async function measure(args) {
  const child = spawn('/usr/bin/time', ['-f', 'maxrss_kib=%M', process.execPath, cli, 'apply', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  let peak = 0;
  let done = false;
  const exited = new Promise((resolve) => child.on('exit', (code) => ((done = true), resolve(code))));
  while (!done) {
    peak = Math.max(peak, await treeRssKiB(child.pid));
    await new Promise((r) => setTimeout(r, 10));
  }
  const code = await exited;
  const cliRss = Number(/maxrss_kib=(\d+)/.exec(err)?.[1]);
  return { code, cliRss, treePeak: peak, summary: out.trim().split('\n').pop() };
}

const dir = await lib.tempDir('bench-memory');
const key = await lib.makeKeyPair(dir, 'id_ed25519');
const nodes = [];
try {
  for (let i = 0; i < NODES; i += 8) {
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(8, NODES - i) }, (_, j) =>
          lib.SshdNode.start({ name: `node-${String(i + j).padStart(2, '0')}`, address: `127.0.${110 + Math.floor((i + j) / 200)}.${((i + j) % 200) + 1}`, authorizedKeys: [key.publicKey] }),
        ),
      )),
    );
  }
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, nodes.map((n) => n.knownHostsLine).join('\n') + '\n');
  const inventory = path.join(dir, 'inventory.yaml');
  await writeFile(inventory, nodes.map((n) => `- {name: ${n.name}, address: ${n.address}, port: ${n.port}, user: root, os: linux, configDir: ${n.configDir}, containerdConfig: ''}`).join('\n') + '\n');

  const rows = [];
  for (const count of FILE_COUNTS) {
    const files = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`registry-${i}.example.com/hosts.toml`, lib.hostsToml(`registry-${i}.example.com`, `mirror.example.com/r${i}`)]),
    );
    const bundle = await lib.writeBundle(path.join(dir, `bundle-${count}`), files);
    for (const mode of ['--dry-run', 'apply']) {
      const runs = [];
      for (let r = 0; r < REPEAT; r++) {
        const args = ['--bundle', bundle, '--inventory', inventory, '--ssh-key', key.privateKeyFile, '--known-hosts', knownHosts, '--max-parallel', String(PARALLEL), '--max-failures', '1'];
        runs.push(await measure(mode === '--dry-run' ? [...args, '--dry-run'] : args));
      }
      const failed = runs.find((x) => x.code !== 0);
      if (failed) throw new Error(`apply exited ${failed.code}: ${failed.summary}`);
      rows.push({ files: count, mode, cliMiB: Math.max(...runs.map((x) => x.cliRss)) / 1024, treeMiB: Math.max(...runs.map((x) => x.treePeak)) / 1024 });
    }
  }
  console.log(`node ${process.version}, ${NODES} nodes, --max-parallel ${PARALLEL}, max of ${REPEAT} runs each`);
  console.log('| files | run | CLI max RSS (MiB) | CLI + ssh children, peak (MiB) |');
  console.log('|---:|---|---:|---:|');
  for (const row of rows) console.log(`| ${row.files} | ${row.mode === 'apply' ? 'apply' : 'apply --dry-run'} | ${row.cliMiB.toFixed(1)} | ${row.treeMiB.toFixed(1)} |`);
} finally {
  await Promise.all(nodes.map((n) => n.dispose()));
}
