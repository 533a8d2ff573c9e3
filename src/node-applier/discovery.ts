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
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: { unschedulable?: boolean };
  status?: { addresses?: Array<{ type?: string; address?: string }>; conditions?: Array<{ type?: string; status?: string; reason?: string }> };
}

/** A usable node; `unavailable` says why it is not one to update now (NotReady, cordoned, being deleted). */
export type DiscoveredNode = { entry: InventoryEntry; unavailable?: string } | { name: string; problem: string };

/**
 * Why a Node is not one to update now, or undefined. The signals kubectl shows in STATUS
 * (kubectl's printNode in pkg/printers/internalversion/printers.go: the Ready condition,
 * SchedulingDisabled for spec.unschedulable) and metadata.deletionTimestamp, which the API
 * server sets when the Node is being deleted (autoscaler scale-down). A Node without a Ready
 * condition has not reported yet and is judged by its address alone.
 */
export function unavailableReason(node: KubeNode): string | undefined {
  if (node.metadata?.deletionTimestamp) return `the Node is being deleted (deletionTimestamp ${node.metadata.deletionTimestamp})`;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready !== undefined && ready.status !== 'True') {
    return `the Node is NotReady (Ready=${ready.status ?? 'Unknown'}${ready.reason ? `, ${ready.reason}` : ''})`;
  }
  if (node.spec?.unschedulable === true) return 'the Node is cordoned (spec.unschedulable)';
  return undefined;
}

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
    const label = node.metadata?.labels?.['kubernetes.io/os'];
    const os = TARGET_OSES.find((known) => known === label) ?? defaultOs;
    const address = nodeAddress(node);
    // A node on its way out may already have lost its addresses: it is unavailable, not broken.
    const unavailable = unavailableReason(node);
    if (unavailable !== undefined) return { entry: { name, address: address ?? '-', os }, unavailable };
    if (!address) return { name, problem: 'the Node has no InternalIP or InternalDNS address in its status' };
    return { entry: { name, address, os } };
  });
}
