// Merges several priority lists into one order that respects each list where possible, exactly as
// MCO's openshift/runtime-utils pkg/registries/topo.go topoGraph.Sorted() does (commit 7bdb5b9):
// a FIFO queue seeded with the nodes that have no predecessor (in bytewise order), each batch of
// newly ready successors sorted bytewise and appended, and a cycle broken by the first unused node
// in bytewise order. Unlike runtime-utils, every element is a node even from a one-element list
// (docs/design/rendering.md "Order"), and the source registry is not a node: it is `server`, always tried last.
import { compareStrings } from '../vocabulary.js';

interface TopoNode {
  name: string;
  used: boolean;
  ins: Set<TopoNode>;
  outs: Set<TopoNode>;
}

export function mergePriorityLists(lists: readonly (readonly string[])[]): string[] {
  const nodes = new Map<string, TopoNode>();
  const node = (name: string): TopoNode => {
    let n = nodes.get(name);
    if (!n) nodes.set(name, (n = { name, used: false, ins: new Set(), outs: new Set() }));
    return n;
  };
  for (const list of lists) {
    const unique = [...new Set(list)];
    unique.forEach((name) => node(name));
    for (let i = 0; i + 1 < unique.length; i++) {
      const from = node(unique[i] as string);
      const to = node(unique[i + 1] as string);
      from.outs.add(to);
      to.ins.add(from);
    }
  }

  const all = [...nodes.values()].sort((a, b) => compareStrings(a.name, b.name));
  const queue: TopoNode[] = all.filter((n) => n.ins.size === 0);
  let head = 0;
  let nextUnused = 0;
  const result: string[] = [];
  while (head < queue.length || nextUnused < all.length) {
    let current: TopoNode;
    if (head < queue.length) {
      current = queue[head++] as TopoNode;
    } else {
      // A cycle: break it with the first unused node in bytewise order.
      current = all[nextUnused++] as TopoNode;
      if (current.used) continue;
    }
    current.used = true;
    result.push(current.name);
    const ready: TopoNode[] = [];
    for (const out of current.outs) {
      out.ins.delete(current);
      if (out.ins.size === 0 && !out.used) ready.push(out);
    }
    ready.sort((a, b) => compareStrings(a.name, b.name));
    for (const n of ready) queue.push(n); // not push(...ready): a node may have 200k successors
  }
  return result;
}
