// Which mirrors a profile writes, and whether a source covers a repository. Locations are split and
// compared with ../locations.ts, the same rule the model renders with (docs/design/rendering.md "Mirror path").
import { ICSP } from '../../kinds.js';
import type { Located, MirrorEntry } from '../mirror-set.js';
import type { Profile } from '../../vocabulary.js';
import { mirrorPrefix, splitLocation } from '../locations.js';

/** `true` when `location` (a source) applies to `repository`: equal, or a whole-element prefix of it. */
export function covers(location: string, repository: string): boolean {
  return repository === location || repository.startsWith(`${location}/`);
}

/**
 * The mirrors of an entry that end up in a hosts.toml under the profile: WMCO writes every IDMS and
 * ITMS mirror and ignores ICSP; the containerd profile leaves out wildcard sources and mirrors that
 * rename the repository.
 */
export function writtenMirrors(entry: MirrorEntry, profile: Profile): Located<string>[] {
  if (profile === 'wmco') return entry.kind === ICSP ? [] : entry.mirrors;
  const source = splitLocation(entry.source.value);
  if (source.host.startsWith('*.')) return [];
  return entry.mirrors.filter((m) => mirrorPrefix(source.path, splitLocation(m.value).path) !== undefined);
}
