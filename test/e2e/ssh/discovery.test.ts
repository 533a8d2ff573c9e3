// Node discovery through the Kubernetes API. A small local HTTPS server stands in for the API server:
// it serves a NodeList (in pages, as the real one does with `limit`), checks the bearer token and
// records what it was asked. The discovered node is a real sshd. The last suite runs the generated
// Job's own command line, its volumes laid out as the kubelet mounts them, against that stand-in:
// NotReady, cordoned and deleting nodes, and a selector that matches nothing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { nodeAddress, SERVICE_ACCOUNT_DIR, type KubeNode } from '../../../src/node-applier/discovery.js';
import { apply, Fleet, hostsToml, hostsTreeOf, writeBundle } from './fleet.js';
import { bundleFilesIn, buildJob, mountJobVolumes } from './job-pod.js';
import { missingSshTools, SshdNode } from './sshd-node.js';
import { startKubeApiStandIn } from './kube-api-stand-in.js';

const missing = await missingSshTools(['openssl']);
if (missing) console.warn(`skipping: ${missing}`);
const describeSsh = missing ? describe.skip : describe;

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.service-account-token-for-tests.c2lnbmF0dXJl';
const V1 = { 'quay.io/hosts.toml': hostsToml('quay.io', 'mirror.example.com/quay') };

describe('which address of a Node is used', () => {
  test.each([
    ['the first IPv4 InternalIP', [['ExternalIP', '203.0.113.9'], ['InternalIP', 'fd00::5'], ['InternalIP', '10.0.0.5'], ['InternalIP', '10.0.0.6']], '10.0.0.5'],
    ['InternalDNS when there is no IPv4 InternalIP', [['InternalIP', 'fd00::5'], ['InternalDNS', 'ip-10-0-0-5.ec2.internal']], 'ip-10-0-0-5.ec2.internal'],
    ['an IPv6 InternalIP as the last resort', [['ExternalIP', '203.0.113.9'], ['InternalIP', 'fd00::5']], 'fd00::5'],
    ['nothing when only external addresses exist', [['ExternalIP', '203.0.113.9'], ['Hostname', 'win-a']], undefined],
  ])('%s', (_why, addresses, expected) => {
    expect(nodeAddress({ status: { addresses: addresses.map(([type, address]) => ({ type, address })) } })).toBe(expected);
  });
});

