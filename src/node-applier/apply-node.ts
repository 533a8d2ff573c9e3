// One node, start to end: probe -> preflight -> plan -> apply under the node's lock -> read back.
// The ssh transport is injected (`Exec`), so this stays free of I/O and the adapter decides how to
// reach a node.
import { becomeFailure } from './become.js';
import { commandSetFor } from './command-set.js';
import {
  desiredPathProblems,
  parseApplyOutput,
  parseProbeOutput,
  STATE_DIR,
  type DesiredFile,
} from './node-state.js';
import { displayAddress, type NodeTarget } from './node-target.js';
import { dirOf, planNode, type NodePlan } from './plan-node.js';
import { effectAfterWrite } from './containerd-config.js';
import { configPathVerdict, markerPaths, preflightProblems } from './preflight.js';
import type { LogLevel, LogValue, NodeReport } from './report.js';
import { classifySshFailure, describeConnectFailure, lastLines, type RemoteResult } from './ssh-errors.js';

export interface ApplyContext {
  desired: readonly DesiredFile[];
  contentHash: string;
  connectTimeoutSeconds: number;
  commandTimeoutSeconds: number;
  lockTimeoutSeconds: number;
  /** Probe and plan only. */
  dryRun: boolean;
  /** --adopt: write over (and from then on own) files the bundle wants that we did not write. */
  adopt: boolean;
}

/** Runs `stdin` as the program of `remoteCommand` on the node. Never throws. */
export type Exec = (target: NodeTarget, remoteCommand: string, stdin: string) => Promise<RemoteResult>;

export type StepLog = (
  level: LogLevel,
  target: NodeTarget,
  step: string,
  result: string,
  fields?: ReadonlyArray<readonly [string, LogValue]>,
) => void;

export type NodeOutcome = NodeReport & { failed: boolean };

const APPLY_STEPS = ['prepare', 'lock', 'upload', 'rename', 'cleanup', 'record'] as const;
/** A conflict means another run changed the node between our probe and our lock: probe again. */
const MAX_ATTEMPTS = 3;

