// Mirror credentials (spec.auth): containerd does not send the source registry's credentials to a
// mirror, so an authenticated mirror needs its own `authorization` header in hosts.toml. WMCO writes
// them from the cluster pull secret (pkg/registries/registries.go `generateConfig`); this adds the
// same header, in the same form, at run time on the way to the node: never in Git, the bundle, a
// ConfigMap or the plan. Pure: run-apply.ts reads the mounted Secret and passes its text.
import type { DesiredFile } from './node-state.js';

/** host[:port] -> base64("user:password"), the token of a Basic authorization header. */
export type MirrorCredentials = ReadonlyMap<string, string>;

/**
 * A kubernetes.io/dockerconfigjson Secret's `.dockerconfigjson` -> credentials per registry host.
 * As WMCO (k8s credentialprovider `DockerConfigJSON`): `auths` keyed by the registry host exactly
 * as WMCO looks them up (`Auths[extractRegistryHostname(m.host)]`), each entry's `auth`
 * (base64 "user:password") or `username` and `password`. Errors never quote the content.
 */
export function parseDockerConfigJson(text: string, source: string): { credentials: Map<string, string>; secrets: string[] } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { problem: `${source} is not JSON; expected a kubernetes.io/dockerconfigjson Secret's .dockerconfigjson ({"auths": {...}})` };
  }
  const auths = (data as { auths?: unknown } | null)?.auths;
  if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) return { problem: `${source} has no "auths" object; expected {"auths": {"<registry host>": {"auth": "..."}}}` };
  const credentials = new Map<string, string>();
  const secrets: string[] = [];
  for (const [host, entry] of Object.entries(auths as Record<string, unknown>)) {
    const e = (entry ?? {}) as { auth?: unknown; username?: unknown; password?: unknown };
    let user: string | undefined;
    let password: string | undefined;
    if (typeof e.auth === 'string' && e.auth !== '') {
      let decoded: string;
      try {
        decoded = atob(e.auth);
      } catch {
        return { problem: `${source}: the "auth" of ${JSON.stringify(host)} is not base64` };
      }
      const cut = decoded.indexOf(':');
      if (cut < 0) return { problem: `${source}: the "auth" of ${JSON.stringify(host)} is not base64 of "user:password"` };
      user = decoded.slice(0, cut);
      password = decoded.slice(cut + 1);
      secrets.push(e.auth);
    } else if (typeof e.username === 'string' && typeof e.password === 'string') {
      user = e.username;
      password = e.password;
    } else {
      continue;
    }
    // btoa takes Latin-1 only: UTF-8 bytes first, one character per byte, as Go's []byte(credentials).
    const token = btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)));
    credentials.set(host, token);
    secrets.push(token);
    if (password !== '') secrets.push(password);
  }
  return { credentials, secrets };
}

// A host table header as the renderers write it: `[host."https://<host[:port]>/v2[/path]"]`.
const HOST_TABLE = /^\[host\."(https:\/\/([^/"]+)\/[^"]*)"\]$/;

/**
 * hosts.toml with a header subtable after each `https` mirror table that has credentials, exactly
 * as WMCO writes it (two spaces, the table name repeated, four spaces, a Basic string):
 *   [host."https://mirror.example.com/v2/org".header]
 *     authorization = "Basic dXNlcjpwYXNz"
 * A plain-http mirror gets none: the header would cross the network in clear text. Other files
 * (CA certificates) and files without a credentialed mirror are returned as they are.
 */
export function withAuthorization(text: string, credentials: MirrorCredentials): { text: string; hosts: string[] } {
  const lines = text.split('\n');
  const out: string[] = [];
  const hosts: string[] = [];
  let pending: string | null = null;
  const flush = (): void => {
    if (pending === null) return;
    // Before the blank lines that end the table.
    let at = out.length;
    while (at > 0 && out[at - 1] === '') at--;
    out.splice(at, 0, pending);
    pending = null;
  };
  for (const line of lines) {
    if (line.startsWith('[')) {
      flush();
      const match = HOST_TABLE.exec(line);
      const token = match ? credentials.get(match[2] as string) : undefined;
      if (match && token !== undefined) {
        pending = `  [host."${match[1]}".header]\n    authorization = "Basic ${token}"`;
        hosts.push(match[2] as string);
      }
    }
    out.push(line);
  }
  flush();
  return { text: out.join('\n'), hosts };
}

/**
 * The bundle's files as this node gets them: hosts.toml with headers, the sha256 of what is written;
 * `hosts`: the mirror hosts that got a header, sorted.
 */
export function filesWithAuthorization(
  files: readonly DesiredFile[],
  credentials: MirrorCredentials,
  sha256: (bytes: Uint8Array) => string,
): { files: DesiredFile[]; hosts: string[] } {
  const hosts = new Set<string>();
  const written = files.map((file) => {
    if (!file.path.endsWith('/hosts.toml')) return file;
    const result = withAuthorization(new TextDecoder().decode(file.content), credentials);
    if (result.hosts.length === 0) return file;
    for (const host of result.hosts) hosts.add(host);
    const content = new TextEncoder().encode(result.text);
    return { ...file, content, sha256: sha256(content) };
  });
  return { files: written, hosts: [...hosts].sort() };
}
