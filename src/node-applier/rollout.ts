// The order in which nodes are updated. WMCO's registry controller walks the nodes one by one and
// returns at the first error, leaving the rest for a retry of everything (docs/design/wmco.md "How WMCO rolls out").
// Here: one canary node first (a bad bundle or a broken command set fails there, once); then at most
// maxParallel nodes at a time; once maxFailures nodes have failed no new node is started (those
// running finish) and the rest are reported as skipped.
import { compareStrings } from '../vocabulary.js';

export interface RolloutPolicy {
  /** A node name, 'auto' (the first node by name) or 'none'. */
  canary: string;
  maxParallel: number;
  maxFailures: number;
}

export const DEFAULT_ROLLOUT: RolloutPolicy = { canary: 'auto', maxParallel: 10, maxFailures: 3 };

export interface RolloutOrder {
  canary: string | null;
  rest: string[];
}

/** Canary first, then every other node by name. A named canary that is not in the set is an error. */
export function rolloutOrder(names: readonly string[], canary: string): RolloutOrder {
  const sorted = [...names].sort(compareStrings);
  if (canary === 'none' || sorted.length < 2) return { canary: null, rest: sorted };
  const chosen = canary === 'auto' ? (sorted[0] as string) : canary;
  if (!sorted.includes(chosen)) {
    throw new RangeError(`canary node ${JSON.stringify(canary)} is not among the nodes of this run (${sorted.join(', ')}); name one of them, or use auto or none`);
  }
  return { canary: chosen, rest: sorted.filter((n) => n !== chosen) };
}

export type Skipped = { skipped: true; reason: string };

/**
 * Runs `work` on every node under the policy. `work` must not throw (a node's failure is a value);
 * results come back in rollout order, each node exactly once.
 */
export async function runRollout<R extends { failed: boolean }>(
  names: readonly string[],
  policy: RolloutPolicy,
  work: (name: string) => Promise<R>,
): Promise<Array<{ name: string; result: R | Skipped }>> {
  const order = rolloutOrder(names, policy.canary);
  const results = new Map<string, R | Skipped>();
  let failures = 0;
  let stopReason: string | null = null;

  if (order.canary !== null) {
    const result = await work(order.canary);
    results.set(order.canary, result);
    if (result.failed) {
      failures++;
      stopReason = `canary node ${order.canary} failed`;
    }
  }

  const queue = [...order.rest];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      if (stopReason === null && failures >= policy.maxFailures) stopReason = `${failures} node(s) failed (maxFailures ${policy.maxFailures})`;
      if (stopReason !== null) {
        results.set(name, { skipped: true, reason: `not started: ${stopReason}` });
        continue;
      }
      const result = await work(name);
      results.set(name, result);
      if (result.failed) failures++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(policy.maxParallel, queue.length)) }, worker));

  const all = order.canary === null ? order.rest : [order.canary, ...order.rest];
  return all.map((name) => ({ name, result: results.get(name) as R | Skipped }));
}

export function isSkipped<R>(result: R | Skipped): result is Skipped {
  return typeof result === 'object' && result !== null && (result as Skipped).skipped === true;
}
