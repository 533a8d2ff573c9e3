// Tiny inline mirror sets for lint tests. Positions: `source` values sit at column 13, mirrors at 7.
export type Kind = 'IDMS' | 'ITMS' | 'ICSP';

export interface Entry {
  source: string;
  mirrors?: string[];
  policy?: 'NeverContactSource' | 'AllowContactingSource';
}

const HEAD: Record<Kind, [string, string, string]> = {
  IDMS: ['config.openshift.io/v1', 'ImageDigestMirrorSet', 'imageDigestMirrors'],
  ITMS: ['config.openshift.io/v1', 'ImageTagMirrorSet', 'imageTagMirrors'],
  ICSP: ['operator.openshift.io/v1alpha1', 'ImageContentSourcePolicy', 'repositoryDigestMirrors'],
};

export function mirrorSet(kind: Kind, name: string, entries: Entry[]): string {
  const [apiVersion, kindName, field] = HEAD[kind];
  const lines = [`apiVersion: ${apiVersion}`, `kind: ${kindName}`, 'metadata:', `  name: ${name}`, 'spec:', `  ${field}:`];
  for (const entry of entries) {
    lines.push(`  - source: ${entry.source}`);
    if (entry.policy) lines.push(`    mirrorSourcePolicy: ${entry.policy}`);
    if (entry.mirrors) lines.push('    mirrors:', ...entry.mirrors.map((m) => `    - ${m}`));
  }
  return lines.join('\n') + '\n';
}
