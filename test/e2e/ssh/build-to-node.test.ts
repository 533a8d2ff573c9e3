// From mirror sets to a node, through the generated objects: `mirrorset-hosts build` emits the bundle
// ConfigMap, the inventory ConfigMap and the Job; their volumes are laid out as the kubelet mounts
// them (keys as symlinks into ..data), and the Job's own command line runs against a real sshd.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../src/adapters/cli.js';
import { runApply } from '../../../src/adapters/apply-command.js';
import { captureIo, Fleet, hostsTreeOf } from './fleet.js';
import { bundleFilesIn, buildJob, jobConfigFor, mountJobVolumes, type KubeObj } from './job-pod.js';
import { missingSshTools, SshdNode } from './sshd-node.js';

const missing = await missingSshTools();
if (missing) console.warn(`skipping: ${missing}`);
const describeSsh = missing ? describe.skip : describe;

describeSsh('build, then the generated Job on a real node', () => {
  let fleet: Fleet;
  let node: SshdNode;
  beforeAll(async () => {
    fleet = await Fleet.start(37, 1);
    node = fleet.nodes[0] as SshdNode;
  });
  afterAll(async () => {
    await fleet?.dispose();
  });

  test('the Job\'s arguments, with its volumes mounted, put the bundle\'s files on the node', async () => {
    const config = path.join(fleet.dir, 'mirrorset-hosts.yaml');
    await writeFile(config, jobConfigFor(node, 'registry.example.com/mirrorset-hosts:test'));
    const job = await buildJob(config, path.join(process.cwd(), 'fixtures/example-repo/mirror-sets'));
    const container = job.container;

    // Lay out every volume where the Job mounts it, under a local root.
    const root = path.join(fleet.dir, 'pod');
    const local = (p: string): string => path.join(root, p);
    await mountJobVolumes(job, fleet, local);
    const args = (container.args as string[]).map((a) => (a.startsWith('/etc/mirrorset-hosts/') ? local(a) : a));
    expect(args[0]).toBe('apply');

    const applied = captureIo();
    const exit = await runApply(args.slice(1), applied.io);
    expect(applied.err()).not.toContain('level=error');
    expect(exit).toBe(0);

    // The node has exactly the files the bundle's manifest lists, byte for byte.
    const expected = await bundleFilesIn(local('/etc/mirrorset-hosts/bundle'));
    expect(Object.keys(expected).length).toBeGreaterThan(1);
    expect(await hostsTreeOf(node.configDir)).toEqual(expected);
  });

  test('by hand: build --bundle-dir writes what the Job mounts, and apply --bundle from it puts the same files on a node', async () => {
    const config = path.join(fleet.dir, 'by-hand.yaml');
    await writeFile(config, 'apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata: {name: by-hand}\nspec: {}\n');
    const bundleDir = path.join(fleet.dir, 'bundle-by-hand');
    const built = captureIo();
    const code = await main(['build', '--config', config, '--bundle-dir', bundleDir, path.join(process.cwd(), 'fixtures/example-repo/mirror-sets')], built.io);
    expect(code).toBe(0);
    expect(built.out()).toBe(''); // --bundle-dir alone: nothing on stdout
    // The same keys and bytes the kubelet lays out from the bundle ConfigMap the same build emits.
    const yaml = captureIo();
    expect(await main(['build', '--config', config, path.join(process.cwd(), 'fixtures/example-repo/mirror-sets')], yaml.io)).toBe(0);
    const bundle = parseAllDocuments(yaml.out()).map((d) => d.toJS() as KubeObj).find((o) => o.kind === 'ConfigMap' && 'manifest.json' in (o.data ?? {})) as KubeObj;
    for (const [key, value] of Object.entries(bundle.data ?? {})) expect(await readFile(path.join(bundleDir, key), 'utf8')).toBe(value);

    const applied = captureIo();
    const exit = await runApply(
      ['--bundle', bundleDir, '--ssh-key', fleet.key.privateKeyFile, '--known-hosts', fleet.knownHosts, '--inventory', await inventoryFor(node), '--target', 'linux', '--containerd-config', ''],
      applied.io,
    );
    expect(applied.err()).not.toContain('level=error');
    expect(exit).toBe(0);
    expect(await hostsTreeOf(node.configDir)).toEqual(await bundleFilesIn(bundleDir));
  });

  /** An inventory file naming the one node, as a user writes it by hand. */
  async function inventoryFor(target: SshdNode): Promise<string> {
    const file = path.join(fleet.dir, 'inventory-by-hand.yaml');
    await writeFile(file, `- {name: ${target.name}, address: ${target.address}, port: ${target.port}, user: root, os: linux, configDir: ${target.configDir}}\n`);
    return file;
  }
});
