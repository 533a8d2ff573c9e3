#!/usr/bin/env node
// Rollout benchmark: `mirrorset-hosts apply` to 40 nodes (real sshd processes on loopback addresses),
// each reached through a relay that adds one-way latency to every packet, against a WMCO-style
// baseline that runs WMCO's own protocol over the same relays, in the same run.
//
//   node bench/rollout.mjs [--nodes 40] [--connect-delay-ms 200] [--latency-ms 25] [--parallel 10]
//                          [--repeat 3] [--large-files 500] [--large-nodes 2] [--ours-sequential]
//
// The WMCO-style baseline does per node what WMCO's registry controller does
// (openshift/windows-machine-config-operator at 0be4b9cc):
//   controllers/registry_controller.go Reconcile: a `for` loop over the Windows nodes, one at a time;
//     per node nodeconfig.NewNodeConfig -> windows.NewWithClient -> newSshConnectivity, whose init()
//     is one ssh.Dial (pkg/windows/connectivity.go): ONE connection per node;
//   pkg/windows/windows.go ReplaceDir, on that connection: Run(rmDirCmd(dir)) (a session: remove the
//     directory if it exists), Run(mkdirCmd(dir)) (a session: create it if missing), then
//     createSFTPClient (the sftp subsystem on the same connection) and transferFiles: per file
//     MkdirAll(parent), Create, io.Copy, Close, one file after the other.
// Here: one `ssh` ControlMaster connection per node stands for ssh.Dial; `ssh` sessions over it run
// the remove and the mkdir (POSIX spellings of rmDirCmd and mkdirCmd); `sftp -b` over it runs
// `-mkdir parent` and `put` per file; the master is closed before the next node. Per file that is
// about five round trips (mkdir; put's stat of the target, open, write, close) where pkg/sftp's
// MkdirAll makes WMCO's six for a new directory (stat, stat parent, mkdir): if anything the baseline
// is a little faster than WMCO itself.
//
// The delay per connection stands for what a real node adds to every SSH connection and this machine
// does not: a network path longer than loopback, and a slow session start (Windows PowerShell
// takes a good part of a second to start). The nodes run on the same two CPUs as the applier here,
// which they would not in a cluster, so the parallel run is the one that pays for that.
//
// Two bundles: three hosts.toml files over all nodes (ours with --max-parallel, WMCO-style one at a
// time), and --large-files files (what 500 registries render) over --large-nodes nodes, both one node
// at a time, for the per-node cost of a big bundle.
//
// Needs root (sshd), /usr/sbin/sshd, ssh, sftp, ssh-keygen. The applier and the test helpers are bundled
// from their TypeScript sources with esbuild first, so this does not depend on `npm run build`.
import { build } from 'esbuild';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '40' },
    'connect-delay-ms': { type: 'string', default: '200' },
    'latency-ms': { type: 'string', default: '25' },
    parallel: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '3' },
    'large-files': { type: 'string', default: '500' },
    'large-nodes': { type: 'string', default: '2' },
    'ours-sequential': { type: 'boolean', default: false },
  },
});
const NODES = Number(values.nodes);
const LATENCY = Number(values['latency-ms']);
const CONNECT_DELAY = Number(values['connect-delay-ms']);
const PARALLEL = Number(values.parallel);
const REPEAT = Number(values.repeat);
const LARGE_FILES = Number(values['large-files']);
const LARGE_NODES = Math.min(Number(values['large-nodes']), NODES);
// Targets of issue 15: 3 files, at least 8x the WMCO-style baseline; 500 files, our per-node cost
// at or below WMCO-style's.
const TARGET_SPEED_UP = 8;

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

const missing = await lib.missingSshTools(['sftp']);
if (missing) {
  console.error(missing);
  process.exit(1);
}

