// The contract between the bundle (ConfigMap/Secret data) and the node applier that reads it back.
//
// A ConfigMap or Secret key must match [-._a-zA-Z0-9]+ (k8s.io/apimachinery IsConfigMapKey), and a
// rendered path such as `registry.local_5000_/hosts.toml` or `quay.io/ca.crt` does not, so every
// file is stored under an encoded key and the manifest maps each key back to its path and sha256.
import type { Profile } from '../vocabulary.js';

/** The key under which the manifest itself is stored in the first bundle object. */
export const MANIFEST_KEY = 'manifest.json';

export interface BundleFile {
  /** ConfigMap/Secret data key: `encodeKey(path)`. */
  key: string;
  /** Path relative to the containerd config directory on the node, `/`-separated. */
  path: string;
  /** Lower-case hex sha256 of the file's UTF-8 bytes. */
  sha256: string;
  /** Name of the ConfigMap/Secret that holds this key (bundles split before the 1 MiB object limit). */
  object: string;
}

export interface BundleManifest {
  apiVersion: 'mirrorset-hosts.io/v1alpha1';
  kind: 'BundleManifest';
  profile: Profile;
  /** sha256 over the sorted (path, sha256) list: changes whenever any file changes. */
  contentHash: string;
  files: BundleFile[];
}

const KEY_SAFE = /^[-.a-zA-Z0-9]$/;

/**
 * Reversible path -> key encoding: characters outside [-.a-zA-Z0-9] become `_xx` (lower-case hex of
 * each UTF-8 byte), `_` itself included, so `quay.io/hosts.toml` is `quay.io_2fhosts.toml`.
 */
export function encodeKey(path: string): string {
  let out = '';
  for (const ch of path) {
    if (KEY_SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of new TextEncoder().encode(ch)) out += '_' + byte.toString(16).padStart(2, '0');
  }
  return out;
}

/** Inverse of encodeKey; throws on a key encodeKey cannot have produced. */
export function decodeKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length; i++) {
    const ch = key[i] as string;
    if (ch === '_') {
      const hex = key.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) throw new Error(`invalid bundle key ${JSON.stringify(key)}: bad escape at ${i}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (KEY_SAFE.test(ch)) {
      bytes.push(ch.charCodeAt(0));
    } else {
      throw new Error(`invalid bundle key ${JSON.stringify(key)}: character ${JSON.stringify(ch)}`);
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}
