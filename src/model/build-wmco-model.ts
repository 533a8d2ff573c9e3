// Validated mirror sets -> what OpenShift's WMCO would write, defects included (profile `wmco`,
// docs/design/wmco.md "What WMCO writes"). Mirrors openshift/windows-machine-config-operator pkg/registries/registries.go at commit
// 0be4b9cc: getMergedMirrorSets, newMirrorSet, newMirror, extractMirrorURL, mergeMirrorSets,
// mergeMirrors, sortMirrorSets. Every defect it reproduces is reported as a warning.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { compareStrings } from '../vocabulary.js';
import { ICSP, IDMS, ITMS, resolvesTags } from '../kinds.js';
import { listEntries, type MirrorEntry, type MirrorSetObject, type MirrorSourcePolicy } from '../validate/mirror-set.js';
import { mirrorPrefix, splitLocation } from '../validate/locations.js';
import { mergePriorityLists } from './topo-merge.js';
import type { WmcoHostsFile, WmcoMirror } from './types.js';

export interface WmcoModel {
  files: WmcoHostsFile[];
  diagnostics: Diagnostic[];
}

/** WMCO's mirrorSet while merging: the policy is a Go string, `''` when unset. */
interface MergingSet {
  registry: string;
  mirrors: WmcoMirror[];
  /** mergeMirrors' result by host, once a second entry arrived; `mirrors` is its values after the merge. */
  unique?: Map<string, WmcoMirror>;
  policy: MirrorSourcePolicy | '';
  entries: MirrorEntry[];
}

export function buildWmcoModel(mirrorSets: readonly MirrorSetObject[]): WmcoModel {
  const diagnostics: Diagnostic[] = [];
  for (const set of mirrorSets) {
    if (set.kind !== ICSP) continue;
    diagnostics.push(diagnostic(
      'WMCO_ICSP_IGNORED',
      `WMCO lists only ImageDigestMirrorSet and ImageTagMirrorSet, so ${set.kind}/${set.object.name} has no effect on Windows nodes; migrate it with \`oc adm migrate icsp\``,
      { field: 'kind', location: set.location },
      set.object,
    ));
  }

  // WMCO lists all IDMS, then all ITMS; the informer cache gives no order within a kind, so we take
  // metadata.name order (mirrorSets arrive sorted) and warn where the outcome depends on it.
  const entries = [
    ...mirrorSets.filter((s) => s.kind === IDMS),
    ...mirrorSets.filter((s) => s.kind === ITMS),
  ].flatMap((s) => s.entries);

  const merged = new Map<string, MergingSet>();
  for (const entry of entries) {
    const registry = extractRegistryHostname(entry.source.value);
    const mirrors = entry.mirrors.map((m) => newMirror(entry.source.value, m.value, resolvesTags(entry.kind)));
    const existing = merged.get(registry);
    if (!existing) {
      merged.set(registry, { registry, mirrors, policy: entry.policy?.value ?? '', entries: [entry] });
      continue;
    }
    // One map kept across the entries of a registry: mergeMirrors rebuilds it from the merged list on
    // every call, which is the same result but made 20k entries for one registry take half a minute.
    existing.unique ??= new Map(existing.mirrors.map((m) => [m.host, m]));
    mergeMirrors(existing.unique, mirrors);
    // mergeMirrorSets: "NeverContactSource is preferred", but only over a literal AllowContactingSource;
    // an unset policy that comes first wins over a later NeverContactSource.
    if (existing.policy === 'AllowContactingSource') existing.policy = entry.policy?.value ?? '';
    existing.entries.push(entry);
  }

  const files: WmcoHostsFile[] = [];
  for (const registry of [...merged.keys()].sort(compareStrings)) {
    const set = merged.get(registry) as MergingSet;
    if (set.unique) set.mirrors = [...set.unique.values()];
    for (const d of findDefects(set)) diagnostics.push(d); // not push(...): one registry may get 200k findings
    // sortMirrorSets: Go `<` on the truncated host; the priority the user wrote is discarded.
    const mirrors = [...set.mirrors].sort((a, b) => compareStrings(a.host, b.host));
    const first = mirrors[0];
    files.push({
      registry,
      directory: registry,
      fallbackServer: set.policy === 'NeverContactSource' && first ? first.host : registry,
      mirrors,
    });
  }
  return { files, diagnostics };
}

