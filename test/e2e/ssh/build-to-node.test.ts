// From mirror sets to a node, through the generated objects: `mirrorset-hosts build` emits the bundle
// ConfigMap, the inventory ConfigMap and the Job; their volumes are laid out as the kubelet mounts
// them (keys as symlinks into ..data), and the Job's own command line runs against a real sshd.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../src/adapters/cli.js';
import { runApply } from '../../../src/adapters/apply-command.js';
import { captureIo, Fleet, hostsTreeOf } from './fleet.js';
import { missingSshTools, SshdNode } from './sshd-node.js';

const missing = await missingSshTools();
if (missing) console.warn(`skipping: ${missing}`);
const describeSsh = missing ? describe.skip : describe;

type Obj = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: any };

/** A ConfigMap volume as the kubelet writes it: the data in ..data, each key a symlink into it. */
async function mountConfigMaps(dir: string, maps: Obj[]): Promise<void> {
  await mkdir(path.join(dir, '..data'), { recursive: true });
  for (const map of maps) {
    for (const [key, value] of Object.entries(map.data ?? {})) {
      await writeFile(path.join(dir, '..data', key), value);
      await symlink(path.join('..data', key), path.join(dir, key));
    }
  }
}

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
    await writeFile(
      config,
      [
        'apiVersion: mirrorset-hosts.io/v1alpha1',
        'kind: MirrorSetHosts',
        'metadata: {name: e2e, namespace: mirrorset-hosts}',
        'spec:',
        '  image: registry.example.com/mirrorset-hosts:test',
        '  target: {os: linux}',
        '  nodes:',
        '    inventory:',
        `      - {name: ${node.name}, address: ${node.address}, port: ${node.port}, user: root, os: linux, configDir: ${node.configDir}, containerdConfig: ''}`,
        '  ssh:',
        '    secretName: ssh-key',
        '    knownHosts: {kind: ConfigMap, name: known-hosts}',
        '',
      ].join('\n'),
    );
    const built = captureIo();
    const code = await main(['build', '--config', config, path.join(process.cwd(), 'fixtures/example-repo/mirror-sets')], built.io);
    expect(code).toBe(0);
    const objects = parseAllDocuments(built.out()).map((d) => d.toJS() as Obj);
    const job = objects.find((o) => o.kind === 'Job') as Obj;
    const pod = job.spec.template.spec;
    const container = pod.containers[0];

    // Lay out every volume where the Job mounts it, under a local root.
    const root = path.join(fleet.dir, 'pod');
    const local = (p: string): string => path.join(root, p);
    for (const mount of container.volumeMounts as Array<{ name: string; mountPath: string }>) {
      const volume = (pod.volumes as Array<Record<string, any>>).find((v) => v['name'] === mount.name) as Record<string, any>;
      const dir = local(mount.mountPath);
      if (volume['projected']?.sources?.[0]?.configMap) {
        const names = (volume['projected'].sources as Array<{ configMap: { name: string } }>).map((s) => s.configMap.name);
        await mountConfigMaps(dir, objects.filter((o) => o.kind === 'ConfigMap' && names.includes(o.metadata.name)));
      } else if (volume['configMap']?.name === 'known-hosts') {
        await mkdir(dir, { recursive: true });
        await copyFile(fleet.knownHosts, path.join(dir, 'known_hosts'));
      } else if (volume['configMap']) {
        await mountConfigMaps(dir, objects.filter((o) => o.metadata.name === volume['configMap'].name));
      } else if (volume['secret']?.secretName === 'ssh-key') {
        await mkdir(dir, { recursive: true });
        await copyFile(fleet.key.privateKeyFile, path.join(dir, 'ssh-privatekey'));
      } else {
        await mkdir(dir, { recursive: true }); // /tmp
      }
    }
    const args = (container.args as string[]).map((a) => (a.startsWith('/etc/mirrorset-hosts/') ? local(a) : a));
    expect(args[0]).toBe('apply');

    const applied = captureIo();
    const exit = await runApply(args.slice(1), applied.io);
    expect(applied.err()).not.toContain('level=error');
    expect(exit).toBe(0);

    // The node has exactly the files the bundle's manifest lists, byte for byte.
    const bundleDir = local('/etc/mirrorset-hosts/bundle');
    const manifest = JSON.parse(await readFile(path.join(bundleDir, 'manifest.json'), 'utf8')) as { files: Array<{ key: string; path: string }> };
    expect(manifest.files.length).toBeGreaterThan(1);
    const expected = Object.fromEntries(await Promise.all(manifest.files.map(async (f) => [f.path, await readFile(path.join(bundleDir, f.key), 'utf8')] as const)));
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
    const bundle = parseAllDocuments(yaml.out()).map((d) => d.toJS() as Obj).find((o) => o.kind === 'ConfigMap' && 'manifest.json' in (o.data ?? {})) as Obj;
    for (const [key, value] of Object.entries(bundle.data ?? {})) expect(await readFile(path.join(bundleDir, key), 'utf8')).toBe(value);

    const applied = captureIo();
    const exit = await runApply(
      ['--bundle', bundleDir, '--ssh-key', fleet.key.privateKeyFile, '--known-hosts', fleet.knownHosts, '--inventory', await inventoryFor(node), '--target', 'linux', '--containerd-config', ''],
      applied.io,
    );
    expect(applied.err()).not.toContain('level=error');
    expect(exit).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(bundleDir, 'manifest.json'), 'utf8')) as { files: Array<{ key: string; path: string }> };
    const expected = Object.fromEntries(await Promise.all(manifest.files.map(async (f) => [f.path, await readFile(path.join(bundleDir, f.key), 'utf8')] as const)));
    expect(await hostsTreeOf(node.configDir)).toEqual(expected);
  });

  /** An inventory file naming the one node, as a user writes it by hand. */
  async function inventoryFor(target: SshdNode): Promise<string> {
    const file = path.join(fleet.dir, 'inventory-by-hand.yaml');
    await writeFile(file, `- {name: ${target.name}, address: ${target.address}, port: ${target.port}, user: root, os: linux, configDir: ${target.configDir}}\n`);
    return file;
  }
});
