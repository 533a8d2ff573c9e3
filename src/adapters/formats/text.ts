// For people and pre-commit: one gcc-style line per finding (clickable in editors and CI logs), then a count.
import { formatDiagnostic, type Diagnostic, type Severity } from '../../diagnostics.js';

export function formatText(diagnostics: readonly Diagnostic[]): string {
  if (diagnostics.length === 0) return '';
  return diagnostics.map(formatDiagnostic).join('\n') + '\n' + `mirrorset-hosts: ${countSeverities(diagnostics)}\n`;
}

/** `1 error, 2 warnings, 1 info`. */
export function countSeverities(diagnostics: readonly Diagnostic[]): string {
  const count = (s: Severity): number => diagnostics.filter((d) => d.severity === s).length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 || word === 'info' ? '' : 's'}`;
  return [plural(count('error'), 'error'), plural(count('warning'), 'warning'), plural(count('info'), 'info')].join(', ');
}
