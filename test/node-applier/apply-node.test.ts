// applyNode over a fake transport: what a node answers decides the outcome, and an answer that is
// not in the protocol, or a node that refuses a path, is a failure that names it, never a success.
import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { applyNode, type ApplyContext, type Exec } from '../../src/node-applier/apply-node.js';
import { encodeText, serializeRecord, type DesiredFile } from '../../src/node-applier/node-state.js';
import { resolveTarget } from '../../src/node-applier/node-target.js';

const target = resolveTarget({ name: 'lin-a', address: '10.0.0.6', configDir: '/etc/containerd/certs.d', containerdConfig: '' }, { os: 'linux', port: 22 });
const sha = (t: string): string => createHash('sha256').update(t).digest('hex');
const file = (p: string, t: string): DesiredFile => ({ path: p, sha256: sha(t), content: new TextEncoder().encode(t) });
const QUAY = file('quay.io/hosts.toml', 'server = "https://quay.io/v2"\n');
const GHCR = file('ghcr.io/hosts.toml', 'server = "https://ghcr.io/v2"\n');
const ctx = (more: Partial<ApplyContext> = {}): ApplyContext => ({ desired: [QUAY, GHCR], contentHash: 'h', connectTimeoutSeconds: 5, commandTimeoutSeconds: 5, lockTimeoutSeconds: 5, dryRun: false, adopt: false, ...more });

function probeLines(extra: string[], record: string | null = null): string {
  return [
    'MSH1 begin probe',
    'MSH1 dir exists',
    'MSH1 dir-writable yes',
    'MSH1 state dir yes 700',
    record === null ? 'MSH1 record absent' : `MSH1 record ${sha(record)} ${Buffer.from(record).toString('base64')}`,
    ...extra,
    'MSH1 end probe',
    '',
  ].join('\n');
}

/** A node that answers the probe with `probe` and every apply with `applied`. */
function fakeNode(probe: string, applied: (program: string) => { exitCode: number; stdout: string; stderr?: string }): { exec: Exec; programs: string[] } {
  const programs: string[] = [];
  const exec: Exec = async (_t, _cmd, stdin) => {
    programs.push(stdin);
    if (stdin.includes('msh begin probe')) return { exitCode: 0, stdout: probe, stderr: '', timedOut: false };
    const r = applied(stdin);
    return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr ?? '', timedOut: false };
  };
  return { exec, programs };
}

const okApply = (paths: DesiredFile[]) => () => ({
  exitCode: 0,
  stdout: ['begin apply', ...['prepare', 'lock', 'upload', 'rename', 'cleanup', 'record'].map((s) => `step ${s} ok`), ...paths.map((f) => `sum ${encodeText(f.path)} ${f.sha256}`), 'end apply'].map((l) => `MSH1 ${l}\n`).join(''),
});
const noLog = (): void => undefined;