/** newMirror: the source itself becomes its registry host; anything else is truncated. */
function newMirror(source: string, mirror: string, resolveTags: boolean): WmcoMirror {
  return { host: source === mirror ? extractRegistryHostname(mirror) : extractMirrorURL(source, mirror), resolveTags };
}

/**
 * extractMirrorURL: drop the trailing `/`-separated elements the mirror shares with the source string
 * as written, host element included (so source `quay.io` with mirror `m.example/quay.io` gives `m.example`).
 */
export function extractMirrorURL(source: string, mirror: string): string {
  const sourceParts = source.split('/');
  const mirrorParts = mirror.split('/');
  let keep = mirrorParts.length;
  for (let i = 0; i < sourceParts.length && i < mirrorParts.length; i++) {
    if (sourceParts[sourceParts.length - 1 - i] !== mirrorParts[mirrorParts.length - 1 - i]) break;
    keep--;
  }
  return mirrorParts.slice(0, keep).join('/');
}

/**
 * extractRegistryHostname: Go's url.Parse finds a hostname only when the string has a scheme, which
 * the CRD patterns forbid, so for valid input this is everything before the first `/`.
 */
export function extractRegistryHostname(location: string): string {
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(location);
  if (scheme?.[1]) {
    const authority = (scheme[1].split('@').pop() as string);
    if (authority !== '') return authority;
  }
  return location.split('/')[0] as string;
}

/** extractRegistryOrgPath: what follows the first occurrence of the hostname, minus a leading `/`. */
export function extractRegistryOrgPath(location: string): string {
  const hostname = extractRegistryHostname(location);
  if (hostname === '') return '';
  const at = location.indexOf(hostname);
  if (at < 0) return '';
  const rest = location.slice(at + hostname.length);
  return rest.startsWith('/') ? rest.slice(1) : rest;
}

/** mergeMirrors: dedupe by host string across both lists; a tag (ITMS) mirror wins over a digest one. */
function mergeMirrors(unique: Map<string, WmcoMirror>, added: readonly WmcoMirror[]): void {
  for (const m of added) {
    const found = unique.get(m.host);
    if (!found || (!found.resolveTags && m.resolveTags)) unique.set(m.host, m);
  }
}

