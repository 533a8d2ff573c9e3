// spec.pod.resources against what the node-applier pod needs. The figures are measured, not guessed:
// bench/applier-memory.mjs runs `apply` as the Job does against real sshd nodes and reports the peak
// memory of the CLI and its ssh children, counted as a container's memory cgroup counts it
// (docs/platforms.md "Pod resources" gives the table). Pure: quantities in, findings out.

/** The container's resources when spec.pod.resources leaves a part out (a part given replaces its default whole). */
export const DEFAULT_POD_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '1', memory: '256Mi' },
} as const;

const MiB = 1024 * 1024;
/**
 * Below this memory limit the pod cannot work: the CLI, started, with one ssh session to one node
 * peaked at 65 MiB (`--max-parallel 1`), and Node alone holds 42 to 51 MiB before it reads anything,
 * so the kernel kills the container at its first node.
 */
export const MIN_MEMORY_LIMIT_MIB = 64;
/**
 * What the default rollout needs (10 nodes at a time): 82 MiB with 3 files, 109 MiB with 500; a
 * request below it is a pod the kubelet evicts first under node memory pressure, a limit below it
 * works only with fewer nodes at a time or a small bundle.
 */
export const MEMORY_NEED_MIB = 128;

// k8s.io/apimachinery resource.Quantity suffixes (the schema's QUANTITY pattern has checked the form).
const SUFFIX: Readonly<Record<string, number>> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A quantity as a number of units ("128Mi" -> 134217728, "100m" -> 0.1); undefined when it is not one. */
export function quantityValue(text: string): number | undefined {
  const match = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/.exec(text);
  if (!match) return undefined;
  const [, number = '', exponent, suffix = ''] = match;
  return Number(number + (exponent ?? '')) * (SUFFIX[suffix] ?? 1);
}

export interface ResourceFinding {
  /** error: the pod cannot run (the API refuses it, or it is killed at once); warning: it runs, at a risk. */
  severity: 'error' | 'warning';
  /** The field written in spec.pod.resources the finding is about. */
  path: ['requests' | 'limits', 'cpu' | 'memory'];
  message: string;
}

type Quantities = Readonly<Record<string, string>>;

/**
 * What is wrong with the resources the container gets from `resources` (spec.pod.resources as written,
 * undefined when absent), judged on the effective values: a part given replaces its default, and a
 * request left out where a limit is set is the limit (as the API server defaults it).
 */
export function podResourceFindings(resources: { requests?: Quantities; limits?: Quantities } | undefined): ResourceFinding[] {
  const requests: Quantities = resources?.requests ?? DEFAULT_POD_RESOURCES.requests;
  const limits: Quantities = resources?.limits ?? DEFAULT_POD_RESOURCES.limits;
  const written = (part: 'requests' | 'limits', name: string): boolean => resources?.[part]?.[name] !== undefined;
  const shown = (part: 'requests' | 'limits', name: string): string =>
    `${part}.${name} ${JSON.stringify((part === 'requests' ? requests : limits)[name])}${written(part, name) ? '' : ' (the default)'}`;
  const findings: ResourceFinding[] = [];
  const limit = limits['memory'] === undefined ? undefined : quantityValue(limits['memory']);
  const limitTooLow = limit !== undefined && written('limits', 'memory') && limit < MIN_MEMORY_LIMIT_MIB * MiB;
  for (const name of ['cpu', 'memory'] as const) {
    const request = requests[name] === undefined ? undefined : quantityValue(requests[name]);
    const max = limits[name] === undefined ? undefined : quantityValue(limits[name]);
    // A memory limit refused below (too low to start) is the one finding about it, not two.
    if (request !== undefined && max !== undefined && request > max && !(name === 'memory' && limitTooLow)) {
      // The API server refuses the Job ("must be less than or equal to ... limit"); point at what the user wrote.
      findings.push({
        severity: 'error',
        path: [written('requests', name) ? 'requests' : 'limits', name],
        message: `${shown('requests', name)} is above ${shown('limits', name)}; the API server refuses a container whose request exceeds its limit: raise limits.${name} or lower requests.${name}`,
      });
    }
  }
  if (limit !== undefined && written('limits', 'memory')) {
    if (limitTooLow) {
      findings.push({
        severity: 'error',
        path: ['limits', 'memory'],
        message: `${shown('limits', 'memory')} cannot work: the applier with one node at a time needs about ${MIN_MEMORY_LIMIT_MIB}Mi (Node alone takes most of it), so the container is killed at its first node; set at least ${MIN_MEMORY_LIMIT_MIB}Mi, ${MEMORY_NEED_MIB}Mi for the default 10 nodes at a time (docs/platforms.md "Pod resources")`,
      });
    } else if (limit < MEMORY_NEED_MIB * MiB) {
      findings.push({
        severity: 'warning',
        path: ['limits', 'memory'],
        message: `${shown('limits', 'memory')} is below the ${MEMORY_NEED_MIB}Mi measured for the default rollout (10 nodes at a time, a bundle of 500 files): with more nodes at a time or a larger bundle the container may be killed mid-rollout; set ${MEMORY_NEED_MIB}Mi or lower spec.rollout.maxParallel (docs/platforms.md "Pod resources")`,
      });
    }
  }
  const request = requests['memory'] === undefined ? limit : quantityValue(requests['memory']);
  if (request !== undefined && written('requests', 'memory') && request < MEMORY_NEED_MIB * MiB) {
    findings.push({
      severity: 'warning',
      path: ['requests', 'memory'],
      message: `${shown('requests', 'memory')} is below the ${MEMORY_NEED_MIB}Mi measured for the default rollout: the pod uses more than it asked for, so the kubelet evicts it first when the node runs short of memory; request ${MEMORY_NEED_MIB}Mi (docs/platforms.md "Pod resources")`,
    });
  }
  return findings;
}
