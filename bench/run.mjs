#!/usr/bin/env node
// npm run bench: runs every benchmark in bench/ and prints one table of their figures, the machine
// and the command. Each benchmark prints its own detail, then one `BENCH_RESULT [...]` JSON line.
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const BENCHES = [
  { name: 'render scale', script: 'render.mjs', args: [] },
  { name: 'cold start', script: 'coldstart.mjs', args: [] },
  { name: 'rollout', script: 'rollout.mjs', args: [] },
  { name: 'patterns', script: 'patterns.mjs', args: [] },
];

execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit', cwd: root });
const rows = [];
let failed = false;
for (const bench of BENCHES) {
  process.stderr.write(`\n== ${bench.name}: node bench/${bench.script} ${bench.args.join(' ')}\n`);
  const child = spawnSync(process.execPath, [path.join(here, bench.script), ...bench.args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stderr.write(child.stdout.split('\n').filter((l) => !l.startsWith('BENCH_RESULT ')).join('\n'));
  const line = child.stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) {
    rows.push({ bench: bench.name, figure: '(no result)', value: `exit ${child.status}`, target: '', pass: false });
    failed = true;
    continue;
  }
  for (const r of JSON.parse(line.slice('BENCH_RESULT '.length))) {
    rows.push({ bench: bench.name, ...r });
    if (r.pass === false) failed = true;
  }
  if (child.status !== 0) failed = true;
}

const cpu = os.cpus()[0]?.model ?? 'unknown';
console.log(`\nmachine: ${os.cpus().length} CPUs (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log('command: npm run bench\n');
console.log('| benchmark | figure | value | target | met |');
console.log('|---|---|---:|---|---|');
for (const r of rows) console.log(`| ${r.bench} | ${r.figure} | ${r.value} | ${r.target} | ${r.pass === undefined ? '' : r.pass ? 'yes' : '**no**'} |`);
process.exitCode = failed ? 1 : 0;