function findDefects(set: MergingSet): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const firstEntry = set.entries[0] as MirrorEntry;
  const withMirrors = set.entries.filter((e) => e.mirrors.length > 0);

  if (/[:*]/.test(set.registry)) {
    diagnostics.push(diagnostic(
      'WMCO_WINDOWS_ILLEGAL_DIRECTORY',
      `WMCO writes ${set.registry}\\hosts.toml; "${set.registry.includes('*') ? '*' : ':'}" is illegal in a Windows file name, so the copy fails ` +
        `or containerd on Windows never looks there (config_windows.go hostPaths tries host_port_, then hostport); the containerd profile writes a name containerd finds`,
      firstEntry.source,
      firstEntry.object,
    ));
  }

  const scoped = withMirrors.filter((e) => splitLocation(e.source.value).path !== '');
  if (scoped.length > 0) {
    const first = scoped[0] as MirrorEntry;
    diagnostics.push(diagnostic(
      'WMCO_REGISTRY_WIDE',
      `WMCO keys mirrors by registry, so the mirrors of ${listEntries(scoped)} ` +
        `apply to every image of ${set.registry} on Windows nodes; make sure they serve every repository of ${set.registry}`,
      first.source,
      first.object,
    ));
  }
  for (const entry of set.entries) {
    if (entry.policy?.value !== 'NeverContactSource' || splitLocation(entry.source.value).path === '') continue;
    diagnostics.push(diagnostic(
      'WMCO_POLICY_REGISTRY_WIDE',
      `WMCO applies NeverContactSource per registry: on Windows nodes no image of ${set.registry} is pulled from the source, not only ${entry.source.value}`,
      entry.policy,
      entry.object,
    ));
  }

  // A lone entry is never passed through mergeMirrors, so its duplicate hosts stay (invalid TOML).
  if (set.entries.length === 1) {
    const seen = new Set<string>();
    firstEntry.mirrors.forEach((mirror, i) => {
      const host = (set.mirrors[i] as WmcoMirror).host;
      if (!seen.has(host)) {
        seen.add(host);
        return;
      }
      diagnostics.push(diagnostic(
        'WMCO_DUPLICATE_TABLE',
        `mirror ${mirror.value} truncates to ${host} like an earlier mirror of this entry; WMCO writes [host."https://${host}…"] twice, containerd rejects the file ("duplicated tables") and pulls go to the source`,
        mirror,
        firstEntry.object,
      ));
    });
  }

  for (const entry of set.entries) {
    const source = splitLocation(entry.source.value);
    entry.mirrors.forEach((mirror) => {
      const target = splitLocation(mirror.value);
      const prefix = mirrorPrefix(source.path, target.path);
      const wanted = prefix === undefined ? undefined : prefix ? `${target.host}/${prefix}` : target.host;
      const wmcoHost = newMirror(entry.source.value, mirror.value, false).host;
      if (wanted === wmcoHost) return;
      const pulled = source.path ? `${entry.source.value}[/…]` : `${source.host}/<repository>`;
      const fetched = `${wmcoHost || '""'}/${source.path ? `${source.path}[/…]` : '<repository>'}`;
      diagnostics.push(diagnostic(
        'WMCO_NAMING_REQUIREMENT',
        `WMCO truncates mirror ${mirror.value} to ${wmcoHost || '""'} and containerd appends the full repository path, so a pull of ${pulled} ` +
          `is fetched from ${fetched}, which will 404; the Windows naming requirement wants the mirror to end with the source's namespace/image path`,
        mirror,
        entry.object,
      ));
    });
  }

  if (set.mirrors.length > 1) {
    const userOrder = mergePriorityLists(
      set.entries.map((e) => e.mirrors.map((m) => newMirror(e.source.value, m.value, false).host)),
    );
    const sorted = [...new Set(set.mirrors.map((m) => m.host))].sort(compareStrings);
    if (userOrder.join('\n') !== sorted.join('\n')) {
      const first = withMirrors[0] as MirrorEntry;
      diagnostics.push(diagnostic(
        'WMCO_ORDER_DISCARDED',
        `WMCO sorts the mirrors of ${set.registry} alphabetically (${sorted.join(', ')}) instead of the order written (${userOrder.join(', ')})`,
        { field: first.field + '.mirrors', location: (first.mirrors[0] ?? first.source).location },
        first.object,
      ));
    }
  }

  for (const d of policyOrderDefects(set)) diagnostics.push(d);
  return diagnostics;
}

/**
 * mergeMirrorSets keeps the first policy, in processing order, that is not literally
 * AllowContactingSource. Processing order is IDMS then ITMS, but not fixed between objects of one kind.
 */
function policyOrderDefects(set: MergingSet): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const deciding = (kind: string): Map<string, MirrorEntry> => {
    // Per object: its first entry for this registry whose policy is not literally AllowContactingSource.
    const firstPerObject = new Map<string, MirrorEntry>();
    for (const e of set.entries) {
      if (e.kind !== kind || e.policy?.value === 'AllowContactingSource') continue;
      if (!firstPerObject.has(e.object.name)) firstPerObject.set(e.object.name, e);
    }
    return firstPerObject;
  };
  const group = [...deciding(IDMS).values()].length > 0 ? deciding(IDMS) : deciding(ITMS);
  const candidates = [...group.values()];
  const values = new Set(candidates.map((e) => e.policy?.value ?? ''));
  if (values.size > 1) {
    const last = candidates[candidates.length - 1] as MirrorEntry;
    const at = last.policy ?? last.source;
    diagnostics.push(diagnostic(
      'WMCO_POLICY_ORDER_DEPENDENT',
      `whether WMCO contacts ${set.registry} depends on which of ${candidates.map((e) => `${e.kind}/${e.object.name}`).join(', ')} its cache lists first ` +
        `(their policies differ: ${candidates.map((e) => e.policy?.value ?? 'unset').join(', ')}); this prediction assumes metadata.name order`,
      at,
      last.object,
    ));
  }
  if (set.policy !== 'NeverContactSource') {
    for (const e of set.entries) {
      if (e.policy?.value !== 'NeverContactSource') continue;
      diagnostics.push(diagnostic(
        'WMCO_NEVER_CONTACT_SOURCE_LOST',
        `WMCO's merge keeps an earlier unset mirrorSourcePolicy for ${set.registry}, so this NeverContactSource is lost and Windows nodes still contact the source; set NeverContactSource on every entry for ${set.registry}`,
        e.policy,
        e.object,
      ));
    }
  }
  return diagnostics;
}
