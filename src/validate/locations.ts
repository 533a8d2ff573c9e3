// Repository locations as the CRDs define them: host[:port][/path] (no scheme, tag or digest).

export interface SplitLocation {
  /** `host[:port]`. */
  host: string;
  /** Path without leading `/`, `''` for a registry-level location. */
  path: string;
}

export function splitLocation(location: string): SplitLocation {
  const slash = location.indexOf('/');
  return slash < 0 ? { host: location, path: '' } : { host: location.slice(0, slash), path: location.slice(slash + 1) };
}

/**
 * The prefix containerd must put in front of the full repository path so that `source` resolves to
 * `mirror` (docs/design/rendering.md "Mirror path"). The source host never takes part in the comparison.
 * - source path empty: the prefix is the whole mirror path;
 * - mirror path equal to, or ending with, the source path (whole elements): the prefix is what is left;
 * - otherwise the mirror renames the repository, which containerd cannot express: `undefined`.
 */
export function mirrorPrefix(sourcePath: string, mirrorPath: string): string | undefined {
  if (sourcePath === '') return mirrorPath;
  if (mirrorPath === sourcePath) return '';
  if (mirrorPath.endsWith(`/${sourcePath}`)) return mirrorPath.slice(0, mirrorPath.length - sourcePath.length - 1);
  return undefined;
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