describe('applyNode', () => {
  test('a foreign hosts.toml: its registry is neither written nor read back, the node needs attention', async () => {
    const node = fakeNode(probeLines([`MSH1 subdir ${encodeText('quay.io')} dir`, `MSH1 file ${encodeText('quay.io')} ${encodeText('hosts.toml')} ${sha('hand-written')}`]), okApply([GHCR]));
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'attention', failed: false, written: 1 });
    expect(outcome.detail).toContain('quay.io/hosts.toml (other content)');
    const program = node.programs[1] as string;
    expect(program).not.toContain('/quay.io/');
    expect(program).toContain('/ghcr.io/hosts.toml');
  });

  test('with --adopt the same file is written and the node is changed', async () => {
    const node = fakeNode(probeLines([`MSH1 subdir ${encodeText('quay.io')} dir`, `MSH1 file ${encodeText('quay.io')} ${encodeText('hosts.toml')} ${sha('hand-written')}`]), okApply([QUAY, GHCR]));
    const outcome = await applyNode(target, ctx({ adopt: true }), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'changed', written: 2 });
  });

  test('a symlinked registry directory fails the node before any write, naming the path', async () => {
    const node = fakeNode(probeLines([`MSH1 subdir ${encodeText('quay.io')} link`]), okApply([]));
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'failed', step: 'preflight' });
    expect(outcome.detail).toContain('/etc/containerd/certs.d/quay.io is a symlink');
    expect(node.programs).toHaveLength(1);
  });

  test('a state directory another user owns fails the node before any write', async () => {
    const node = fakeNode(probeLines([]).replace('state dir yes 700', 'state dir no 755'), okApply([]));
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'failed', step: 'preflight' });
    expect(outcome.detail).toContain('/etc/containerd/certs.d/.mirrorset-hosts is owned by another user');
  });

  test('the apply program refusing a path is a failure naming it', async () => {
    const node = fakeNode(probeLines([]), () => ({ exitCode: 77, stdout: `MSH1 begin apply\nMSH1 step prepare ok\nMSH1 step lock ok\nMSH1 unsafe registry-dir-is-a-symlink ${encodeText('quay.io')}\n` }));
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'failed', step: 'upload' });
    expect(outcome.detail).toContain('refusing to write: /etc/containerd/certs.d/quay.io is a symlink');
  });

  // PowerShell as OpenSSH for Windows' default shell reports every failure of the command as exit
  // status 1 (about_PowerShell_exe, -Command): the outcome line decides, whatever the non-zero status.
  test.each([
    [75, 'lock', 'MSH1 lock-timeout', "another mirrorset-hosts run held the node's lock"],
    [1, 'lock', 'MSH1 lock-timeout', "another mirrorset-hosts run held the node's lock"],
    [97, 'upload', 'MSH1 truncated', 'the program did not reach the node completely'],
    [1, 'upload', 'MSH1 truncated', 'the program did not reach the node completely'],
    [1, 'upload', `MSH1 unsafe registry-dir-is-a-symlink ${encodeText('quay.io')}`, 'is a symlink'],
  ])('exit status %i with "%s"-step outcome line %s is reported as that outcome', async (exitCode, step, line, detail) => {
    const lines = line === 'MSH1 truncated' ? line : `MSH1 begin apply\nMSH1 step prepare ok\n${step === 'upload' ? 'MSH1 step lock ok\n' : ''}${line}`;
    const node = fakeNode(probeLines([]), () => ({ exitCode, stdout: `${lines}\n` }));
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'failed', step });
    expect(outcome.detail).toContain(detail);
  });

  test('exit status 1 with a conflict line probes again, as 76 does', async () => {
    let calls = 0;
    const node = fakeNode(probeLines([]), () => (++calls === 1 ? { exitCode: 1, stdout: 'MSH1 begin apply\nMSH1 step prepare ok\nMSH1 step lock ok\nMSH1 conflict absent\n' } : okApply([QUAY, GHCR])()));
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'changed', failed: false });
    expect(calls).toBe(2);
  });

  test('an apply answer with a line outside the protocol is never a success', async () => {
    const node = fakeNode(probeLines([]), () => {
      const ok = okApply([QUAY, GHCR])();
      // the path raw instead of base64: an old or tampered program
      return { ...ok, stdout: ok.stdout.replace('MSH1 end apply', `MSH1 sum quay.io/hosts.toml ${QUAY.sha256}\nMSH1 end apply`) };
    });
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome.detail).toContain('not in the protocol');
  });

  test('a record listed by a forged probe line is refused, not believed', async () => {
    const forged = serializeRecord('h', [{ path: 'docker.io/hosts.toml', sha256: sha('x') }]);
    const node = fakeNode(probeLines([`MSH1 record ${sha(forged)} ${Buffer.from(forged).toString('base64')}`]), okApply([QUAY, GHCR]));
    const outcome = await applyNode(target, ctx(), node.exec, noLog);
    expect(outcome).toMatchObject({ status: 'failed', step: 'probe' });
    expect(outcome.detail).toContain('"record" twice');
  });
});

// Issue 13: after writing, the running containerd is asked (crictl info) whether it reads the directory.
describe('the effect of the written files', () => {
  const checked = resolveTarget({ name: 'lin-a', address: '10.0.0.6', configDir: '/etc/containerd/certs.d' }, { os: 'linux', port: 22 });
  const config = `MSH1 containerd-config ${encodeText('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/etc/containerd/certs.d"\n')}`;
  const facts = [config, 'MSH1 containerd-imports -', 'MSH1 runtime yes no', `MSH1 containerd-version ${encodeText('containerd github.com/containerd/containerd 1.7.24')}`];
  const info = (configPath: string): string => `MSH1 cri-info ${encodeText(JSON.stringify({ config: { registry: { configPath } } }))}`;

  test('the running containerd reads the directory: effective', async () => {
    const outcome = await applyNode(checked, ctx(), fakeNode(probeLines([...facts, info('/etc/containerd/certs.d')]), okApply([QUAY, GHCR])).exec, noLog);
    expect(outcome).toMatchObject({ status: 'changed', effect: 'effective', failed: false, detail: '' });
  });

  test('the file says yes but the running daemon has another config_path (not restarted): a failure naming both', async () => {
    const outcome = await applyNode(checked, ctx(), fakeNode(probeLines([...facts, info('')]), okApply([QUAY, GHCR])).exec, noLog);
    expect(outcome).toMatchObject({ status: 'failed', step: 'effect', effect: 'not-effective', failed: true, written: 2 });
    expect(outcome.detail).toBe('the files are written, but the running containerd (crictl info) has config_path = "", so it does not read /etc/containerd/certs.d; restart containerd after changing its config, or fix config_path');
  });

  test('no crictl on the node: written, not verifiable, and the detail says why', async () => {
    const outcome = await applyNode(checked, ctx(), fakeNode(probeLines(facts), okApply([QUAY, GHCR])).exec, noLog);
    expect(outcome).toMatchObject({ status: 'changed', effect: 'written-not-verifiable', failed: false });
    expect(outcome.detail).toBe('effect not verifiable: the running containerd was not asked (no crictl on the node, or `crictl info` failed); the config file says containerd reads it');
  });

  test('an up-to-date node is checked too', async () => {
    const outcome = await applyNode(checked, ctx({ desired: [] }), fakeNode(probeLines([...facts, info('/etc/containerd/certs.d')], serializeRecord('h', [])), okApply([])).exec, noLog);
    expect(outcome).toMatchObject({ status: 'unchanged', effect: 'effective' });
  });
});
