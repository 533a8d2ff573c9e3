#!/usr/bin/env node
// Rollout benchmark: `mirrorset-hosts apply` to 40 nodes (real sshd processes on loopback addresses),
// each reached through a relay that adds one-way latency to every packet, first one node at a time
// as WMCO does (--max-parallel 1), then with --max-parallel 10, in the same run.
//
//   node bench/rollout.mjs [--nodes 40] [--connect-delay-ms 200] [--latency-ms 25] [--parallel 10] [--repeat 3]
//
// The delay per connection stands for what a real node adds to every SSH session and this machine
// does not: a network path longer than loopback, and a slow session start (Windows PowerShell
// takes a good part of a second to start). The nodes run on the same two CPUs as the applier here,
// which they would not in a cluster, so the parallel run is the one that pays for that.
//
// Needs root (sshd), /usr/sbin/sshd, ssh, ssh-keygen. The applier and the test helpers are bundled
// from their TypeScript sources with esbuild first, so this does not depend on `npm run build`.
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '40' },
    'connect-delay-ms': { type: 'string', default: '200' },
    'latency-ms': { type: 'string', default: '25' },
    parallel: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '3' },
  },
});
const NODES = Number(values.nodes);
const LATENCY = Number(values['latency-ms']);
const CONNECT_DELAY = Number(values['connect-delay-ms']);
const PARALLEL = Number(values.parallel);
const REPEAT = Number(values.repeat);

const outdir = path.join(root, '.tmp', 'bench-rollout');
await mkdir(outdir, { recursive: true });
const entry = path.join(outdir, 'entry.ts');
await writeFile(
  entry,
  [
    `export { runApply } from ${JSON.stringify(path.join(root, 'src/adapters/apply-command.ts'))};`,
    `export { SshdNode, makeKeyPair, missingSshTools, tempDir } from ${JSON.stringify(path.join(root, 'test/e2e/ssh/sshd-node.ts'))};`,
    `export { TcpProxy } from ${JSON.stringify(path.join(root, 'test/e2e/ssh/tcp-proxy.ts'))};`,
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

const dir = await lib.tempDir('bench');
const key = await lib.makeKeyPair(dir, 'id_ed25519');
const nodes = [];
const proxies = [];
try {
  // 40 sshd processes, started a few at a time (key generation and start-up are CPU work).
  for (let i = 0; i < NODES; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, NODES - i) }, (_, j) =>
        lib.SshdNode.start({ name: `node-${String(i + j).padStart(2, '0')}`, address: `127.0.${100 + Math.floor((i + j) / 200)}.${((i + j) % 200) + 1}`, authorizedKeys: [key.publicKey] }),
      ),
    );
    nodes.push(...batch);
  }
  for (const node of nodes) {
    proxies.push(await lib.TcpProxy.start({ listen: node.address, target: { host: node.address, port: node.port }, latencyMs: LATENCY, connectDelayMs: CONNECT_DELAY }));
  }
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, nodes.map((n, i) => `[${n.address}]:${proxies[i].port} ${n.hostPublicKey.split(' ').slice(0, 2).join(' ')}`).join('\n') + '\n');
  const inventory = path.join(dir, 'inventory.yaml');
  await writeFile(
    inventory,
    nodes.map((n, i) => `- {name: ${n.name}, address: ${n.address}, port: ${proxies[i].port}, user: root, os: linux, configDir: ${n.configDir}, containerdConfig: ''}`).join('\n') + '\n',
  );
  const bundle = await lib.writeBundle(path.join(dir, 'bundle'), {
    'quay.io/hosts.toml': lib.hostsToml('quay.io', 'mirror.example.com/quay'),
    'registry.k8s.io/hosts.toml': lib.hostsToml('registry.k8s.io', 'mirror.example.com/k8s'),
    'registry.local_5000_/hosts.toml': lib.hostsToml('registry.local:5000', 'mirror.example.com/local'),
  });

  const apply = async (extra) => {
    let out = '';
    let err = '';
    const io = { stdout: (t) => (out += t), stderr: (t) => (err += t), readStdin: async () => '', stdinIsTTY: true, cwd: root, env: { PATH: process.env.PATH } };
    const args = ['--bundle', bundle, '--inventory', inventory, '--ssh-key', key.privateKeyFile, '--known-hosts', knownHosts, '--max-failures', '1', ...extra];
    const started = process.hrtime.bigint();
    const code = await lib.runApply(args, io);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = out.trim().split('\n').pop();
    console.error(`${extra.join(' ')}: ${seconds.toFixed(2)} s, ${summary}`);
    if (code !== 0) throw new Error(`apply exited ${code}: ${summary}\n${err.split('\n').filter((l) => l.includes('error')).slice(0, 5).join('\n')}`);
    return { seconds, summary };
  };
  const reset = () => Promise.all(nodes.map((n) => rm(n.configDir, { recursive: true, force: true })));

  const rows = [];
  await reset();
  const sequential = await apply(['--max-parallel', '1', '--canary', 'none']);
  rows.push(['first apply, one node at a time (WMCO)', '--max-parallel 1 --canary none', sequential]);
  const parallelRuns = [];
  for (let r = 0; r < REPEAT; r++) {
    await reset();
    parallelRuns.push(await apply(['--max-parallel', String(PARALLEL)]));
  }
  parallelRuns.sort((a, b) => a.seconds - b.seconds);
  const parallel = parallelRuns[Math.floor(parallelRuns.length / 2)];
  rows.push([`first apply, canary then ${PARALLEL} at a time (median of ${REPEAT})`, `--max-parallel ${PARALLEL}`, parallel]);
  const noop = await apply(['--max-parallel', String(PARALLEL)]);
  rows.push(['re-apply, nothing to change', `--max-parallel ${PARALLEL}`, noop]);

  const cpu = os.cpus()[0]?.model ?? 'unknown';
  console.log(`nodes: ${NODES} sshd on loopback; added per connection: ${CONNECT_DELAY} ms before connecting, ${LATENCY} ms one-way per packet (round trip ${2 * LATENCY} ms)`);
  console.log(`machine: ${execFileSync('nproc').toString().trim()} CPUs (${cpu}), Node ${process.version}, ${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim()}`);
  console.log('');
  console.log('| run | flags | seconds | result |');
  console.log('|---|---|---:|---|');
  for (const [name, flags, r] of rows) console.log(`| ${name} | \`${flags}\` | ${r.seconds.toFixed(2)} | ${r.summary} |`);
  console.log('');
  const speedUp = sequential.seconds / parallel.seconds;
  console.log(`speed-up: ${speedUp.toFixed(1)}x`);
  // One machine-readable line for bench/run.mjs (npm run bench).
  console.log(`BENCH_RESULT ${JSON.stringify([
    { figure: 'rollout to 40 nodes, one at a time (WMCO)', value: `${sequential.seconds.toFixed(2)} s`, target: '' },
    { figure: `rollout to 40 nodes, maxParallel ${PARALLEL}`, value: `${parallel.seconds.toFixed(2)} s`, target: '' },
    { figure: 'rollout speed-up, side by side', value: `${speedUp.toFixed(1)}x`, target: '>= 6x', pass: speedUp >= 6 },
  ])}`);
  if (speedUp < 6) process.exitCode = 1;
} finally {
  for (const p of proxies) await p.close();
  for (const n of nodes) await n.dispose();
  await rm(dir, { recursive: true, force: true });
}
