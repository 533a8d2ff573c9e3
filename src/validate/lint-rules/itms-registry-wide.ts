// Docs 5.6 "Using Windows containers with a mirror registry", second bullet: "A Windows node takes the
// ITMS object and uses it to configure registry-wide mirrors": mirroring quay.io/remote-org/image also
// sends quay.io/remote-org/different-image:tag to the mirror, "which can cause unintended behavior";
// "for this reason, specify container images using a digest by an IDMS object instead of an ITMS object".
// containerd reads hosts.toml per registry, so the containerd profile shares the pitfall. Reported per
// ImageTagMirrorSet entry whose namespace or repository source gets a mirror written; SCOPE_BROADENED /
// WMCO_REGISTRY_WIDE say which mirrors broaden, this rule says what it costs with tags.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import { ITMS } from '../../kinds.js';
import type { MirrorSetObject } from '../mirror-set.js';
import { DOC_WINDOWS_MIRRORS, type LintContext, type LintRule } from './lint-rule.js';
import { writtenMirrors } from './repository-path.js';
import { mirrorPrefix, splitLocation } from '../locations.js';

export const itmsRegistryWide: LintRule = {
  id: 'itms-registry-wide',
  codes: ['ITMS_REGISTRY_WIDE'],
  doc: DOC_WINDOWS_MIRRORS,
  check(mirrorSets: readonly MirrorSetObject[], context: LintContext): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    for (const entry of mirrorSets.flatMap((set) => set.entries)) {
      if (entry.kind !== ITMS) continue;
      const source = splitLocation(entry.source.value);
      if (source.path === '') continue; // a registry-level source is meant to cover the whole registry
      const mirror = writtenMirrors(entry, context.profile)[0];
      if (!mirror) continue;
      const target = splitLocation(mirror.value);
      // Where containerd looks for another repository of the registry: the mirror's prefix plus the full path.
      const root = mirrorPrefix(source.path, target.path) !== undefined
        ? [target.host, target.path.slice(0, Math.max(0, target.path.length - source.path.length - 1))].filter(Boolean).join('/')
        : mirror.value;
      diagnostics.push(diagnostic(
        'ITMS_REGISTRY_WIDE',
        `${entry.source.value} is mirrored by an ImageTagMirrorSet, but Windows and containerd nodes apply mirrors to the whole registry: ` +
          `a pull of any ${source.host}/<repository>:<tag> is tried at ${root}/<repository>:<tag> first, where that tag may name a different image; ` +
          `mirror by digest with an ImageDigestMirrorSet (a digest cannot resolve to the wrong image), or mirror all of ${source.host}`,
        entry.source,
        entry.object,
      ));
    }
    return diagnostics;
  },
};
