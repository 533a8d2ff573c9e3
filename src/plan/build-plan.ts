// The plan of a change to the mirror sets: per registry, what changes in hosts.toml (added, removed,
// changed, with a unified diff), and what that does to the nodes: containerd nodes (Windows, and
// Linux with containerd) read hosts.toml on every pull, so files change and nothing restarts
// (docs/design/rendering.md "Delivery to nodes"); Linux nodes under MCO follow the docs 5.6.1 table (./mco-impact.ts).
// Pure: the adapter renders both revisions and hands the results in.
import { compareStrings, type Profile } from '../vocabulary.js';
import { hostDirectory } from '../model/host-names.js';
import { splitLocation } from '../validate/locations.js';
import type { RenderedFile } from '../render/rendered-file.js';
import type { MirrorSetObject } from '../validate/mirror-set.js';
import { diffObjects, mcoImpact, type McoImpact, type ObjectChange } from './mco-impact.js';
import { unifiedDiff } from './unified-diff.js';

export interface PlanSide {
  /** What render writes for this side (empty when it has no mirror sets). */
  files: readonly RenderedFile[];
  mirrorSets: readonly MirrorSetObject[];
}

export type FileChangeKind = 'added' | 'removed' | 'changed';

export interface FileChange {
  /** Relative to the output directory, `quay.io/hosts.toml`. */
  path: string;
  change: FileChangeKind;
  /** Unified diff, `a/<path>` -> `b/<path>` (`/dev/null` for an added or removed file). */
  diff: string;
}

export interface RegistryChange {
  /** `host[:port]` of the source registry. */
  registry: string;
  directory: string;
  change: FileChangeKind;
  files: FileChange[];
}

export interface ContainerdImpact {
  added: string[];
  changed: string[];
  removed: string[];
}

export interface Plan {
  profile: Profile;
  /**
   * False when the base revision did not render (the change repairs it, say): then every file is shown
   * in full as the head renders it (`added`), no object is compared, and the MCO action is `unknown`.
   */
  baseRendered: boolean;
  registries: RegistryChange[];
  objects: ObjectChange[];
  containerd: ContainerdImpact;
  mco: McoImpact;
}

/** The plan from `base` to `head`; `base` undefined: it did not render (see Plan.baseRendered). */
export function buildPlan(base: PlanSide | undefined, head: PlanSide, profile: Profile): Plan {
  if (base === undefined) {
    const plan = buildPlan({ files: [], mirrorSets: [] }, head, profile);
    const unknown = 'the base revision does not render, so what MCO does cannot be compared: it depends on what the nodes hold now';
    return { ...plan, baseRendered: false, objects: [], mco: { action: 'unknown', reasons: [unknown] } };
  }
  const before = new Map(base.files.map((f) => [f.path, f.content]));
  const after = new Map(head.files.map((f) => [f.path, f.content]));
  const changes: FileChange[] = [];
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings)) {
    const old = before.get(path);
    const now = after.get(path);
    if (old === now) continue;
    const change: FileChangeKind = old === undefined ? 'added' : now === undefined ? 'removed' : 'changed';
    const diff = unifiedDiff(old ?? '', now ?? '', {
      oldLabel: old === undefined ? '/dev/null' : `a/${path}`,
      newLabel: now === undefined ? '/dev/null' : `b/${path}`,
    });
    changes.push({ path, change, diff });
  }

  const registryOf = registryNames([...base.mirrorSets, ...head.mirrorSets], profile);
  const byDirectory = new Map<string, FileChange[]>();
  for (const change of changes) {
    const directory = change.path.split('/')[0] as string;
    const list = byDirectory.get(directory) ?? [];
    byDirectory.set(directory, list);
    list.push(change);
  }
  const registries: RegistryChange[] = [...byDirectory].map(([directory, files]) => {
    const hostsToml = files.find((f) => f.path === `${directory}/hosts.toml`);
    // The registry is added or removed with its hosts.toml; a CA file alone changes the registry.
    const change: FileChangeKind = hostsToml && hostsToml.change !== 'changed' ? hostsToml.change : 'changed';
    return { registry: registryOf.get(directory) ?? directory, directory, change, files };
  });
  registries.sort((a, b) => compareStrings(a.registry, b.registry));

  const pick = (kind: FileChangeKind): string[] => changes.filter((c) => c.change === kind).map((c) => c.path);
  const objects = diffObjects(base.mirrorSets, head.mirrorSets);
  return {
    profile,
    baseRendered: true,
    registries,
    objects,
    containerd: { added: pick('added'), changed: pick('changed'), removed: pick('removed') },
    mco: mcoImpact(base.mirrorSets, head.mirrorSets, objects),
  };
}

/** Output directory -> source registry: `host_port_` is `host:port` (containerd hostDirectory); WMCO keeps the host as is. */
function registryNames(mirrorSets: readonly MirrorSetObject[], profile: Profile): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of mirrorSets.flatMap((set) => set.entries)) {
    const host = splitLocation(entry.source.value).host;
    names.set(profile === 'wmco' ? host : hostDirectory(host), host);
  }
  return names;
}
