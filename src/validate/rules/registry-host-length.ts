// The CRD patterns put no bound on a host name, but a registry host is a DNS name (RFC 1035: at most
// 253 characters, 63 per label), and it becomes a directory name on every node, where 255 bytes is
// the limit. A longer one could never be pulled from; refusing it here gives a position instead of a
// failed write.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import { splitLocation } from '../locations.js';
import type { Located, MirrorSetObject } from '../mirror-set.js';

export const MAX_HOST = 253;
export const MAX_LABEL = 63;

export function checkRegistryHostLength(mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const check = (location: Located<string>, object: MirrorSetObject['object']): void => {
    if (location.value.length <= MAX_LABEL) return; // too short to break either limit: the common case
    const host = splitLocation(location.value).host.replace(/:\d+$/, '');
    const longLabel = host.split('.').find((label) => label.length > MAX_LABEL);
    if (host.length <= MAX_HOST && !longLabel) return;
    const message = longLabel
      ? `expected a host name whose labels have at most ${MAX_LABEL} characters, found a label of ${longLabel.length}; no registry can have this name`
      : `expected a host name of at most ${MAX_HOST} characters, found ${host.length}; no registry can have this name`;
    diagnostics.push(diagnostic('INVALID_REGISTRY_HOST', message, location, object));
  };
  for (const entry of mirrorSets.flatMap((set) => set.entries)) {
    check(entry.source, entry.object);
    for (const mirror of entry.mirrors) check(mirror, entry.object);
  }
  return diagnostics;
}
