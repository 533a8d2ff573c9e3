// What a change to the mirror sets does to Linux nodes under OpenShift's Machine Config Operator, from
// the table in docs 5.6.1 "Understanding image registry repository mirroring":
//   - creating an IDMS or ICSP: MCO does not drain or reboot the nodes;
//   - creating an ITMS: MCO drains and reboots the nodes;
//   - deleting or modifying an ITMS, IDMS or ICSP: MCO drains and reboots the nodes;
//   - Important: no drain when the registries.conf change only adds a registry whose mirrors all have
//     pull-from-mirror = "digest-only", or adds a digest-only mirror to a registry.
// The exception is decided on registries.conf, as MCO's daemon does (pkg/daemon/drain.go
// isSafeContainerRegistryConfChanges): no scope removed, no blocked/insecure change, no mirror removed,
// every added mirror digest-only. Where the code would also skip the drain but the docs do not list the
// change (the same mirrors in another order), the plan follows the docs and says drain.
// A change that leaves registries.conf as it was (an entry moved to another object) renders the same
// MachineConfig, so nodes are not touched at all.
import { compareStrings } from '../vocabulary.js';
import { ICSP, IDMS, type MirrorSetKind } from '../kinds.js';
import type { MirrorSetObject } from '../validate/mirror-set.js';
import { registriesConfScopes, type RegistryScope } from './registries-conf.js';

export type ObjectChangeKind = 'created' | 'deleted' | 'modified';

export interface ObjectChange {
  kind: MirrorSetKind;
  name: string;
  change: ObjectChangeKind;
}

/**
 * `none`: nodes untouched; `no-drain`: applied without drain or reboot; `drain-reboot`: every node
 * drained and rebooted; `unknown`: the base revision did not render, so there is nothing to compare.
 */
export type McoAction = 'none' | 'no-drain' | 'drain-reboot' | 'unknown';

export interface McoImpact {
  action: McoAction;
  /** Sentences, each naming what decides the action and the doc rule behind it. */
  reasons: string[];
}

const DOC = 'docs 5.6.1';

/** Objects created, deleted, or whose entries (source, mirrors, policy) changed; metadata does not reach nodes. */
export function diffObjects(base: readonly MirrorSetObject[], head: readonly MirrorSetObject[]): ObjectChange[] {
  const key = (s: MirrorSetObject): string => `${s.kind}/${s.object.name}`;
  const before = new Map(base.map((s) => [key(s), s]));
  const after = new Map(head.map((s) => [key(s), s]));
  const changes: ObjectChange[] = [];
  for (const id of [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings)) {
    const old = before.get(id);
    const now = after.get(id);
    const set = (now ?? old) as MirrorSetObject;
    if (!old) changes.push({ kind: set.kind, name: set.object.name, change: 'created' });
    else if (!now) changes.push({ kind: set.kind, name: set.object.name, change: 'deleted' });
    else if (entriesKey(old) !== entriesKey(now)) changes.push({ kind: set.kind, name: set.object.name, change: 'modified' });
  }
  return changes;
}

function entriesKey(set: MirrorSetObject): string {
  return JSON.stringify(set.entries.map((e) => [e.source.value, e.mirrors.map((m) => m.value), e.policy?.value ?? null]));
}

