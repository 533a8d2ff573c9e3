// GitHub Actions workflow commands: each finding becomes an annotation on the pull request's diff
// (docs.github.com "Workflow commands for GitHub Actions": ::error file=,line=,col=,title=::message).
// Values are escaped as the runner's toolkit does (@actions/core command.ts escapeData/escapeProperty).
// Paths must be relative to the repository root: run lint from there.
import type { Diagnostic, Severity } from '../../diagnostics.js';

const LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const properties: string[] = [];
      if (d.location) {
        properties.push(`file=${escapeProperty(d.location.file)}`, `line=${d.location.line}`, `col=${d.location.column}`);
      }
      properties.push(`title=${escapeProperty(d.code)}`);
      const accepted = d.accepted !== undefined ? ` (accepted: ${d.accepted})` : '';
      const message = `${d.field ? `${d.field}: ${d.message}` : d.message}${accepted}`;
      // An accepted warning is a notice: annotated, but not a warning on the pull request.
      return `::${d.accepted !== undefined ? 'notice' : LEVEL[d.severity]} ${properties.join(',')}::${escapeData(message)}\n`;
    })
    .join('');
}
