// Rendered files -> ConfigMap (or Secret) objects that carry them to the nodes, with the manifest
// the node applier reads back (./bundle-manifest.ts). Pure: objects in, objects out.
//
// Limits this module enforces, so that the API server never refuses what we generate:
// - keys match [-._a-zA-Z0-9]+ (k8s.io/apimachinery IsConfigMapKey): every path is encoded;
// - one object holds at most 1 MiB of data (apimachinery validation: ConfigMap data+binaryData key
//   and value bytes, Secret data bytes, both against `MaxSecretSize = 1 * 1024 * 1024`), so the files
//   are spread over several objects, in path order, before that limit; a file that cannot fit in
//   one object is an error, never truncated.
import { type Diagnostic } from '../diagnostics.js';
import { base64ToBytes, bytesToBase64, compareStrings, CONFIG_MAP_KEY } from '../vocabulary.js';
import type { RenderedFile } from '../render/rendered-file.js';
import { decodeKey, encodeKey, MANIFEST_KEY, type BundleFile, type BundleManifest } from './bundle-manifest.js';
import { hashSuffix, sha256Hex } from './content-hash.js';

/** The API server's limit on one ConfigMap's or Secret's data (core validation `MaxSecretSize`). */
export const API_OBJECT_DATA_LIMIT = 1024 * 1024;

export type BundleKind = 'ConfigMap' | 'Secret';

/** Labels on every object this tool generates: how a re-run finds (and replaces) its own output. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'mirrorset-hosts';
export const CONFIG_LABEL = 'mirrorset-hosts.io/config';

export interface BundleOptions {
  /** Base of every name: the functionConfig's metadata.name. */
  name: string;
  namespace?: string;
  profile: BundleManifest['profile'];
  /** A Secret instead of a ConfigMap (content the config says is sensitive, such as CA material). */
  sensitive: boolean;
  /** Data bytes per object (keys + values as the API server counts them; base64 for a Secret). */
  maxObjectBytes: number;
}

