// What the applier reads from WMCO's Node annotations, with a local HTTPS stand-in for the API server
// serving the NodeList and real sshd nodes: known_hosts built from the pinned host keys
// (--known-hosts-from-node-annotations: a node without a key, or with another key, is refused), and
// nodes WMCO manages (refused unless --wmco-coexist with a wmco-profile bundle).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WMCO_HOST_KEY_ANNOTATION, WMCO_HOST_KEY_TYPE_ANNOTATION, WMCO_VERSION_ANNOTATION } from '../../../src/node-applier/wmco-node.js';
import { apply, Fleet, hostsToml, hostsTreeOf, logLines, treeOf, writeBundle } from './fleet.js';
import { makeKeyPair, missingSshTools, SshdNode } from './sshd-node.js';
import { startKubeApiStandIn } from './kube-api-stand-in.js';

const missing = await missingSshTools(['openssl']);
if (missing) console.warn(`skipping: ${missing}`);
const describeSsh = missing ? describe.skip : describe;

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.annotations-test-token.c2lnbmF0dXJl';
const V1 = { 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror.example.com/quay') };

/** WMCO's annotation value for a host key: base64 of the wire format, i.e. the known_hosts key field. */
const annotationsFor = (publicKey: string): Record<string, string> => {
  const [type, blob] = publicKey.split(' ') as [string, string];
  return { [WMCO_HOST_KEY_ANNOTATION]: blob, [WMCO_HOST_KEY_TYPE_ANNOTATION]: type };
};

describeSsh('Node annotations written by WMCO', () => {
  let fleet: Fleet;
  let api: string;
  let ca: string;
  let tokenFile: string;
  let closeApi: (() => Promise<void>) | undefined;
  let items: unknown[] = [];
  let instances: Record<string, string> = {};
  const node = (name: string): SshdNode => fleet.node(name);

  beforeAll(async () => {
    fleet = await Fleet.start(53, 4);
    const standIn = await startKubeApiStandIn(fleet.dir, '127.0.53.50', TOKEN, (req) => {
      if (req.url?.startsWith('/api/v1/nodes?')) return { status: 200, body: { kind: 'NodeList', apiVersion: 'v1', metadata: {}, items } };
      if (req.url === '/api/v1/namespaces/openshift-windows-machine-config-operator/configmaps/windows-instances') {
        return { status: 200, body: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'windows-instances' }, data: instances } };
      }
      return { status: 404, body: { kind: 'Status', message: `${req.url} not found` } };
    });
    ({ api, ca, tokenFile } = standIn);
    closeApi = standIn.close;
  });
  afterAll(async () => {
    await closeApi?.();
    await fleet?.dispose();
  });

  const kubeNode = (n: SshdNode, annotations: Record<string, string>): unknown => ({
    metadata: { name: n.name, labels: { 'kubernetes.io/os': 'linux' }, annotations },
    status: { addresses: [{ type: 'InternalIP', address: n.address }] },
  });
  // The inventory gives each node its port and config directory (they share this machine); the
  // annotations come from the Node of the same name, as with any discovered node.
  const inventoryOf = async (names: string[]): Promise<string> => {
    const file = path.join(fleet.dir, `inventory-${names.join('-')}.yaml`);
    const lines = names.map((name) => {
      const n = node(name);
      return `- {name: ${n.name}, address: ${n.address}, port: ${n.port}, user: root, os: linux, configDir: ${JSON.stringify(n.configDir)}, containerdConfig: ''}`;
    });
    await writeFile(file, lines.join('\n') + '\n');
    return file;
  };
  let inventory = '';
  const args = (bundle: string, hostKeys: string[]): string[] => [
    '--bundle', bundle, '--inventory', inventory, '--selector', 'kubernetes.io/os=linux',
    '--ssh-key', fleet.key.privateKeyFile, ...hostKeys,
    '--kube-api', api, '--kube-token-file', tokenFile, '--kube-ca-file', ca,
    '--connect-timeout', '3', '--command-timeout', '30', '--canary', 'none',
  ];

  test('known_hosts from the pinned keys: a pinned node is updated; one without a key or with another key is refused, never trusted on first use', async () => {
    const other = await makeKeyPair(fleet.dir, 'some-other-host-key');
    items = [
      kubeNode(node('node-a'), annotationsFor(node('node-a').hostPublicKey)),
      kubeNode(node('node-b'), {}),
      kubeNode(node('node-c'), annotationsFor(other.publicKey)),
      kubeNode(node('node-d'), { [WMCO_HOST_KEY_ANNOTATION]: 'not base64!' }),
    ];
    inventory = await inventoryOf(['node-a', 'node-b', 'node-c', 'node-d']);
    const result = await apply(args(await writeBundle(fleet.bundleDir('keys'), V1), ['--known-hosts-from-node-annotations']));
    expect(result.stdout).toMatch(/^node-a +127\.0\.53\.1:\d+ +changed +\S+ +1 +0/m);
    expect(await hostsTreeOf(node('node-a').configDir)).toEqual(V1);

    const failed = (name: string): Record<string, string> | undefined => logLines(result.stderr, name).find((l) => l['result'] === 'failed');
    expect(failed('node-b')?.['step']).toBe('host-key');
    expect(failed('node-b')?.['msg']).toContain(`the Node has no ${WMCO_HOST_KEY_ANNOTATION} annotation`);
    expect(failed('node-b')?.['msg']).toContain('never trusted on first use');
    // node-c: the real sshd shows another key than the pinned one, and ssh refuses it.
    expect(failed('node-c')?.['step']).toBe('connect');
    expect(failed('node-c')?.['msg']).toMatch(/refused: the host key of \[127\.0\.53\.3\]:\d+ does not match the known_hosts file/);
    expect(failed('node-d')?.['msg']).toContain('is not an SSH public key in WMCO\'s format');
    for (const n of ['node-b', 'node-c', 'node-d']) expect(await treeOf(node(n).configDir).catch(() => ({}))).toEqual({});
    expect(result.stderr).not.toContain('unverified');
    expect(result.code).toBe(1);
  });

  test('a node WMCO manages is refused with what WMCO does and what to use instead; the others go on', async () => {
    const pins = (n: string): Record<string, string> => annotationsFor(node(n).hostPublicKey);
    items = [kubeNode(node('node-a'), pins('node-a')), kubeNode(node('node-b'), { ...pins('node-b'), [WMCO_VERSION_ANNOTATION]: '10.18.0+a1b2c3d' })];
    inventory = await inventoryOf(['node-a', 'node-b']);
    const result = await apply(args(await writeBundle(fleet.bundleDir('wmco'), V1), ['--known-hosts-from-node-annotations']));
    const refused = logLines(result.stderr, 'node-b').find((l) => l['result'] === 'failed');
    expect(refused?.['step']).toBe('wmco');
    expect(refused?.['msg']).toContain('the Node is managed by WMCO (annotation windowsmachineconfig.openshift.io/version="10.18.0+a1b2c3d")');
    expect(refused?.['msg']).toContain('replaces the whole directory');
    expect(refused?.['msg']).toContain('mirrorset-hosts plan --profile wmco');
    expect(refused?.['msg']).toContain('spec.wmco.coexist: true');
    expect(await treeOf(node('node-b').configDir).catch(() => ({}))).toEqual({});
    expect(result.stdout).toMatch(/^node-a +127\.0\.53\.1:\d+ +(changed|unchanged)/m);
    expect(result.code).toBe(1);

    // --wmco-coexist with a bundle of another profile is refused before any node is touched.
    const wrong = await apply([...args(await writeBundle(fleet.bundleDir('wmco-wrong'), V1), ['--known-hosts-from-node-annotations']), '--wmco-coexist']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('it was rendered with profile containerd: render it with --profile wmco');

    // With --wmco-coexist and a wmco-profile bundle, the files WMCO already wrote (the same bytes) are taken over.
    await mkdir(path.join(node('node-b').configDir, 'quay.io'), { recursive: true });
    await writeFile(path.join(node('node-b').configDir, 'quay.io', 'hosts.toml'), V1['quay.io/hosts.toml']);
    const bundle = await writeBundle(fleet.bundleDir('wmco-profile'), V1);
    const manifestFile = path.join(bundle, 'manifest.json');
    await writeFile(manifestFile, JSON.stringify({ ...JSON.parse(await readFile(manifestFile, 'utf8')), profile: 'wmco' }));
    const coexist = await apply([...args(bundle, ['--known-hosts-from-node-annotations']), '--wmco-coexist']);
    // Same bytes: nothing to rewrite, only the ownership record is written.
    expect(coexist.stdout).toMatch(/^node-b +127\.0\.53\.2:\d+ +changed +\S+ +0 +0/m);
    expect(Object.keys(await treeOf(node('node-b').configDir)).sort()).toEqual(['.mirrorset-hosts/lock', '.mirrorset-hosts/owner.json', 'quay.io/hosts.toml']);
    expect(await hostsTreeOf(node('node-b').configDir)).toEqual(V1);
    expect(coexist.code).toBe(0);
  });

  test("BYOH's windows-instances ConfigMap is the inventory: each instance at its address, as its own user, named after its Node", async () => {
    // A second sshd on node-a's port (the ConfigMap has addresses, not ports), for a second instance.
    const a = node('node-a');
    const e = await SshdNode.start({ name: 'node-e', address: '127.0.53.5', port: a.port, authorizedKeys: [fleet.key.publicKey] });
    try {
      instances = { [a.address]: 'username=root', [e.address]: 'username=byoh-admin', '127.0.53.9': 'user=Administrator' };
      items = [
        { ...(kubeNode(a, annotationsFor(a.hostPublicKey)) as object) },
        { metadata: { name: 'byoh-e', labels: { 'kubernetes.io/os': 'linux' }, annotations: annotationsFor(e.hostPublicKey) }, status: { addresses: [{ type: 'InternalIP', address: e.address }] } },
      ];
      const result = await apply([
        '--bundle', await writeBundle(fleet.bundleDir('byoh'), V1),
        '--windows-instances', 'openshift-windows-machine-config-operator/windows-instances', '--target', 'linux',
        '--known-hosts-from-node-annotations', '--ssh-key', fleet.key.privateKeyFile,
        '--ssh-port', String(a.port), '--config-dir', a.configDir, '--containerd-config', '',
        '--kube-api', api, '--kube-token-file', tokenFile, '--kube-ca-file', ca,
        '--connect-timeout', '3', '--command-timeout', '30', '--canary', 'none',
      ]);
      if (result.stdout === '') throw new Error(result.stderr);
      expect(result.stdout).toMatch(/^node-a +127\.0\.53\.1:\d+ +(changed|unchanged)/m);
      expect(await hostsTreeOf(a.configDir)).toEqual(V1);
      // The user is the instance's own: the ConfigMap says byoh-admin for this one, and sshd has no such user.
      expect(logLines(result.stderr, 'byoh-e').find((l) => l['result'] === 'failed')?.['msg']).toContain('authentication refused for user byoh-admin at 127.0.53.5:');
      expect(result.stdout).toMatch(/^127\.0\.53\.9 +- +failed .*ConfigMap openshift-windows-machine-config-operator\/windows-instances entry "127\.0\.53\.9": expected "username=<user>"/m);
      expect(result.code).toBe(1);
    } finally {
      await e.dispose();
    }
  });
});
