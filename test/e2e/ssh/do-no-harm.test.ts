// What apply must never do on a node, against real sshd: take over or delete a file it did not
// write, write through a symlink, let a node's file names forge its report or reach the terminal
// raw, or stay broken after a disk filled up once. Each case runs on both node OSes (Linux: sh
// programs; Windows stand-in: the PowerShell programs under pwsh, sshd-node.ts `windowsLogin`).
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { apply, Fleet, hostsToml, hostsTreeOf, logLines, nodeOses, writeBundle } from './fleet.js';
import { tempDir, type SshdNode } from './sshd-node.js';

const run = promisify(execFile);
jest.setTimeout(180_000);

const QUAY = hostsToml('quay.io', 'mirror.example.com/quay');
const GHCR = hostsToml('ghcr.io', 'mirror.example.com/ghcr');
const HAND = 'server = "https://quay.io"\n# written by the node admin\n';

for (const { os, missing } of await nodeOses()) {
const describeSsh = missing ? describe.skip : describe;
const subnet = (n: number): number => (os === 'windows' ? n + 100 : n);
/** A node path in a message: C:\k\...\quay.io on Windows, /tmp/.../quay.io on Linux. */
const sep = os === 'windows' ? '\\\\' : '\\/';

describeSsh(`never adopt, never remove what apply did not write (${os})`, () => {
  let fleet: Fleet;
  let node: SshdNode;
  beforeAll(async () => {
    fleet = await Fleet.start(subnet(36), 1, { os });
    node = fleet.nodes[0] as SshdNode;
  });
  afterAll(async () => {
    await fleet?.dispose();
  });

  test('a hand-written hosts.toml is left alone and reported; the run exits 1; the other registry is written', async () => {
    await mkdir(path.join(node.configDir, 'quay.io'), { recursive: true });
    await writeFile(path.join(node.configDir, 'quay.io/hosts.toml'), HAND);
    const result = await apply(fleet.args(await writeBundle(fleet.bundleDir('both'), { 'quay.io/hosts.toml': QUAY, 'ghcr.io/hosts.toml': GHCR })));
    expect(result.code).toBe(1);
    expect(await hostsTreeOf(node.configDir)).toEqual({ 'quay.io/hosts.toml': HAND, 'ghcr.io/hosts.toml': GHCR });
    expect(result.stdout).toMatch(/^node-a +\S+ +attention +\S+ +1 +0 +left alone, not written by mirrorset-hosts: quay\.io\/hosts\.toml \(other content\); registry quay\.io not updated\. Remove the file\(s\), or re-run with --adopt/m);
    expect(result.stdout).toContain('1 node(s): 0 changed, 0 unchanged, 1 need attention, 0 failed, 0 skipped');
    expect(logLines(result.stderr, 'node-a').find((l) => l['step'] === 'foreign')).toMatchObject({ level: 'warn', result: 'kept', files: 'quay.io/hosts.toml', skipped_dirs: 'quay.io' });
    const record = JSON.parse(await readFile(path.join(node.configDir, '.mirrorset-hosts/owner.json'), 'utf8')) as { files: Array<{ path: string }> };
    expect(record.files.map((f) => f.path)).toEqual(['ghcr.io/hosts.toml']);
  });

  test('the same file, identical to the bundle\'s, is still not taken over', async () => {
    await writeFile(path.join(node.configDir, 'quay.io/hosts.toml'), QUAY);
    const result = await apply(fleet.args(await writeBundle(fleet.bundleDir('both-2'), { 'quay.io/hosts.toml': QUAY, 'ghcr.io/hosts.toml': GHCR })));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-a +\S+ +attention +\S+ +0 +0 +left alone, not written by mirrorset-hosts: quay\.io\/hosts\.toml \(same content as the bundle\)/m);
    await writeFile(path.join(node.configDir, 'quay.io/hosts.toml'), HAND);
  });

  test('when the registry leaves the bundle, the hand-written file stays', async () => {
    const result = await apply(fleet.args(await writeBundle(fleet.bundleDir('ghcr'), { 'ghcr.io/hosts.toml': GHCR })));
    expect(result.code).toBe(0);
    expect(await hostsTreeOf(node.configDir)).toEqual({ 'quay.io/hosts.toml': HAND, 'ghcr.io/hosts.toml': GHCR });
  });

  test('--adopt takes it over, says so, and from then on it is ours (removed with its registry)', async () => {
    const both = await writeBundle(fleet.bundleDir('both-3'), { 'quay.io/hosts.toml': QUAY, 'ghcr.io/hosts.toml': GHCR });
    const dry = await apply(fleet.args(both, ['--adopt', '--dry-run']));
    expect(dry.code).toBe(0);
    expect(await readFile(path.join(node.configDir, 'quay.io/hosts.toml'), 'utf8')).toBe(HAND);
    const adopted = await apply(fleet.args(both, ['--adopt']));
    expect(adopted.code).toBe(0);
    expect(logLines(adopted.stderr, 'node-a').find((l) => l['step'] === 'adopt')).toMatchObject({ level: 'warn', result: 'adopting', files: 'quay.io/hosts.toml' });
    expect(await readFile(path.join(node.configDir, 'quay.io/hosts.toml'), 'utf8')).toBe(QUAY);
    const dropped = await apply(fleet.args(await writeBundle(fleet.bundleDir('ghcr-2'), { 'ghcr.io/hosts.toml': GHCR })));
    expect(dropped.code).toBe(0);
    expect(await hostsTreeOf(node.configDir)).toEqual({ 'ghcr.io/hosts.toml': GHCR });
  });
});

