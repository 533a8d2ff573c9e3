// The only module that turns objects into YAML text (docs/design/rendering.md "Determinism"), and the only caller of
// YAML.stringify. Two writers, one layout, every choice pinned here with its reason:
// - what the tool generates goes through the small emitter below (fast in a fresh process);
// - objects handed in by kpt or kustomize and passed through keep their parsed form (comments,
//   scalar styles) and are written by the yaml library with the options below.
import { compareStrings } from '../vocabulary.js';
import { Document, stringify, type ToStringOptions } from 'yaml';

/**
 * - `version: '1.1'`: kubectl, Argo CD and Flux read manifests with sigs.k8s.io/yaml, a YAML 1.1
 *   reader, where a plain `on`, `yes` or `0644` is not a string. Serializing with the 1.1 schema
 *   quotes such strings, so every reader sees the string we meant (cdk8s-core src/yaml.ts does the
 *   same, for the same reason). The emitter quotes them too, and everything that starts like a number.
 * - `lineWidth: 0`: never fold long lines; a folded hosts.toml line is harder to review and to grep.
 * - `blockQuote: 'literal'`: multi-line strings (hosts.toml, the bundle manifest) as `|` blocks,
 *   byte-for-byte what lands on the node, never `>` folding.
 * - `indentSeq: false`: `- item` at the parent's indentation, as kubectl, kustomize (kyaml) and kpt
 *   write it, so generated files look like the rest of a GitOps repository.
 * - `aliasDuplicateObjects: false`: an object reused in two places is written twice, never as an
 *   anchor and alias, which some GitOps tools refuse.
 */
const DOCUMENT_OPTIONS = { version: '1.1' } as const;
const TO_STRING_OPTIONS: ToStringOptions = {
  lineWidth: 0,
  minContentWidth: 0,
  blockQuote: 'literal',
  indentSeq: false,
};

/** A Kubernetes object (or any JSON-like value) to serialize. */
export type YamlValue = unknown;

// Kubernetes convention (and cdk8s-core src/api-object.ts toJson): identity first, then the rest;
// in metadata, the object's name before its labels, as kubectl and every hand-written manifest.
const LEADING_KEYS = ['apiVersion', 'kind', 'metadata'];
const METADATA_LEADING_KEYS = ['name', 'namespace', 'labels', 'annotations'];

/**
 * A copy with `apiVersion, kind, metadata` first (and `name, namespace, labels, annotations` first
 * in metadata), every other key sorted bytewise at every level; `undefined` members dropped. Arrays
 * keep their order: in Kubernetes objects it has meaning.
 */
export function canonicalObject(value: YamlValue, leadingKeys: readonly string[] = LEADING_KEYS): YamlValue {
  if (Array.isArray(value)) return value.map((item) => canonicalObject(item, leadingKeys));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((key) => record[key] !== undefined);
  const leading = leadingKeys.filter((key) => keys.includes(key));
  const rest = keys.filter((key) => !leading.includes(key)).sort(compareStrings);
  const out: Record<string, unknown> = {};
  for (const key of [...leading, ...rest]) {
    // Nested objects (pod templates, list items) are Kubernetes objects' parts: metadata keeps its order.
    out[key] = canonicalObject(record[key], key === 'metadata' ? METADATA_LEADING_KEYS : key === 'items' || key === 'resources' ? LEADING_KEYS : []);
  }
  return out;
}

/** One object as one YAML document (no `---`), in canonical key order, ending with a newline. */
export function stringifyObject(value: YamlValue): string {
  return emitDocument(canonicalObject(value));
}

/** Several objects as one multi-document stream, `---` between documents, as kubectl prints them. */
export function stringifyStream(values: readonly YamlValue[]): string {
  return values.map(stringifyObject).join('---\n');
}

/** A document for a value whose key order is kept as it is (a ResourceList around canonical objects). */
export function stringifyAsIs(value: YamlValue): string {
  return emitDocument(value);
}

/** The yaml library's serializer, for values that must keep their parsed form (KRM pass-through). */
export function stringifyWithLibrary(value: YamlValue): string {
  return stringify(value, { ...DOCUMENT_OPTIONS, ...TO_STRING_OPTIONS, aliasDuplicateObjects: false });
}

// --- The emitter for what the tool itself generates (JSON-shaped data: maps, lists, strings,
// numbers, booleans, null). The yaml library's serializer costs tens of milliseconds in a fresh
// process, and kustomize and Argo CD start the tool on every build (bench/README.md "Cold start").
// It writes the same layout as the options above, and quotes more rather than less:
// test/bundle/stringify.test.ts checks that the yaml library, as YAML 1.1 and as 1.2, reads back
// exactly the value that was written, for arbitrary values.

function emitDocument(value: YamlValue): string {
  if (isCollection(value) && !isEmptyCollection(value)) return emitBlock(value, 0);
  return `${emitInline(value)}\n`;
}

