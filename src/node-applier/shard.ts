// Which pod of an Indexed Job takes which node. Kubernetes does the fan-out (completionMode: Indexed
// gives each pod JOB_COMPLETION_INDEX); each pod keeps the nodes whose name hashes to its index.
// A node's shard depends only on its own name and the shard count, so nodes joining or leaving never
// move the others (a modulo over a sorted list would shift every node after the newcomer).

/** FNV-1a, 32 bits, over the UTF-8 bytes: small, stable across platforms and Node versions. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

export function shardFor(nodeName: string, completions: number): number {
  if (!Number.isInteger(completions) || completions < 1) throw new RangeError(`shard count must be a positive integer, found ${completions}`);
  return fnv1a32(nodeName) % completions;
}

export function selectShard<T extends { name: string }>(nodes: readonly T[], index: number, count: number): T[] {
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`shard index must be from 0 to ${count - 1}, found ${index}`);
  return nodes.filter((node) => shardFor(node.name, count) === index);
}
