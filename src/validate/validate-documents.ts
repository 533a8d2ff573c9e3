// Kubernetes objects -> typed mirror sets, validated as the API server would (CRD schema, object
// metadata), then by the rules MCO and the docs add (./rules/). All findings in one pass.
import { type Diagnostic, type ObjectRef, type SourceLocation } from '../diagnostics.js';
import { compareStrings, didYouMean } from '../vocabulary.js';
import { ENTRIES_FIELD, isMirrorSetKind, KIND_ORDER, MIRROR_SET_API_VERSIONS, type MirrorSetKind } from '../kinds.js';
import { isPlainObject, type ManifestObject } from '../parse/parse-manifests.js';
import { CRD_SCHEMAS } from './crd-schemas.js';
import { wrongApiVersion } from './api-version.js';
import { validateImageConfig, type TrustConfig } from './image-config.js';
import { diagnosticsFor, formatFieldPath } from './diagnostics-for.js';
import { duplicateObject } from './duplicate-object.js';
import { compiledPattern, validateAgainstSchema, type JsonSchema } from './json-schema.js';
import type { CompiledPattern } from './linear-pattern.js';
import type { Located, MirrorEntry, MirrorSetObject, MirrorSourcePolicy } from './mirror-set.js';
import type { FieldPath } from '../parse/parse-manifests.js';
import { runRules } from './rules/index.js';

export interface ValidationResult {
  /** The objects to render: empty whenever `diagnostics` holds an error. */
  mirrorSets: MirrorSetObject[];
  /**
   * Every schema-valid entry, also of objects the schema refuses: what the later stages check so that
   * one run reports every finding. Equal to `mirrorSets` when there is no error; never rendered.
   */
  checked: MirrorSetObject[];
  /** Insecure registries and trusted CAs from the cluster Image config (docs/design/rendering.md "Trust and transport"). */
  trust: TrustConfig;
  diagnostics: Diagnostic[];
}

// ObjectMeta fields a client may send (k8s.io/apimachinery ObjectMeta); anything else is unknown.
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers',
  'managedFields',
]);
// k8s.io/apimachinery IsDNS1123Subdomain: the name rule for these cluster-scoped custom resources.
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function validateDocuments(objects: readonly ManifestObject[]): ValidationResult {
  const diagnostics: Diagnostic[] = [];
  const mirrorSets: MirrorSetObject[] = [];
  /** Objects the schema refuses, with only their valid entries: checked by the rules, never rendered. */
  const partialSets: MirrorSetObject[] = [];
  const idmsSchema = CRD_SCHEMAS['config.openshift.io/v1/ImageDigestMirrorSet'] as JsonSchema;
  const locationPatterns = entryPatterns(idmsSchema);

  for (const object of objects) {
    if (!isMirrorSetKind(object.kind)) continue;
    const kind: MirrorSetKind = object.kind;
    const expectedApiVersion = MIRROR_SET_API_VERSIONS[kind];
    if (object.apiVersion !== expectedApiVersion) {
      // These kind names exist only in OpenShift, each in one group and version: under any other
      // apiVersion the API server answers "no matches for kind" and applies nothing, so the object's
      // mirrors would silently be missing (operator.openshift.io/v1alpha1 for an IDMS is a common slip).
      diagnostics.push(wrongApiVersion(object, kind, expectedApiVersion));
      continue;
    }
    const schema = CRD_SCHEMAS[`${object.apiVersion}/${kind}`] as JsonSchema;
    const found = validateAgainstSchema(
      object,
      schema,
      (value) => `${JSON.stringify(value)} is not a valid repository location: ${explainLocation(value)}`,
      (path) => path.length === 1 && path[0] === 'metadata',
    );
    for (const d of validateMetadata(object)) found.push(d);
    // ICSP's CRD has no patterns, but MCO's validateRegistriesConfScopes applies the same regexes to it.
    if (kind === 'ImageContentSourcePolicy') for (const d of validateIcspLocations(object, locationPatterns)) found.push(d);
    // A loop, not push(...found): an object with 200k bad entries would overflow the call stack.
    for (const d of found) diagnostics.push(d);
    if (found.some((d) => d.severity === 'error')) {
      // The API server refuses the whole object, so it is never rendered; but its valid entries
      // still get MCO's rules below, so one run reports every finding (a policy conflict is not
      // hidden behind a typo in another entry).
      const partial = validEntriesOf(object, kind, found);
      if (partial) partialSets.push(partial);
      continue;
    }
    mirrorSets.push(toMirrorSet(object, kind));
  }

  const byKindAndName = (a: MirrorSetObject, b: MirrorSetObject): number =>
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || compareStrings(a.object.name, b.object.name);
  mirrorSets.sort(byKindAndName);
  const checked = [...mirrorSets, ...partialSets].sort(byKindAndName);
  for (let i = 1; i < checked.length; i++) {
    const previous = checked[i - 1] as MirrorSetObject;
    const current = checked[i] as MirrorSetObject;
    if (previous.kind === current.kind && previous.object.name !== '' && previous.object.name === current.object.name) {
      diagnostics.push(duplicateObject(`${current.kind} "${current.object.name}"`, previous.location, { field: 'metadata.name', location: current.location }, current.object, 'rename or merge them'));
    }
  }
  const image = validateImageConfig(objects);
  for (const d of image.diagnostics) diagnostics.push(d);
  // MCO's rules run on every valid entry even when something else is wrong: all findings in one
  // pass. Nothing is rendered from a run with an error, so mirrorSets is then empty.
  for (const d of runRules(checked)) diagnostics.push(d);
  const failed = diagnostics.some((d) => d.severity === 'error');
  return { mirrorSets: failed ? [] : mirrorSets, checked, trust: image.trust, diagnostics };
}