function isCollection(value: unknown): value is Record<string, unknown> | unknown[] {
  return value !== null && typeof value === 'object';
}

function isEmptyCollection(value: Record<string, unknown> | unknown[]): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

/** A non-empty map or list in block style at `indent`, every line ending with a newline. */
function emitBlock(value: Record<string, unknown> | unknown[], indent: number): string {
  const pad = ' '.repeat(indent);
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmptyCollection(item)) {
        // `- ` then the first line of the nested block; its other lines are indented under it.
        out += `${pad}- ${emitBlock(item, indent + 2).slice(indent + 2)}`;
      } else {
        out += `${pad}- ${emitScalarValue(item, indent + 2)}`;
      }
    }
    return out;
  }
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const k = emitString(key, true);
    if (isCollection(child) && !isEmptyCollection(child)) {
      // Lists at the key's own indentation (indentSeq: false), maps two further in.
      out += `${pad}${k}:\n${emitBlock(child, Array.isArray(child) ? indent : indent + 2)}`;
    } else {
      out += `${pad}${k}: ${emitScalarValue(child, indent + 2)}`;
    }
  }
  return out;
}

/** A scalar (or empty collection) after `key: ` or `- `, with its newline; block text below it. */
function emitScalarValue(value: unknown, indent: number): string {
  if (typeof value === 'string' && isLiteralBlockSafe(value)) return emitLiteral(value, indent);
  return `${emitInline(value)}\n`;
}

function emitInline(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? '[]' : JSON.stringify(value);
  if (typeof value === 'object') return Object.keys(value).length === 0 ? '{}' : JSON.stringify(value);
  if (typeof value === 'string') return emitString(value, false);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return String(value);
    return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  }
  throw new TypeError(`cannot write a ${typeof value} as YAML`);
}

// Words some YAML reader (1.1 or 1.2) takes for a boolean, null or merge key when plain.
const RESERVED = /^(?:[yYnN~]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|<<|=)$/;
// Anything that starts like a number, a date or a special float is quoted (`0.1.0`, `100m`, `0644`),
// and whatever YAML 1.1's float pattern, whose parts are all optional, accepts (`.`, `e0`).
const NUMBER_LIKE = /^(?:[-+]?\.?[0-9]|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$|[-+]?[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9]+)?$)/;
const PLAIN_FIRST = /^[A-Za-z0-9_./$(]|^-[^\s]/;
// Characters a plain scalar may hold here: letters, digits, space and punctuation that means
// nothing inside a plain scalar (no quotes, backslash, `#`, flow brackets, tab); `: ` and ` #` are
// refused below, and the first character is checked on its own (PLAIN_FIRST).
const PLAIN_CHARS = /^[A-Za-z0-9 _\-./:@+=;()<>?$%&~|^*!,]*$/;

function emitString(value: string, isKey: boolean): string {
  const plain =
    value !== '' &&
    PLAIN_FIRST.test(value) &&
    PLAIN_CHARS.test(value) &&
    !RESERVED.test(value) &&
    !NUMBER_LIKE.test(value) &&
    !value.endsWith(' ') &&
    !value.endsWith(':') &&
    !value.includes(': ') &&
    !value.includes(' #') &&
    !(isKey && value.length > 1024);
  if (plain) return value;
  // JSON string escapes are YAML double-quoted escapes; U+2028/U+2029 are line breaks to YAML 1.1.
  return JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Multi-line text as a `|` block: printable, no carriage return or other line breaks, no BOM. */
function isLiteralBlockSafe(value: string): boolean {
  if (!value.includes('\n')) return false;
  // C0 controls other than tab and newline, DEL, C1 controls, the YAML 1.1 line breaks, BOM and
  // lone surrogates cannot stand in a block scalar.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) return false;
  // Text that starts with a space or an empty line would need an indentation indicator: quote it.
  return !/^[ \n]/.test(value);
}

function emitLiteral(value: string, indent: number): string {
  const trailing = /\n*$/.exec(value)?.[0].length ?? 0;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing === 0 ? value : value.slice(0, value.length - trailing);
  const lines = body.split('\n');
  const pad = ' '.repeat(indent);
  let out = `|${chomp}\n`;
  for (const line of lines) out += line === '' ? '\n' : `${pad}${line}\n`;
  for (let i = 1; i < trailing; i++) out += '\n';
  return out;
}

/** A new document built with the pinned schema, to assemble output around existing nodes (KRM). */
export function newDocument(value: YamlValue): Document {
  return new Document(value, { ...DOCUMENT_OPTIONS, aliasDuplicateObjects: false });
}

/** The text of a document assembled with newDocument(). */
export function documentToString(doc: Document): string {
  return doc.toString(TO_STRING_OPTIONS);
}
