// Properties of the render over generated valid mirror sets (issue 7): what must hold for every
// input the API server and MCO accept, not only for the golden cases. Seeded: a failure prints the
// seed and the shrunk counterexample; FC_SEED=<n> replays another seed.
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { decodeKey, encodeKey } from '../../src/bundle/bundle-manifest.js';
import type { Diagnostic } from '../../src/diagnostics.js';
import { run } from '../../src/pipeline.js';
import { type Profile } from '../../src/vocabulary.js';
import { MANAGED_HEADER } from '../../src/render/render-containerd.js';
import { layOut, layoutArb, mirrorSetsArb, oneFile, type GenObject, type Policy } from './mirror-set-arbitraries.js';
import { acyclicOrderEdges, expectContainerd, specDirectory, split } from './spec-oracle.js';

const SEED = Number(process.env['FC_SEED'] ?? 7_2024);
const runs = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns });
// Generous: the machine is shared; a property takes seconds alone.
const TIMEOUT = 120_000;

interface HostsToml {
  server?: unknown;
  override_path?: unknown;
  host?: Record<string, { capabilities?: unknown; override_path?: unknown }>;
}

const errorsOf = (diagnostics: readonly Diagnostic[]): string[] => diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
const render = (objects: readonly GenObject[], profile: Profile) => run(oneFile(objects), { profile });

