// OpenShift BYOH's `windows-instances` ConfigMap as an inventory. Its format is WMCO's
// (pkg/wiparser/wiparser.go `Parse` and `extractUsername`): each data key is the instance's address
// (an IPv4 address or a DNS name), each value `username=<user>` (split at the first '=', the part
// before it must be exactly `username`). WMCO finds the instance's Node by that address
// (nodeutil.FindByAddress over the Windows Nodes); so does this, for the node's name.
import { TARGET_OSES, type InventoryEntry } from '../vocabulary.js';
import type { KubeNode } from './discovery.js';
import { nodeEntryProblems } from './node-target.js';

export type WindowsInstance = { entry: InventoryEntry } | { name: string; problem: string };

/** The ConfigMap's data -> one inventory entry per instance (sorted by address), or why one is unusable. */
export function parseWindowsInstances(data: Readonly<Record<string, string>>, nodes: readonly KubeNode[], source: string): WindowsInstance[] {
  return Object.keys(data)
    .sort()
    .map((address) => {
      const value = data[address] as string;
      const cut = value.indexOf('=');
      const node = nodes.find((n) => (n.status?.addresses ?? []).some((a) => a.address === address));
      const name = node?.metadata?.name ?? address.toLowerCase();
      if (cut < 0 || value.slice(0, cut) !== 'username') {
        return { name, problem: `${source} entry ${JSON.stringify(address)}: expected "username=<user>" (the format WMCO reads), found a value without it` };
      }
      // BYOH instances are Windows; the Node's kubernetes.io/os label decides, as in discovery.
      const os = TARGET_OSES.find((known) => known === node?.metadata?.labels?.['kubernetes.io/os']) ?? 'windows';
      const entry: InventoryEntry = { name, address, user: value.slice(cut + 1), os };
      const problems = nodeEntryProblems(entry);
      return problems.length > 0 ? { name, problem: `${source} entry ${JSON.stringify(address)}: ${problems.join('; ')}` } : { entry };
    });
}
