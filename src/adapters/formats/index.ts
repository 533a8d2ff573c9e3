// One rendering of the findings per audience; pure functions of the sorted diagnostics.
import type { Diagnostic } from '../../diagnostics.js';
import { enumOption } from '../options.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export const DIAGNOSTIC_FORMATS = ['text', 'json', 'github', 'sarif'] as const;
export type DiagnosticFormat = (typeof DIAGNOSTIC_FORMATS)[number];

/** `--format` of lint, default text. */
export function diagnosticFormatOf(value: string | undefined): DiagnosticFormat {
  return enumOption('format', value, DIAGNOSTIC_FORMATS, 'text');
}

export function formatDiagnostics(format: DiagnosticFormat, diagnostics: readonly Diagnostic[], toolVersion: string): string {
  switch (format) {
    case 'text':
      return formatText(diagnostics);
    case 'json':
      return formatJson(diagnostics);
    case 'github':
      return formatGithub(diagnostics);
    case 'sarif':
      return formatSarif(diagnostics, toolVersion);
  }
}
