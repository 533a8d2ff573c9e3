// What docs/design/rendering.md says the containerd profile writes, computed straight from the generated objects and
// the words of the spec, without the code under test: which files, which [host] URLs, which
// capabilities, which server. Order is checked separately (it is a merge, not a set).
import type { GenObject, Policy } from './mirror-set-arbitraries.js';

export interface ExpectedRegistry {
  registry: string;
  /** `host_port_` for a host with a port, the plain host otherwise (SPEC "Directory names"). */
  directory: string;
  /** URL -> capabilities, `pull` always, `resolve` when an ITMS mirror gives the URL. */
  hosts: Map<string, Set<'pull' | 'resolve'>>;
  /** The URL lists of the entries that write mirrors, in reading order: the input of the merge. */
  lists: string[][];
  policy: Policy;
  /** `https://<host>/v2`, docker.io served by registry-1.docker.io (SPEC "Server"). */
  sourceServer: string;
}

export function split(location: string): { host: string; path: string } {
  const slash = location.indexOf('/');
  return slash < 0 ? { host: location, path: '' } : { host: location.slice(0, slash), path: location.slice(slash + 1) };
}

/** SPEC "Mirror path": the prefix containerd puts in front of the repository path, or undefined for a rename. */
export function specPrefix(sourcePath: string, mirrorPath: string): string | undefined {
  if (sourcePath === '') return mirrorPath;
  if (mirrorPath === sourcePath) return '';
  if (mirrorPath.endsWith(`/${sourcePath}`)) return mirrorPath.slice(0, -sourcePath.length - 1);
  return undefined;
}

export function specUrl(host: string, prefix: string): string {
  return `https://${host === 'docker.io' ? 'registry-1.docker.io' : host}/v2${prefix ? `/${prefix}` : ''}`;
}

export function specDirectory(registry: string): string {
  const colon = registry.lastIndexOf(':');
  return colon < 0 ? registry : `${registry.slice(0, colon)}_${registry.slice(colon + 1)}_`;
}

const KIND_ORDER = ['ImageDigestMirrorSet', 'ImageContentSourcePolicy', 'ImageTagMirrorSet'];

/** Objects in SPEC's reading order: IDMS, ICSP, ITMS, then metadata.name (bytewise). */
export function readingOrder(objects: readonly GenObject[]): GenObject[] {
  return [...objects].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Per source registry with at least one mirror written: what its hosts.toml must say. */
export function expectContainerd(objects: readonly GenObject[]): Map<string, ExpectedRegistry> {
  const out = new Map<string, ExpectedRegistry>();
  for (const object of readingOrder(objects)) {
    for (const entry of object.entries) {
      if (entry.source.startsWith('*.')) continue; // SPEC: wildcard sources are skipped
      const source = split(entry.source);
      const urls: string[] = [];
      for (const mirror of entry.mirrors) {
        const target = split(mirror);
        const prefix = specPrefix(source.path, target.path);
        if (prefix !== undefined) urls.push(specUrl(target.host, prefix));
      }
      if (urls.length === 0) continue; // entries whose mirrors are all left out do not count
      let expected = out.get(source.host);
      if (!expected) {
        expected = {
          registry: source.host,
          directory: specDirectory(source.host),
          hosts: new Map(),
          lists: [],
          policy: entry.policy ?? 'AllowContactingSource',
          sourceServer: specUrl(source.host, ''),
        };
        out.set(source.host, expected);
      }
      expected.lists.push(urls);
      for (const url of urls) {
        const caps = expected.hosts.get(url) ?? new Set();
        expected.hosts.set(url, caps);
        caps.add('pull');
        if (object.kind === 'ImageTagMirrorSet') caps.add('resolve');
      }
    }
  }
  return out;
}

/** Edges "a before b" of consecutive elements of each list, or undefined when they form a cycle. */
export function acyclicOrderEdges(lists: readonly string[][]): [string, string][] | undefined {
  const edges: [string, string][] = [];
  for (const list of lists) {
    const unique = [...new Set(list)];
    for (let i = 0; i + 1 < unique.length; i++) edges.push([unique[i] as string, unique[i + 1] as string]);
  }
  // Kahn: a cycle leaves nodes with predecessors.
  const ins = new Map<string, number>();
  const outs = new Map<string, string[]>();
  for (const list of lists) for (const n of list) ins.set(n, ins.get(n) ?? 0);
  for (const [a, b] of edges) {
    ins.set(b, (ins.get(b) ?? 0) + 1);
    outs.set(a, [...(outs.get(a) ?? []), b]);
  }
  const ready = [...ins].filter(([, n]) => n === 0).map(([k]) => k);
  let seen = 0;
  while (ready.length > 0) {
    const n = ready.pop() as string;
    seen++;
    for (const m of outs.get(n) ?? []) {
      const left = (ins.get(m) as number) - 1;
      ins.set(m, left);
      if (left === 0) ready.push(m);
    }
  }
  return seen === ins.size ? edges : undefined;
}