const dir = await lib.tempDir('bench');
const key = await lib.makeKeyPair(dir, 'id_ed25519');
const nodes = [];
const proxies = [];
const loads = [];
const sampleLoad = () => loads.push(os.loadavg()[0]);
try {
  // 40 sshd processes, started a few at a time (key generation and start-up are CPU work). The sftp
  // subsystem is for the WMCO-style baseline; our applier does not use it.
  for (let i = 0; i < NODES; i += 8) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(8, NODES - i) }, (_, j) =>
        lib.SshdNode.start({
          name: `node-${String(i + j).padStart(2, '0')}`,
          address: `127.0.${100 + Math.floor((i + j) / 200)}.${((i + j) % 200) + 1}`,
          authorizedKeys: [key.publicKey],
          extraConfig: ['Subsystem sftp internal-sftp'],
        }),
      ),
    );
    nodes.push(...batch);
  }
  for (const node of nodes) {
    proxies.push(await lib.TcpProxy.start({ listen: node.address, target: { host: node.address, port: node.port }, latencyMs: LATENCY, connectDelayMs: CONNECT_DELAY }));
  }
  const knownHosts = path.join(dir, 'known_hosts');
  await writeFile(knownHosts, nodes.map((n, i) => `[${n.address}]:${proxies[i].port} ${n.hostPublicKey.split(' ').slice(0, 2).join(' ')}`).join('\n') + '\n');
  const writeInventory = async (name, count) => {
    const file = path.join(dir, name);
    await writeFile(
      file,
      nodes
        .slice(0, count)
        .map((n, i) => `- {name: ${n.name}, address: ${n.address}, port: ${proxies[i].port}, user: root, os: linux, configDir: ${n.configDir}, containerdConfig: ''}`)
        .join('\n') + '\n',
    );
    return file;
  };
  const inventory = await writeInventory('inventory.yaml', NODES);
  const largeInventory = await writeInventory('inventory-large.yaml', LARGE_NODES);

  // The same files as a bundle (ours) and as a plain local tree (what WMCO holds in memory and uploads).
  const makeFiles = async (name, files) => {
    const local = path.join(dir, `${name}-files`);
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(local, rel)), { recursive: true });
      await writeFile(path.join(local, rel), content);
    }
    return { files, local, bundle: await lib.writeBundle(path.join(dir, `${name}-bundle`), files) };
  };
  const small = await makeFiles('small', {
    'quay.io/hosts.toml': lib.hostsToml('quay.io', 'mirror.example.com/quay'),
    'registry.k8s.io/hosts.toml': lib.hostsToml('registry.k8s.io', 'mirror.example.com/k8s'),
    'registry.local_5000_/hosts.toml': lib.hostsToml('registry.local:5000', 'mirror.example.com/local'),
  });
  const large = await makeFiles(
    'large',
    Object.fromEntries(
      Array.from({ length: LARGE_FILES }, (_, i) => {
        const registry = i % 7 === 0 ? `registry-${i}.example.com:5000` : `registry-${i}.example.com`;
        return [`${registry.replace(':', '_')}${registry.includes(':') ? '_' : ''}/hosts.toml`, lib.hostsToml(registry, `mirror.example.com/r${i}`)];
      }),
    ),
  );

  const seconds = (started) => Number(process.hrtime.bigint() - started) / 1e9;
  const apply = async (set, inv, extra) => {
    let out = '';
    let err = '';
    const io = { stdout: (t) => (out += t), stderr: (t) => (err += t), readStdin: async () => '', stdinIsTTY: true, cwd: root, env: { PATH: process.env.PATH } };
    const args = ['--bundle', set.bundle, '--inventory', inv, '--ssh-key', key.privateKeyFile, '--known-hosts', knownHosts, '--max-failures', '1', ...extra];
    sampleLoad();
    const started = process.hrtime.bigint();
    const code = await lib.runApply(args, io);
    const s = seconds(started);
    sampleLoad();
    const summary = out.trim().split('\n').pop();
    console.error(`ours ${extra.join(' ')}: ${s.toFixed(2)} s, ${summary}`);
    if (code !== 0) throw new Error(`apply exited ${code}: ${summary}\n${err.split('\n').filter((l) => l.includes('error')).slice(0, 5).join('\n')}`);
    return { seconds: s, summary };
  };

  // WMCO's ReplaceDir on one node (see the header for the upstream functions each step stands for).
  const ctlDir = path.join(dir, 'ctl');
  await mkdir(ctlDir, { recursive: true });
  const wmcoReplaceDir = async (i, set) => {
    const node = nodes[i];
    const target = `root@${node.address}`;
    const ctl = path.join(ctlDir, String(i));
    const common = ['-i', key.privateKeyFile, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', `ControlPath=${ctl}`];
    const port = String(proxies[i].port);
    const session = (command) => run('ssh', [...common, '-o', 'ControlMaster=no', '-p', port, target, command]);
    // ssh.Dial: the one connection, kept open in the background for the sessions below.
    await run('ssh', [...common, '-o', 'ControlMaster=yes', '-o', 'ControlPersist=yes', '-f', '-N', '-p', port, target]);
    try {
      const remote = node.configDir;
      await session(`if [ -e '${remote}' ]; then rm -rf '${remote}'; fi`); // rmDirCmd
      await session(`[ -d '${remote}' ] || mkdir -p '${remote}'`); // mkdirCmd
      const batch = path.join(ctlDir, `${i}.sftp`);
      const lines = [];
      for (const rel of Object.keys(set.files)) {
        lines.push(`-mkdir "${path.posix.dirname(path.posix.join(remote, rel))}"`); // MkdirAll (parent)
        lines.push(`put "${path.join(set.local, rel)}" "${path.posix.join(remote, rel)}"`); // Create, io.Copy, Close
      }
      await writeFile(batch, lines.join('\n') + '\n');
      await run('sftp', ['-q', ...common, '-o', 'ControlMaster=no', '-P', port, '-b', batch, target], { maxBuffer: 64 * 1024 * 1024 });
    } finally {
      await run('ssh', [...common, '-O', 'exit', '-p', port, target]).catch(() => {});
    }
  };
  const wmco = async (set, count) => {
    sampleLoad();
    const started = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await wmcoReplaceDir(i, set);
    const s = seconds(started);
    sampleLoad();
    console.error(`WMCO-style, ${count} node(s) one at a time: ${s.toFixed(2)} s`);
    return { seconds: s, summary: `${count} node(s) replaced` };
  };

  // Every run must leave every node with exactly the bundle's bytes, or its time means nothing.
  const verify = async (set, count, label) => {
    for (const node of nodes.slice(0, count)) {
      for (const [rel, content] of Object.entries(set.files)) {
        const got = await readFile(path.join(node.configDir, rel), 'utf8').catch(() => null);
        if (got !== content) throw new Error(`${label}: ${node.name} has the wrong ${rel}`);
      }
    }
  };
  const reset = () => Promise.all(nodes.map((n) => rm(n.configDir, { recursive: true, force: true })));

  // 3 files, all nodes. WMCO-style and ours alternate per repetition, the order reversed every other
  // one, so that the machine's other load falls on both alike.
  const wmcoRuns = [];
  const parallelRuns = [];
  let noop;
  for (let r = 0; r < REPEAT; r++) {
    const steps = [
      async () => {
        await reset();
        wmcoRuns.push(await wmco(small, NODES));
        await verify(small, NODES, 'WMCO-style');
      },
      async () => {
        await reset();
        parallelRuns.push(await apply(small, inventory, ['--max-parallel', String(PARALLEL)]));
        await verify(small, NODES, 'ours');
        // The no-op re-apply right after our own last first apply (WMCO-style's files carry no
        // ownership record, so after those ours would rightly refuse to overwrite).
        if (r === REPEAT - 1) noop = await apply(small, inventory, ['--max-parallel', String(PARALLEL)]);
      },
    ];
    if (r % 2 === 1) steps.reverse();
    for (const step of steps) await step();
  }
  let oursSequential;
  if (values['ours-sequential']) {
    await reset();
    oursSequential = await apply(small, inventory, ['--max-parallel', '1', '--canary', 'none']);
  }
  const median = (runs) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  const pairedRatios = wmcoRuns.map((w, k) => w.seconds / parallelRuns[k].seconds).sort((a, b) => a - b);
  const speedUp = pairedRatios[Math.floor(pairedRatios.length / 2)];

  // Many files, a few nodes, one node at a time both.
  let largeOurs;
  let largeWmco;
  if (LARGE_NODES > 0 && LARGE_FILES > 0) {
    await reset();
    largeWmco = await wmco(large, LARGE_NODES);
    await verify(large, LARGE_NODES, 'WMCO-style, large bundle');
    await reset();
    largeOurs = await apply(large, largeInventory, ['--max-parallel', '1', '--canary', 'none']);
    await verify(large, LARGE_NODES, 'ours, large bundle');
  }

  const cpu = os.cpus()[0]?.model ?? 'unknown';
  const load = `${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}`;
  console.log(`nodes: ${NODES} sshd on loopback; added per connection: ${CONNECT_DELAY} ms before connecting, ${LATENCY} ms one-way per packet (round trip ${2 * LATENCY} ms)`);
  console.log(`machine: ${execFileSync('nproc').toString().trim()} CPUs (${cpu}), Node ${process.version}, ${spawnSync('ssh', ['-V'], { encoding: 'utf8' }).stderr.trim()}; 1-minute load average during the runs: ${load}`);
  console.log('');
  console.log('| run | flags | seconds | result |');
  console.log('|---|---|---:|---|');
  const rows = [
    [`first apply, WMCO-style: one connection, rm + mkdir + SFTP, one node at a time (median of ${REPEAT})`, 'bench/rollout.mjs', median(wmcoRuns)],
    [`first apply, canary then ${PARALLEL} at a time (median of ${REPEAT})`, `--max-parallel ${PARALLEL}`, median(parallelRuns)],
    ['re-apply, nothing to change', `--max-parallel ${PARALLEL}`, noop],
  ];
  if (oursSequential) rows.push(['first apply, ours one node at a time', '--max-parallel 1 --canary none', oursSequential]);
  if (largeOurs) {
    rows.push([`${LARGE_FILES} files, WMCO-style, ${LARGE_NODES} node(s) one at a time`, 'bench/rollout.mjs', largeWmco]);
    rows.push([`${LARGE_FILES} files, ours, ${LARGE_NODES} node(s) one at a time`, '--max-parallel 1 --canary none', largeOurs]);
  }
  for (const [name, flags, r] of rows) console.log(`| ${name} | \`${flags}\` | ${r.seconds.toFixed(2)} | ${r.summary} |`);
  console.log('');
  console.log(`speed-up over WMCO-style, 3 files, ${NODES} nodes: ${speedUp.toFixed(1)}x (paired per repetition: ${pairedRatios.map((x) => x.toFixed(2)).join(', ')}; target >= ${TARGET_SPEED_UP}x)`);
  const results = [
    { figure: `rollout to ${NODES} nodes, 3 files, WMCO-style (one connection, rm + mkdir + SFTP, one at a time)`, value: `${median(wmcoRuns).seconds.toFixed(2)} s`, target: '' },
    { figure: `rollout to ${NODES} nodes, 3 files, ours, maxParallel ${PARALLEL}`, value: `${median(parallelRuns).seconds.toFixed(2)} s`, target: '' },
    { figure: 'rollout speed-up over WMCO-style, side by side', value: `${speedUp.toFixed(1)}x`, target: `>= ${TARGET_SPEED_UP}x`, pass: speedUp >= TARGET_SPEED_UP },
  ];
  if (largeOurs) {
    const perNodeOurs = largeOurs.seconds / LARGE_NODES;
    const perNodeWmco = largeWmco.seconds / LARGE_NODES;
    console.log(`${LARGE_FILES} files, per node: ours ${perNodeOurs.toFixed(1)} s, WMCO-style ${perNodeWmco.toFixed(1)} s (ours/WMCO-style ${(perNodeOurs / perNodeWmco).toFixed(2)}; target <= 1)`);
    results.push({ figure: `${LARGE_FILES} files, per node cost, ours / WMCO-style (one node at a time)`, value: `${perNodeOurs.toFixed(1)} s / ${perNodeWmco.toFixed(1)} s = ${(perNodeOurs / perNodeWmco).toFixed(2)}`, target: '<= 1', pass: perNodeOurs <= perNodeWmco });
  }
  console.log(`load average (1 min) during the runs: ${load}`);
  // One machine-readable line for bench/run.mjs (npm run bench).
  console.log(`BENCH_RESULT ${JSON.stringify(results)}`);
  if (results.some((r) => r.pass === false)) process.exitCode = 1;
} finally {
  for (const p of proxies) await p.close();
  for (const n of nodes) await n.dispose();
  await rm(dir, { recursive: true, force: true });
}
