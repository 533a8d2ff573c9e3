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

/** The node operating systems the applier knows: they pick the defaults (paths, user, shell). */
export const TARGET_OSES = ['linux', 'windows'] as const;
export type TargetOs = (typeof TARGET_OSES)[number];

/**
 * How the node-applier Job survives "field is immutable" under a GitOps engine: a name that changes
 * with the content, an Argo CD hook re-created on every sync, or a forced delete and re-create.
 */
export const GITOPS_STRATEGIES = ['hashed-name', 'argocd-hook', 'force-recreate'] as const;
export type GitOpsStrategy = (typeof GITOPS_STRATEGIES)[number];

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
