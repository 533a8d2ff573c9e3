// Findings of the KRM function and the exec plugin on stderr: kustomize and Argo CD show only stderr.
import { formatDiagnostic, formatDiagnosticAt, type Diagnostic } from '../diagnostics.js';

/**
 * One line per finding for people. Findings about objects that came through a ResourceList or a
 * plugin config carry no line of the user's file: they are placed by file (and document index) or
 * by object, never by a line number that would point nowhere.
 */
export function formatFinding(d: Diagnostic, unplaced: ReadonlySet<string>): string {
  if (d.location && !unplaced.has(d.location.file)) return formatDiagnostic(d);
  let where = '';
  if (d.location) where = `${d.location.file}${d.location.documentIndex ? ` (document ${d.location.documentIndex})` : ''}: `;
  else if (d.object) where = `${d.object.kind}/${d.object.name}: `;
  return formatDiagnosticAt(d, where);
}

/** Errors and warnings on stderr, one line each, prefixed with the tool's name. */
export function reportFindings(diagnostics: readonly Diagnostic[], unplaced: ReadonlySet<string>, stderr: (text: string) => void): void {
  const lines = diagnostics.filter((d) => d.severity !== 'info').map((d) => `mirrorset-hosts: ${formatFinding(d, unplaced)}\n`);
  if (lines.length > 0) stderr(lines.join(''));
}
