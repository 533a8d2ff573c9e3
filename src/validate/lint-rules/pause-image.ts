// Docs 5.6.2 "Configuring image registry repository mirroring", Important: "You must mirror the
// mcr.microsoft.com/oss/kubernetes/pause:3.9 image" (every Windows pod starts with it). It matters as
// soon as nodes look for mcr.microsoft.com on a mirror: mirrors for that registry apply to every image
// of it on Windows and containerd nodes (docs 5.6), and under NeverContactSource the source is not
// tried at all. Covered means: an entry whose source is mcr.microsoft.com/oss/kubernetes/pause or a
// parent of it, with a mirror that keeps the source path (the naming requirement). WMCO ignores ICSP.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import { ICSP } from '../../kinds.js';
import { describeEntry, type MirrorEntry, type MirrorSetObject } from '../mirror-set.js';
import { DOC_CONFIGURING, type LintContext, type LintRule } from './lint-rule.js';
import { covers, writtenMirrors } from './repository-path.js';
import { mirrorPrefix, splitLocation } from '../locations.js';

export const PAUSE_REGISTRY = 'mcr.microsoft.com';
export const PAUSE_REPOSITORY = 'mcr.microsoft.com/oss/kubernetes/pause';

export const pauseImage: LintRule = {
  id: 'pause-image',
  codes: ['PAUSE_IMAGE_NOT_MIRRORED'],
  doc: DOC_CONFIGURING,
  check(mirrorSets: readonly MirrorSetObject[], context: LintContext): Diagnostic[] {
    const entries = mirrorSets
      .flatMap((set) => set.entries)
      .filter((e) => !(context.profile === 'wmco' && e.kind === ICSP))
      .filter((e) => splitLocation(e.source.value).host === PAUSE_REGISTRY);
    const isCovering = (e: MirrorEntry): boolean => {
      if (!covers(e.source.value, PAUSE_REPOSITORY)) return false;
      const sourcePath = splitLocation(e.source.value).path;
      return e.mirrors.some((m) => mirrorPrefix(sourcePath, splitLocation(m.value).path) !== undefined);
    };
    if (entries.some(isCovering)) return [];
    const reason = (e: MirrorEntry): string | undefined => {
      if (writtenMirrors(e, context.profile).length > 0) return 'has mirrors for mcr.microsoft.com';
      if (e.policy?.value === 'NeverContactSource' && covers(e.source.value, PAUSE_REPOSITORY)) return 'never contacts the source of the pause image';
      return undefined;
    };
    const trigger = entries.find((e) => reason(e) !== undefined);
    if (!trigger) return [];
    return [
      diagnostic(
        'PAUSE_IMAGE_NOT_MIRRORED',
        `${describeEntry(trigger)} (${trigger.source.value}) ${reason(trigger) as string}, but nothing mirrors ${PAUSE_REPOSITORY}, ` +
          `the pause image every Windows pod starts with, and the docs require mirroring it: copy it ` +
          `(skopeo copy docker://${PAUSE_REPOSITORY}:3.9 docker://<mirror>/oss/kubernetes/pause:3.9) and add an entry with source ` +
          `${PAUSE_REPOSITORY} and mirror <mirror>/oss/kubernetes/pause`,
        trigger.source,
        trigger.object,
      ),
    ];
  },
};
