// The subset of a CRD's structural openAPIV3Schema the mirror-set CRDs use, checked the way the
// API server does with strict field validation (kubectl's default since 1.27): wrong types, missing
// required fields, unknown fields, enums, patterns and `x-kubernetes-list-type: set` uniqueness.
import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import type { FieldPath, ManifestObject } from '../parse/parse-manifests.js';
import { isPlainObject } from '../parse/parse-manifests.js';

export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'boolean' | 'integer' | 'number';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: string[];
  pattern?: string;
  'x-kubernetes-list-type'?: 'set' | 'atomic' | 'map';
}

export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out ? `.${step}` : step;
  return out;
}

/** Explains why a source or mirror misses the pattern: the common mistakes first. */
export type PatternHint = (value: string) => string;

export function validateAgainstSchema(
  object: ManifestObject,
  schema: JsonSchema,
  hint: PatternHint,
  skip: (path: FieldPath) => boolean,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // `at` is where to point: the field itself, or its parent mapping when the field is missing.
  const report = (code: DiagnosticCode, path: FieldPath, message: string, atKey = false, at: FieldPath = path): void => {
    diagnostics.push({
      code,
      severity: 'error',
      message,
      field: formatFieldPath([...object.basePath, ...path]),
      location: atKey ? object.locateKey(at) : object.locate(at),
    });
  };
  const patterns = new Map<string, RegExp>();
  const regex = (pattern: string): RegExp => {
    let re = patterns.get(pattern);
    if (!re) patterns.set(pattern, (re = new RegExp(pattern)));
    return re;
  };

  const walk = (value: unknown, node: JsonSchema, path: FieldPath): void => {
    if (skip(path)) return;
    const actual = typeName(value);
    if (node.type && !typeMatches(node.type, value)) {
      report('SCHEMA_TYPE', path, `expected ${article(node.type)}, found ${actual}`);
      return;
    }
    if (node.type === 'object' && isPlainObject(value)) {
      for (const key of node.required ?? []) {
        // The API server prunes null values of non-nullable fields before validating, so `key: null` is absent.
        if (value[key] === undefined || value[key] === null) {
          report('SCHEMA_REQUIRED', [...path, key], `expected required field "${key}", found none`, false, path);
        }
      }
      if (node.properties) {
        for (const [key, child] of Object.entries(value)) {
          const childSchema = node.properties[key];
          if (!childSchema) {
            const known = Object.keys(node.properties).sort().join(', ');
            report('SCHEMA_UNKNOWN_FIELD', [...path, key], `unknown field "${key}"; expected one of: ${known}`, true);
            continue;
          }
          if (child === null) continue;
          walk(child, childSchema, [...path, key]);
        }
      }
    } else if (node.type === 'array' && Array.isArray(value)) {
      if (node.items) value.forEach((item, index) => walk(item, node.items as JsonSchema, [...path, index]));
      if (node['x-kubernetes-list-type'] === 'set') {
        const seen = new Map<string, number>();
        value.forEach((item, index) => {
          const key = JSON.stringify(item);
          const first = seen.get(key);
          if (first === undefined) seen.set(key, index);
          else report('SCHEMA_DUPLICATE_ITEM', [...path, index], `duplicate value ${JSON.stringify(item)}: it already appears at index ${first} of this set`);
        });
      }
    } else if (node.type === 'string' && typeof value === 'string') {
      if (node.enum && !node.enum.includes(value)) {
        report('SCHEMA_ENUM', path, `expected one of ${node.enum.join(', ')}, found ${JSON.stringify(value)}`);
      } else if (node.pattern && !regex(node.pattern).test(value)) {
        report('SCHEMA_PATTERN', path, `${JSON.stringify(value)} is not a valid repository location: ${hint(value)}`);
      }
    }
  };
  walk(object.value, schema, []);
  return diagnostics;
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

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function article(type: string): string {
  return type === 'object' ? 'a mapping' : type === 'array' ? 'a list' : type === 'integer' ? 'an integer' : `a ${type}`;
}
