// The cluster `Image` config (config.openshift.io/v1, name `cluster`) and the ConfigMap its
// `spec.additionalTrustedCA.name` points at: trust and transport for the registries
// (docs/design/rendering.md "Trust and transport"). Only the fields we read are checked strictly; the rest of the Image spec belongs
// to other components and newer API versions add fields, so it is left alone.
import { X509Certificate } from 'node:crypto';
import { diagnostic, type Diagnostic, type ObjectRef, type SourceLocation } from '../diagnostics.js';
import { isPlainObject, type FieldPath, type ManifestObject } from '../parse/parse-manifests.js';
import { diagnosticsFor, formatFieldPath } from './diagnostics-for.js';
import { duplicateObject } from './duplicate-object.js';
import { validateAgainstSchema, type JsonSchema } from './json-schema.js';
import type { Located } from './mirror-set.js';
import { wrongApiVersion } from './api-version.js';
import { compareStrings, base64ToBytes, CONFIG_MAP_KEY } from '../vocabulary.js';

export const IMAGE_CONFIG_API_VERSION = 'config.openshift.io/v1';
/** The only Image object the cluster reads (openshift/api config/v1 types_image.go). */
export const IMAGE_CONFIG_NAME = 'cluster';
/** additionalTrustedCA names a ConfigMap in this namespace (openshift/api ConfigMapNameReference). */
export const TRUSTED_CA_NAMESPACE = 'openshift-config';

export interface TrustConfig {
  /** The Image named `cluster`, when the inputs hold one. */
  image?: { object: ObjectRef; location: SourceLocation };
  /** `spec.registrySources.insecureRegistries` itself (for messages about the whole list). */
  insecureRegistriesField?: { field: string; location: SourceLocation };
  /** Its entries, in list order: `host`, `host:port`, `*.domain`, optionally with a `/path`. */
  insecureRegistries: Located<string>[];
  /** `spec.additionalTrustedCA.name`, when set and not empty (the cluster ignores ""). */
  additionalTrustedCA?: Located<string>;
  /** The ConfigMap `openshift-config/<additionalTrustedCA.name>`, when the inputs hold it. */
  caConfigMap?: CaConfigMap;
  /** ConfigMaps with that name in another namespace (or none): they explain a missing one. */
  caConfigMapsElsewhere: { namespace?: string; location: SourceLocation }[];
}

export interface CaConfigMap {
  object: ObjectRef;
  location: SourceLocation;
  /** One per valid `data` key, sorted by key. */
  bundles: CaBundle[];
}

/** One `data` key of the CA ConfigMap: `host` or `host..port` -> PEM bundle. */
export interface CaBundle {
  key: string;
  /** `host[:port]`: the key with every `..` read as `:` (MCO: strings.ReplaceAll(key, "..", ":")). */
  registry: string;
  /** `data[host..port]`, the Kubernetes field-path form for a map key. */
  field: string;
  /** Position of the key. */
  location: SourceLocation;
  object: ObjectRef;
  pem: PemCheck;
}

export interface PemCheck {
  /** The CERTIFICATE blocks Go's x509.CertPool.AppendCertsFromPEM would load, LF line endings. */
  certificates: string[];
  /** Why each other block is left out; never the block's content. */
  skipped: string[];
}

export interface ImageConfigResult {
  trust: TrustConfig;
  diagnostics: Diagnostic[];
}

const REGISTRY_LIST: JsonSchema = { type: 'array', items: { type: 'string' } };
// openshift/api config/v1 RegistrySources and ConfigMapNameReference, as in the Image CRD.
const REGISTRY_SOURCES_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    allowedRegistries: REGISTRY_LIST,
    blockedRegistries: REGISTRY_LIST,
    containerRuntimeSearchRegistries: { ...REGISTRY_LIST, 'x-kubernetes-list-type': 'set' },
    insecureRegistries: REGISTRY_LIST,
  },
};
const ADDITIONAL_TRUSTED_CA_SCHEMA: JsonSchema = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };

export function validateImageConfig(objects: readonly ManifestObject[]): ImageConfigResult {
  const diagnostics: Diagnostic[] = [];
  const trust: TrustConfig = { insecureRegistries: [], caConfigMapsElsewhere: [] };
  const images: ManifestObject[] = [];

  for (const object of objects) {
    if (object.kind !== 'Image') continue;
    if (object.apiVersion !== IMAGE_CONFIG_API_VERSION) {
      // "Image" is also a kind of other groups (image.openshift.io/v1, knative caching, kpack), so
      // another apiVersion is an error only where it is meant as the cluster config: its group, or a
      // spec with the config's own fields (openshift/api config/v1 ImageSpec).
      if (isConfigGroup(object.apiVersion) || looksLikeImageConfig(object)) diagnostics.push(wrongApiVersion(object, 'Image', IMAGE_CONFIG_API_VERSION));
      continue;
    }
    const name = nameOf(object);
    if (name === undefined) {
      diagnosticsFor(object, undefined, diagnostics).report('INVALID_NAME', ['metadata', 'name'], `expected metadata.name "${IMAGE_CONFIG_NAME}" on the cluster Image config, found none`);
      continue;
    }
    if (name !== IMAGE_CONFIG_NAME) {
      diagnosticsFor(object, { apiVersion: object.apiVersion, kind: 'Image', name }, diagnostics).report(
        'IMAGE_CONFIG_NOT_CLUSTER',
        ['metadata', 'name'],
        `Image "${name}" is ignored: the cluster reads only the Image named "${IMAGE_CONFIG_NAME}", so its insecure registries and trusted CAs take effect nowhere; rename it to "${IMAGE_CONFIG_NAME}" or remove it`,
      );
      continue;
    }
    images.push(object);
  }

  if (images.length > 1) {
    const first = images[0] as ManifestObject;
    const firstAt = first.locate(['metadata', 'name']);
    for (const other of images.slice(1)) {
      const ref: ObjectRef = { apiVersion: other.apiVersion, kind: 'Image', name: IMAGE_CONFIG_NAME };
      diagnostics.push(duplicateObject(`Image "${IMAGE_CONFIG_NAME}"`, firstAt, diagnosticsFor(other).place(['metadata', 'name']), ref, 'merge them'));
    }
  }
  const image = images[0];
  if (image === undefined) return { trust, diagnostics };

  // Every finding in one pass: the entries are checked even when the schema found something else.
  for (const d of validateImageSchema(image)) diagnostics.push(d);

  const ref: ObjectRef = { apiVersion: image.apiVersion, kind: 'Image', name: IMAGE_CONFIG_NAME };
  trust.image = { object: ref, location: image.locate(['metadata', 'name']) };
  const located = (value: string, path: FieldPath): Located<string> => ({
    value,
    field: formatFieldPath([...image.basePath, ...path]),
    location: image.locate(path),
  });
  const spec = isPlainObject(image.value['spec']) ? image.value['spec'] : {};

  const sources = spec['registrySources'];
  const insecure = isPlainObject(sources) ? sources['insecureRegistries'] : undefined;
  if (Array.isArray(insecure)) {
    const listPath = ['spec', 'registrySources', 'insecureRegistries'];
    trust.insecureRegistriesField = { field: formatFieldPath([...image.basePath, ...listPath]), location: image.locate(listPath) };
    insecure.forEach((entry, index) => {
      if (typeof entry !== 'string') return;
      const at = located(entry, [...listPath, index]);
      const problem = registryScopeProblem(at.value, '; the entry already means "plain HTTP or unverified HTTPS"');
      if (problem) {
        diagnostics.push(diagnostic('INSECURE_REGISTRY_INVALID', `insecure registry ${JSON.stringify(at.value)} is refused: ${problem}`, at, ref));
        return;
      }
      trust.insecureRegistries.push(at);
    });
  }

  if (isPlainObject(sources)) {
    for (const d of validateRegistryLists(image, sources, ref)) diagnostics.push(d);
  }

  const ca = spec['additionalTrustedCA'];
  const caName = isPlainObject(ca) ? ca['name'] : undefined;
  if (typeof caName === 'string' && caName !== '') {
    trust.additionalTrustedCA = located(caName, ['spec', 'additionalTrustedCA', 'name']);
    const configMaps = objects.filter((o) => o.kind === 'ConfigMap' && o.apiVersion === 'v1' && nameOf(o) === caName);
    const inNamespace = configMaps.filter((o) => namespaceOf(o) === TRUSTED_CA_NAMESPACE);
    for (const other of configMaps) {
      if (namespaceOf(other) === TRUSTED_CA_NAMESPACE) continue;
      const namespace = namespaceOf(other);
      trust.caConfigMapsElsewhere.push({ ...(namespace === undefined ? {} : { namespace }), location: other.locate(['metadata', 'name']) });
    }
    const first = inNamespace[0];
    if (first) {
      const firstAt = first.locate(['metadata', 'name']);
      for (const other of inNamespace.slice(1)) {
        const ref: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', name: caName, namespace: TRUSTED_CA_NAMESPACE };
        diagnostics.push(duplicateObject(`ConfigMap ${TRUSTED_CA_NAMESPACE}/${caName}`, firstAt, diagnosticsFor(other).place(['metadata', 'name']), ref, 'merge them'));
      }
      const result = readCaConfigMap(first, caName);
      for (const d of result.diagnostics) diagnostics.push(d);
      trust.caConfigMap = result.configMap;
    }
  }
  return { trust, diagnostics };
}

