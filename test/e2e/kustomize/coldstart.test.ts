// kustomize and Argo CD start the function on every build: one KRM invocation on the example repo
// must cost under 60 ms on top of `node -e 0` (bench/coldstart.mjs, bench/README.md "Cold start").
// Wall time on a shared machine is noisy: a failed measurement is repeated, and only a machine that
// is not itself overloaded (1-minute load average at most its CPU count) can fail the test; on an
// overloaded one the figures are printed instead, since they measure the machine, not the tool.
import { expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { repoRoot, requireBuiltCli } from './gitops-harness.js';

interface Report {
  overheadMs: { q25: number; median: number };
  cpuMeanMs: { overhead: number };
  loadAverage: string;
}

function measure(): { withinBudget: boolean; report: Report } {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bench', 'coldstart.mjs'), '--runs', '20', '--json'], { encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  return { withinBudget: result.status === 0, report: JSON.parse(result.stdout) as Report };
}

test("a KRM function run costs under 60 ms on top of Node's own start", () => {
  requireBuiltCli();
  let run = measure();
  for (let attempt = 1; attempt < 3 && !run.withinBudget; attempt++) run = measure();
  const overloaded = (loadavg()[0] ?? 0) > availableParallelism();
  if (!run.withinBudget && overloaded) {
    console.warn(`cold start not judged: the machine is overloaded (load ${run.report.loadAverage}); measured ${JSON.stringify(run.report)}`);
    return;
  }
  expect({ withinBudget: run.withinBudget, ...run.report }).toMatchObject({ withinBudget: true });
}, 600_000);