/**
 * The entries of a refused object that no error points into (`spec.<list>[i]...`), as a mirror set
 * for the rules; undefined when the list itself cannot be read.
 */
function validEntriesOf(object: ManifestObject, kind: MirrorSetKind, found: readonly Diagnostic[]): MirrorSetObject | undefined {
  const spec = object.value['spec'];
  const list = isPlainObject(spec) ? spec[ENTRIES_FIELD[kind]] : undefined;
  if (!Array.isArray(list)) return undefined;
  const listField = formatFieldPath([...object.basePath, 'spec', ENTRIES_FIELD[kind]]);
  const bad = new Set<number>();
  for (const d of found) {
    if (d.severity !== 'error' || !d.field?.startsWith(`${listField}[`)) continue;
    const index = /^\[(\d+)\]/.exec(d.field.slice(listField.length));
    // An error on the list as a whole (not on one entry) leaves no entry to trust.
    if (!index) return undefined;
    bad.add(Number(index[1]));
  }
  const set = toMirrorSet(object, kind, bad);
  return set.entries.length > 0 ? set : undefined;
}

function validateMetadata(object: ManifestObject): Diagnostic[] {
  const { diagnostics, report } = diagnosticsFor(object);
  const metadata = object.value['metadata'];
  if (metadata === undefined) {
    report('INVALID_NAME', ['metadata', 'name'], 'expected metadata.name, found no metadata; give the object a name');
    return diagnostics;
  }
  if (!isPlainObject(metadata)) {
    report('SCHEMA_TYPE', ['metadata'], 'expected a mapping for metadata');
    return diagnostics;
  }
  for (const key of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      report('SCHEMA_UNKNOWN_FIELD', ['metadata', key], `unknown field "${key}" in metadata${didYouMean(key, [...OBJECT_META_FIELDS])}`, { atKey: true });
    }
  }
  const name = metadata['name'];
  if (typeof name !== 'string' || name.length === 0) {
    report('INVALID_NAME', ['metadata', 'name'], 'expected metadata.name, a DNS-1123 subdomain, found none');
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    report('INVALID_NAME', ['metadata', 'name'], `expected a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters), found ${JSON.stringify(name)}`);
  }
  for (const map of ['labels', 'annotations']) {
    const value = metadata[map];
    if (value === undefined || value === null) continue;
    if (!isPlainObject(value)) {
      report('SCHEMA_TYPE', ['metadata', map], `expected a mapping of strings for metadata.${map}`);
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') report('SCHEMA_TYPE', ['metadata', map, key], `expected a string, found ${JSON.stringify(item)}; quote the value`);
    }
  }
  return diagnostics;
}

