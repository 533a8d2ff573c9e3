// Process plumbing for the containerd end-to-end suite: every long-running program is started
// here, remembered by PID, and stopped by that PID (never by name), also when a test fails.
import { test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const cliPath = join(repoRoot, 'dist', 'mirrorset-hosts.cjs');

/** CI must prove the files on every containerd line: a missing tool there is a failure, not a skip. */
export const inCi = process.env['CI'] === 'true';

/**
 * A suite that cannot run here: under CI=true a failing test that says why (a missing tool is a
 * failure, never a skip), elsewhere a skipped one with the reason on stderr.
 */
export function unavailable(suite: string, title: string, reason: string): void {
  if (inCi) {
    test(title, () => {
      throw new Error(`${reason}\n(CI=true: the ${suite} end-to-end suite must run, not skip)`);
    });
  } else {
    console.warn(`${suite} e2e: SKIPPED ${title}: ${reason}`);
    test.skip(`${title} (skipped: ${reason.split('\n')[0]})`, () => {});
  }
}

/** Outside the repo so tests never write into it; survives runs so the .deb fetch happens once. */
export function cacheDir(): string {
  const base = process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(base, 'mirrorset-hosts-e2e');
}

export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `mh-e2e-${label}-`));
}

export function removeTempDir(dir: string): void {
  if (process.env['MIRRORSET_HOSTS_E2E_KEEP'] === '1') {
    console.warn(`kept ${dir} (MIRRORSET_HOSTS_E2E_KEEP=1)`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a short-lived command to completion; on timeout it is killed by its PID. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      err.push(Buffer.from(`\n[harness] killed after ${timeoutMs} ms: ${cmd} ${args.join(' ')}\n`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Like run(), but a non-zero exit is an error carrying the command's stderr. */
export async function runOk(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}:\n${r.stderr}${r.stdout.toString('utf8')}`);
  }
  return r;
}

const daemons = new Set<ChildProcess>();

// Last resort if the worker exits without afterAll (a crash): SIGKILL by PID, synchronously.
process.once('exit', () => {
  for (const child of daemons) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

// A signal (Ctrl-C on jest, a SIGKILL'd worker) ends this process without 'exit' handlers or
// afterAll. util-linux setpriv sets PR_SET_PDEATHSIG and then execs the program (same PID), so the
// kernel sends it SIGTERM when we die.
const setpriv = findOnPath('setpriv');

/** Starts a long-running program with stdout and stderr going straight to files (no pipes to drain). */
export function startDaemon(cmd: string, args: readonly string[], stdoutFile: string, stderrFile: string): ChildProcess {
  const outFd = openSync(stdoutFile, 'a');
  const errFd = openSync(stderrFile, 'a');
  try {
    const [program, argv] = setpriv === undefined ? [cmd, args] : [setpriv, ['--pdeathsig', 'SIGTERM', cmd, ...args]];
    const child = spawn(program, argv, { stdio: ['ignore', outFd, errFd] });
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    daemons.add(child);
    child.on('exit', () => daemons.delete(child));
    return child;
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGTERM by PID, then SIGKILL by PID if it has not exited within `graceMs`. */
export async function stopDaemon(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.pid === undefined || exited(child)) return;
  process.kill(child.pid, 'SIGTERM');
  if (!(await waitForExit(child, graceMs))) {
    process.kill(child.pid, 'SIGKILL');
    await waitForExit(child, graceMs);
  }
}

/** Stops whatever is still running; for afterAll, so a failed test leaves no process behind. */
export async function stopAllDaemons(): Promise<void> {
  await Promise.all([...daemons].map((child) => stopDaemon(child)));
}

export function isRunning(child: ChildProcess): boolean {
  return !exited(child);
}

/** A free loopback port, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true; the error says what was awaited. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

export interface RenderResult {
  code: number | null;
  stderr: string;
}

/** The real tool, as users run it: `mirrorset-hosts render --profile containerd --out DIR MANIFESTS`. */
export async function renderHostsDir(manifestsDir: string, outDir: string): Promise<RenderResult> {
  if (!existsSync(cliPath)) {
    throw new Error(`${cliPath} does not exist: run \`npm run build\` first (\`npm test\` does)`);
  }
  const r = await run(process.execPath, [cliPath, 'render', '--profile', 'containerd', '--out', outDir, manifestsDir]);
  return { code: r.code, stderr: r.stderr + r.stdout.toString('utf8') };
}
