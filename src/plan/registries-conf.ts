// What MCO writes to /etc/containers/registries.conf on Linux nodes for a set of mirror sets, reduced
// to what decides a drain (docs/design/wmco.md "Linux nodes: registries.conf", after openshift/runtime-utils pkg/registries
// EditRegistriesConfig): one [[registry]] per exact source; IDMS and ICSP mirrors merged into one
// digest list (`pull-from-mirror = "digest-only"`), ITMS mirrors after them (`"tag-only"`), each list
// merged in the users' relative order (topo.go); `blocked = true` under NeverContactSource.
import { compareStrings } from '../vocabulary.js';
import { ICSP, IDMS, ITMS } from '../kinds.js';
import { mergePriorityLists } from '../model/topo-merge.js';
import type { MirrorEntry, MirrorSetObject } from '../validate/mirror-set.js';

export type PullFromMirror = 'digest-only' | 'tag-only';

export interface RegistryMirror {
  location: string;
  pullFromMirror: PullFromMirror;
}

export interface RegistryScope {
  /** The exact source: registry, namespace, repository or `*.domain`. */
  location: string;
  blocked: boolean;
  mirrors: RegistryMirror[];
}

/** Scopes by location, in bytewise location order; a source without mirrors or block writes no scope. */
export function registriesConfScopes(mirrorSets: readonly MirrorSetObject[]): Map<string, RegistryScope> {
  const bySource = new Map<string, MirrorEntry[]>();
  for (const entry of mirrorSets.flatMap((set) => set.entries)) {
    const list = bySource.get(entry.source.value) ?? [];
    bySource.set(entry.source.value, list);
    list.push(entry);
  }
  const scopes = new Map<string, RegistryScope>();
  for (const location of [...bySource.keys()].sort(compareStrings)) {
    const entries = bySource.get(location) as MirrorEntry[];
    const lists = (kinds: readonly string[]): string[][] =>
      entries.filter((e) => kinds.includes(e.kind)).map((e) => e.mirrors.map((m) => m.value));
    const digest = mergePriorityLists(lists([IDMS, ICSP]));
    const tag = mergePriorityLists(lists([ITMS]));
    const blocked = entries.some((e) => e.policy?.value === 'NeverContactSource');
    const mirrors: RegistryMirror[] = [
      ...digest.map((m): RegistryMirror => ({ location: m, pullFromMirror: 'digest-only' })),
      ...tag.map((m): RegistryMirror => ({ location: m, pullFromMirror: 'tag-only' })),
    ];
    if (mirrors.length === 0 && !blocked) continue;
    scopes.set(location, { location, blocked, mirrors });
  }
  return scopes;
}