/** The Image CRD's shape for the fields we read; every other spec field is accepted as is. */
function validateImageSchema(image: ManifestObject): Diagnostic[] {
  const anything = (value: unknown): Record<string, JsonSchema> =>
    Object.fromEntries(Object.keys(isPlainObject(value) ? value : {}).map((key) => [key, {}]));
  const spec = image.value['spec'];
  const schema: JsonSchema = {
    type: 'object',
    required: ['spec'],
    properties: {
      ...anything(image.value),
      spec: {
        type: 'object',
        properties: {
          ...anything(spec),
          registrySources: REGISTRY_SOURCES_SCHEMA,
          additionalTrustedCA: ADDITIONAL_TRUSTED_CA_SCHEMA,
        },
      },
    },
  };
  const ref: ObjectRef = { apiVersion: image.apiVersion, kind: 'Image', name: IMAGE_CONFIG_NAME };
  return validateAgainstSchema(image, schema, () => '', (path) => path.length === 1 && path[0] !== 'spec', ref);
}

/**
 * Why MCO or the node refuse an entry of insecureRegistries, blockedRegistries or allowedRegistries,
 * if they do:
 * - MCO validateRegistriesConfScopes (pkg/controller/container-runtime-config/helpers.go, called by
 *   updateRegistriesConfig for insecure and blocked, by updatePolicyJSON for blocked and allowed)
 *   refuses what runtime-utils pkg/registries IsValidRegistriesConfScope refuses: an empty entry, and
 *   a wildcard other than a leading `*.` followed by a domain without `/`, `@`, `:` or `*`; the pool
 *   degrades and no registry change reaches the nodes.
 * - containers/image sysregistriesv2 parseLocation refuses an `http://` or `https://` location in
 *   registries.conf, where MCO writes insecure and blocked entries: the node could read no registry
 *   config at all. Any other scheme, and white space, never match an image (an allowed entry then
 *   blocks its registry); openshift/api's Image CRD refuses both since 2026.
 */