export async function applyNode(target: NodeTarget, ctx: ApplyContext, exec: Exec, log: StepLog): Promise<NodeOutcome> {
  const commands = commandSetFor(target.os);
  const address = displayAddress(target);
  const fail = (step: string, detail: string): NodeOutcome => {
    log('error', target, step, 'failed', [['msg', detail]]);
    return { name: target.name, address, status: 'failed', step, detail, written: 0, removed: 0, failed: true };
  };

  if (target.become === 'sudo' && target.os === 'windows') {
    return fail('preflight', 'become sudo is for Linux nodes and this node is Windows (no sudo there; its SSH user must be an administrator); list it with os: linux if it is Linux, or run Windows nodes without --become');
  }
  const pathProblems = desiredPathProblems(ctx.desired, target.os);
  if (pathProblems.length > 0) return fail('preflight', pathProblems.join('; '));

  let connected = false;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const probe = await exec(target, commands.remoteCommand, commands.probeProgram(target, markerPaths(target.os)));
    const probeFailure = transportFailure(probe, target, ctx);
    if (probeFailure) return fail(probeFailure.step, probeFailure.detail);
    if (!connected) {
      log('info', target, 'connect', 'ok');
      connected = true;
    }
    const refused = becomeFailure(target, probe);
    if (refused !== null) return fail('sudo', refused);
    const parsed = parseProbeOutput(probe.stdout);
    if (probe.exitCode !== 0 || !parsed.ok) {
      const why = lastLines(probe.stderr) || (parsed.ok ? `exit status ${probe.exitCode}` : parsed.problem);
      return fail('probe', `the probe program failed on the node: ${why}`);
    }
    const state = parsed.state;
    log('info', target, 'probe', 'ok', [
      ['dir', state.dir],
      ['files', state.files.size],
      ['owned', state.record ? 'yes' : 'no'],
    ]);

    const problems = preflightProblems(target, state);
    if (problems.length > 0) return fail('preflight', problems.join('; '));
    log('info', target, 'preflight', 'ok');

    const plan = planNode(ctx.desired, state, ctx.contentHash, { adopt: ctx.adopt });
    if (plan.unsafePaths.length > 0) {
      return fail('preflight', `refusing to write: ${plan.unsafePaths.map((p) => commands.nodePath(target.configDir, p)).join(', ')} ${plan.unsafePaths.length === 1 ? 'is a symlink' : 'are symlinks'} where mirrorset-hosts writes, and writing through one would leave the config directory; replace ${plan.unsafePaths.length === 1 ? 'it' : 'them'} with a real directory or file, or remove ${plan.unsafePaths.length === 1 ? 'it' : 'them'}`);
    }
    const adopted = plan.writes.filter((w) => w.reason === 'adopted').map((w) => w.path);
    log('info', target, 'plan', plan.upToDate ? 'unchanged' : 'changes', [
      ['write', plan.writes.length],
      ['remove', plan.removeFiles.length],
      ['remove_dirs', plan.removeDirs.join(',') || undefined],
      ['foreign_kept', plan.foreignDirs.join(',') || undefined],
    ]);
    if (adopted.length > 0) {
      log('warn', target, 'adopt', ctx.dryRun ? 'would-adopt' : 'adopting', [
        ['files', adopted.join(',')],
        ['msg', '--adopt: these files were not written by mirrorset-hosts; they are overwritten and from now on owned (removed when their registry leaves the bundle)'],
      ]);
    }
    const foreign = foreignDetail(plan);
    if (foreign !== '') {
      log('warn', target, 'foreign', 'kept', [
        ['files', plan.foreignFiles.map((f) => f.path).join(',')],
        ['skipped_dirs', plan.skippedDirs.join(',')],
        ['msg', foreign],
      ]);
    }
    const status = <T extends NodeOutcome['status']>(s: T): T | 'attention' => (foreign !== '' ? 'attention' : s);
    const withForeign = (detail: string): string => [detail, foreign].filter((x) => x !== '').join('; ');
    // After writing (or finding the files in place): does the running containerd read them?
    const effect = (): { effect: NonNullable<NodeOutcome['effect']>; note: string } | NodeOutcome => {
      const e = effectAfterWrite(configPathVerdict(target, state), state.criInfo, { os: target.os, configDir: target.configDir, version: state.containerdVersion });
      if (e.effect === 'not-effective') {
        log('error', target, 'effect', 'not-effective', [['msg', e.why]]);
        return { name: target.name, address, status: 'failed', step: 'effect', detail: `the files are written, but ${e.why}`, written: 0, removed: 0, effect: e.effect, failed: true };
      }
      log('info', target, 'effect', e.effect, [['msg', e.why]]);
      return { effect: e.effect, note: e.effect === 'effective' ? '' : `effect not verifiable: ${e.why}` };
    };
    if (plan.upToDate) {
      const e = effect();
      if ('failed' in e) return e;
      return { name: target.name, address, status: status('unchanged'), detail: [withForeign(''), e.note].filter((x) => x !== '').join('; '), written: 0, removed: 0, effect: e.effect, failed: false };
    }
    if (ctx.dryRun) {
      return {
        name: target.name,
        address,
        status: status('would-change'),
        detail: withForeign(describePlan(plan.writes.map((w) => w.path), plan.removeFiles)),
        written: plan.writes.length,
        removed: plan.removeFiles.length,
        failed: false,
      };
    }

    const skipped = new Set(plan.skippedDirs);
    const desiredPaths = ctx.desired.map((f) => f.path).filter((p) => !skipped.has(dirOf(p))).sort();
    const applied = await exec(target, commands.remoteCommand, commands.applyProgram(target, plan, desiredPaths, ctx.lockTimeoutSeconds));
    const report = parseApplyOutput(applied.stdout);
    for (const step of report.steps) {
      const fields: Array<[string, LogValue]> = [];
      if (step === 'upload') fields.push(['files', plan.writes.length]);
      if (step === 'cleanup') {
        fields.push(['removed_files', report.removedFiles.join(',') || undefined]);
        fields.push(['removed_dirs', report.removedDirs.join(',') || undefined]);
        fields.push(['kept_dirs', report.keptDirs.join(',') || undefined]);
      }
      log('info', target, step, 'ok', fields);
    }
    const applyFailure = transportFailure(applied, target, ctx);
    if (applyFailure) {
      // Reported against the step that was running when the session ended, unless it never started.
      const kind = classifySshFailure(applied);
      const beforeSession = applyFailure.step === 'connect' && kind !== 'ssh-error' && (kind !== 'timeout' || report.steps.length === 0);
      if (beforeSession) return fail('connect', applyFailure.detail);
      const step = APPLY_STEPS[report.steps.length] ?? 'verify';
      return fail(step, `the session ended during ${step}: ${applyFailure.detail}; every file on the node is still either its old or its new complete version, re-run to finish`);
    }

    // The outcome lines decide, not the exact exit status: on a Windows node whose OpenSSH default
    // shell is PowerShell, `-Command` turns every non-zero status of the command into 1
    // (about_PowerShell_exe). Our programs print these lines only right before their own exit.
    if (applied.exitCode !== 0 && /^MSH1 truncated\r?$/m.test(applied.stdout)) {
      return fail('upload', 'the program did not reach the node completely (connection cut), so nothing was changed; re-run');
    }
    if (report.protocolError !== null) return fail(APPLY_STEPS[report.steps.length] ?? 'verify', `${report.protocolError}; nothing the node said after it is trusted`);
    if (applied.exitCode !== 0 && report.unsafe) {
      const where = commands.nodePath(target.configDir, report.unsafe.path);
      return fail(APPLY_STEPS[report.steps.length] ?? 'verify', `refusing to write: ${where} ${UNSAFE_REASONS[report.unsafe.reason] ?? `is not safe to write through (${report.unsafe.reason})`}; the files written so far are whole, fix it and re-run`);
    }
    if (applied.exitCode !== 0 && report.conflict) {
      log('warn', target, 'lock', 'retry', [['msg', `the ownership record changed since the probe (another run finished first); probing again (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`]]);
      continue;
    }
    if (applied.exitCode !== 0 && report.lockTimeout) {
      const lockPath = commands.nodePath(target.configDir, `${STATE_DIR}/lock`);
      return fail('lock', `another mirrorset-hosts run held the node's lock (${lockPath}) for more than ${ctx.lockTimeoutSeconds}s; let it finish and re-run (the lock is released when that run's process ends, it never outlives it)`);
    }
    if (applied.exitCode !== 0 || !report.ended) {
      const step = APPLY_STEPS[report.steps.length] ?? 'verify';
      const why = lastLines(applied.stderr) || `exit status ${applied.exitCode}`;
      return fail(step, `${why}; every file on the node is still either its old or its new complete version, re-run to finish`);
    }

    const mismatches = desiredPaths.flatMap((path) => {
      const want = ctx.desired.find((f) => f.path === path)?.sha256;
      const got = report.sums.get(path);
      return got === want ? [] : [`${path}: expected sha256 ${want}, read back ${got ?? 'nothing'}`];
    });
    if (mismatches.length > 0) return fail('verify', `${mismatches.join('; ')}; something else rewrites these files, check for another manager`);
    log('info', target, 'verify', 'ok', [['files', desiredPaths.length]]);
    const e = effect();
    if ('failed' in e) return { ...e, written: plan.writes.length, removed: report.removedFiles.length };
    const kept = report.keptDirs.length > 0 ? `kept ${report.keptDirs.join(', ')}: holds files mirrorset-hosts did not write` : '';
    return {
      name: target.name,
      address,
      status: status('changed'),
      detail: [withForeign(kept), e.note].filter((x) => x !== '').join('; '),
      written: plan.writes.length,
      removed: report.removedFiles.length,
      effect: e.effect,
      failed: false,
    };
  }
  return fail('lock', `the node's ownership record changed under us ${MAX_ATTEMPTS} times (other runs keep writing it); stop the other runs, then re-run`);
}

