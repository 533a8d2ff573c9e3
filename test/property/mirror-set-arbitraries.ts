// fast-check arbitraries for mirror sets the API server and MCO accept (crds/ patterns, MCO
// validateRegistriesConfScopes), and for laying the same objects out in files in different ways.
// Hosts and paths come from small pools so that registries, mirrors and entries collide often:
// merges, duplicates and shared hosts are where the rendering rules live.
import fc from 'fast-check';
import { stringify } from 'yaml';
import type { SourceFile } from '../../src/parse/parse-manifests.js';

export type Kind = 'ImageDigestMirrorSet' | 'ImageTagMirrorSet' | 'ImageContentSourcePolicy';
export type Policy = 'AllowContactingSource' | 'NeverContactSource';

export interface GenEntry {
  source: string;
  mirrors: string[];
  /** Absent: unset (AllowContactingSource). Never set on ICSP, whose schema has no such field. */
  policy?: Policy;
}

export interface GenObject {
  kind: Kind;
  name: string;
  entries: GenEntry[];
}

export const API_VERSION: Record<Kind, string> = {
  ImageDigestMirrorSet: 'config.openshift.io/v1',
  ImageTagMirrorSet: 'config.openshift.io/v1',
  ImageContentSourcePolicy: 'operator.openshift.io/v1alpha1',
};
export const ENTRIES: Record<Kind, string> = {
  ImageDigestMirrorSet: 'imageDigestMirrors',
  ImageTagMirrorSet: 'imageTagMirrors',
  ImageContentSourcePolicy: 'repositoryDigestMirrors',
};

// Upper case is legal in hosts (not in paths); labels are DNS-sized so paths stay within NAME_MAX.
const hostLabel = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
const randomHost = fc.array(hostLabel, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const SOURCE_HOSTS = ['quay.io', 'registry.redhat.io', 'docker.io', 'Registry.Example.com', 'localhost', '10.0.0.1', 'r1'];
const MIRROR_HOSTS = ['mirror.example', 'mirror.example.com', 'm2.corp', 'quay.io', 'Mirror.Example', 'registry.redhat.io'];
const PATH_ELEMENTS = ['ns', 'team-a', 'app_1', 'x.y', 'a__b', 'lib', 'v2', 'quay.io', 'ubi9', 'a--b'];
const port = fc.constantFrom('', '', '', '', '', ':5000', ':8443');

const pathElement = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PATH_ELEMENTS) }, { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]{1,6}(?:[._-][a-z0-9]{1,4})?$/) });
const path = (max: number) => fc.array(pathElement, { minLength: 0, maxLength: max }).map((parts) => parts.join('/'));

export interface Shape {
  /** Sources and mirrors without a path (registry-level). */
  registryLevel?: boolean;
  /** No `:port` anywhere. */
  noPorts?: boolean;
  /** Kinds to draw from. */
  kinds?: readonly Kind[];
  /** Allow docker.io (containerd's API host differs) and `*.` wildcard sources. */
  specialHosts?: boolean;
}

const join = (host: string, p: string): string => (p ? `${host}/${p}` : host);

function sourceArb(shape: Shape): fc.Arbitrary<string> {
  const pools = shape.specialHosts === false ? SOURCE_HOSTS.filter((h) => h !== 'docker.io') : SOURCE_HOSTS;
  const host = fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...pools) }, { weight: 1, arbitrary: randomHost }), shape.noPorts ? fc.constant('') : port).map(([h, p]) => h + p);
  const located = fc.tuple(host, shape.registryLevel ? fc.constant('') : path(3)).map(([h, p]) => join(h, p));
  if (shape.specialHosts === false) return located;
  const wildcard = fc.array(hostLabel, { minLength: 1, maxLength: 2 }).map((labels) => `*.${labels.join('.')}`);
  return fc.oneof({ weight: 12, arbitrary: located }, { weight: 1, arbitrary: wildcard });
}

