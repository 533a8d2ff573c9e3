// A local stand-in for the Kubernetes API server the node-applier reads (the node list, the
// windows-instances ConfigMap): HTTPS with its own CA on a loopback address, a bearer token that must
// match, and the answers the test gives. What apply does with them is the real code path (--kube-api,
// --kube-ca-file, --kube-token-file); only the server is a stand-in.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './sshd-node.js';

const run = promisify(execFile);

export interface KubeApiStandIn {
  /** https://address:port */
  api: string;
  /** The server's certificate, as --kube-ca-file. */
  ca: string;
  /** Holds the token, as --kube-token-file. */
  tokenFile: string;
  close(): Promise<void>;
}

/** An authorised request -> status and JSON body. A request without the bearer token gets 401 first. */
export type Answer = (request: IncomingMessage) => { status: number; body: unknown };

export async function startKubeApiStandIn(dir: string, address: string, token: string, answer: Answer): Promise<KubeApiStandIn> {
  const key = path.join(dir, 'api.key');
  const ca = path.join(dir, 'api.crt');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=kube-apiserver', '-addext', `subjectAltName=IP:${address}`, '-keyout', key, '-out', ca]);
  const tokenFile = path.join(dir, 'token');
  await writeFile(tokenFile, token + '\n');
  const server = https.createServer({ key: await readFile(key), cert: await readFile(ca) }, (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    const { status, body } = req.headers.authorization === `Bearer ${token}` ? answer(req) : { status: 401, body: { kind: 'Status', message: 'Unauthorized' } };
    res.writeHead(status).end(JSON.stringify(body));
  });
  const port = await freePort(address);
  await new Promise<void>((r) => server.listen(port, address, r));
  return { api: `https://${address}:${port}`, ca, tokenFile, close: () => new Promise<void>((r) => server.close(() => r())) };
}
