// Repository locations as the CRDs define them, host[:port][/path], and which mirrors a profile
// writes. The path rule is SPEC.md "Mirror path" (src/model/locations.ts mirrorPrefix applies it when
// rendering; validate may not import the model, so the comparison is restated here).
import { ICSP } from '../../kinds.js';
import type { Located, MirrorEntry } from '../mirror-set.js';
import type { LintProfile } from './lint-rule.js';

export interface RepositoryLocation {
  /** `host[:port]`. */
  host: string;
  /** Without the leading `/`; `''` for a registry. */
  path: string;
}

export function splitRepository(location: string): RepositoryLocation {
  const slash = location.indexOf('/');
  return slash < 0 ? { host: location, path: '' } : { host: location.slice(0, slash), path: location.slice(slash + 1) };
}

/**
 * The Windows naming requirement (docs 5.6): a mirror must end with the source's whole namespace/image
 * path, by whole path elements; a registry-level source allows any mirror path.
 */
export function keepsSourcePath(sourcePath: string, mirrorPath: string): boolean {
  return sourcePath === '' || mirrorPath === sourcePath || mirrorPath.endsWith(`/${sourcePath}`);
}

/** `true` when `location` (a source) applies to `repository`: equal, or a whole-element prefix of it. */
export function covers(location: string, repository: string): boolean {
  return repository === location || repository.startsWith(`${location}/`);
}

/**
 * The mirrors of an entry that end up in a hosts.toml under the profile: WMCO writes every IDMS and
 * ITMS mirror and ignores ICSP; the containerd profile leaves out wildcard sources and mirrors that
 * rename the repository.
 */
export function writtenMirrors(entry: MirrorEntry, profile: LintProfile): Located<string>[] {
  if (profile === 'wmco') return entry.kind === ICSP ? [] : entry.mirrors;
  const source = splitRepository(entry.source.value);
  if (source.host.startsWith('*.')) return [];
  return entry.mirrors.filter((m) => keepsSourcePath(source.path, splitRepository(m.value).path));
}
