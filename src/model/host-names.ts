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

// containerd's hostDirectory lives with the locations (the validate stage checks the names it gives).
export { hostDirectory } from '../validate/locations.js';
