// --auth (spec.auth) against a real sshd: the authorization header is written on the node, in WMCO's
// form, and the credentials appear nowhere else: not in stdout, stderr, the report, the dry-run plan,
// the bundle, or the ownership record on the node. The drift check still works on the written files.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { apply, Fleet, hostsToml, treeOf, writeBundle, type Captured } from './fleet.js';
import { missingSshTools, type SshdNode } from './sshd-node.js';

const missing = await missingSshTools();
if (missing) console.warn(`skipping: ${missing}`);
const describeSsh = missing ? describe.skip : describe;

const PASSWORD = 'S3cr3t-pa55word-7f1c';
const ROTATED = 'R0tated-pa55word-9e2d';
const basic = (password: string): string => Buffer.from(`robot$mirror:${password}`).toString('base64');
const BUNDLE = {
  'quay.io/hosts.toml': hostsToml('quay.io', 'mirror.example.com/quay'),
  'docker.io/hosts.toml': hostsToml('registry-1.docker.io', 'open-mirror.example.com/docker'),
};

async function allFiles(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(path.join(entry.parentPath, entry.name), 'utf8');
  }
  return text;
}

describeSsh('mirror credentials (--auth)', () => {
  let fleet: Fleet;
  let node: SshdNode;
  let authFile: string;
  const outputs: Captured[] = [];
  const writeAuth = async (password: string): Promise<void> => {
    await writeFile(authFile, JSON.stringify({ auths: { 'mirror.example.com': { auth: basic(password) }, 'quay.io': { username: 'u', password: 'source-registry-pass' } } }), { mode: 0o600 });
  };
  const run = async (name: string, more: string[] = []): Promise<Captured> => {
    const bundle = await writeBundle(fleet.bundleDir(name), BUNDLE);
    const result = await apply(fleet.args(bundle, ['--auth', authFile, ...more]));
    outputs.push(result);
    return result;
  };

  beforeAll(async () => {
    fleet = await Fleet.start(54, 1);
    node = fleet.nodes[0] as SshdNode;
    authFile = path.join(fleet.dir, 'config.json');
    await writeAuth(PASSWORD);
  });
  afterAll(async () => {
    await fleet?.dispose();
  });

  test('the mirror with credentials gets WMCO\'s header on the node; the other mirror gets none', async () => {
    const plan = await run('plan', ['--dry-run']);
    expect(plan.stdout).toMatch(/^node-a +127\.0\.54\.1:\d+ +would-change/m);
    const result = await run('v1');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/step=start .*auth_hosts=mirror\.example\.com/);
    const onNode = await treeOf(node.configDir);
    expect(onNode['quay.io/hosts.toml']).toBe(
      [
        '# managed by mirrorset-hosts',
        'server = "https://quay.io/v2"',
        'override_path = true',
        '',
        '[host."https://mirror.example.com/quay/v2"]',
        '  capabilities = ["pull"]',
        '  override_path = true',
        '  [host."https://mirror.example.com/quay/v2".header]',
        `    authorization = "Basic ${basic(PASSWORD)}"`,
        '',
      ].join('\n'),
    );
    // quay.io's own credentials are not a mirror's: containerd sends those to the source itself.
    expect(onNode['docker.io/hosts.toml']).toBe(BUNDLE['docker.io/hosts.toml']);
  });

  test('a re-run is unchanged; a header removed on the node or a rotated password is rewritten', async () => {
    expect((await run('v1-again')).stdout).toMatch(/^node-a +\S+ +unchanged/m);
    await writeFile(path.join(node.configDir, 'quay.io', 'hosts.toml'), BUNDLE['quay.io/hosts.toml']);
    expect((await run('v1-drift')).stdout).toMatch(/^node-a +\S+ +changed +\S+ +1 +0/m);
    await writeAuth(ROTATED);
    expect((await run('v1-rotated')).stdout).toMatch(/^node-a +\S+ +changed +\S+ +1 +0/m);
    expect((await treeOf(node.configDir))['quay.io/hosts.toml']).toContain(`authorization = "Basic ${basic(ROTATED)}"`);
  });

  test('a malformed credentials file is a usage error that does not quote it', async () => {
    await writeFile(authFile, `{"auths": {"mirror.example.com": {"auth": "${PASSWORD}"}}}`);
    const result = await run('bad');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the "auth" of "mirror.example.com" is not base64');
    await writeAuth(ROTATED);
  });

  test('no credential is in any output, the bundle, or the ownership record on the node', async () => {
    const onNode = await treeOf(node.configDir);
    const everywhere = [
      ...outputs.flatMap((o) => [o.stdout, o.stderr]),
      await allFiles(path.join(fleet.dir, 'bundles')),
      onNode['.mirrorset-hosts/owner.json'] ?? '',
    ].join('\n');
    expect(onNode['.mirrorset-hosts/owner.json']).toBeDefined();
    for (const secret of [PASSWORD, ROTATED, basic(PASSWORD), basic(ROTATED), 'source-registry-pass']) expect(everywhere).not.toContain(secret);
    expect(outputs.length).toBeGreaterThanOrEqual(6);
  });
});
