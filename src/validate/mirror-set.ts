// Typed, validated mirror sets: what the validate stage hands to the model.
import type { ObjectRef, SourceLocation } from '../diagnostics.js';
import type { MirrorSetKind } from '../kinds.js';

export type MirrorSourcePolicy = 'NeverContactSource' | 'AllowContactingSource';

export interface Located<T> {
  value: T;
  /** Field path, e.g. `spec.imageDigestMirrors[0].mirrors[1]`. */
  field: string;
  location: SourceLocation;
}

export interface MirrorEntry {
  kind: MirrorSetKind;
  object: ObjectRef;
  /** Index in the spec list. */
  index: number;
  /** `spec.imageDigestMirrors[0]`. */
  field: string;
  location: SourceLocation;
  source: Located<string>;
  mirrors: Located<string>[];
  /** Absent when unset (it then behaves as AllowContactingSource). */
  policy?: Located<MirrorSourcePolicy>;
}

export interface MirrorSetObject {
  kind: MirrorSetKind;
  object: ObjectRef;
  location: SourceLocation;
  entries: MirrorEntry[];
}

/** `ImageDigestMirrorSet/name spec.imageDigestMirrors[0]`: how messages name an entry. */
export function describeEntry(entry: MirrorEntry): string {
  return `${entry.kind}/${entry.object.name} ${entry.field}`;
}

export function effectivePolicy(entry: MirrorEntry): MirrorSourcePolicy {
  return entry.policy?.value ?? 'AllowContactingSource';
}

/** Names up to `max` entries with their sources, then how many more: messages stay one readable line. */
export function listEntries(entries: readonly MirrorEntry[], max = 3): string {
  const named = entries.slice(0, max).map((e) => `${describeEntry(e)} (${e.source.value})`);
  const more = entries.length - named.length;
  return more > 0 ? `${named.join(', ')} and ${more} more` : named.join(', ');
}
