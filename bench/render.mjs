// Render scale: 10,000 entries over 500 registries with 3 mirrors each must render in under 1 s
// (issue 2) with a peak RSS of at most 60 MB (issue 15), and 10x the input may cost at most 10x the
// time and 10x the peak RSS (issue 15; issue 2 allowed 12x the time).
// Run: npm run build && node bench/render.mjs   (prints a JSON line per measurement)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');
const { run } = require(path.join(root, 'dist/index.cjs'));

/** `entries` entries spread over `registries` registries, 3 mirrors each, in 100-entry IDMS/ITMS objects. */
export function generate(entries, registries) {
  const files = [];
  let doc = [];
  const flush = () => {
    if (doc.length) files.push({ path: `set-${files.length}.yaml`, content: doc.join('') });
    doc = [];
  };
  for (let i = 0; i < entries; i += 100) {
    const kind = (i / 100) % 4 === 3 ? ['ImageTagMirrorSet', 'imageTagMirrors'] : ['ImageDigestMirrorSet', 'imageDigestMirrors'];
    let text = `apiVersion: config.openshift.io/v1\nkind: ${kind[0]}\nmetadata:\n  name: set-${i / 100}\nspec:\n  ${kind[1]}:\n`;
    for (let j = i; j < Math.min(i + 100, entries); j++) {
      // Every seventh registry has a port: 500 registries in all, as the target names.
      const registry = `registry-${j % registries}.example.com${(j % registries) % 7 === 0 ? ':5000' : ''}`;
      const repo = `team-${j}/app-${j}`;
      text += `  - source: ${registry}/${repo}\n    mirrors:\n`;
      for (let m = 0; m < 3; m++) text += `    - mirror-${(j + m) % 5}.corp.example/m${m}/${repo}\n`;
    }
    doc.push(text);
    flush();
  }
  return files;
}

// A full collection before each timed run, so no run pays for the garbage of the one before it.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc');

function timeInProcess(files, repeats) {
  const times = [];
  for (let r = 0; r < repeats; r++) {
    collectGarbage();
    const start = process.hrtime.bigint();
    const result = run(files, { profile: 'containerd' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.files.length === 0) throw new Error('bench input rendered nothing');
  }
  return Math.min(...times);
}

/** The whole CLI as a user runs it: files on disk, a fresh node process, output written. */
function timeCli(files) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-bench-'));
  try {
    for (const f of files) writeFileSync(path.join(dir, f.path), f.content);
    // Flush the inputs (and the previous run's deletions) first: the CLI's own writes should not
    // wait behind the setup's write-back on this VM's disk.
    spawnSync('sync');
    const child = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', process.execPath, path.join(root, 'dist/mirrorset-hosts.cjs'), 'render', '--out', path.join(dir, 'out'), dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    // A render with warnings exits 0; anything else is a broken benchmark.
    if (child.status !== 0) throw new Error(`CLI run failed (${child.status}): ${child.stderr.slice(-500)}`);
    const [, seconds, kb] = /TIME (\S+) (\S+)/.exec(child.stderr);
    return { wallMs: Number(seconds) * 1000, maxRssMb: Number(kb) / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const small = generate(10_000, 500);
const large = generate(100_000, 5_000);
timeInProcess(small, 2); // warm-up
const smallMs = timeInProcess(small, 7);
const largeMs = timeInProcess(large, 3);
// The whole CLI, five times: this VM's disk and CPU vary from run to run, so report the median.
const cliRuns = Array.from({ length: 5 }, () => timeCli(small)).sort((a, b) => a.wallMs - b.wallMs);
const cli = { wallMs: (cliRuns[2] ?? cliRuns[0]).wallMs, maxRssMb: Math.max(...cliRuns.map((r) => r.maxRssMb)) };
// The 100k input through the CLI once, for the growth of the peak RSS.
const cliLarge = timeCli(large);
const report = {
  bench: 'render',
  machine: `${process.platform} ${process.arch}, ${require('node:os').cpus().length} cpus, node ${process.version}`,
  entries10kInProcessMs: Math.round(smallMs),
  entries100kInProcessMs: Math.round(largeMs),
  growthFor10xInput: Number((largeMs / smallMs).toFixed(2)),
  cli10kWallMs: Math.round(cli.wallMs),
  cli10kMaxRssMb: Math.round(cli.maxRssMb),
  cli100kMaxRssMb: Math.round(cliLarge.maxRssMb),
  rssGrowthFor10xInput: Number((cliLarge.maxRssMb / cli.maxRssMb).toFixed(2)),
  targets: { cli10kWallMs: '< 1000', cli10kMaxRssMb: '<= 60', growthFor10xInput: '<= 10', rssGrowthFor10xInput: '<= 10' },
};
const met = {
  wall: report.cli10kWallMs < 1000,
  rss: report.cli10kMaxRssMb <= 60,
  growth: report.growthFor10xInput <= 10,
  rssGrowth: report.rssGrowthFor10xInput <= 10,
};
report.pass = Object.values(met).every(Boolean);
console.log(JSON.stringify(report));
// One machine-readable line for bench/run.mjs (npm run bench).
console.log(`BENCH_RESULT ${JSON.stringify([
  { figure: 'render 10k entries / 500 registries (CLI, wall, median of 5)', value: `${report.cli10kWallMs} ms`, target: '< 1000 ms', pass: met.wall },
  { figure: 'render 10k entries (CLI, max RSS)', value: `${report.cli10kMaxRssMb} MB`, target: '<= 60 MB', pass: met.rss },
  { figure: 'render in-process, 10k -> 100k entries', value: `${report.entries10kInProcessMs} -> ${report.entries100kInProcessMs} ms (${report.growthFor10xInput}x)`, target: '<= 10x', pass: met.growth },
  { figure: 'render CLI max RSS, 10k -> 100k entries', value: `${report.cli10kMaxRssMb} -> ${report.cli100kMaxRssMb} MB (${report.rssGrowthFor10xInput}x)`, target: '<= 10x', pass: met.rssGrowth },
])}`);
if (!report.pass) process.exitCode = 1;