interface EntryPatterns {
  source: CompiledPattern;
  mirror: CompiledPattern;
}

function entryPatterns(schema: JsonSchema): EntryPatterns {
  const entry = schema.properties?.['spec']?.properties?.['imageDigestMirrors']?.items;
  const source = entry?.properties?.['source']?.pattern;
  const mirror = entry?.properties?.['mirrors']?.items?.pattern;
  if (!source || !mirror) throw new Error('bug: the IDMS CRD schema has no source/mirror pattern');
  return { source: compiledPattern(source), mirror: compiledPattern(mirror) };
}

function validateIcspLocations(object: ManifestObject, patterns: EntryPatterns): Diagnostic[] {
  const { diagnostics, report } = diagnosticsFor(object);
  const spec = object.value['spec'];
  const entries = isPlainObject(spec) ? spec['repositoryDigestMirrors'] : undefined;
  if (!Array.isArray(entries)) return diagnostics;
  const check = (value: unknown, path: (string | number)[], re: CompiledPattern): void => {
    if (typeof value === 'string' && !re.test(value)) {
      report('SCHEMA_PATTERN', path, `${JSON.stringify(value)} is not a valid repository location (MCO validateRegistriesConfScopes refuses it): ${explainLocation(value)}`);
    }
  };
  entries.forEach((entry, i) => {
    if (!isPlainObject(entry)) return;
    check(entry['source'], ['spec', 'repositoryDigestMirrors', i, 'source'], patterns.source);
    const mirrors = entry['mirrors'];
    if (Array.isArray(mirrors)) mirrors.forEach((m, j) => check(m, ['spec', 'repositoryDigestMirrors', i, 'mirrors', j], patterns.mirror));
  });
  return diagnostics;
}