function registryScopeProblem(entry: string, schemeHint = ''): string | undefined {
  if (entry.trim() === '') return 'an entry must name a registry (MCO IsValidRegistriesConfScope refuses an empty one): write host, host:port, host[:port]/path or *.domain';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return `remove the scheme: write host[:port][/path]${schemeHint}`;
  if (entry.includes('*') && !(entry.startsWith('*.') && !/[/@:*]/.test(entry.slice(2)))) {
    return 'a wildcard is only allowed as a leading "*." followed by a domain without port or path (*.example.com), as MCO IsValidRegistriesConfScope requires';
  }
  if (/\s/.test(entry)) return 'remove the white space';
  return undefined;
}

/**
 * blockedRegistries, allowedRegistries and containerRuntimeSearchRegistries, as MCO and the node read
 * them (insecureRegistries is read above, for the trust it gives).
 */
function validateRegistryLists(image: ManifestObject, sources: Record<string, unknown>, ref: ObjectRef): Diagnostic[] {
  const { diagnostics, report } = diagnosticsFor(image, ref);
  const entries = (list: string): [string, number][] => {
    const value = sources[list];
    return Array.isArray(value) ? value.flatMap((entry, index): [string, number][] => (typeof entry === 'string' ? [[entry, index]] : [])) : [];
  };
  for (const list of ['blockedRegistries', 'allowedRegistries'] as const) {
    for (const [entry, index] of entries(list)) {
      const problem = registryScopeProblem(entry);
      if (problem) report('REGISTRY_SCOPE_INVALID', ['spec', 'registrySources', list, index], `${list} entry ${JSON.stringify(entry)} is refused: ${problem}`);
    }
  }
  // MCO updatePolicyJSON: "only one of AllowedRegistries or BlockedRegistries may be specified";
  // openshift/api's RegistrySources has the same rule as a CEL validation since 2025.
  if (entries('blockedRegistries').length > 0 && entries('allowedRegistries').length > 0) {
    const blockedAt = image.locateKey(['spec', 'registrySources', 'blockedRegistries']);
    report(
      'REGISTRY_SOURCES_CONFLICT',
      ['spec', 'registrySources', 'allowedRegistries'],
      `allowedRegistries and blockedRegistries (line ${blockedAt.line}) are both set; MCO refuses the Image config ("only one of AllowedRegistries or BlockedRegistries may be specified"): keep allowedRegistries to permit only those registries, or blockedRegistries to refuse only those`,
      { atKey: true },
    );
  }
  // containers/image sysregistriesv2 postProcessRegistries: each unqualified-search-registries entry
  // must be a domain with an optional port (reference.DomainRegexp), or the node reads no registry config.
  for (const [entry, index] of entries('containerRuntimeSearchRegistries')) {
    const problem = searchRegistryProblem(entry);
    if (problem) {
      report('REGISTRY_SCOPE_INVALID', ['spec', 'registrySources', 'containerRuntimeSearchRegistries', index],
        `containerRuntimeSearchRegistries entry ${JSON.stringify(entry)} is refused: ${problem}; containers/image would refuse the whole registries.conf on the nodes ("Invalid unqualified-search-registries entry")`);
    }
  }
  return diagnostics;
}

/** Why `entry` is not a domain[:port] as containers/image reference.DomainRegexp reads one; linear, no regex backtracking. */
function searchRegistryProblem(entry: string): string | undefined {
  if (entry === '') return 'an entry must name a registry host';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return 'remove the scheme: write host or host:port';
  if (entry.includes('/')) return 'a search registry is a host, without a path';
  let host = entry;
  const port = /:(\d+)$/.exec(entry);
  if (port) host = entry.slice(0, port.index);
  if (/^\[[0-9a-fA-F:]+\]$/.test(host)) return undefined;
  const labels = host.split('.');
  const bad = labels.find((label) => !/^[a-zA-Z0-9-]+$/.test(label) || label.startsWith('-') || label.endsWith('-'));
  if (bad === undefined) return undefined;
  return bad === '' ? 'an empty label (two dots, or a dot at an end)' : `${JSON.stringify(bad)} is not a host name label (letters, digits and inner "-" only)`;
}