describeSsh(`symlinks and hostile names on the node (${os})`, () => {
  let fleet: Fleet;
  let node: SshdNode;
  let outside: string;
  beforeAll(async () => {
    fleet = await Fleet.start(subnet(37), 1, { os });
    node = fleet.nodes[0] as SshdNode;
    outside = path.join(node.root, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(outside, 'hosts.toml'), 'precious\n');
  });
  afterAll(async () => {
    await fleet?.dispose();
  });

  test('a registry directory that is a symlink is refused by name; nothing outside is written', async () => {
    await mkdir(node.configDir, { recursive: true });
    await symlink(outside, path.join(node.configDir, 'quay.io'));
    try {
      const result = await apply(fleet.args(await writeBundle(fleet.bundleDir('q'), { 'quay.io/hosts.toml': QUAY })));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^node-a +\\S+ +failed +\\S+ +- +- +preflight: refusing to write: \\S+${sep}quay\\.io is a symlink where mirrorset-hosts writes`, 'm'));
      expect(await readdir(outside)).toEqual(['hosts.toml']);
      expect(await readFile(path.join(outside, 'hosts.toml'), 'utf8')).toBe('precious\n');
    } finally {
      await rm(path.join(node.configDir, 'quay.io'));
    }
  });

  test('a state directory that is a symlink is refused by name; no lock or record is written through it', async () => {
    await symlink(outside, path.join(node.configDir, '.mirrorset-hosts'));
    try {
      const result = await apply(fleet.args(await writeBundle(fleet.bundleDir('q2'), { 'quay.io/hosts.toml': QUAY })));
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(new RegExp(`^node-a +\\S+ +failed +\\S+ +- +- +preflight: refusing to write: \\S+${sep}\\.mirrorset-hosts is a symlink`, 'm'));
      expect(await readdir(outside)).toEqual(['hosts.toml']);
    } finally {
      await rm(path.join(node.configDir, '.mirrorset-hosts'));
    }
  });

  // Windows allows no control character (nor \\ / : * ? " < > |) in a name: there the hostile names
  // are the ones PowerShell could misread instead: quotes (typographic ones too), $, backticks,
  // brackets, a bidi override and a protocol line on one line.
  const forged = Buffer.from(JSON.stringify({ managedBy: 'mirrorset-hosts', files: [{ path: 'docker.io/hosts.toml', sha256: 'a' }] })).toString('base64');
  const hostileFile = os === 'windows' ? `x MSH1 record ${'1'.repeat(64)} ${forged}` : `x\nMSH1 record ${'1'.repeat(64)} ${forged}\n`;
  const hostileDir = os === 'windows' ? "it's \u2018$(x)\u2019 `n [a] \u00fc\u202e" : '\u001b[31mred\u202e';

  test('file names with newlines, protocol lines and terminal escapes neither forge the record nor reach the output raw', async () => {
    await mkdir(path.join(node.configDir, 'docker.io'), { recursive: true });
    await writeFile(path.join(node.configDir, 'docker.io/hosts.toml'), 'server = "https://registry-1.docker.io"\n');
    await writeFile(path.join(node.configDir, 'docker.io', hostileFile), 'a');
    await mkdir(path.join(node.configDir, hostileDir), { recursive: true });
    const result = await apply(fleet.args(await writeBundle(fleet.bundleDir('q3'), { 'quay.io/hosts.toml': QUAY })));
    expect(result.code).toBe(0);
    const second = await apply(fleet.args(await writeBundle(fleet.bundleDir('q4'), { 'ghcr.io/hosts.toml': GHCR })));
    expect(second.code).toBe(0);
    // docker.io was never ours: the forged record line did not make it so
    expect(await readFile(path.join(node.configDir, 'docker.io/hosts.toml'), 'utf8')).toBe('server = "https://registry-1.docker.io"\n');
    for (const out of [result.stdout, result.stderr, second.stdout, second.stderr]) expect(out).not.toMatch(/[\u001b\u202e\r]/);
    if (os === 'linux') expect(second.stderr).toContain('foreign_kept="\\u001b[31mred\\u202e,docker.io"');
    const kept = logLines(second.stderr, 'node-a').find((l) => l['foreign_kept'] !== undefined)?.['foreign_kept'];
    expect(kept?.split(',').sort()).toEqual(['docker.io', hostileDir].sort());
    expect(await readdir(path.join(node.configDir, hostileDir))).toEqual([]);
  });
});

describeSsh(`a config directory with a hostile name, next to look-alikes (${os})`, () => {
  // Quotes (typographic ones too: PowerShell ends a '...' string at one), $(), a backtick escape,
  // wildcard brackets, spaces and non-ASCII: each must reach the node as one literal path. The name
  // is legal on Windows too. Given with a trailing separator; a sibling whose name starts with the
  // directory's, and a file in the parent, must never be touched.
  const name = "it's \u2018$(x)\u2019 `n [a] \u00fc";
  let fleet: Fleet;
  let node: SshdNode;
  let hostDir: string;
  let sibling: string;
  beforeAll(async () => {
    fleet = await Fleet.start(subnet(39), 1, { os });
    node = fleet.nodes[0] as SshdNode;
    hostDir = os === 'windows' ? path.join(node.driveRoot, 'k', name, 'registries') : path.join(node.root, name, 'certs.d');
    const nodeDir = os === 'windows' ? `C:\\k\\${name}\\registries\\` : `${hostDir}/`;
    sibling = `${hostDir}2`;
    await mkdir(path.join(sibling, 'quay.io'), { recursive: true });
    await writeFile(path.join(sibling, 'quay.io/hosts.toml'), 'sibling\n');
    await writeFile(path.join(path.dirname(hostDir), 'hosts.toml'), 'parent\n');
    await writeFile(fleet.inventory, `- {name: node-a, address: ${node.address}, port: ${node.port}, user: root, os: ${os}, configDir: ${JSON.stringify(nodeDir)}, containerdConfig: ''}\n`);
  });
  afterAll(async () => {
    await fleet?.dispose();
  });

  test('first apply, no-op and removal all happen inside that directory and nowhere else', async () => {
    const both = { 'quay.io/hosts.toml': QUAY, 'ghcr.io/hosts.toml': GHCR };
    const first = await apply(fleet.args(await writeBundle(fleet.bundleDir('h1'), both)));
    expect(first.stderr).not.toMatch(/level=error/);
    expect(first.code).toBe(0);
    expect(await hostsTreeOf(hostDir)).toEqual(both);
    const again = await apply(fleet.args(await writeBundle(fleet.bundleDir('h2'), both)));
    expect(again.stdout).toMatch(/^node-a +\S+ +unchanged /m);
    const fewer = await apply(fleet.args(await writeBundle(fleet.bundleDir('h3'), { 'quay.io/hosts.toml': QUAY })));
    expect(fewer.code).toBe(0);
    expect(await hostsTreeOf(hostDir)).toEqual({ 'quay.io/hosts.toml': QUAY });
    expect(await readFile(path.join(sibling, 'quay.io/hosts.toml'), 'utf8')).toBe('sibling\n');
    expect((await readdir(path.dirname(hostDir))).sort()).toEqual([path.basename(hostDir), path.basename(sibling), 'hosts.toml'].sort());
    expect(await readFile(path.join(path.dirname(hostDir), 'hosts.toml'), 'utf8')).toBe('parent\n');
  });
});

describeSsh(`a file something else rewrites as it is written (${os})`, () => {
  let fleet: Fleet;
  let node: SshdNode;
  beforeAll(async () => {
    fleet = await Fleet.start(subnet(40), 1, { os });
    node = fleet.nodes[0] as SshdNode;
  });
  afterAll(async () => {
    await fleet?.dispose();
  });

  test('the read-back finds other bytes than were written: the node fails at verify, naming the file', async () => {
    expect((await apply(fleet.args(await writeBundle(fleet.bundleDir('r1'), { 'quay.io/hosts.toml': QUAY })))).code).toBe(0);
    // Another manager on the node: from the moment the apply program creates its temporary file
    // until the run ends, it keeps writing its own content to hosts.toml.
    const dir = path.join(node.configDir, 'quay.io');
    let rewriting = false;
    let done = false;
    const watcher = watch(dir, (_event, name) => {
      if (rewriting || name !== '.hosts.toml.mirrorset-hosts-tmp') return;
      rewriting = true;
      void (async () => {
        while (!done) {
          await writeFile(path.join(dir, 'hosts.toml'), HAND).catch(() => undefined);
          await new Promise((r) => setImmediate(r));
        }
      })();
    });
    let result;
    try {
      result = await apply(fleet.args(await writeBundle(fleet.bundleDir('r2'), { 'quay.io/hosts.toml': GHCR.replace('ghcr.io', 'quay.io') })));
    } finally {
      done = true;
      watcher.close();
    }
    expect(rewriting).toBe(true);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +verify: quay\.io\/hosts\.toml: expected sha256 [0-9a-f]{64}, read back [0-9a-f]{64}; something else rewrites these files/m);
  });
});

// A small tmpfs as the node's config directory: the disk really fills up.
async function canMountTmpfs(dir: string): Promise<boolean> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', dir]);
    return true;
  } catch {
    return false;
  }
}

