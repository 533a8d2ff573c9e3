import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { buildBundle, readManifest, type BundleOptions, type KubeObject } from '../../src/bundle/bundle-files.js';
import { decodeKey, encodeKey, MANIFEST_KEY } from '../../src/bundle/bundle-manifest.js';
import { sha256Hex } from '../../src/bundle/content-hash.js';
import type { RenderedFile } from '../../src/render/rendered-file.js';
import { kubernetesProblems } from './kube-schema.js';

const options: BundleOptions = { name: 'containerd-mirrors', namespace: 'mirrors', profile: 'containerd', sensitive: false, maxObjectBytes: 1_000_000 };
const files: RenderedFile[] = [
  { path: 'registry.local_5000_/hosts.toml', content: 'server = "https://registry.local:5000/v2"\n' },
  { path: 'quay.io/hosts.toml', content: 'server = "https://quay.io/v2"\n' },
  { path: 'quay.io/ca.crt', content: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' },
];
const dataOf = (object: KubeObject): Record<string, string> => object['data'] as Record<string, string>;

describe('bundle objects', () => {
  test('every file is stored under a valid, reversible key, with its path and sha256 in the manifest', () => {
    const bundle = buildBundle(files, options);
    expect(bundle.diagnostics).toEqual([]);
    expect(bundle.objects).toHaveLength(1);
    const data = dataOf(bundle.objects[0] as KubeObject);
    expect(Object.keys(data).sort()).toEqual(['manifest.json', 'quay.io_2fca.crt', 'quay.io_2fhosts.toml', 'registry.local_5f5000_5f_2fhosts.toml']);
    const manifest = readManifest(bundle.objects[0] as KubeObject);
    expect(manifest.kind).toBe('BundleManifest');
    for (const file of manifest.files) {
      expect(decodeKey(file.key)).toBe(file.path);
      expect(data[file.key]).toBe(files.find((f) => f.path === file.path)?.content);
      expect(file.sha256).toBe(sha256Hex(data[file.key] as string));
      expect(file.object).toBe(bundle.objects[0]?.metadata.name);
    }
    expect(manifest.files.map((f) => f.path)).toEqual(['quay.io/ca.crt', 'quay.io/hosts.toml', 'registry.local_5000_/hosts.toml']);
  });

  test('the objects pass the Kubernetes schemas and key rules', () => {
    for (const sensitive of [false, true]) {
      for (const object of buildBundle(files, { ...options, sensitive }).objects) expect(kubernetesProblems(object)).toEqual([]);
    }
  });

  test('the name carries a hash of the content and changes with any byte of it', () => {
    const a = buildBundle(files, options);
    const b = buildBundle(files.map((f, i) => (i === 0 ? { ...f, content: f.content + '\n' } : f)), options);
    expect(a.objects[0]?.metadata.name).toMatch(/^containerd-mirrors-hosts-[0-9a-f]{10}$/);
    expect(b.objects[0]?.metadata.name).not.toBe(a.objects[0]?.metadata.name);
    // Same content in another order: same bytes.
    expect(buildBundle([...files].reverse(), options)).toEqual(a);
    // The profile is in the manifest, so it is in the name too (the objects are immutable).
    expect(buildBundle(files, { ...options, profile: 'wmco' }).objects[0]?.metadata.name).not.toBe(a.objects[0]?.metadata.name);
  });

  test('sensitive content goes into a Secret, base64, never into a ConfigMap', () => {
    const bundle = buildBundle(files, { ...options, sensitive: true });
    expect(bundle.objects.map((o) => o.kind)).toEqual(['Secret']);
    const data = dataOf(bundle.objects[0] as KubeObject);
    expect(Buffer.from(data['quay.io_2fhosts.toml'] as string, 'base64').toString()).toBe('server = "https://quay.io/v2"\n');
    expect(JSON.stringify(bundle.objects)).not.toContain('BEGIN CERTIFICATE');
    expect(readManifest(bundle.objects[0] as KubeObject).files).toHaveLength(3);
  });

  test('files are split over several objects before the size limit, the manifest naming where each is', () => {
    const many: RenderedFile[] = Array.from({ length: 80 }, (_, i) => ({ path: `r${String(i).padStart(2, '0')}.example/hosts.toml`, content: 'x'.repeat(1000) + '\n' }));
    const bundle = buildBundle(many, { ...options, maxObjectBytes: 30000 });
    expect(bundle.diagnostics).toEqual([]);
    expect(bundle.objects.length).toBeGreaterThan(3);
    const names = bundle.objects.map((o) => o.metadata.name);
    expect(names.every((n, i) => n === `${names[0]?.replace(/-0$/, '')}-${i}`)).toBe(true);
    const manifest = readManifest(bundle.objects[0] as KubeObject);
    const stored = new Map<string, string>();
    for (const object of bundle.objects) {
      const data = dataOf(object);
      const size = Object.entries(data).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
      expect(size).toBeLessThanOrEqual(30000);
      for (const key of Object.keys(data)) if (key !== MANIFEST_KEY) stored.set(key, object.metadata.name);
      expect(kubernetesProblems(object)).toEqual([]);
    }
    // Every file is somewhere, exactly where the manifest says, and nothing is lost.
    expect(manifest.files).toHaveLength(80);
    for (const file of manifest.files) expect(stored.get(file.key)).toBe(file.object);
  });

  test('a file larger than one object is an error, never truncated', () => {
    const bundle = buildBundle([{ path: 'big.example/hosts.toml', content: 'x'.repeat(10_000) }], { ...options, maxObjectBytes: 8192 });
    expect(bundle.objects).toEqual([]);
    expect(bundle.diagnostics.map((d) => [d.code, d.severity, d.field])).toEqual([['BUNDLE_OBJECT_TOO_LARGE', 'error', 'spec.bundle.maxObjectBytes']]);
    expect(bundle.diagnostics[0]?.message).toContain('big.example/hosts.toml');
  });

  test('a Secret counts its base64 size against the limit', () => {
    const content = 'x'.repeat(6500); // 6500 bytes, 8668 in base64
    expect(buildBundle([{ path: 'a/hosts.toml', content }], { ...options, maxObjectBytes: 8192 }).diagnostics).toEqual([]);
    expect(buildBundle([{ path: 'a/hosts.toml', content }], { ...options, maxObjectBytes: 8192, sensitive: true }).diagnostics[0]?.code).toBe('BUNDLE_OBJECT_TOO_LARGE');
  });

  test('any path round-trips through its key, and every key is a valid ConfigMap key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (path) => {
        const key = encodeKey(path);
        expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
        expect(decodeKey(key)).toBe(path);
      }),
    );
  });
});
