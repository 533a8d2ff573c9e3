// The Linux programs run in a local sh against a directory standing in for the node's config
// directory (no ssh: the programs are the same bytes ssh would carry). What they must never do,
// whatever someone with write access to the directory planted between our probe and our write:
// write, create or remove anything outside the config directory.
import { afterEach, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { linuxCommands } from '../../src/node-applier/linux-commands.js';
import { parseApplyOutput, parseProbeOutput, REMOTE_EXIT, type DesiredFile, type NodeState } from '../../src/node-applier/node-state.js';
import type { NodeTarget } from '../../src/node-applier/node-target.js';
import { planNode } from '../../src/node-applier/plan-node.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function sandbox(): { root: string; dir: string; outside: string; target: NodeTarget } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'msh-safety-'));
  roots.push(root);
  const dir = path.join(root, 'certs.d');
  const outside = path.join(root, 'outside');
  mkdirSync(path.join(outside, 'dir'), { recursive: true });
  writeFileSync(path.join(outside, 'file'), 'precious\n');
  writeFileSync(path.join(outside, 'dir', 'hosts.toml'), 'precious too\n');
  return { root, dir, outside, target: { name: 'n', address: '127.0.0.1', port: 22, user: 'root', os: 'linux', configDir: dir, containerdConfig: '' } };
}

function run(program: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', linuxCommands.remoteCommand], { input: program, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function probe(target: NodeTarget): NodeState {
  const parsed = parseProbeOutput(run(linuxCommands.probeProgram(target, [])).stdout);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.state;
}

const file = (p: string, text: string): DesiredFile => {
  const content = new TextEncoder().encode(text);
  return { path: p, sha256: createHash('sha256').update(content).digest('hex'), content };
};

function applyOnce(target: NodeTarget, desired: DesiredFile[], between: () => void = () => undefined) {
  const plan = planNode(desired, probe(target), 'h');
  between();
  const result = run(linuxCommands.applyProgram(target, plan, desired.map((f) => f.path), 5));
  return { ...result, plan, report: parseApplyOutput(result.stdout) };
}