export function mcoImpact(
  base: readonly MirrorSetObject[],
  head: readonly MirrorSetObject[],
  objects: readonly ObjectChange[] = diffObjects(base, head),
): McoImpact {
  if (objects.length === 0) return { action: 'none', reasons: ['no mirror set changes what MCO writes'] };
  const before = registriesConfScopes(base);
  const after = registriesConfScopes(head);
  if (JSON.stringify([...before.values()]) === JSON.stringify([...after.values()])) {
    return {
      action: 'none',
      reasons: [`/etc/containers/registries.conf stays the same (${objects.map(describeChange).join(', ')}), so MCO renders the same MachineConfig and leaves the nodes alone`],
    };
  }
  if (objects.every((o) => o.change === 'created' && (o.kind === IDMS || o.kind === ICSP))) {
    return {
      action: 'no-drain',
      reasons: [`${objects.map(describeChange).join(', ')}: creating an ImageDigestMirrorSet or ImageContentSourcePolicy does not drain or reboot the nodes (${DOC})`],
    };
  }
  const unsafe = unsafeRegistryChanges(before, after);
  if (unsafe.length === 0) {
    return {
      action: 'no-drain',
      reasons: [
        `${objects.map(describeChange).join(', ')}: the change only adds registries or mirrors with pull-from-mirror = "digest-only", ` +
          `which MCO applies without draining the nodes (${DOC}, Important)`,
      ],
    };
  }
  // Name the objects whose own change drains (each applied alone to the base), so that a digest-only
  // addition made in the same change is not blamed for the drain another object causes.
  const alone = (o: ObjectChange): MirrorSetObject[] => [
    ...base.filter((s) => !(s.kind === o.kind && s.object.name === o.name)),
    ...head.filter((s) => s.kind === o.kind && s.object.name === o.name),
  ];
  const candidates = objects.filter(drains);
  const draining = candidates.filter((o) => unsafeRegistryChanges(before, registriesConfScopes(alone(o))).length > 0);
  return {
    action: 'drain-reboot',
    reasons: [
      ...(draining.length > 0 ? draining : candidates).map((o) => `${describeChange(o)}: ${ruleFor(o)} (${DOC})`),
      ...unsafe.map((u) => `registries.conf: ${u}, which is not a digest-only addition`),
    ],
  };
}

function describeChange(o: ObjectChange): string {
  return `${o.kind}/${o.name} ${o.change}`;
}

/** The rows of the table that drain on their own. */
function drains(o: ObjectChange): boolean {
  return !(o.change === 'created' && (o.kind === IDMS || o.kind === ICSP));
}

function ruleFor(o: ObjectChange): string {
  const what = o.kind === IDMS ? 'an ImageDigestMirrorSet' : o.kind === ICSP ? 'an ImageContentSourcePolicy' : 'an ImageTagMirrorSet';
  if (o.change === 'created') {
    return o.kind === IDMS || o.kind === ICSP ? `creating ${what} does not drain or reboot` : `creating ${what} drains and reboots the nodes`;
  }
  return `${o.change === 'deleted' ? 'deleting' : 'modifying'} ${what} drains and reboots the nodes`;
}

/** What keeps the change from being a digest-only addition, scope by scope. */
function unsafeRegistryChanges(before: ReadonlyMap<string, RegistryScope>, after: ReadonlyMap<string, RegistryScope>): string[] {
  const reasons: string[] = [];
  const id = (m: { location: string; pullFromMirror: string }): string => `${m.location} (${m.pullFromMirror})`;
  for (const [location, old] of before) {
    const now = after.get(location);
    if (!now) {
      reasons.push(`${location} is removed`);
      continue;
    }
    if (old.blocked !== now.blocked) reasons.push(`${location} changes blocked from ${old.blocked} to ${now.blocked}`);
    const kept = now.mirrors.map(id);
    const removed = old.mirrors.map(id).filter((m) => !kept.includes(m));
    if (removed.length > 0) reasons.push(`${location} loses mirror ${removed.join(', ')}`);
    const oldOrder = old.mirrors.map(id);
    const stillThere = kept.filter((m) => oldOrder.includes(m));
    if (removed.length === 0 && stillThere.join('\n') !== oldOrder.join('\n')) reasons.push(`${location} reorders its mirrors`);
    const added = now.mirrors.filter((m) => !oldOrder.includes(id(m)) && m.pullFromMirror !== 'digest-only');
    if (added.length > 0) reasons.push(`${location} gains ${added.map(id).join(', ')}`);
  }
  for (const [location, now] of after) {
    if (before.has(location)) continue;
    const tagOnly = now.mirrors.filter((m) => m.pullFromMirror !== 'digest-only');
    if (now.mirrors.length === 0) reasons.push(`${location} is added as a blocked registry without mirrors`);
    else if (tagOnly.length > 0) reasons.push(`${location} is added with ${tagOnly.map(id).join(', ')}`);
  }
  return reasons;
}