function readCaConfigMap(object: ManifestObject, name: string): { configMap?: CaConfigMap; diagnostics: Diagnostic[] } {
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'ConfigMap', name, namespace: TRUSTED_CA_NAMESPACE };
  const { diagnostics, report } = diagnosticsFor(object, ref);
  const data = object.value['data'];
  const configMap: CaConfigMap = { object: ref, location: object.locate(['metadata', 'name']), bundles: [] };
  if (data === undefined || data === null) return { configMap, diagnostics };
  if (!isPlainObject(data)) {
    report('SCHEMA_TYPE', ['data'], 'expected a mapping of strings for data');
    return { diagnostics };
  }
  for (const key of Object.keys(data).sort(compareStrings)) {
    const value = data[key];
    const field = `${formatFieldPath([...object.basePath, 'data'])}[${key}]`;
    const keyProblem = configMapKeyProblem(key);
    if (keyProblem) {
      report('CA_KEY_INVALID', ['data', key], `${JSON.stringify(key)} is not a valid ConfigMap key (the API server refuses it): ${keyProblem}`, { atKey: true, field });
      continue;
    }
    if (typeof value !== 'string') {
      report('SCHEMA_TYPE', ['data', key], `expected a string (a PEM bundle), found ${value === null ? 'null' : Array.isArray(value) ? 'a list' : isPlainObject(value) ? 'a mapping' : `${typeof value} ${String(value)}`}`, { field });
      continue;
    }
    configMap.bundles.push({
      key,
      registry: key.replaceAll('..', ':'),
      field,
      location: object.locateKey(['data', key]),
      object: ref,
      pem: checkPemBundle(value),
    });
  }
  return { configMap, diagnostics };
}

function configMapKeyProblem(key: string): string | undefined {
  if (key.includes(':')) return `write the port after two dots, ${JSON.stringify(key.replaceAll(':', '..'))} (OpenShift reads ".." as ":")`;
  if (key.length > 253) return 'at most 253 characters';
  if (!CONFIG_MAP_KEY.test(key)) return 'only letters, digits, "-", "_" and "." are allowed';
  if (key === '.' || key === '..' || key.startsWith('..')) return 'a key must not be "." or start with ".."';
  return undefined;
}


// openshift/api config/v1 ImageSpec: fields no other kind named Image has.
const IMAGE_CONFIG_SPEC_FIELDS = ['registrySources', 'additionalTrustedCA', 'allowedRegistriesForImport', 'externalRegistryHostnames', 'imageStreamImportMode'];

function isConfigGroup(apiVersion: string): boolean {
  return apiVersion.split('/')[0] === IMAGE_CONFIG_API_VERSION.split('/')[0];
}

function looksLikeImageConfig(object: ManifestObject): boolean {
  const spec = object.value['spec'];
  return isPlainObject(spec) && IMAGE_CONFIG_SPEC_FIELDS.some((field) => field in spec);
}