/** Mirrors for `source`: registry-level, `prefix/<source path>` (what containerd can express), or anything else (a rename). */
function mirrorArb(source: string, shape: Shape): fc.Arbitrary<string> {
  const pools = shape.specialHosts === false ? MIRROR_HOSTS : [...MIRROR_HOSTS, 'docker.io'];
  const host = fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pools) }, { weight: 1, arbitrary: randomHost }), shape.noPorts ? fc.constant('') : port).map(([h, p]) => h + p);
  if (shape.registryLevel) return host;
  const slash = source.indexOf('/');
  const sourcePath = slash < 0 ? '' : source.slice(slash + 1);
  const keeping = fc.tuple(host, path(2)).map(([h, prefix]) => join(h, [prefix, sourcePath].filter(Boolean).join('/')));
  const anything = fc.tuple(host, path(3)).map(([h, p]) => join(h, p));
  // The source itself as a mirror (legal, it moves the source up the list), unless it is a wildcard.
  const itself = source.startsWith('*') ? anything : fc.constant(source);
  return fc.oneof({ weight: 3, arbitrary: keeping }, { weight: 1, arbitrary: anything }, { weight: 1, arbitrary: itself });
}

function entryArb(shape: Shape): fc.Arbitrary<{ source: string; mirrors: string[]; policyChoice: 'unset' | 'explicit' }> {
  return sourceArb(shape).chain((source) =>
    fc.record({
      source: fc.constant(source),
      // x-kubernetes-list-type: set
      mirrors: fc.uniqueArray(mirrorArb(source, shape), { minLength: 0, maxLength: 4 }),
      policyChoice: fc.constantFrom('unset' as const, 'explicit' as const),
    }),
  );
}

const registryOf = (source: string): string => source.split('/')[0] as string;

/**
 * Valid mirror sets: every constraint the API server and MCO check holds, and the containerd rule
 * that entries for one registry agree on the policy. The policy is drawn per registry (never for a
 * registry an ICSP entry writes to, ICSP being always AllowContactingSource) and written either
 * explicitly or, for AllowContactingSource, left unset; NeverContactSource entries drop a mirror
 * that equals their source (MCO refuses that).
 */
export function mirrorSetsArb(shape: Shape = {}): fc.Arbitrary<GenObject[]> {
  const kinds = shape.kinds ?? (['ImageDigestMirrorSet', 'ImageTagMirrorSet', 'ImageContentSourcePolicy'] as const);
  const object = fc.record({ kind: fc.constantFrom(...kinds), entries: fc.array(entryArb(shape), { minLength: 0, maxLength: 4 }) });
  return fc
    .record({
      objects: fc.array(object, { minLength: 1, maxLength: 6 }),
      names: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/), { minLength: 6, maxLength: 6 }),
      neverSeed: fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
    })
    .map(({ objects, names, neverSeed }) => {
      const allowOnly = new Set(objects.flatMap((o) => (o.kind === 'ImageContentSourcePolicy' ? o.entries.map((e) => registryOf(e.source)) : [])));
      const registries = [...new Set(objects.flatMap((o) => o.entries.map((e) => registryOf(e.source))))].sort();
      const never = new Set(registries.filter((r, i) => !allowOnly.has(r) && neverSeed[i % neverSeed.length]));
      return objects.map((o, i): GenObject => ({
        kind: o.kind,
        name: names[i] as string,
        entries: o.entries.map((e) => {
          const policy: Policy = never.has(registryOf(e.source)) ? 'NeverContactSource' : 'AllowContactingSource';
          const mirrors = policy === 'NeverContactSource' ? e.mirrors.filter((m) => m !== e.source) : e.mirrors;
          const explicit = o.kind !== 'ImageContentSourcePolicy' && (policy === 'NeverContactSource' || e.policyChoice === 'explicit');
          return { source: e.source, mirrors, ...(explicit ? { policy } : {}) };
        }),
      }));
    });
}

