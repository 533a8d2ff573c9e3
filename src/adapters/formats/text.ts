// For people and pre-commit: one gcc-style line per finding (clickable in editors and CI logs), then a count.
import { formatDiagnostic, formatDiagnosticAt, type Diagnostic, type Severity } from '../../diagnostics.js';

export function formatText(diagnostics: readonly Diagnostic[]): string {
  if (diagnostics.length === 0) return '';
  return diagnostics.map(formatDiagnostic).join('\n') + '\n' + `mirrorset-hosts: ${countSeverities(diagnostics)}\n`;
}

/** `1 error, 2 warnings, 1 info`. */
export function countSeverities(diagnostics: readonly Diagnostic[]): string {
  const count = (s: Severity): number => diagnostics.filter((d) => d.severity === s).length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 || word === 'info' ? '' : 's'}`;
  const accepted = diagnostics.filter((d) => d.accepted !== undefined).length;
  const warnings = plural(count('warning'), 'warning') + (accepted > 0 ? ` (${accepted} accepted)` : '');
  return [plural(count('error'), 'error'), warnings, plural(count('info'), 'info')].join(', ');
}

/**
 * Under kustomize and kpt (the KRM function, the exec plugin), which show only stderr beside the
 * results: errors and warnings, one line each, prefixed with the tool's name. Findings about objects
 * that came through a ResourceList or a plugin config (`synthetic` files) carry no real line: they are
 * placed by file (and document index) or by object, never by a line number that would point nowhere.
 */
export function formatKrmText(diagnostics: readonly Diagnostic[], synthetic: ReadonlySet<string>): string {
  return diagnostics
    .filter((d) => d.severity !== 'info')
    .map((d) => `mirrorset-hosts: ${formatFinding(d, synthetic)}\n`)
    .join('');
}

function formatFinding(d: Diagnostic, synthetic: ReadonlySet<string>): string {
  if (d.location && !synthetic.has(d.location.file)) return formatDiagnostic(d);
  let where = '';
  if (d.location) where = `${d.location.file}${d.location.documentIndex ? ` (document ${d.location.documentIndex})` : ''}: `;
  else if (d.object) where = `${d.object.kind}/${d.object.name}: `;
  return formatDiagnosticAt(d, where);
}