function nameOf(object: ManifestObject): string | undefined {
  const metadata = object.value['metadata'];
  const name = isPlainObject(metadata) ? metadata['name'] : undefined;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function namespaceOf(object: ManifestObject): string | undefined {
  const metadata = object.value['metadata'];
  const namespace = isPlainObject(metadata) ? metadata['namespace'] : undefined;
  return typeof namespace === 'string' && namespace !== '' ? namespace : undefined;
}

// --- PEM, as containerd loads a `ca` file: tls.Config.RootCAs.AppendCertsFromPEM (hosts.go
// ConfigureHosts) fails the whole pull unless at least one block is a usable certificate.
// x509.CertPool.AppendCertsFromPEM reads blocks with encoding/pem Decode and skips one that is not
// "CERTIFICATE", carries headers, or that x509.ParseCertificate refuses. Decode itself skips a block
// without its END line or whose body is not base64 after removing only " " and "\t" (removeSpacesAndTabs)
// and "\r", "\n" (encoding/base64 ignores those): a no-break space or an em space, which JavaScript's
// \s would strip, makes Go drop the block. This follows Go's pem.go Decode step by step; the
// certificate is loaded with node:crypto X509Certificate (deterministic, no I/O) and its DER
// outline checked as Go's parser does (crypto/x509 parser.go: no trailing data, the inner and
// outer signature algorithms equal).

export function checkPemBundle(text: string): PemCheck {
  const certificates: string[] = [];
  const skipped: string[] = [];
  let blockNumber = 0;
  let at = 0;
  for (;;) {
    const found = nextPemBlock(text, at);
    if (!found) break;
    at = found.next;
    blockNumber++;
    const what = `block ${blockNumber} (${found.type})`;
    if (found.problem) {
      skipped.push(`${what} ${found.problem}`);
      continue;
    }
    if (found.type !== 'CERTIFICATE') {
      skipped.push(`${what} is not a CERTIFICATE`);
      continue;
    }
    if (found.headers) {
      skipped.push(`${what} carries PEM headers, which Go's certificate pool refuses`);
      continue;
    }
    if (!loadsAsX509(found.der as Uint8Array)) {
      skipped.push(`${what} does not hold a DER X.509 certificate`);
      continue;
    }
    certificates.push(found.text as string);
  }
  return { certificates, skipped };
}

interface PemCandidate {
  type: string;
  headers: boolean;
  /** Why Go's Decode skips it, if it does. */
  problem?: string;
  der?: Uint8Array;
  /** The block as written to the node: BEGIN line, body lines, END line, LF line endings. */
  text?: string;
  /** Where the search for the next block goes on. */
  next: number;
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

/** Go's getLine: up to "\n" (a "\r" before it dropped), trailing " " and "\t" removed. */
function getLine(data: string, from: number): { line: string; rest: number } {
  const newline = data.indexOf('\n', from);
  let end = newline < 0 ? data.length : newline;
  const rest = newline < 0 ? data.length : newline + 1;
  if (newline > from && data[newline - 1] === '\r') end--;
  let trimmed = end;
  while (trimmed > from && (data[trimmed - 1] === ' ' || data[trimmed - 1] === '\t')) trimmed--;
  return { line: data.slice(from, trimmed), rest };
}

/**
 * The next block Go's pem.Decode would consider, from `from`: a decoded block, or one Decode skips
 * with the reason (Decode skips silently and searches on from the same place, as this does).
 */
function nextPemBlock(data: string, from: number): PemCandidate | undefined {
  let rest = from;
  let type: string | undefined;
  // A BEGIN line whose type line does not end in "-----" is no block: search on after it.
  while (type === undefined) {
    if (data.startsWith(BEGIN, rest)) rest += BEGIN.length;
    else {
      const i = data.indexOf(`\n${BEGIN}`, rest);
      if (i < 0) return undefined;
      rest = i + 1 + BEGIN.length;
    }
    const typeLine = getLine(data, rest);
    rest = typeLine.rest;
    if (typeLine.line.endsWith(DASHES)) type = typeLine.line.slice(0, -DASHES.length);
  }
  const blockType = type;
  const missingEnd = (next: number): PemCandidate => ({ type: blockType, headers: false, problem: `has no "${END}${type}${DASHES}" line`, next });
  let headers = false;
  for (;;) {
    // Decode gives up on the whole input here (it returns no block and no rest).
    if (rest >= data.length) return missingEnd(data.length);
    const line = getLine(data, rest);
    if (!line.line.includes(':')) break;
    headers = true;
    rest = line.rest;
  }
  let endIndex: number;
  let trailerIndex: number;
  if (!headers && data.startsWith(END, rest)) {
    endIndex = rest;
    trailerIndex = rest + END.length;
  } else {
    endIndex = data.indexOf(`\n${END}`, rest);
    trailerIndex = endIndex + 1 + END.length;
  }
  if (endIndex < 0 || !data.startsWith(`${type}${DASHES}`, trailerIndex)) return missingEnd(rest);
  if (getLine(data, trailerIndex + type.length + DASHES.length).line !== '') return missingEnd(rest);
  const body = data.slice(rest, endIndex);
  const der = decodeGoBase64(body);
  if (!der) {
    const odd = /[^A-Za-z0-9+/= \t\r\n]/u.exec(body);
    const why = odd && /[\s\u0085]/u.test(odd[0])
      ? ` (U+${(odd[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')} on line ${body.slice(0, odd.index).split('\n').length} of the base64 is white space Go does not skip: only spaces, tabs and line breaks)`
      : '';
    return { type, headers, problem: `is not valid base64${why}`, next: rest };
  }
  const bodyLines = body.split('\n').map((line) => line.replace(/[ \t\r]+$/, '')).filter((line) => line !== '');
  const next = getLine(data, endIndex + (data[endIndex] === '\n' ? 1 : 0)).rest;
  return { type, headers, der, text: [`${BEGIN}${type}${DASHES}`, ...bodyLines, `${END}${type}${DASHES}`].join('\n'), next };
}

/** base64.StdEncoding.Decode after pem's removeSpacesAndTabs: padded, standard alphabet, "\r" and "\n" ignored. */
function decodeGoBase64(text: string): Uint8Array | undefined {
  let compact = '';
  for (const ch of text) if (ch !== ' ' && ch !== '\t' && ch !== '\r' && ch !== '\n') compact += ch;
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return base64ToBytes(compact);
}

/** x509.ParseCertificate's verdict, as near as node:crypto and the DER outline give it. */
function loadsAsX509(der: Uint8Array): boolean {
  if (!looksLikeX509(der)) return false;
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}

interface Tlv {
  tag: number;
  /** Offset of the first content byte. */
  start: number;
  /** Offset just past the content. */
  end: number;
}

/** One DER tag-length-value at `offset`, within `limit`; undefined if it does not fit. */
function readTlv(bytes: Uint8Array, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = bytes[offset] as number;
  const first = bytes[offset + 1] as number;
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[start + i] as number);
    start += count;
  }
  const end = start + length;
  return end > limit ? undefined : { tag, start, end };
}