/** The Kubernetes object for `o`, keys in the usual order. */
export function toManifest(o: GenObject): Record<string, unknown> {
  return {
    apiVersion: API_VERSION[o.kind],
    kind: o.kind,
    metadata: { name: o.name },
    spec: {
      [ENTRIES[o.kind]]: o.entries.map((e) => ({
        source: e.source,
        ...(e.mirrors.length > 0 ? { mirrors: e.mirrors } : {}),
        ...(e.policy ? { mirrorSourcePolicy: e.policy } : {}),
      })),
    },
  };
}

/** Objects the tool must ignore, as oc-mirror writes them beside the mirror sets. */
const NOISE: Record<string, unknown>[] = [
  { apiVersion: 'operators.coreos.com/v1alpha1', kind: 'CatalogSource', metadata: { name: 'cs-redhat-operator-index', namespace: 'openshift-marketplace' }, spec: { image: 'mirror.example/redhat/redhat-operator-index:v4.16', sourceType: 'grpc' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mirrored-release-signatures', namespace: 'openshift-config-managed' }, binaryData: { 'sha256-abc': 'c2lnbmF0dXJl' } },
  { apiVersion: 'config.openshift.io/v1', kind: 'ClusterVersion', metadata: { name: 'version' }, spec: { channel: 'stable-4.16' } },
];

export type FileFormat = 'yaml' | 'list' | 'json';

/** How the objects are spread over files: a permutation, a file per object, a format per file, key order. */
export interface Layout {
  order: number[];
  fileOf: number[];
  formats: FileFormat[];
  reverseKeys: boolean[];
  noise: number[];
}

export function layoutArb(count: number): fc.Arbitrary<Layout> {
  const indices = Array.from({ length: count }, (_, i) => i);
  return fc.record({
    order: fc.shuffledSubarray(indices, { minLength: count, maxLength: count }),
    fileOf: fc.array(fc.nat(3), { minLength: count, maxLength: count }),
    formats: fc.array(fc.constantFrom<FileFormat>('yaml', 'list', 'json'), { minLength: 4, maxLength: 4 }),
    reverseKeys: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
    noise: fc.array(fc.nat(3), { minLength: 0, maxLength: 3 }),
  });
}

/** Key order means nothing to the API server: reverse it at every level of the object. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  return value;
}

/** The files `objects` become under `layout`: multi-document YAML, a kubectl List, or JSON. */
export function layOut(objects: readonly GenObject[], layout: Layout): SourceFile[] {
  const files = new Map<number, Record<string, unknown>[]>();
  layout.order.forEach((index) => {
    const o = objects[index] as GenObject;
    const manifest = toManifest(o);
    const fileIndex = layout.fileOf[index] as number;
    const list = files.get(fileIndex) ?? [];
    files.set(fileIndex, list);
    list.push(layout.reverseKeys[index] ? (reverseKeys(manifest) as Record<string, unknown>) : manifest);
  });
  layout.noise.forEach((n, i) => {
    const list = files.get(i % 4) ?? [];
    files.set(i % 4, list);
    list.splice(n % (list.length + 1), 0, NOISE[n % NOISE.length] as Record<string, unknown>);
  });
  return [...files.entries()].map(([fileIndex, docs]) => {
    const format = layout.formats[fileIndex] as FileFormat;
    const name = `set-${fileIndex}.${format === 'json' ? 'json' : 'yaml'}`;
    if (format === 'json') return { path: name, content: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }, null, 1) };
    if (format === 'list') return { path: name, content: stringify({ apiVersion: 'v1', kind: 'List', items: docs }) };
    return { path: name, content: docs.map((d) => stringify(d)).join('---\n') };
  });
}

/** The simplest layout: one YAML document per object, in one file, in generation order. */
export function oneFile(objects: readonly GenObject[]): SourceFile[] {
  return [{ path: 'sets.yaml', content: objects.map((o) => stringify(toManifest(o))).join('---\n') }];
}
