// The generated node-applier Job as a kubelet would run it, for the e2e suites that run the Job's own
// command line (on the host, or from the built image): `build` a config naming one sshd node, then
// lay out every volume where the Job mounts it (ConfigMap keys as symlinks into ..data).
import { chmod, chown, copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { main } from '../../../src/adapters/cli.js';
import { captureIo, type Fleet } from './fleet.js';
import type { SshdNode } from './sshd-node.js';

export type KubeObj = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: any };

/** A MirrorSetHosts config whose inventory is `node`, as a user writes it (optionally for one `spec.platform`). */
export function jobConfigFor(node: SshdNode, image: string, platform?: string): string {
  return [
    'apiVersion: mirrorset-hosts.io/v1alpha1',
    'kind: MirrorSetHosts',
    'metadata: {name: e2e, namespace: mirrorset-hosts}',
    'spec:',
    `  image: ${image}`,
    ...(platform !== undefined ? [`  platform: ${platform}`] : []),
    '  target: {os: linux}',
    '  nodes:',
    '    inventory:',
    `      - {name: ${node.name}, address: ${node.address}, port: ${node.port}, user: root, os: linux, configDir: ${node.configDir}, containerdConfig: ''}`,
    '  ssh:',
    '    secretName: ssh-key',
    '    knownHosts: {kind: ConfigMap, name: known-hosts}',
    '',
  ].join('\n');
}

/** `build` of the config file over the example repository: the objects, the Job's pod and its container. */
export async function buildJob(configFile: string, mirrorSets: string): Promise<{ objects: KubeObj[]; pod: any; container: any }> {
  const built = captureIo();
  const code = await main(['build', '--config', configFile, mirrorSets], built.io);
  if (code !== 0) throw new Error(`build exited ${code}: ${built.err()}`);
  const objects = parseAllDocuments(built.out()).map((d) => d.toJS() as KubeObj);
  const pod = (objects.find((o) => o.kind === 'Job') as KubeObj).spec.template.spec;
  return { objects, pod, container: pod.containers[0] };
}

async function mountConfigMaps(dir: string, maps: readonly KubeObj[]): Promise<void> {
  await mkdir(path.join(dir, '..data'), { recursive: true });
  for (const map of maps) {
    for (const [key, value] of Object.entries(map.data ?? {})) {
      await writeFile(path.join(dir, '..data', key), value);
      await symlink(path.join('..data', key), path.join(dir, key));
    }
  }
}

/**
 * Every volume of the Job's container, laid out at `dirFor(mountPath)` as the kubelet does: the bundle
 * (projected ConfigMaps), the inventory ConfigMap, known_hosts and the ssh key from the fleet. `keyOwner`:
 * the Secret file as the kubelet writes it for a pod with that fsGroup (root-owned, group fsGroup, 0440).
 */
export async function mountJobVolumes(
  job: { objects: readonly KubeObj[]; pod: any; container: any },
  fleet: Fleet,
  dirFor: (mountPath: string) => string | undefined,
  keyOwner?: { uid: number; gid: number },
): Promise<void> {
  for (const mount of job.container.volumeMounts as Array<{ name: string; mountPath: string }>) {
    const dir = dirFor(mount.mountPath);
    if (dir === undefined) continue;
    const volume = (job.pod.volumes as Array<Record<string, any>>).find((v) => v['name'] === mount.name) as Record<string, any>;
    if (volume['projected']?.sources?.[0]?.configMap) {
      const names = (volume['projected'].sources as Array<{ configMap: { name: string } }>).map((s) => s.configMap.name);
      await mountConfigMaps(dir, job.objects.filter((o) => o.kind === 'ConfigMap' && names.includes(o.metadata.name)));
    } else if (volume['configMap']?.name === 'known-hosts') {
      await mkdir(dir, { recursive: true });
      await copyFile(fleet.knownHosts, path.join(dir, 'known_hosts'));
    } else if (volume['configMap']) {
      await mountConfigMaps(dir, job.objects.filter((o) => o.metadata.name === volume['configMap'].name));
    } else if (volume['secret']?.secretName === 'ssh-key') {
      await mkdir(dir, { recursive: true });
      const key = path.join(dir, 'ssh-privatekey');
      await copyFile(fleet.key.privateKeyFile, key);
      if (keyOwner) {
        await chown(key, keyOwner.uid, keyOwner.gid);
        await chmod(key, 0o440);
      }
    } else {
      await mkdir(dir, { recursive: true }); // /tmp
    }
  }
}

/** The files a mounted bundle directory says the node must hold: path -> content. */
export async function bundleFilesIn(bundleDir: string): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(path.join(bundleDir, 'manifest.json'), 'utf8')) as { files: Array<{ key: string; path: string }> };
  return Object.fromEntries(await Promise.all(manifest.files.map(async (f) => [f.path, await readFile(path.join(bundleDir, f.key), 'utf8')] as const)));
}
