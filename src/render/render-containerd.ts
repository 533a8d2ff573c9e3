// hosts.toml for containerd 1.6 and later, Linux and Windows (docs/design/rendering.md "The file"), kept to
// what containerd reads (docs/design/containerd.md "What makes containerd ignore a file"). Standard `[host."…"]` table headers (2.x getSortedHosts sees only
// those), at least one [host] table (1.6 and 1.7 < 1.7.32 reject a file without), no BOM, LF, every
// string escaped. Each file is parsed back before it is returned: a file containerd cannot read is a bug.
import { compareStrings } from '../vocabulary.js';
import { parse } from 'smol-toml';
import type { ContainerdHost, ContainerdHostsFile } from '../model/types.js';
import type { RenderedFile } from './rendered-file.js';

export const MANAGED_HEADER = '# Managed by mirrorset-hosts from mirror-set manifests; do not edit: the next rollout replaces this file.';

export function renderContainerdHostsToml(file: ContainerdHostsFile): RenderedFile[] {
  const lines = [MANAGED_HEADER, `server = ${tomlString(file.server)}`, 'override_path = true'];
  if (file.serverSkipVerify) lines.push('skip_verify = true');
  if (file.serverCa) lines.push(`ca = ${tomlString(file.serverCa)}`);
  for (const host of file.hosts) lines.push('', ...hostTable(host));
  const content = lines.join('\n') + '\n';
  checkParsesBack(file, content);
  const out: RenderedFile[] = [{ path: `${file.directory}/hosts.toml`, content }];
  for (const [name, text] of Object.entries(file.extraFiles ?? {}).sort(([a], [b]) => compareStrings(a, b))) {
    out.push({ path: `${file.directory}/${name}`, content: text });
  }
  return out;
}

function hostTable(host: ContainerdHost): string[] {
  const lines = [
    `[host.${tomlString(host.url)}]`,
    // Never an empty list: containerd reads `capabilities = []` as all capabilities.
    `  capabilities = [${host.capabilities.map(tomlString).join(', ')}]`,
    '  override_path = true',
  ];
  if (host.skipVerify) lines.push('  skip_verify = true');
  if (host.ca) lines.push(`  ca = ${tomlString(host.ca)}`);
  return lines;
}

/** A TOML basic string (TOML 1.0 §String): quote, backslash and control characters escaped. */
export function tomlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}

function checkParsesBack(file: ContainerdHostsFile, content: string): void {
  const parsed = parse(content) as { server?: unknown; host?: Record<string, unknown> };
  const urls = Object.keys(parsed.host ?? {});
  if (parsed.server !== file.server || urls.length !== file.hosts.length || urls.length === 0) {
    throw new Error(`bug: hosts.toml for ${file.registry} does not parse back to ${file.hosts.length} [host] tables and its server`);
  }
}