/** Why a location misses the CRD pattern, most common mistakes first. */
export function explainLocation(value: string): string {
  // Characters no location may hold come first: a look-alike letter or an invisible character is
  // what the user cannot see, so name it and where it is.
  const odd = /[^\x21-\x7e]|["'\\%?#&=;,<>`{}|^\[\]]/u.exec(value);
  if (odd) {
    const ch = odd[0];
    const code = `U+${(ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
    const where = `at position ${[...value.slice(0, odd.index)].length + 1}`;
    return (ch.codePointAt(0) as number) > 0x7e
      ? `${code} ${where} is not ASCII (a look-alike or invisible character?): write the location in ASCII, an internationalized host as punycode (xn--...)`
      : `${JSON.stringify(ch)} (${code}) ${where} cannot appear in a repository location: write host[:port][/path] with nothing else`;
  }
  if (value.includes('://')) return 'remove the scheme: write host[:port][/path]';
  const slash = value.indexOf('/');
  if (value.slice(0, slash < 0 ? undefined : slash).includes('@')) return 'remove the user name and password: credentials belong in the pull secret, not in the location';
  if (value.includes('@')) return 'remove the digest: a source or mirror names a repository, not an image';
  if (/^[/.~:]/.test(value)) return 'a repository location starts with the registry host (host[:port][/path]), not a file path';
  if (/\.(?=$|[:/])/.test(value.slice(0, slash < 0 ? undefined : slash))) return 'remove the trailing dot of the host: write it as image references do';
  if (/(^|\/)\.\.?(\/|$)/.test(value.slice(slash + 1))) return 'remove the "." and ".." path elements: a repository location is not a file path';
  const path = slash < 0 ? '' : value.slice(slash + 1);
  if (path.includes(':')) return 'remove the tag: a source or mirror names a repository, not an image';
  if (/[A-Z]/.test(path)) return 'repository paths must be lower case';
  if (value.startsWith('*') && slash >= 0) return 'a wildcard source names a host only (*.example.com), without a path';
  if (value.endsWith('/') || value.includes('//')) return 'remove the empty path element';
  return 'expected host[:port][/path] with a path of lower-case letters, digits and single separators (., _, __, -)';
}

/** The typed mirror set; entries whose index is in `skip` are left out (they hold errors). */
function toMirrorSet(object: ManifestObject, kind: MirrorSetKind, skip: ReadonlySet<number> = new Set()): MirrorSetObject {
  const metadata = object.value['metadata'];
  const name = isPlainObject(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : '';
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind, name };
  const spec = object.value['spec'] as Record<string, unknown>;
  const listField = ENTRIES_FIELD[kind];
  const list = Array.isArray(spec[listField]) ? (spec[listField] as Record<string, unknown>[]) : [];
  const prefix = formatFieldPath(object.basePath);
  // The object's locate function, not the object: the parsed value tree can go once validated.
  const entryList: EntryList = { locate: object.locate, listField, listPath: `${prefix ? `${prefix}.` : ''}spec.${listField}` };
  const toEntry = (raw: Record<string, unknown>, index: number): MirrorEntry => {
    const mirrors = Array.isArray(raw['mirrors']) ? (raw['mirrors'] as string[]) : [];
    const policy = raw['mirrorSourcePolicy'];
    return new ValidatedEntry(kind, ref, index, entryList, raw['source'] as string, mirrors, typeof policy === 'string' ? (policy as MirrorSourcePolicy) : undefined);
  };
  const entries: MirrorEntry[] = [];
  list.forEach((raw, index) => {
    if (!skip.has(index)) entries.push(toEntry(raw, index));
  });
  return new ValidatedMirrorSet(kind, ref, entries, object.locate);
}

// Positions and field paths are worked out when a finding reads `location` or `field`, not for
// every field of every entry: most entries never get a finding, and at 10k entries eager lookups
// dominated validation, and kept paths and strings were a fifth of the live heap (bench/README.md
// "Render scale"). The getters live on the prototypes, so an entry is one object, a mirror one more.

/** What the entries of one spec list share: how to locate a path in their object, and the list's field. */
interface EntryList {
  locate: ManifestObject['locate'];
  /** `imageDigestMirrors`. */
  listField: string;
  /** `spec.imageDigestMirrors` (`items[2].spec...` for a List member). */
  listPath: string;
}

/** A mirror of an entry (mirror number `key`), or its `source` or `mirrorSourcePolicy`. */
class LocatedValue<T> implements Located<T> {
  constructor(
    readonly value: T,
    private readonly entry: ValidatedEntry,
    private readonly key: 'source' | 'mirrorSourcePolicy' | number,
  ) {}
  get field(): string {
    return typeof this.key === 'number' ? `${this.entry.field}.mirrors[${this.key}]` : `${this.entry.field}.${this.key}`;
  }
  get location(): SourceLocation {
    return this.entry.locateField(typeof this.key === 'number' ? ['mirrors', this.key] : [this.key]);
  }
}

class ValidatedEntry implements MirrorEntry {
  readonly source: Located<string>;
  readonly mirrors: Located<string>[];
  readonly policy?: Located<MirrorSourcePolicy>;
  constructor(
    readonly kind: MirrorSetKind,
    readonly object: ObjectRef,
    readonly index: number,
    private readonly list: EntryList,
    source: string,
    mirrors: readonly string[],
    policy: MirrorSourcePolicy | undefined,
  ) {
    this.source = new LocatedValue(source, this, 'source');
    this.mirrors = mirrors.map((m, j) => new LocatedValue(m, this, j));
    if (policy !== undefined) this.policy = new LocatedValue(policy, this, 'mirrorSourcePolicy');
  }
  get field(): string {
    return `${this.list.listPath}[${this.index}]`;
  }
  get location(): SourceLocation {
    return this.locateField([]);
  }
  /** Position of `path` below this entry. */
  locateField(path: FieldPath): SourceLocation {
    return this.list.locate(['spec', this.list.listField, this.index, ...path]);
  }
}

class ValidatedMirrorSet implements MirrorSetObject {
  constructor(
    readonly kind: MirrorSetKind,
    readonly object: ObjectRef,
    readonly entries: MirrorEntry[],
    private readonly locate: ManifestObject['locate'],
  ) {}
  get location(): SourceLocation {
    return this.locate(['metadata', 'name']);
  }
}
