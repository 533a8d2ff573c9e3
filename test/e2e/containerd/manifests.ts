// The OpenShift objects each case hands to the renderer, written as users write them.
// Scalars are JSON strings, which YAML reads as double-quoted scalars.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MirrorEntry {
  source: string;
  mirrors: readonly string[];
  mirrorSourcePolicy?: 'AllowContactingSource' | 'NeverContactSource';
}

function entries(key: string, list: readonly MirrorEntry[]): string[] {
  const lines = [`  ${key}:`];
  for (const e of list) {
    lines.push(`  - source: ${JSON.stringify(e.source)}`);
    if (e.mirrors.length > 0) {
      lines.push('    mirrors:');
      for (const m of e.mirrors) lines.push(`    - ${JSON.stringify(m)}`);
    }
    if (e.mirrorSourcePolicy !== undefined) lines.push(`    mirrorSourcePolicy: ${e.mirrorSourcePolicy}`);
  }
  return lines;
}

export function imageDigestMirrorSet(name: string, list: readonly MirrorEntry[]): string {
  return ['apiVersion: config.openshift.io/v1', 'kind: ImageDigestMirrorSet', 'metadata:', `  name: ${name}`, 'spec:',
    ...entries('imageDigestMirrors', list), ''].join('\n');
}

export function imageTagMirrorSet(name: string, list: readonly MirrorEntry[]): string {
  return ['apiVersion: config.openshift.io/v1', 'kind: ImageTagMirrorSet', 'metadata:', `  name: ${name}`, 'spec:',
    ...entries('imageTagMirrors', list), ''].join('\n');
}

export interface ImageConfig {
  insecureRegistries?: readonly string[];
  /** Name of the ConfigMap in openshift-config holding the extra CAs. */
  additionalTrustedCA?: string;
}

/** The cluster-wide `config.openshift.io/v1` Image object (always named `cluster`). */
export function clusterImageConfig(config: ImageConfig): string {
  const lines = ['apiVersion: config.openshift.io/v1', 'kind: Image', 'metadata:', '  name: cluster', 'spec:'];
  if (config.additionalTrustedCA !== undefined) {
    lines.push('  additionalTrustedCA:', `    name: ${JSON.stringify(config.additionalTrustedCA)}`);
  }
  if (config.insecureRegistries !== undefined) {
    lines.push('  registrySources:', '    insecureRegistries:');
    for (const r of config.insecureRegistries) lines.push(`    - ${JSON.stringify(r)}`);
  }
  return [...lines, ''].join('\n');
}

/**
 * The ConfigMap `spec.additionalTrustedCA.name` points at: in openshift-config, one key per registry,
 * `host` or `host..port` (the port's colon is not allowed in a ConfigMap key), value the PEM bundle.
 */
export function trustedCaConfigMap(name: string, cas: Readonly<Record<string, string>>): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, '  namespace: openshift-config', 'data:'];
  for (const [key, pem] of Object.entries(cas)) {
    lines.push(`  ${JSON.stringify(key)}: |`);
    for (const l of pem.trimEnd().split('\n')) lines.push(`    ${l}`);
  }
  return [...lines, ''].join('\n');
}

/** Writes `files` (name → YAML text) into a fresh directory and returns it. */
export function writeManifests(dir: string, files: Readonly<Record<string, string>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
