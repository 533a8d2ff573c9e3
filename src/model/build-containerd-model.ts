// Validated mirror sets -> one hosts.toml model per source registry, with WMCO's defects fixed
// (docs/design/rendering.md "The two profiles", profile `containerd`). Merge semantics live here and nowhere else.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { compareStrings } from '../vocabulary.js';
import { resolvesTags } from '../kinds.js';
import type { TrustConfig } from '../validate/image-config.js';
import { describeEntry, effectivePolicy, listEntries, type MirrorEntry, type MirrorSetObject } from '../validate/mirror-set.js';
import { applyTrust } from './apply-trust.js';
import { mirrorPrefix, splitLocation } from '../validate/locations.js';
import { hostDirectory, hostUrl } from './host-names.js';
import { mergePriorityLists } from './topo-merge.js';
import type { Capability, ContainerdHostsFile } from './types.js';

export interface ContainerdModel {
  files: ContainerdHostsFile[];
  diagnostics: Diagnostic[];
}

interface Contribution {
  entry: MirrorEntry;
  urls: string[];
}

interface RegistryMirrors {
  contributions: Contribution[];
  /** Host URL -> PULL | RESOLVE bits. */
  capabilities: Map<string, number>;
  /** Host URL -> the mirror locations as written that produce it: insecure registries match those (apply-trust.ts). */
  locations: Map<string, string[]>;
}

export function buildContainerdModel(mirrorSets: readonly MirrorSetObject[], trust?: TrustConfig): ContainerdModel {
  const diagnostics: Diagnostic[] = [];
  // Per source registry, in reading order (IDMS, ICSP, ITMS; name; list order): one lookup per entry.
  const registries = new Map<string, RegistryMirrors>();

  for (const entry of mirrorSets.flatMap((set) => set.entries)) {
    const source = splitLocation(entry.source.value);
    if (source.host.startsWith('*.')) {
      // containerd looks a host directory up by the exact host (config_unix.go hostPaths): no wildcards.
      if (entry.mirrors.length > 0) {
        diagnostics.push(diagnostic(
          'WILDCARD_SOURCE_SKIPPED',
          `wildcard source ${entry.source.value} has no containerd equivalent (containerd looks mirrors up by exact host); it is left out: list each registry host as its own source`,
          entry.source,
          entry.object,
        ));
      }
      continue;
    }
    let state = registries.get(source.host);
    const urls: string[] = [];
    for (const mirror of entry.mirrors) {
      const target = splitLocation(mirror.value);
      const prefix = mirrorPrefix(source.path, target.path);
      if (prefix === undefined) {
        diagnostics.push(diagnostic(
          'MIRROR_RENAMES_REPOSITORY',
          `mirror ${mirror.value} does not end with the source path ${source.path}, so it renames the repository; ` +
            `containerd can only put a prefix in front of the full repository path, so this mirror is left out: ` +
            `mirror to <registry>[/prefix]/${source.path} instead`,
          mirror,
          entry.object,
        ));
        continue;
      }
      if (!state) registries.set(source.host, (state = { contributions: [], capabilities: new Map(), locations: new Map() }));
      const url = hostUrl(target.host, prefix);
      urls.push(url);
      // ITMS mirrors may resolve tags; IDMS and ICSP mirrors are digest-only (MCO: pull-from-mirror = "digest-only").
      state.capabilities.set(url, (state.capabilities.get(url) ?? 0) | (resolvesTags(entry.kind) ? PULL | RESOLVE : PULL));
      const written = state.locations.get(url);
      if (written) written.push(mirror.value); // not a copy per mirror: 20k mirrors of one URL took seconds
      else state.locations.set(url, [mirror.value]);
    }
    if (urls.length > 0) (state as RegistryMirrors).contributions.push({ entry, urls });
  }

  const files: ContainerdHostsFile[] = [];
  for (const registry of [...registries.keys()].sort(compareStrings)) {
    const { contributions, capabilities } = registries.get(registry) as RegistryMirrors;
    if (contributions.length === 0) continue;
    const conflict = policyConflict(contributions);
    if (conflict) {
      diagnostics.push(conflict);
      continue;
    }
    const broadened = contributions.filter((c) => splitLocation(c.entry.source.value).path !== '');
    if (broadened.length > 0) {
      const first = broadened[0] as Contribution;
      diagnostics.push(diagnostic(
        'SCOPE_BROADENED',
        `containerd reads mirrors per registry, so the mirrors of ${listEntries(broadened.map((c) => c.entry))} ` +
          `apply to every image of ${registry}; make sure they serve every repository of ${registry} you pull, or pulls of the others try them first and fall through`,
        first.entry.source,
        first.entry.object,
      ));
    }
    const order = mergePriorityLists(contributions.map((c) => c.urls));
    const hosts = order.map((url) => ({ url, capabilities: capabilityList(capabilities.get(url) as number) }));
    const never = effectivePolicy((contributions[0] as Contribution).entry) === 'NeverContactSource';
    files.push({
      registry,
      directory: hostDirectory(registry),
      // containerd always appends `server` after the [host] list (hosts.go parseHostsFile), so the only
      // way to never contact the source is to make the first mirror the server (docs/design/containerd.md "Never contacting the source").
      server: never ? (hosts[0] as { url: string }).url : hostUrl(registry, ''),
      hosts,
      entries: contributions.map((c) => c.entry),
    });
  }
  // Nothing to apply when the inputs declare no insecure registry and no additional CA.
  if (!trust || (trust.insecureRegistries.length === 0 && !trust.additionalTrustedCA && !trust.caConfigMap)) return { files, diagnostics };
  const mirrorLocations = new Map([...registries].map(([registry, state]) => [registry, state.locations]));
  const trusted = applyTrust(files, mirrorLocations, trust);
  return { files: trusted.files, diagnostics: [...diagnostics, ...trusted.diagnostics] };
}

/** The entries that write mirrors for one registry must agree: containerd has one `server` per registry. */
function policyConflict(contributions: readonly Contribution[]): Diagnostic | undefined {
  const first = contributions[0] as Contribution;
  for (const other of contributions.slice(1)) {
    if (effectivePolicy(other.entry) === effectivePolicy(first.entry)) continue;
    const at = other.entry.policy ?? other.entry.source;
    const registry = splitLocation(first.entry.source.value).host;
    return diagnostic(
      'REGISTRY_POLICY_CONFLICT',
      `${describeEntry(other.entry)} (${other.entry.source.value}) has mirrorSourcePolicy ${effectivePolicy(other.entry)} but ` +
        `${describeEntry(first.entry)} (${first.entry.source.value}) at ${first.entry.location.file}:${first.entry.location.line} has ${effectivePolicy(first.entry)}; ` +
        `on containerd the policy applies to all of ${registry} (unset counts as AllowContactingSource): use one policy for every entry of ${registry}`,
      at,
      other.entry.object,
    );
  }
  return undefined;
}

const PULL = 1;
const RESOLVE = 2;

/** The union of capabilities as containerd's list, never empty (an empty list means all of them). */
function capabilityList(bits: number): Capability[] {
  return bits & RESOLVE ? ['pull', 'resolve'] : ['pull'];
}
