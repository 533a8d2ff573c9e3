// Standard input is read up to a limit, never whole (io/node-io.ts): the built CLI, fed by a writer
// that never stops (`yes`), must stop reading, answer with a finding and exit 1. Before the limit it
// read until memory ran out. Uses dist/ (npm run build), as the e2e tests do.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { tempDir } from '../helpers/cli.js';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'mirrorset-hosts.cjs');

/** `yes | mirrorset-hosts ARGS`: exit code and output; the pipeline is killed if it has not ended on its own. */
function endlessInto(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', 'yes "a: b" | "$0" "$@"; echo "exit=$?" >&2', process.execPath, cli, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    // A hang guard, not a speed check: without the limit the reader never ends.
    const guard = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 100_000);
    child.on('close', () => {
      clearTimeout(guard);
      const match = /exit=(\d+)\n?$/.exec(stderr);
      resolve({ code: match ? Number(match[1]) : null, stdout, stderr: stderr.replace(/exit=\d+\n?$/, '') });
    });
  });
}

let work: ReturnType<typeof tempDir>;
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  work = tempDir();
});
afterAll(() => work.cleanup());

describe('an endless standard input', () => {
  test('as the KRM function: read up to the limit, then a ResourceList with a READ_FAILED result and exit 1', async () => {
    const result = await endlessInto([], work.dir);
    expect(result.code).toBe(1);
    const out = parse(result.stdout) as { kind: string; items: unknown[]; results: { severity: string; tags: { code: string } }[] };
    expect(out).toMatchObject({ kind: 'ResourceList', items: [] });
    expect(out.results).toEqual([expect.objectContaining({ severity: 'error', tags: { code: 'READ_FAILED' } })]);
    expect(result.stderr).toMatch(/^mirrorset-hosts: <stdin>:1:1: error READ_FAILED: expected at most 4 MiB on standard input/m);
  }, 120_000);

  test('as `-` of render: read up to the limit, then READ_FAILED naming <stdin>, exit 1, nothing written', async () => {
    const result = await endlessInto(['render', '--out', 'out', '-'], work.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^<stdin>:1:1: error READ_FAILED: expected a manifest file of at most 4\.0 MiB, found more than 4\.0 MiB/m);
    expect(existsSync(path.join(work.dir, 'out'))).toBe(false);
  }, 120_000);
});