function looksLikeX509(der: Uint8Array): boolean {
  const outer = readTlv(der, 0, der.length);
  if (!outer || outer.tag !== 0x30 || outer.end !== der.length) return false;
  const tbs = readTlv(der, outer.start, outer.end);
  if (!tbs || tbs.tag !== 0x30) return false;
  const algorithm = readTlv(der, tbs.end, outer.end);
  if (!algorithm || algorithm.tag !== 0x30) return false;
  const signature = readTlv(der, algorithm.end, outer.end);
  if (!signature || signature.tag !== 0x03 || signature.end !== outer.end) return false;
  // tbsCertificate opens with [0] EXPLICIT version or, for v1, the INTEGER serial number.
  const version = readTlv(der, tbs.start, tbs.end);
  if (!version || (version.tag !== 0xa0 && version.tag !== 0x02)) return false;
  const serial = version.tag === 0xa0 ? readTlv(der, version.end, tbs.end) : version;
  if (!serial || serial.tag !== 0x02) return false;
  // crypto/x509 parseCertificate: "inner and outer signature algorithm identifiers don't match".
  const inner = readTlv(der, serial.end, tbs.end);
  if (!inner || inner.end - serial.end !== algorithm.end - tbs.end) return false;
  for (let i = 0; i < inner.end - serial.end; i++) if (der[serial.end + i] !== der[tbs.end + i]) return false;
  return true;
}