describeSsh(`a node whose disk filled up (${os})`, () => {
  let fleet: Fleet;
  let node: SshdNode;
  let disk: string;
  let mounted = false;
  beforeAll(async () => {
    // Mounted before sshd starts: the test sshd runs in its own mount namespace, which sees only
    // the mounts that exist when it is created.
    disk = await tempDir('disk');
    mounted = await canMountTmpfs(disk);
    if (!mounted) {
      const message = 'mounting a tmpfs needs root (CAP_SYS_ADMIN)';
      if (process.env['CI'] === 'true') throw new Error(`${message}; CI=true, so this is a failure, not a skip`);
      console.warn(`skipping the disk-full case: ${message}`);
    }
    fleet = await Fleet.start(subnet(38), 1, { os });
    node = fleet.nodes[0] as SshdNode;
    // On a Windows stand-in the small disk is the node's C:\disk (a link from its drive directory).
    if (os === 'windows') await symlink(disk, path.join(node.driveRoot, 'disk'));
    const configDir = os === 'windows' ? 'C:\\disk\\certs.d' : `${disk}/certs.d`;
    await writeFile(fleet.inventory, `- {name: node-a, address: ${node.address}, port: ${node.port}, user: root, os: ${os}, configDir: ${JSON.stringify(configDir)}, containerdConfig: ''}\n`);
  });
  afterAll(async () => {
    await fleet?.dispose();
    if (mounted) await run('umount', [disk]).catch(() => undefined);
    await rm(disk, { recursive: true, force: true });
  });

  test('recovers on the next run: leftovers of a killed run are removed before anything is written', async () => {
    if (!mounted) return;
    const dir = path.join(disk, 'certs.d');
    const v1 = await writeBundle(fleet.bundleDir('v1'), { 'quay.io/hosts.toml': QUAY });
    expect((await apply(fleet.args(v1))).code).toBe(0);
    // A run of an earlier bundle was killed while uploading a large CA: its temporary file fills the disk.
    await writeFile(path.join(dir, 'quay.io/.big.crt.mirrorset-hosts-tmp'), Buffer.alloc(380 * 1024, 65));
    await writeFile(path.join(dir, '.mirrorset-hosts/.owner.json.mirrorset-hosts-tmp'), '{');
    const ca = 'A'.repeat(200 * 1024);
    const v2 = await writeBundle(fleet.bundleDir('v2'), { 'quay.io/hosts.toml': QUAY, 'quay.io/ca.crt': ca });
    const result = await apply(fleet.args(v2));
    expect(result.stderr).not.toMatch(/level=error/);
    expect(result.code).toBe(0);
    expect(await hostsTreeOf(dir)).toEqual({ 'quay.io/hosts.toml': QUAY, 'quay.io/ca.crt': ca });
  });

  test('a run the disk stops leaves no temporary file behind, and the run after the space is freed succeeds', async () => {
    if (!mounted) return;
    const dir = path.join(disk, 'certs.d');
    await writeFile(path.join(dir, 'filler'), Buffer.alloc(200 * 1024, 66));
    const ca = 'B'.repeat(200 * 1024);
    const v3 = await writeBundle(fleet.bundleDir('v3'), { 'quay.io/hosts.toml': QUAY, 'quay.io/ca.crt': ca });
    const failed = await apply(fleet.args(v3));
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +upload: .*No space left on device/m);
    // The reason is one plain line, not PowerShell's serialised error record (`#< CLIXML`, colours).
    if (os === 'windows') expect(failed.stdout).toMatch(/^node-a +\S+ +failed +\S+ +- +- +upload: mirrorset-hosts program failed at line \d+: [^\n]*No space left on device[^\n]*; every file on the node/m);
    expect(failed.stdout).not.toMatch(/CLIXML|_x001B_|\u001b/);
    expect((await readdir(path.join(dir, 'quay.io'))).filter((n) => n.endsWith('-tmp'))).toEqual([]);
    expect((await readdir(path.join(dir, '.mirrorset-hosts'))).filter((n) => n.endsWith('-tmp'))).toEqual([]);
    await rm(path.join(dir, 'filler'));
    const rerun = await apply(fleet.args(v3));
    expect(rerun.code).toBe(0);
    expect((await stat(path.join(dir, 'quay.io/ca.crt'))).size).toBe(ca.length);
  });
});
}
