// Content hashes: the one place names learn about content. A name that must change whenever what it
// names changes carries a hash of that content (as kustomize's configMapGenerator does, api/hasher),
// never a timestamp or a random suffix, so the same input gives the same bytes on every machine.
import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of `data` (the UTF-8 bytes of a string). */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * JSON with object keys sorted at every level: the input of every hash, so that the order in which
 * a config or an object was written never changes a name.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) out[key] = sortKeysDeep(child);
    }
    return out;
  }
  return value;
}

/** Length of the hash suffix in generated names; kustomize uses 10 characters too. */
export const HASH_SUFFIX_LENGTH = 10;

/** A 10-character name suffix for `value` (hex: always valid in a DNS-1123 label). */
export function hashSuffix(value: unknown): string {
  return sha256Hex(canonicalJson(value)).slice(0, HASH_SUFFIX_LENGTH);
}