/** What the apply program's `unsafe` reasons mean, after the path. */
const UNSAFE_REASONS: Readonly<Record<string, string>> = {
  'state-dir-is-a-symlink': 'is a symlink; the state directory must be a real directory (remove the link)',
  'state-dir-not-a-directory': 'is not a directory; move it away',
  'state-dir-not-ours': 'is owned by another user, who could hold the lock or forge the ownership record; remove it (mirrorset-hosts creates it again, mode 0700)',
  'state-dir-writable-by-others': 'can be written by other users, who could hold the lock or forge the ownership record; check its content, then chmod 700 it or remove it',
  'lock-is-a-symlink': 'is a symlink; remove it',
  'record-is-a-symlink': 'is a symlink; remove it (the next run writes the record again)',
  'registry-dir-is-a-symlink': 'is a symlink; writing through it would leave the config directory (replace it with a real directory)',
  'file-is-a-symlink': 'is a symlink; remove it or replace it with a regular file',
};

/** The warning for files the bundle wants that someone else wrote; '' when there are none. */
function foreignDetail(plan: NodePlan): string {
  if (plan.foreignFiles.length === 0) return '';
  const found = { same: 'same content as the bundle', differs: 'other content', 'not-a-file': 'not a regular file' } as const;
  const files = plan.foreignFiles.map((f) => `${f.path} (${found[f.found]})`).join(', ');
  return `left alone, not written by mirrorset-hosts: ${files}; registry ${plan.skippedDirs.join(', ')} not updated. Remove the file(s), or re-run with --adopt to take them over`;
}

function transportFailure(result: RemoteResult, target: NodeTarget, ctx: ApplyContext): { step: string; detail: string } | null {
  if (result.spawnError) return { step: 'connect', detail: `cannot run ssh: ${result.spawnError}; the image needs the OpenSSH client` };
  if (result.timedOut) {
    return { step: 'probe', detail: `no result within the ${ctx.commandTimeoutSeconds}s command timeout; the session was killed (raise --command-timeout for slow nodes)` };
  }
  const kind = classifySshFailure(result);
  return kind ? { step: 'connect', detail: describeConnectFailure(kind, target, ctx.connectTimeoutSeconds, result.stderr) } : null;
}

function describePlan(writes: readonly string[], removes: readonly string[]): string {
  const parts: string[] = [];
  if (writes.length > 0) parts.push(`write ${writes.join(', ')}`);
  if (removes.length > 0) parts.push(`remove ${removes.join(', ')}`);
  return parts.join('; ') || 'update the ownership record';
}
