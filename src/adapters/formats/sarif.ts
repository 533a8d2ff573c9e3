// SARIF 2.1.0 (OASIS sarif-v2.1.0), the format GitHub code scanning uploads
// (github/codeql-action/upload-sarif): one run, every code as a rule with its meaning and fix from
// DIAGNOSTIC_CODES, each finding as a result at its file:line:column relative to the repository root.
import { DIAGNOSTIC_CODES, type Diagnostic, type Severity } from '../../diagnostics.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/** A relative path as a URI reference: each segment percent-encoded, `/` kept. */
function toUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}

export function formatSarif(diagnostics: readonly Diagnostic[], toolVersion: string): string {
  const codes = Object.keys(DIAGNOSTIC_CODES) as (keyof typeof DIAGNOSTIC_CODES)[];
  const rules = codes.map((code) => {
    const info = DIAGNOSTIC_CODES[code];
    return {
      id: code,
      shortDescription: { text: info.meaning },
      help: { text: info.fix },
      defaultConfiguration: { level: LEVEL[info.severity] },
    };
  });
  const results = diagnostics.map((d) => {
    const result: Record<string, unknown> = {
      ruleId: d.code,
      ruleIndex: codes.indexOf(d.code),
      level: LEVEL[d.severity],
      message: { text: d.field ? `${d.field}: ${d.message}` : d.message },
    };
    // An accepted warning is a suppressed result (SARIF 2.1.0 §3.27.23): code scanning shows it as dismissed.
    if (d.accepted !== undefined) result['suppressions'] = [{ kind: 'external', justification: d.accepted }];
    if (d.location) {
      result['locations'] = [
        {
          physicalLocation: {
            artifactLocation: { uri: toUri(d.location.file), uriBaseId: '%SRCROOT%' },
            region: { startLine: d.location.line, startColumn: d.location.column },
          },
          ...(d.object ? { logicalLocations: [{ fullyQualifiedName: `${d.object.kind}/${d.object.name}${d.field ? `/${d.field}` : ''}` }] } : {}),
        },
      ];
    }
    return result;
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'mirrorset-hosts', version: toolVersion, rules } },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
