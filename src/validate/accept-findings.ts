// Acknowledged warnings: the settings may accept a warning code, for one source registry or for all,
// with the reason it is fine here. An accepted finding is still reported (marked with the reason,
// suppressed in SARIF) but `--strict` no longer turns it into an error, so a repository whose every
// warning is understood (oc-mirror output is all repository-scoped sources: SCOPE_BROADENED) can
// run strict and still fail on the next, new warning.
import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import { splitLocation } from './locations.js';
import type { MirrorSetObject } from './mirror-set.js';

export interface AcceptRule {
  code: DiagnosticCode;
  /** `host[:port]` of the source registry the finding is about; absent: every registry. */
  registry?: string;
  /** Why the warning is fine here; shown beside the finding wherever it is printed. */
  reason: string;
}

/** `spec.imageDigestMirrors[3]` out of `spec.imageDigestMirrors[3].mirrors[0]`: the entry a finding is in. */
const ENTRY_FIELD = /^spec\.[A-Za-z]+\[\d+\]/;

/**
 * `diagnostics` with every warning a rule matches marked `accepted` (the rule's reason). A finding's
 * registry is the host of the source of the mirror-set entry its field points into; a finding outside
 * any entry matches only a rule without `registry`. Errors are never accepted.
 */
export function acceptFindings(diagnostics: readonly Diagnostic[], rules: readonly AcceptRule[], mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
  if (rules.length === 0) return [...diagnostics];
  // Entries by file and field; several objects in one file may share a field, and then the finding's
  // object tells them apart.
  const entries = new Map<string, Array<{ kind: string; name: string; registry: string }>>();
  for (const set of mirrorSets) {
    for (const entry of set.entries) {
      const key = JSON.stringify([entry.location.file, entry.field]);
      const list = entries.get(key) ?? [];
      entries.set(key, list);
      list.push({ kind: set.object.kind, name: set.object.name, registry: splitLocation(entry.source.value).host });
    }
  }
  return diagnostics.map((d) => {
    if (d.severity !== 'warning') return d;
    const entryField = d.field !== undefined ? ENTRY_FIELD.exec(d.field)?.[0] : undefined;
    const candidates = entryField !== undefined && d.location ? (entries.get(JSON.stringify([d.location.file, entryField])) ?? []) : [];
    const registry = (candidates.find((c) => c.kind === d.object?.kind && c.name === d.object?.name) ?? (candidates.length === 1 ? candidates[0] : undefined))?.registry;
    const rule = rules.find((r) => r.code === d.code && (r.registry === undefined || r.registry === registry));
    return rule ? { ...d, accepted: rule.reason } : d;
  });
}

