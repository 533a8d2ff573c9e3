// The exact bytes WMCO writes: pkg/registries/registries.go generateConfig at commit 0be4b9cc, built
// by string concatenation (not a TOML encoder), LF endings since 3f78a32ad, no auth headers because
// the tool reads Git, not the cluster pull secret (the node-applier adds WMCO's header at run time
// with spec.auth: node-applier/mirror-auth.ts). A set without mirrors gives an empty file.
import { extractRegistryHostname, extractRegistryOrgPath } from '../model/build-wmco-model.js';
import type { WmcoHostsFile } from '../model/types.js';
import type { RenderedFile } from './rendered-file.js';

export function renderWmcoHostsToml(file: WmcoHostsFile): RenderedFile {
  return { path: `${file.directory}/hosts.toml`, content: generateConfig(file) };
}

function apiRoot(location: string): string {
  const orgPath = extractRegistryOrgPath(location);
  return `https://${extractRegistryHostname(location)}/v2${orgPath ? `/${orgPath}` : ''}`;
}

function generateConfig(file: WmcoHostsFile): string {
  if (file.mirrors.length === 0) return '';
  let out = `server = "${apiRoot(file.fallbackServer)}"\n`;
  out += '\noverride_path = true\n';
  for (const mirror of file.mirrors) {
    out += `\n[host."${apiRoot(mirror.host)}"]\n`;
    out += mirror.resolveTags ? '  capabilities = ["pull", "resolve"]\n' : '  capabilities = ["pull"]\n';
    out += '  override_path = true\n';
  }
  return out;
}