describe('containerd profile over valid mirror sets', () => {
  test('every file is a hosts.toml containerd reads: TOML, managed header, LF, at least one [host] table, no table twice', () => {
    fc.assert(
      fc.property(mirrorSetsArb(), (objects) => {
        const result = render(objects, 'containerd');
        expect(errorsOf(result.diagnostics)).toEqual([]);
        for (const file of result.files) {
          expect(file.path).toMatch(/^[^/]+\/hosts\.toml$/);
          expect(file.content.startsWith(`${MANAGED_HEADER}\n`)).toBe(true);
          expect(file.content).not.toMatch(/\r|\uFEFF/);
          expect(file.content.endsWith('\n')).toBe(true);
          const parsed = parseToml(file.content) as HostsToml; // throws on a duplicate table
          const tables = file.content.split('\n').filter((line) => line.startsWith('[host.'));
          expect(Object.keys(parsed.host ?? {}).length).toBe(tables.length);
          expect(tables.length).toBeGreaterThan(0);
          expect(file.content).not.toMatch(/^\s*\w+\s*=\s*\{|^\[?host\.[^"]/m); // no inline tables, no dotted keys
        }
      }),
      runs(300),
    );
  }, TIMEOUT);

  test('writes exactly the registries, [host] URLs, capabilities and server docs/design/rendering.md gives, and every URL traces back to an input mirror', () => {
    fc.assert(
      fc.property(mirrorSetsArb(), (objects) => {
        const result = render(objects, 'containerd');
        const expected = expectContainerd(objects);
        expect(result.files.map((f) => f.path).sort()).toEqual([...expected.values()].map((e) => `${e.directory}/hosts.toml`).sort());
        for (const registry of expected.values()) {
          const file = result.files.find((f) => f.path === `${registry.directory}/hosts.toml`);
          const parsed = parseToml(file?.content ?? '') as HostsToml;
          const hosts = parsed.host ?? {};
          expect(Object.keys(hosts).sort()).toEqual([...registry.hosts.keys()].sort());
          for (const [url, caps] of registry.hosts) {
            expect(hosts[url]?.capabilities).toEqual((['pull', 'resolve'] as const).filter((c) => caps.has(c)));
            expect(hosts[url]?.override_path).toBe(true);
          }
          expect(parsed.override_path).toBe(true);
          // NeverContactSource: the first host of the merged list is the server, and keeps its [host] table.
          expect(parsed.server).toBe(registry.policy === 'NeverContactSource' ? Object.keys(hosts)[0] : registry.sourceServer);
        }
      }),
      runs(300),
    );
  }, TIMEOUT);

  test("keeps the user's priority: when the entries' mirror lists do not contradict each other, every list's order holds in the file", () => {
    let checked = 0;
    fc.assert(
      fc.property(mirrorSetsArb(), (objects) => {
        const result = render(objects, 'containerd');
        for (const registry of expectContainerd(objects).values()) {
          const edges = acyclicOrderEdges(registry.lists);
          if (!edges) continue;
          const file = result.files.find((f) => f.path === `${registry.directory}/hosts.toml`);
          const order = Object.keys((parseToml(file?.content ?? '') as HostsToml).host ?? {});
          for (const [before, after] of edges) expect(order.indexOf(before)).toBeLessThan(order.indexOf(after));
          if (edges.length > 0) checked++;
        }
      }),
      runs(300),
    );
    expect(checked).toBeGreaterThan(50); // the generator does produce multi-mirror registries
  }, TIMEOUT);
});

describe('wmco profile over valid mirror sets', () => {
  test('one hosts.toml per IDMS/ITMS registry, empty without mirrors; every [host] traces back to an input mirror; sorted; TOML unless WMCO_DUPLICATE_TABLE says otherwise', () => {
    fc.assert(
      fc.property(mirrorSetsArb(), (objects) => {
        const result = render(objects, 'wmco');
        expect(errorsOf(result.diagnostics)).toEqual([]);
        const read = objects.filter((o) => o.kind !== 'ImageContentSourcePolicy').flatMap((o) => o.entries.map((e) => ({ kind: o.kind, ...e })));
        const registries = new Map<string, typeof read>();
        for (const entry of read) {
          const registry = split(entry.source).host;
          registries.set(registry, [...(registries.get(registry) ?? []), entry]);
        }
        expect(result.files.map((f) => f.path).sort()).toEqual([...registries.keys()].map((r) => `${r}/hosts.toml`).sort());
        for (const [registry, entries] of registries) {
          const file = result.files.find((f) => f.path === `${registry}/hosts.toml`) as { content: string };
          const mirrors = entries.flatMap((e) => e.mirrors);
          expect(file.content === '').toBe(mirrors.length === 0);
          if (mirrors.length === 0) continue;
          // [host."https://<truncated mirror>/v2[/org]"]: the truncated mirror is whole leading elements of an input mirror.
          const truncated = [...file.content.matchAll(/^\[host\."https:\/\/(.*)"\]$/gm)].map((m) => (m[1] as string).replace(/\/v2(?=\/|$)/, ''));
          expect(truncated.length).toBeGreaterThan(0);
          for (const t of truncated) expect(t === '' || mirrors.some((m) => m === t || m.startsWith(`${t}/`))).toBe(true);
          expect([...truncated].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(truncated);
          const resolve = entries.some((e) => e.kind === 'ImageTagMirrorSet' && e.mirrors.length > 0);
          if (!resolve) expect(file.content).not.toContain('"resolve"');
          let parses = true;
          try {
            parseToml(file.content);
          } catch {
            parses = false;
          }
          if (!parses) expect(result.diagnostics.map((d) => d.code)).toContain('WMCO_DUPLICATE_TABLE');
        }
      }),
      runs(300),
    );
  }, TIMEOUT);
});

describe('both profiles', () => {
  test('render is deterministic and independent of file layout, document order, List or JSON wrapping, key order and unrelated objects', () => {
    const arb = mirrorSetsArb().chain((objects) => fc.tuple(fc.constant(objects), layoutArb(objects.length), layoutArb(objects.length)));
    fc.assert(
      fc.property(arb, fc.constantFrom<Profile>('containerd', 'wmco'), ([objects, a, b], profile) => {
        const first = run(layOut(objects, a), { profile });
        const again = run(layOut(objects, a), { profile });
        const other = run(layOut(objects, b), { profile });
        expect(again).toEqual(first);
        expect(other.files).toEqual(first.files);
        const summary = (ds: readonly Diagnostic[]) => ds.map((d) => `${d.severity} ${d.code} ${d.object?.name ?? ''}`).sort();
        expect(summary(other.diagnostics)).toEqual(summary(first.diagnostics));
      }),
      runs(200),
    );
  }, TIMEOUT);

  test('every rendered path becomes a valid ConfigMap key ([-._a-zA-Z0-9]+, at most 253) that decodes back to the same path', () => {
    fc.assert(
      fc.property(mirrorSetsArb(), fc.constantFrom<Profile>('containerd', 'wmco'), (objects, profile) => {
        const paths = render(objects, profile).files.map((f) => f.path);
        const keys = paths.map(encodeKey);
        for (const [i, key] of keys.entries()) {
          expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
          expect(key.length).toBeLessThanOrEqual(253);
          expect(decodeKey(key)).toBe(paths[i]);
        }
        expect(new Set(keys).size).toBe(paths.length);
      }),
      runs(200),
    );
  }, TIMEOUT);

  test('agree where the containerd profile keeps WMCO\'s shape: IDMS/ITMS, registry-level sources and mirrors, one policy per registry, no docker.io', () => {
    // Same [host] URLs and capabilities (WMCO: a tag mirror wins; containerd: the union; both give
    // pull+resolve once any ITMS mirror does), same server unless NeverContactSource picks a different
    // first host (WMCO: first sorted, containerd: first in the merged priority order). They differ in
    // the directory of a host:port registry (host_port_ vs host:port), in the empty file WMCO writes for
    // a registry without mirrors, and in the order of the [host] tables (sorted vs the user's).
    const shape = { registryLevel: true, specialHosts: false, kinds: ['ImageDigestMirrorSet', 'ImageTagMirrorSet'] as const };
    fc.assert(
      fc.property(mirrorSetsArb(shape), (objects) => {
        const containerd = render(objects, 'containerd');
        const wmco = render(objects, 'wmco');
        expect(errorsOf(containerd.diagnostics)).toEqual([]);
        expect(errorsOf(wmco.diagnostics)).toEqual([]);
        const written = wmco.files.filter((f) => f.content !== '');
        expect(containerd.files.map((f) => f.path).sort()).toEqual(written.map((f) => `${specDirectory(f.path.split('/')[0] as string)}/hosts.toml`).sort());
        for (const w of written) {
          const registry = w.path.split('/')[0] as string;
          const c = containerd.files.find((f) => f.path === `${specDirectory(registry)}/hosts.toml`) as { content: string };
          const cp = parseToml(c.content) as HostsToml;
          const wp = parseToml(w.content) as HostsToml;
          const hostsOf = (p: HostsToml) => Object.fromEntries(Object.entries(p.host ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));
          expect(hostsOf(cp)).toEqual(hostsOf(wp));
          expect(cp.override_path).toBe(true);
          expect(wp.override_path).toBe(true);
          const never = objects.some((o) => o.entries.some((e) => e.source === registry && e.policy === 'NeverContactSource'));
          if (!never) expect(cp.server).toBe(wp.server);
          else {
            expect(Object.keys(cp.host ?? {})).toContain(cp.server);
            expect(wp.server).toBe(Object.keys(wp.host ?? {})[0]); // WMCO: the first host, in its sorted order
            if (Object.keys(cp.host ?? {}).length === 1) expect(cp.server).toBe(wp.server);
          }
        }
      }),
      runs(300),
    );
  }, TIMEOUT);
});

describe('mirrorSourcePolicy per registry', () => {
  // Policies drawn per entry: MCO refuses different policies for one exact source (both profiles);
  // containerd, whose policy is per registry, also refuses entries of one registry that write mirrors
  // and disagree; WMCO merges them (with warnings). Unset counts as AllowContactingSource everywhere.
  const arb = fc
    .tuple(mirrorSetsArb({ kinds: ['ImageDigestMirrorSet', 'ImageTagMirrorSet'] }), fc.array(fc.constantFrom(undefined, 'AllowContactingSource', 'NeverContactSource'), { minLength: 24, maxLength: 24 }))
    .map(([objects, policies]) => {
      let i = 0;
      return objects.map((o) => ({
        ...o,
        entries: o.entries.map((e) => {
          const policy = policies[i++ % policies.length];
          const mirrors = policy === 'NeverContactSource' ? e.mirrors.filter((m) => m !== e.source) : e.mirrors;
          return { source: e.source, mirrors, ...(policy ? { policy: policy as Policy } : {}) };
        }),
      }));
    });

  test('conflicting policies are an error naming them, exactly when they conflict; agreeing ones render', () => {
    let conflicts = 0;
    fc.assert(
      fc.property(arb, (objects) => {
        const effective = (p?: string) => p ?? 'AllowContactingSource';
        const bySource = new Map<string, Set<string>>();
        for (const e of objects.flatMap((o) => o.entries)) bySource.set(e.source, new Set([...(bySource.get(e.source) ?? []), effective(e.policy)]));
        const sourceConflict = [...bySource.values()].some((s) => s.size > 1);
        // Registry-level: only entries that write a mirror count (wildcards and all-renamed entries do not).
        const byRegistry = new Map<string, Set<string>>();
        for (const expected of expectContainerd(objects).values()) byRegistry.set(expected.registry, new Set());
        for (const o of objects) {
          for (const e of o.entries) {
            const registry = split(e.source).host;
            const writes = expectContainerd([{ ...o, entries: [e] }]).size > 0;
            if (writes) byRegistry.get(registry)?.add(effective(e.policy));
          }
        }
        const registryConflict = [...byRegistry.values()].some((s) => s.size > 1);
        const containerd = render(objects, 'containerd');
        const wmco = render(objects, 'wmco');
        const codes = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === 'error').map((d) => d.code);
        if (sourceConflict) {
          conflicts++;
          expect(codes(containerd.diagnostics)).toContain('POLICY_CONFLICT');
          expect(codes(wmco.diagnostics)).toContain('POLICY_CONFLICT');
          expect(containerd.files).toEqual([]);
          expect(wmco.files).toEqual([]);
        } else if (registryConflict) {
          conflicts++;
          expect(codes(containerd.diagnostics)).toEqual(expect.arrayContaining(['REGISTRY_POLICY_CONFLICT']));
          expect(new Set(codes(containerd.diagnostics))).toEqual(new Set(['REGISTRY_POLICY_CONFLICT']));
          expect(containerd.files).toEqual([]);
          expect(codes(wmco.diagnostics)).toEqual([]);
        } else {
          expect(codes(containerd.diagnostics)).toEqual([]);
          expect(codes(wmco.diagnostics)).toEqual([]);
        }
        for (const d of [...containerd.diagnostics, ...wmco.diagnostics].filter((x) => x.code.endsWith('POLICY_CONFLICT'))) {
          expect(d.location?.line).toBeGreaterThan(0);
          expect(d.object?.name).toBeTruthy();
        }
      }),
      runs(300),
    );
    expect(conflicts).toBeGreaterThan(30);
  }, TIMEOUT);
});
