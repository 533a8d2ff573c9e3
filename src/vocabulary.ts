// The words every stage shares: a type or constant defined once here, so that no stage re-declares
// it (the layer rule forbids stages importing later ones, so shared vocabulary needs its own home).

/** The two renderings: `containerd` (correct files, the default) and `wmco` (what WMCO writes). */
export const PROFILES = ['containerd', 'wmco'] as const;
export type Profile = (typeof PROFILES)[number];

/** Bytewise (UTF-8 code point) order, as Go's `<` on strings: the order WMCO and runtime-utils sort by. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * Edits between two strings, an adjacent swap counting as one (the optimal string alignment form of
 * the Damerau-Levenshtein distance): `NeverContactSorce` is 1 from `NeverContactSource`, `porfile` 1
 * from `profile`. What "did you mean" suggestions measure, for flags, commands and manifest values alike.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // Three rows of the dynamic-programming table: two back for the swap, one back, and the current.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (before[j - 2] as number) + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate `value` most likely meant: the same word in another case, else the nearest within two
 * edits (one for words of two or three characters; none for one character, where any letter is one
 * edit away). Undefined when nothing is that close. Ties go to the earlier candidate.
 */
export function closestMatch(value: string, candidates: readonly string[]): string | undefined {
  const folded = value.toLowerCase();
  const sameWord = candidates.find((c) => c.toLowerCase() === folded);
  if (sameWord !== undefined) return sameWord;
  const limit = value.length <= 1 ? 0 : value.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    // The length difference is a lower bound: a long value costs nothing against short candidates.
    if (Math.abs(candidate.length - value.length) >= bestDistance) continue;
    const distance = editDistance(folded, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `; did you mean "X"?` when a candidate is close to `value` (closestMatch), else nothing: appended to a message. */
export function didYouMean(value: string, candidates: readonly string[], show: (candidate: string) => string = (c) => JSON.stringify(c)): string {
  const match = closestMatch(value, candidates);
  return match === undefined ? '' : `; did you mean ${show(match)}?`;
}

/** The node operating systems the applier knows: they pick the defaults (paths, user, shell). */
export const TARGET_OSES = ['linux', 'windows'] as const;
export type TargetOs = (typeof TARGET_OSES)[number];

/** The platforms whose presets pick the applier's user, paths and pod security (node-applier/platforms.ts). */
export const PLATFORMS = ['generic', 'openshift', 'aks', 'eks'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** What a discovered node that is NotReady, cordoned or being deleted does to the run: skipped, or a failure. */
export const UNAVAILABLE_NODE_POLICIES = ['skip', 'fail'] as const;
export type UnavailableNodePolicy = (typeof UNAVAILABLE_NODE_POLICIES)[number];

/**
 * containerd release lines whose CRI registry handling differs (src/node-applier/containerd-config.ts);
 * '2.3' stands for 2.3 and later.
 */
export const CONTAINERD_RELEASES = ['1.6', '1.7', '2.0', '2.1', '2.2', '2.3'] as const;
export type ContainerdRelease = (typeof CONTAINERD_RELEASES)[number];

/**
 * How the node-applier Job survives "field is immutable" under a GitOps engine: a name that changes
 * with the content, an Argo CD hook re-created on every sync, or a forced delete and re-create.
 */
export const GITOPS_STRATEGIES = ['hashed-name', 'argocd-hook', 'force-recreate'] as const;
export type GitOpsStrategy = (typeof GITOPS_STRATEGIES)[number];

/** How the node program gets root on a Linux node: it already has it (`none`: the SSH user is root) or `sudo -n`. */
export const SSH_BECOME = ['none', 'sudo'] as const;
export type SshBecome = (typeof SSH_BECOME)[number];

/** A node listed by hand (functionConfig `spec.nodes.inventory`, `apply --inventory`): only name and address are required. */
export interface InventoryEntry {
  name: string;
  address: string;
  port?: number;
  user?: string;
  os?: TargetOs;
  configDir?: string;
  containerdConfig?: string;
}

/** A ConfigMap or Secret data key (k8s.io/apimachinery validation.IsConfigMapKey). */
export const CONFIG_MAP_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';
export const CONFIG_MAP_KEY = new RegExp(CONFIG_MAP_KEY_PATTERN);

/** A DNS-1123 label (k8s.io/apimachinery validation.IsDNS1123Label, without its length): namespaces, Secret names. */
export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** Standard base64 (RFC 4648 section 4, padded) of the bytes; no Buffer, so every stage may use it. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // String.fromCharCode takes its arguments on the stack: a chunk at a time.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Standard base64 -> bytes; throws on a character outside the alphabet (atob). */
export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** base64 of the UTF-8 of `text`. */
export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}
