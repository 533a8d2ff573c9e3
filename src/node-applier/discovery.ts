// Node discovery through the Kubernetes API, the pure part: where the pod finds the API and its
// token, and what a Node object says about how to reach it. io/kube-nodes.ts does the requests.
import { TARGET_OSES, type InventoryEntry, type TargetOs } from '../vocabulary.js';

/** Where Kubernetes mounts a pod's service-account token and the cluster's CA (discovery reads them). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`, as client-go's InClusterConfig builds it. */
export function inClusterServer(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Nodes are discovered through the API when a selector is given, or when no inventory lists them. */
export function usesDiscovery(selector: string | undefined, hasInventory: boolean): boolean {
  return selector !== undefined || !hasInventory;
}

/** The subset of a Node we read. */
export interface KubeNode {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  status?: { addresses?: Array<{ type?: string; address?: string }> };
}

export type DiscoveredNode = { entry: InventoryEntry } | { name: string; problem: string };

/**
 * The address to reach a node: an IPv4 InternalIP first, else its InternalDNS name, an IPv6
 * InternalIP last. WMCO (controllers/controllers.go GetAddress, docs/design/wmco.md "Node
 * addresses") takes the first InternalIP or InternalDNS in status order and never IPv6; this
 * prefers an IPv4 address over an earlier DNS name, so a node is reached without a resolver.
 */
export function nodeAddress(node: KubeNode): string | undefined {
  const addresses = node.status?.addresses ?? [];
  const internalIps = addresses.filter((a) => a.type === 'InternalIP' && a.address).map((a) => a.address as string);
  return (
    internalIps.find((a) => !a.includes(':')) ??
    addresses.find((a) => a.type === 'InternalDNS' && a.address)?.address ??
    internalIps[0]
  );
}

export function toTargets(nodes: readonly KubeNode[], defaultOs: TargetOs): DiscoveredNode[] {
  return nodes.map((node) => {
    const name = node.metadata?.name ?? '';
    const address = nodeAddress(node);
    if (!address) return { name, problem: 'the Node has no InternalIP or InternalDNS address in its status' };
    const label = node.metadata?.labels?.['kubernetes.io/os'];
    const os = TARGET_OSES.find((known) => known === label) ?? defaultOs;
    return { entry: { name, address, os } };
  });
}