export interface BundleObjectRef {
  kind: BundleKind;
  name: string;
  /** The data keys this object holds, sorted; the first object also holds MANIFEST_KEY. */
  keys: string[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Bundle {
  /** ConfigMaps or Secrets, first one holding the manifest; empty when `diagnostics` has an error. */
  objects: KubeObject[];
  refs: BundleObjectRef[];
  manifest: BundleManifest;
  /** Hash suffix shared by the bundle's object names: changes with any byte of the data. */
  hash: string;
  diagnostics: Diagnostic[];
}

export function bundleLabels(name: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [CONFIG_LABEL]: name };
}

/** sha256 over the sorted (path, sha256) list, as BundleManifest.contentHash documents. */
export function contentHashOf(files: readonly { path: string; sha256: string }[]): string {
  const lines = [...files].sort((a, b) => compareStrings(a.path, b.path)).map((f) => `${f.sha256}  ${f.path}\n`);
  return sha256Hex(lines.join(''));
}

export function buildBundle(rendered: readonly RenderedFile[], options: BundleOptions): Bundle {
  const kind: BundleKind = options.sensitive ? 'Secret' : 'ConfigMap';
  const diagnostics: Diagnostic[] = [];
  const sorted = [...rendered].sort((a, b) => compareStrings(a.path, b.path));
  const entries = sorted.map((file) => {
    const bytes = new TextEncoder().encode(file.content);
    return { path: file.path, key: encodeKey(file.path), content: file.content, bytes, sha256: sha256Hex(bytes) };
  });

  for (const entry of entries) {
    // A key may have 253 characters (IsConfigMapKey); encoding can triple a long path's length.
    if (entry.key.length > 253) {
      diagnostics.push({
        code: 'BUNDLE_KEY_TOO_LONG',
        severity: 'error',
        message: `${entry.path} encodes to a ${entry.key.length}-character bundle key, more than the 253 a ConfigMap or Secret key may have; the registry host is too long to be carried in a bundle`,
      });
      continue;
    }
    // encodeKey only emits [-.a-zA-Z0-9_]; this guards the contract, and the node applier's decodeKey.
    if (!CONFIG_MAP_KEY.test(entry.key) || decodeKey(entry.key) !== entry.path || entry.key === MANIFEST_KEY) {
      throw new Error(`bug: bundle key ${JSON.stringify(entry.key)} for ${JSON.stringify(entry.path)} is not a valid, reversible key`);
    }
  }
  if (diagnostics.length > 0) {
    return { objects: [], refs: [], manifest: { apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: 'BundleManifest', profile: options.profile, contentHash: '', files: [] }, hash: '', diagnostics };
  }

  const contentHash = contentHashOf(entries);
  const hash = hashSuffix({
    kind,
    name: options.name,
    profile: options.profile,
    maxObjectBytes: options.maxObjectBytes,
    files: entries.map((e) => [e.path, e.sha256]),
  });
  const base = `${options.name}-hosts-${hash}`;
  const sizeOf = (key: string, bytes: Uint8Array): number => key.length + (kind === 'Secret' ? base64Length(bytes.length) : bytes.length);

  // The manifest names the object of every file, so its size depends on the split; bound it from
  // above with the longest name any part can have, then split in one pass.
  const longestName = `${base}-${entries.length}`.length;
  const manifestBound = sizeOf(
    MANIFEST_KEY,
    new TextEncoder().encode(manifestText({ profile: options.profile, contentHash, files: entries.map((e) => ({ key: e.key, path: e.path, sha256: e.sha256, object: 'x'.repeat(longestName) })) })),
  );
  const budget = options.maxObjectBytes;
  const manifestEmpty: BundleManifest = { apiVersion: 'mirrorset-hosts.io/v1alpha1', kind: 'BundleManifest', profile: options.profile, contentHash, files: [] };
  if (manifestBound > budget) {
    diagnostics.push({
      code: 'BUNDLE_OBJECT_TOO_LARGE',
      severity: 'error',
      message: `the bundle manifest for ${entries.length} file(s) needs ${manifestBound} bytes, more than the ${budget} bytes allowed per ${kind} (spec.bundle.maxObjectBytes); raise the limit up to ${API_OBJECT_DATA_LIMIT}`,
      field: 'spec.bundle.maxObjectBytes',
    });
  }
  for (const entry of entries) {
    const size = sizeOf(entry.key, entry.bytes);
    if (size > budget) {
      diagnostics.push({
        code: 'BUNDLE_OBJECT_TOO_LARGE',
        severity: 'error',
        message: `${entry.path} needs ${size} bytes in a ${kind}, more than the ${budget} bytes allowed per object (spec.bundle.maxObjectBytes); a file is never split or truncated: make it smaller or raise the limit up to ${API_OBJECT_DATA_LIMIT}`,
        field: 'spec.bundle.maxObjectBytes',
      });
    }
  }
  if (diagnostics.length > 0) return { objects: [], refs: [], manifest: manifestEmpty, hash, diagnostics };

  // First fit in path order: deterministic, and files of one registry stay together.
  const parts: (typeof entries)[] = [[]];
  let used = manifestBound;
  for (const entry of entries) {
    const size = sizeOf(entry.key, entry.bytes);
    if (used + size > budget) {
      parts.push([]);
      used = 0;
    }
    (parts[parts.length - 1] as typeof entries).push(entry);
    used += size;
  }
  const partName = (index: number): string => (parts.length === 1 ? base : `${base}-${index}`);

  const files: BundleFile[] = [];
  parts.forEach((part, index) => {
    for (const entry of part) files.push({ key: entry.key, path: entry.path, sha256: entry.sha256, object: partName(index) });
  });
  const manifest: BundleManifest = { ...manifestEmpty, files };
  const manifestContent = manifestText(manifest);

  const labels = bundleLabels(options.name);
  const objects: KubeObject[] = [];
  const refs: BundleObjectRef[] = [];
  parts.forEach((part, index) => {
    const data: Record<string, string> = {};
    if (index === 0) data[MANIFEST_KEY] = kind === 'Secret' ? bytesToBase64(new TextEncoder().encode(manifestContent)) : manifestContent;
    for (const entry of part) data[entry.key] = kind === 'Secret' ? bytesToBase64(entry.bytes) : entry.content;
    const metadata: KubeObject['metadata'] = { name: partName(index), labels: { ...labels } };
    if (options.namespace) metadata.namespace = options.namespace;
    const object: KubeObject =
      kind === 'Secret'
        ? { apiVersion: 'v1', kind, metadata, type: 'Opaque', immutable: true, data }
        : { apiVersion: 'v1', kind, metadata, immutable: true, data };
    objects.push(object);
    refs.push({ kind, name: partName(index), keys: Object.keys(data).sort(compareStrings) });
  });
  return { objects, refs, manifest, hash, diagnostics };
}

/** The manifest as stored: JSON, fixed key order, two-space indent, trailing newline. */
export function manifestText(manifest: Pick<BundleManifest, 'profile' | 'contentHash' | 'files'>): string {
  const ordered = {
    apiVersion: 'mirrorset-hosts.io/v1alpha1',
    kind: 'BundleManifest',
    profile: manifest.profile,
    contentHash: manifest.contentHash,
    files: manifest.files.map((f) => ({ key: f.key, path: f.path, sha256: f.sha256, object: f.object })),
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

/** The manifest back from a bundle object's data (ConfigMap text or Secret base64). */
export function readManifest(object: KubeObject): BundleManifest {
  const data = (object['data'] ?? {}) as Record<string, string>;
  const raw = data[MANIFEST_KEY];
  if (raw === undefined) throw new Error(`${object.kind} ${object.metadata.name} holds no ${MANIFEST_KEY}`);
  const text = object.kind === 'Secret' ? fromBase64(raw) : raw;
  return JSON.parse(text) as BundleManifest;
}

/**
 * The bundle directory as the Job mounts it (one projected volume over every bundle object): each data
 * key a file, the manifest first among them. What `build --bundle-dir` writes, so `apply --bundle` can
 * run by hand against exactly what the Job would see. Undefined when `objects` hold no bundle.
 */
export function mountedBundleFiles(objects: readonly KubeObject[]): RenderedFile[] | undefined {
  const isBundleKind = (o: KubeObject): boolean => o.kind === 'ConfigMap' || o.kind === 'Secret';
  const first = objects.find((o) => isBundleKind(o) && MANIFEST_KEY in ((o['data'] ?? {}) as Record<string, string>));
  if (!first) return undefined;
  const names = new Set([first.metadata.name, ...readManifest(first).files.map((f) => f.object)]);
  const files: RenderedFile[] = [];
  for (const object of objects) {
    if (object.kind !== first.kind || !names.has(object.metadata.name)) continue;
    for (const [key, value] of Object.entries((object['data'] ?? {}) as Record<string, string>)) {
      files.push({ path: key, content: object.kind === 'Secret' ? fromBase64(value) : value });
    }
  }
  return files.sort((a, b) => compareStrings(a.path, b.path));
}

function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

function fromBase64(encoded: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(base64ToBytes(encoded));
}


