// The subset of a CRD's structural openAPIV3Schema the mirror-set CRDs use, checked the way the
// API server does with strict field validation (kubectl's default since 1.27): wrong types, missing
// required fields, unknown fields, enums, patterns and `x-kubernetes-list-type: set` uniqueness.
import type { Diagnostic, ObjectRef } from '../diagnostics.js';
import type { FieldPath, ManifestObject } from '../parse/parse-manifests.js';
import { isPlainObject } from '../parse/parse-manifests.js';
import { didYouMean } from '../vocabulary.js';
import { diagnosticsFor, type ObjectDiagnostics } from './diagnostics-for.js';
import { compileLinearPattern, type CompiledPattern } from './linear-pattern.js';

export interface JsonSchema {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'boolean' | 'integer' | 'number';
  properties?: Record<string, JsonSchema>;
  /** With `properties`: `false` (or absent) makes other keys unknown fields; a schema makes a map of it. */
  additionalProperties?: false | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  enum?: readonly string[];
  const?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  default?: unknown;
  'x-kubernetes-list-type'?: 'set' | 'atomic' | 'map';
  /** Said after "expected ..." when `pattern` does not match (not a JSON Schema keyword; ignored by other validators). */
  'x-expected'?: string;
}

// The schemas are constants: each pattern is compiled once per process, not once per object, into
// a matcher that runs in time linear in the value (RegExp backtracks exponentially on the CRD
// location pattern; the API server's Go regexp does not).
const patterns = new Map<string, CompiledPattern>();
export function compiledPattern(pattern: string): CompiledPattern {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = compileLinearPattern(pattern)));
  return re;
}

/** Reports one finding, as ObjectDiagnostics.report does: at the field, its key, or (`at`) the parent of a missing one. */
export type SchemaReport = (...args: Parameters<ObjectDiagnostics['report']>) => void;

export interface SchemaWalkOptions {
  /** The message for a string that misses `node.pattern`. */
  patternMessage(value: string, node: JsonSchema): string;
  /** Paths checked elsewhere (metadata, for example). */
  skip?(path: FieldPath): boolean;
}

/**
 * The one schema walker: the CRDs' structural schemas and our own functionConfig schema. Checks
 * types, required fields, unknown fields, enums, lengths, ranges, patterns and set uniqueness.
 */
export function walkSchema(value: unknown, schema: JsonSchema, path: FieldPath, report: SchemaReport, options: SchemaWalkOptions): void {

  // One path array, pushed and popped as the walk descends: copied only when a finding is reported.
  const current: (string | number)[] = [...path];
  const at = (...more: (string | number)[]): FieldPath => [...current, ...more];
  const walk = (value: unknown, node: JsonSchema): void => {
    if (options.skip?.(current)) return;
    if (node.type && !typeMatches(node.type, value)) {
      report('SCHEMA_TYPE', at(), `expected ${article(node.type)}, found ${typeName(value)}`);
      return;
    }
    if (isPlainObject(value)) {
      for (const key of node.required ?? []) {
        // The API server prunes null values of non-nullable fields before validating, so `key: null` is absent.
        if (value[key] === undefined || value[key] === null) {
          report('SCHEMA_REQUIRED', at(key), `expected required field "${key}", found none`, { at: at() });
        }
      }
      if (!node.properties && !node.additionalProperties) return;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const child = value[key];
        // Own properties only: `__proto__` or `constructor` must not find Object.prototype's members.
        const childSchema =
          node.properties && Object.hasOwn(node.properties, key) ? node.properties[key] : node.additionalProperties || undefined;
        if (!childSchema) {
          const known = Object.keys(node.properties ?? {}).sort();
          report('SCHEMA_UNKNOWN_FIELD', at(key), `unknown field "${key}"; expected one of: ${known.join(', ')}${didYouMean(key, known)}`, { atKey: true });
          continue;
        }
        if (child === null) continue;
        current.push(key);
        walk(child, childSchema);
        current.pop();
      }
    } else if (Array.isArray(value)) {
      if (node.minItems !== undefined && value.length < node.minItems) {
        report('SCHEMA_OUT_OF_RANGE', at(), `expected at least ${node.minItems} item(s), found ${value.length}`);
      }
      if (node.items) {
        for (let index = 0; index < value.length; index++) {
          current.push(index);
          walk(value[index], node.items);
          current.pop();
        }
      }
      if (node['x-kubernetes-list-type'] === 'set') {
        const seen = new Map<string, number>();
        value.forEach((item, index) => {
          const key = typeof item === 'string' ? `s${item}` : JSON.stringify(item);
          const first = seen.get(key);
          if (first === undefined) seen.set(key, index);
          else report('SCHEMA_DUPLICATE_ITEM', at(index), `duplicate value ${JSON.stringify(item)}: it already appears at index ${first} of this set`);
        });
      }
    } else if (typeof value === 'string') {
      if (node.enum && !node.enum.includes(value)) {
        report('SCHEMA_ENUM', at(), `expected one of ${node.enum.join(', ')}, found ${JSON.stringify(value)}${didYouMean(value, node.enum)}`);
      } else if (node.minLength !== undefined && value.length < node.minLength) {
        report('SCHEMA_OUT_OF_RANGE', at(), `expected at least ${node.minLength} character(s), found ${value.length}`);
      } else if (node.maxLength !== undefined && value.length > node.maxLength) {
        report('SCHEMA_OUT_OF_RANGE', at(), `expected at most ${node.maxLength} characters, found ${value.length} in ${JSON.stringify(value)}`);
      } else if (node.pattern && !compiledPattern(node.pattern).test(value)) {
        report('SCHEMA_PATTERN', at(), options.patternMessage(value, node));
      }
    } else if (typeof value === 'number') {
      if ((node.minimum !== undefined && value < node.minimum) || (node.maximum !== undefined && value > node.maximum)) {
        report('SCHEMA_OUT_OF_RANGE', at(), `expected a number from ${node.minimum ?? '-∞'} to ${node.maximum ?? '∞'}, found ${value}`);
      }
    }
  };
  walk(value, schema);
}

/** A CRD schema check of one object: diagnostics with the object's field paths and positions. */
export function validateAgainstSchema(
  object: ManifestObject,
  schema: JsonSchema,
  patternMessage: (value: string) => string,
  skip: (path: FieldPath) => boolean,
  ref?: ObjectRef,
): Diagnostic[] {
  const found = diagnosticsFor(object, ref);
  walkSchema(object.value, schema, [], found.report, { patternMessage: (value) => patternMessage(value), skip });
  return found.diagnostics;
}

function typeMatches(type: NonNullable<JsonSchema['type']>, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
  }
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (ArrayBuffer.isView(value)) return 'binary data (a !!binary value)';
  if (Object.prototype.toString.call(value) === '[object Date]') return 'a timestamp (a YAML 1.1 !!timestamp)';
  if (typeof value === 'object') return `a ${Object.prototype.toString.call(value).slice(8, -1)} (a YAML tag the API server does not know)`;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

export function article(type: string): string {
  return type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : type === 'integer' ? 'an integer' : `a ${type}`;
}