describeSsh('apply with nodes discovered through the Kubernetes API', () => {
  let fleet: Fleet;
  let node: SshdNode;
  let closeApi: (() => Promise<void>) | undefined;
  let api: string;
  let ca: string;
  let tokenFile: string;
  const requests: Array<{ url: string; auth: string | undefined }> = [];
  let status = 200;
  let served: KubeNode[] = [];

  beforeAll(async () => {
    fleet = await Fleet.start(36, 1);
    node = fleet.nodes[0] as SshdNode;
    served = [
      { metadata: { name: node.name, labels: { 'kubernetes.io/os': 'linux' } }, status: { addresses: [{ type: 'Hostname', address: 'node-a' }, { type: 'InternalIP', address: node.address }] } },
      { metadata: { name: 'node-pending', labels: { 'kubernetes.io/os': 'linux' } }, status: {} },
    ];
    const standIn = await startKubeApiStandIn(fleet.dir, '127.0.36.50', TOKEN, (req) => {
      requests.push({ url: req.url ?? '', auth: req.headers.authorization });
      if (status !== 200) return { status, body: { kind: 'Status', message: 'nodes is forbidden: User "system:serviceaccount:ns:sa" cannot list resource "nodes"' } };
      // One node a page: the applier must follow metadata.continue.
      const url = new URL(req.url ?? '/', 'https://x');
      const page = Number(/^page-(\d+)$/.exec(url.searchParams.get('continue') ?? '')?.[1] ?? '1') - 1;
      const more = page + 1 < served.length ? { continue: `page-${page + 2}` } : {};
      return { status: 200, body: { kind: 'NodeList', apiVersion: 'v1', metadata: more, items: served.slice(page, page + 1) } };
    });
    ({ api, ca, tokenFile } = standIn);
    closeApi = standIn.close;
  });
  afterAll(async () => {
    await closeApi?.();
    await fleet?.dispose();
  });

  const args = (bundle: string): string[] => [
    '--bundle', bundle,
    '--target', 'linux',
    '--selector', 'kubernetes.io/os=linux,node-role.kubernetes.io/worker',
    '--ssh-key', fleet.key.privateKeyFile,
    '--known-hosts', fleet.knownHosts,
    '--ssh-user', 'root',
    '--ssh-port', String(node.port),
    '--config-dir', node.configDir,
    '--containerd-config', '',
    '--kube-api', api,
    '--kube-token-file', tokenFile,
    '--kube-ca-file', ca,
  ];

  test('lists the nodes by label selector with the token, pages through, and updates each node at its InternalIP', async () => {
    const bundle = await writeBundle(fleet.bundleDir('v1'), V1);
    const result = await apply(args(bundle));
    expect(requests.map((r) => r.url)).toEqual([
      '/api/v1/nodes?labelSelector=kubernetes.io%2Fos%3Dlinux%2Cnode-role.kubernetes.io%2Fworker&limit=500',
      '/api/v1/nodes?labelSelector=kubernetes.io%2Fos%3Dlinux%2Cnode-role.kubernetes.io%2Fworker&limit=500&continue=page-2',
    ]);
    expect(requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(result.stdout).toMatch(/^node-a +127\.0\.36\.1:\d+ +changed +\S+ +1 +0/m);
    expect(result.stdout).toMatch(/^node-pending +- +failed +\S+ +- +- +discover: the Node has no InternalIP or InternalDNS address in its status/m);
    expect(result.code).toBe(1);
    expect(await hostsTreeOf(node.configDir)).toEqual(V1);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  test('an API refusal fails the run with the API\'s reason and a hint, and never shows the token', async () => {
    status = 403;
    try {
      const result = await apply(args(await writeBundle(fleet.bundleDir('v1b'), V1)));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/step=discover result=failed .*HTTP 403: nodes is forbidden.*the Job needs a ClusterRole that allows list on nodes/);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
    } finally {
      status = 200;
    }
  });

  test('without an API server or an inventory, discovery is a usage error', async () => {
    const result = await apply(args(fleet.bundleDir('v1')).filter((x, i, all) => x !== '--kube-api' && all[i - 1] !== '--kube-api'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('node discovery needs the Kubernetes API');
  });
  describe('the generated Job\'s command line: which nodes count, and when the run fails', () => {
    // Ready, NotReady, cordoned and being deleted, as the API reports them. Only node-a has an sshd:
    // contacting any other would fail the run.
    const ready = (): KubeNode => ({ metadata: { name: node.name, labels: { 'kubernetes.io/os': 'linux' } }, status: { addresses: [{ type: 'InternalIP', address: node.address }], conditions: [{ type: 'Ready', status: 'True' }] } });
    const unavailable: KubeNode[] = [
      { metadata: { name: 'node-notready' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.36.91' }], conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } },
      { metadata: { name: 'node-cordoned' }, spec: { unschedulable: true }, status: { addresses: [{ type: 'InternalIP', address: '127.0.36.92' }], conditions: [{ type: 'Ready', status: 'True' }] } },
      { metadata: { name: 'node-leaving', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { addresses: [], conditions: [{ type: 'Ready', status: 'False' }] } },
    ];
    const SELECTOR = 'node-role.kubernetes.io/worker';
    let root: string;
    let jobArgs: string[];
    let bundleDir: string;

    beforeAll(async () => {
      // The config a user writes for discovered nodes; ssh port and config dir are this sshd's.
      const config = path.join(fleet.dir, 'discovery-job.yaml');
      await writeFile(
        config,
        [
          'apiVersion: mirrorset-hosts.io/v1alpha1',
          'kind: MirrorSetHosts',
          'metadata: {name: e2e-discovery, namespace: mirrorset-hosts}',
          'spec:',
          '  image: registry.example.com/mirrorset-hosts:test',
          '  target: {os: linux, configDir: ' + node.configDir + ", containerdConfig: ''}",
          `  nodes: {selector: ${SELECTOR}}`,
          `  ssh: {secretName: ssh-key, user: root, port: ${node.port}, knownHosts: {kind: ConfigMap, name: known-hosts}}`,
          '',
        ].join('\n'),
      );
      const job = await buildJob(config, path.join(process.cwd(), 'fixtures/example-repo/mirror-sets'));
      root = path.join(fleet.dir, 'discovery-pod');
      await mountJobVolumes(job, fleet, (p) => path.join(root, p));
      // The projected token and CA, where the kubelet puts them.
      await writeFile(path.join(root, SERVICE_ACCOUNT_DIR, 'token'), TOKEN + '\n');
      await writeFile(path.join(root, SERVICE_ACCOUNT_DIR, 'ca.crt'), await readFile(ca));
      bundleDir = path.join(root, '/etc/mirrorset-hosts/bundle');
      jobArgs = (job.container.args as string[]).slice(1).map((a) => (a.startsWith('/etc/mirrorset-hosts/') ? path.join(root, a) : a));
      expect(jobArgs).toEqual(expect.arrayContaining(['--selector', SELECTOR]));
    });

    // The pod's environment as Kubernetes sets it; the token and CA paths are the only flags added,
    // because /var/run/secrets is not writable here.
    const runJob = (more: string[] = []): ReturnType<typeof apply> => {
      const { hostname, port } = new URL(api);
      return apply([...jobArgs, '--kube-token-file', path.join(root, SERVICE_ACCOUNT_DIR, 'token'), '--kube-ca-file', path.join(root, SERVICE_ACCOUNT_DIR, 'ca.crt'), '--connect-timeout', '3', ...more], {
        KUBERNETES_SERVICE_HOST: hostname,
        KUBERNETES_SERVICE_PORT: port,
      });
    };

    test('NotReady, cordoned and deleting nodes are reported skipped-unavailable, never contacted, and the run succeeds', async () => {
      served = [ready(), ...unavailable];
      const result = await runJob();
      expect(result.stdout).toMatch(/^node-a +127\.0\.36\.1:\d+ +changed /m);
      expect(result.stdout).toMatch(/^node-notready +127\.0\.36\.91 +skipped-unavailable +- +- +- +the Node is NotReady \(Ready=Unknown, NodeStatusUnknown\)$/m);
      expect(result.stdout).toMatch(/^node-cordoned +127\.0\.36\.92 +skipped-unavailable +- +- +- +the Node is cordoned/m);
      expect(result.stdout).toMatch(/^node-leaving +- +skipped-unavailable +- +- +- +the Node is being deleted/m);
      expect(result.stdout).toContain('4 node(s): 1 changed, 0 unchanged, 0 failed, 0 skipped, 3 unavailable (skipped)');
      expect(result.stderr).not.toMatch(/node=node-(notready|cordoned|leaving) .*step=connect/);
      expect(result.code).toBe(0);
      expect(await hostsTreeOf(node.configDir)).toEqual(await bundleFilesIn(bundleDir));
    });

    test('with unavailableNodes: fail the same nodes fail the run', async () => {
      served = [ready(), ...unavailable];
      const result = await runJob(['--unavailable-nodes', 'fail']);
      expect(result.stdout).toMatch(/^node-notready +127\.0\.36\.91 +failed +- +- +- +discover: the Node is NotReady/m);
      expect(result.code).toBe(1);
    });

    test('a selector that matches no node fails the run and names the selector', async () => {
      served = [];
      const result = await runJob();
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/step=discover result=failed min_nodes=1 msg="0 node\(s\) to update, fewer than --min-nodes 1: selector node-role.kubernetes.io\/worker matched 0 node\(s\); check the selector/);
    });

    test('only unavailable nodes: nothing to update is a failure too, which minNodes 0 allows', async () => {
      served = [...unavailable];
      const failed = await runJob();
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('matched 3 node(s), 3 of them unavailable or unusable');
      expect(failed.stdout).toContain('3 unavailable (skipped)');
      served = [];
      const allowed = await runJob(['--min-nodes', '0']);
      expect(allowed.code).toBe(0);
    });
  });
});
