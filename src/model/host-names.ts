// How containerd names a registry: its API root URL and its host directory.

/**
 * `https://<host>/v2[/<prefix>]`, used with override_path = true: containerd then uses the path as
 * the API root and appends the full repository path (resolver.go dockerBase.request). Docker Hub's
 * API is served by registry-1.docker.io, which containerd itself substitutes only for a default server.
 */
export function hostUrl(host: string, prefix: string): string {
  const apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host;
  return `https://${apiHost}/v2${prefix ? `/${prefix}` : ''}`;
}

/**
 * containerd's hostDirectory (config_unix.go / config_windows.go): the last `:` becomes `_` and a
 * `_` is appended, `registry.local:5000` -> `registry.local_5000_`: the first name containerd tries,
 * on Linux and on Windows, since 1.5. A host without a port keeps its name.
 */
export function hostDirectory(registry: string): string {
  const colon = registry.lastIndexOf(':');
  if (colon < 0 || registry.endsWith(']')) return registry;
  return `${registry.slice(0, colon)}_${registry.slice(colon + 1)}_`;
}
