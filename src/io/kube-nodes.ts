// Node discovery through the Kubernetes API with the pod's service-account token: GET /api/v1/nodes
// with a label selector, page by page. node:https rather than fetch, because fetch in Node 20 cannot
// be given the cluster's CA bundle without undici, which is not a dependency here.
import { request } from 'node:https';
import type { KubeNode } from '../node-applier/discovery.js';

export interface KubeApiOptions {
  /** https://host:port */
  server: string;
  token: string;
  /** PEM bundle that signs the API server's certificate; undefined: the system roots. */
  ca?: string;
  timeoutMs?: number;
}

export async function listNodes(options: KubeApiOptions, labelSelector: string): Promise<KubeNode[]> {
  const nodes: KubeNode[] = [];
  let continueToken = '';
  do {
    const query = new URLSearchParams({ labelSelector, limit: '500' });
    if (continueToken) query.set('continue', continueToken);
    const page = (await getJson(options, `/api/v1/nodes?${query.toString()}`)) as {
      items?: KubeNode[];
      metadata?: { continue?: string };
    };
    nodes.push(...(page.items ?? []));
    continueToken = page.metadata?.continue ?? '';
  } while (continueToken);
  return nodes;
}

/** A ConfigMap's data (GET /api/v1/namespaces/NS/configmaps/NAME). */
export async function getConfigMapData(options: KubeApiOptions, namespace: string, name: string): Promise<Record<string, string>> {
  const cm = (await getJson(options, `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`)) as { data?: Record<string, string> };
  return cm.data ?? {};
}

function getJson(options: KubeApiOptions, path: string): Promise<unknown> {
  const url = new URL(path, options.server);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { Authorization: `Bearer ${options.token}`, Accept: 'application/json' },
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        timeout: options.timeoutMs ?? 30000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new Error(`the Kubernetes API answered ${url.origin}${url.pathname} with HTTP ${status}${apiMessage(body)}${hintFor(status)}`));
            return;
          }
          try {
            resolve(JSON.parse(body));
          } catch {
            reject(new Error(`the Kubernetes API at ${url.origin} sent something that is not JSON for ${url.pathname}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from the Kubernetes API at ${url.origin} within ${(options.timeoutMs ?? 30000) / 1000}s`)));
    req.on('error', (e) => reject(e.message.startsWith('no answer') ? e : new Error(`cannot reach the Kubernetes API at ${url.origin}: ${e.message}`)));
    req.end();
  });
}

/** The `message` of a Kubernetes Status object; never the request (which carries the token). */
function apiMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: unknown };
    return typeof status.message === 'string' ? `: ${status.message}` : '';
  } catch {
    return '';
  }
}

function hintFor(status: number): string {
  if (status === 401) return '; the service-account token was not accepted (is automountServiceAccountToken on?)';
  if (status === 403) return '; the Job needs a ClusterRole that allows list on nodes (generated with node discovery)';
  return '';
}
