// For programs: a stable document (`version` changes only when a field changes meaning), keys in a
// fixed order, findings sorted as everywhere else.
import type { Diagnostic } from '../../diagnostics.js';

export interface JsonDiagnostic {
  code: string;
  severity: string;
  message: string;
  field?: string;
  file?: string;
  line?: number;
  column?: number;
  object?: { apiVersion: string; kind: string; name: string };
  /** The reason the settings accept this warning (`accept:`). */
  accepted?: string;
}

export function toJsonDiagnostic(d: Diagnostic): JsonDiagnostic {
  const out: JsonDiagnostic = { code: d.code, severity: d.severity, message: d.message };
  if (d.field) out.field = d.field;
  if (d.location) {
    out.file = d.location.file;
    out.line = d.location.line;
    out.column = d.location.column;
  }
  if (d.object) out.object = { apiVersion: d.object.apiVersion, kind: d.object.kind, name: d.object.name };
  if (d.accepted !== undefined) out.accepted = d.accepted;
  return out;
}

export function formatJson(diagnostics: readonly Diagnostic[]): string {
  const count = (s: string): number => diagnostics.filter((d) => d.severity === s).length;
  const document = {
    version: 1,
    summary: { error: count('error'), warning: count('warning'), info: count('info') },
    diagnostics: diagnostics.map(toJsonDiagnostic),
  };
  return JSON.stringify(document, null, 2) + '\n';
}