/** Every entry under `dir`, with its type and content: what must not change. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      const key = `${rel}${name}`;
      if (st.isDirectory()) {
        out[key] = 'dir';
        walk(p, `${key}/`);
      } else out[key] = st.isSymbolicLink() ? 'link' : readFileSync(p, 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

const V1 = [file('quay.io/hosts.toml', 'server = "https://quay.io/v1"\n')];
const V2 = [file('quay.io/hosts.toml', 'server = "https://quay.io/v2"\n'), file('quay.io/ca.crt', 'ca\n')];

describe('symlinks planted between the probe and the write are never followed out of the config directory', () => {
  const PLACES = [
    ['.mirrorset-hosts', 'dir'],
    ['.mirrorset-hosts/lock', 'file'],
    ['.mirrorset-hosts/owner.json', 'file'],
    ['.mirrorset-hosts/.owner.json.mirrorset-hosts-tmp', 'file'],
    ['quay.io', 'dir'],
    ['quay.io/.hosts.toml.mirrorset-hosts-tmp', 'file'],
    ['quay.io/.ca.crt.mirrorset-hosts-tmp', 'file'],
    ['quay.io/hosts.toml', 'file'],
    ['quay.io/ca.crt', 'file'],
  ] as const;

  test('any set of places made symlinks to outside: nothing outside changes', () => {
    fc.assert(
      fc.property(fc.subarray([...PLACES], { minLength: 1 }), (places) => {
        const { dir, outside, target } = sandbox();
        expect(applyOnce(target, V1).status).toBe(0);
        const before = snapshot(outside);
        const result = applyOnce(target, V2, () => {
          for (const [rel, kind] of places) {
            const p = path.join(dir, rel);
            if (!existsSync(path.dirname(p)) || lstatSync(path.dirname(p)).isSymbolicLink()) continue;
            rmSync(p, { recursive: true, force: true });
            symlinkSync(kind === 'dir' ? path.join(outside, 'dir') : path.join(outside, 'file'), p);
          }
        });
        expect(snapshot(outside)).toEqual(before);
        // Refused (unsafe) or done without following: never a silent write elsewhere.
        if (result.status === REMOTE_EXIT.unsafe) expect(result.report.unsafe).not.toBeNull();
      }),
      { numRuns: 30 },
    );
  }, 120000);

  test('a symlinked registry directory is refused by name', () => {
    const { dir, outside, target } = sandbox();
    expect(applyOnce(target, V1).status).toBe(0);
    const result = applyOnce(target, V2, () => {
      rmSync(path.join(dir, 'quay.io'), { recursive: true });
      symlinkSync(path.join(outside, 'dir'), path.join(dir, 'quay.io'));
    });
    expect(result.status).toBe(REMOTE_EXIT.unsafe);
    expect(result.report.unsafe).toEqual({ reason: 'registry-dir-is-a-symlink', path: 'quay.io' });
    expect(readFileSync(path.join(outside, 'dir', 'hosts.toml'), 'utf8')).toBe('precious too\n');
  });

  test('a directory where the file goes is an error, never a place to move the file into', () => {
    const { dir, target } = sandbox();
    expect(applyOnce(target, V1).status).toBe(0);
    const result = applyOnce(target, V2, () => {
      rmSync(path.join(dir, 'quay.io/hosts.toml'));
      mkdirSync(path.join(dir, 'quay.io/hosts.toml'));
    });
    expect(result.status).not.toBe(0);
    expect(readdirSync(path.join(dir, 'quay.io/hosts.toml'))).toEqual([]);
    expect(readdirSync(path.join(dir, 'quay.io')).filter((n) => n.endsWith('-tmp'))).toEqual([]); // the failed run cleaned up its temporary files
  });
});

describe('the state directory and the lock', () => {
  test('created 0700 with a 0600 lock: no other user can open the lock, let alone hold it', () => {
    const { dir, target } = sandbox();
    expect(applyOnce(target, V1).status).toBe(0);
    expect(statSync(path.join(dir, '.mirrorset-hosts')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, '.mirrorset-hosts/lock')).mode & 0o777).toBe(0o600);
  });

  test('one of ours left 0755 by an older version is tightened to 0700', () => {
    const { dir, target } = sandbox();
    mkdirSync(path.join(dir, '.mirrorset-hosts'), { recursive: true, mode: 0o755 });
    chmodSync(path.join(dir, '.mirrorset-hosts'), 0o755);
    expect(applyOnce(target, V1).status).toBe(0);
    expect(statSync(path.join(dir, '.mirrorset-hosts')).mode & 0o777).toBe(0o700);
  });

  test.each([
    ['writable by others', (p: string) => chmodSync(p, 0o777), 'state-dir-writable-by-others'],
    ['owned by another user', (p: string) => chownSync(p, 65534, 65534), 'state-dir-not-ours'],
  ])('%s: refused, and no lock is taken in it', (_name, spoil, reason) => {
    if (process.getuid?.() !== 0 && reason === 'state-dir-not-ours') return; // chown needs root
    const { dir, target } = sandbox();
    mkdirSync(path.join(dir, '.mirrorset-hosts'), { recursive: true });
    spoil(path.join(dir, '.mirrorset-hosts'));
    const result = applyOnce(target, V1);
    expect(result.status).toBe(REMOTE_EXIT.unsafe);
    expect(result.report.unsafe).toEqual({ reason, path: '.mirrorset-hosts' });
    expect(existsSync(path.join(dir, '.mirrorset-hosts/lock'))).toBe(false);
    expect(existsSync(path.join(dir, 'quay.io'))).toBe(false);
  });
});

describe('leftovers of a killed run never block the next one', () => {
  test('stale temporary files, a stale record temp and a stale temp symlink are removed before anything is written', () => {
    const { dir, outside, target } = sandbox();
    expect(applyOnce(target, V1).status).toBe(0);
    writeFileSync(path.join(dir, 'quay.io/.hosts.toml.mirrorset-hosts-tmp'), 'half a fi');
    writeFileSync(path.join(dir, 'quay.io/.old.crt.mirrorset-hosts-tmp'), 'x'.repeat(4096));
    writeFileSync(path.join(dir, '.mirrorset-hosts/.owner.json.mirrorset-hosts-tmp'), '{');
    symlinkSync(path.join(outside, 'file'), path.join(dir, 'quay.io/.ca.crt.mirrorset-hosts-tmp'));
    const result = applyOnce(target, V2);
    expect(result.status).toBe(0);
    expect(snapshot(dir)).toEqual({
      '.mirrorset-hosts': 'dir',
      '.mirrorset-hosts/lock': '',
      '.mirrorset-hosts/owner.json': result.plan.record,
      'quay.io': 'dir',
      'quay.io/ca.crt': 'ca\n',
      'quay.io/hosts.toml': 'server = "https://quay.io/v2"\n',
    });
    expect(readFileSync(path.join(outside, 'file'), 'utf8')).toBe('precious\n');
  });

  test('the stale temporary files go first: a run that fails later has already removed them', () => {
    const { dir, outside, target } = sandbox();
    expect(applyOnce(target, V1).status).toBe(0);
    writeFileSync(path.join(dir, 'quay.io/.old.crt.mirrorset-hosts-tmp'), 'x'.repeat(4096));
    const result = applyOnce(target, V2, () => symlinkSync(path.join(outside, 'file'), path.join(dir, 'quay.io/ca.crt')));
    expect(result.status).toBe(REMOTE_EXIT.unsafe);
    expect(existsSync(path.join(dir, 'quay.io/.old.crt.mirrorset-hosts-tmp'))).toBe(false);
  });
});

// Text is written by the shell's printf from a quoted word, other bytes through base64 -d; either way
// the file on the node holds exactly the bundle's bytes, and one sha256sum reads them all back.
describe('what the node holds and reports is exactly the bundle', () => {
  const bytes = (p: string, content: Uint8Array): DesiredFile => ({ path: p, sha256: createHash('sha256').update(content).digest('hex'), content });
  const awkward = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.string({ unit: 'binary', maxLength: 64 }).map((t) => new TextEncoder().encode(t)),
    fc.constantFrom('', "it's '\\''quoted'\n", 'crlf\r\n\r\n', '\n\n\n', '\uFEFFbom first\n', 'a\0nul', '$(touch /tmp/x) `y` ${z}\\\n', '# mirrorset-hosts program end', 'x\n# mirrorset-hosts program end\n').map((t) => new TextEncoder().encode(t)),
  );

  test('any contents, text or not, arrive byte for byte and read back with their sums', () => {
    fc.assert(
      fc.property(fc.array(awkward, { minLength: 1, maxLength: 4 }), (contents) => {
        const { dir, target } = sandbox();
        const desired = contents.map((c, i) => bytes(`r${i}.io/hosts.toml`, c));
        const result = applyOnce(target, desired);
        expect(result.status).toBe(0);
        for (const f of desired) expect(new Uint8Array(readFileSync(path.join(dir, f.path)))).toEqual(f.content);
        expect(result.report.sums).toEqual(new Map(desired.map((f) => [f.path, f.sha256])));
      }),
      { numRuns: 25 },
    );
  }, 60000);

  test('a file the read-back cannot read is missing; the files after it keep their own sums', () => {
    const { target } = sandbox();
    const plan = planNode(V2, probe(target), 'h');
    const result = run(linuxCommands.applyProgram(target, plan, ['quay.io/ca.crt', 'quay.io/gone.crt', 'quay.io/hosts.toml'], 5));
    expect(result.status).toBe(0);
    expect([...parseApplyOutput(result.stdout).sums]).toEqual([
      ['quay.io/ca.crt', V2[1]?.sha256],
      ['quay.io/hosts.toml', V2[0]?.sha256],
    ]);
  });

  test('a file the probe cannot read is other; the files after it keep their own sums', () => {
    if (process.getuid?.() !== 0) return; // the probe runs as another user, which needs root to arrange
    const { root, dir, target } = sandbox();
    chmodSync(root, 0o755);
    mkdirSync(path.join(dir, 'quay.io'), { recursive: true });
    for (const name of ['a.crt', 'b.crt', 'c.crt']) writeFileSync(path.join(dir, 'quay.io', name), name);
    chmodSync(path.join(dir, 'quay.io', 'b.crt'), 0o000);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', linuxCommands.remoteCommand], {
      input: linuxCommands.probeProgram(target, []),
      encoding: 'utf8',
    });
    const parsed = parseProbeOutput(r.stdout);
    if (!parsed.ok) throw new Error(parsed.problem);
    const sum = (t: string): string => createHash('sha256').update(t).digest('hex');
    expect([...parsed.state.files]).toEqual([
      ['quay.io/a.crt', sum('a.crt')],
      ['quay.io/c.crt', sum('c.crt')],
    ]);
    expect(parsed.state.others).toEqual(['quay.io/b.crt']);
  });
});
