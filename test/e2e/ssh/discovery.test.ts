// Node discovery through the Kubernetes API. A small local HTTPS server stands in for the API server:
// it serves a NodeList (in pages, as the real one does with `limit`), checks the bearer token and
// records what it was asked. The discovered node is a real sshd.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { nodeAddress } from '../../../src/node-applier/discovery.js';
import { apply, Fleet, hostsToml, hostsTreeOf, writeBundle } from './fleet.js';
import { freePort, missingSshTools, SshdNode } from './sshd-node.js';

const run = promisify(execFile);
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
  let server: https.Server;
  let api: string;
  let ca: string;
  let tokenFile: string;
  const requests: Array<{ url: string; auth: string | undefined }> = [];
  let status = 200;

  beforeAll(async () => {
    fleet = await Fleet.start(36, 1);
    node = fleet.nodes[0] as SshdNode;
    const address = '127.0.36.50';
    const key = path.join(fleet.dir, 'api.key');
    ca = path.join(fleet.dir, 'api.crt');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', `subjectAltName=IP:${address}`, '-keyout', key, '-out', ca]);
    tokenFile = path.join(fleet.dir, 'token');
    await writeFile(tokenFile, TOKEN + '\n');
    const nodes = [
      { metadata: { name: node.name, labels: { 'kubernetes.io/os': 'linux' } }, status: { addresses: [{ type: 'Hostname', address: 'node-a' }, { type: 'InternalIP', address: node.address }] } },
      { metadata: { name: 'node-pending', labels: { 'kubernetes.io/os': 'linux' } }, status: {} },
    ];
    server = https.createServer({ key: await readFile(key), cert: await readFile(ca) }, (req, res) => {
      requests.push({ url: req.url ?? '', auth: req.headers.authorization });
      res.setHeader('Content-Type', 'application/json');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end(JSON.stringify({ kind: 'Status', message: 'Unauthorized' }));
      } else if (status !== 200) {
        res.writeHead(status).end(JSON.stringify({ kind: 'Status', message: 'nodes is forbidden: User "system:serviceaccount:ns:sa" cannot list resource "nodes"' }));
      } else {
        // Two pages: the applier must follow metadata.continue.
        const url = new URL(req.url ?? '/', 'https://x');
        const page = url.searchParams.get('continue') === 'page-2' ? 1 : 0;
        res.writeHead(200).end(JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: page === 0 ? { continue: 'page-2' } : {}, items: [nodes[page]] }));
      }
    });
    const port = await freePort(address);
    await new Promise<void>((r) => server.listen(port, address, r));
    api = `https://${address}:${port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
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
});
