// Docs 5.6.1 "Understanding image registry repository mirroring": after installation, mirroring is
// configured with ImageDigestMirrorSet or ImageTagMirrorSet, and "WMCO watches IDMS and ITMS
// resources": an ImageContentSourcePolicy (the older API of docs 5.7, Linux) never reaches Windows
// nodes. OpenShift converts ICSP files with `oc adm migrate icsp`. Under the wmco profile
// WMCO_ICSP_IGNORED already says this, so the rule only speaks for the containerd profile.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import { ICSP } from '../../kinds.js';
import type { MirrorSetObject } from '../mirror-set.js';
import { DOC_UNDERSTANDING, type LintContext, type LintRule } from './lint-rule.js';

export const icspDeprecated: LintRule = {
  id: 'icsp-deprecated',
  codes: ['ICSP_DEPRECATED'],
  doc: DOC_UNDERSTANDING,
  check(mirrorSets: readonly MirrorSetObject[], context: LintContext): Diagnostic[] {
    if (context.profile === 'wmco') return [];
    return mirrorSets
      .filter((set) => set.kind === ICSP)
      .map((set) =>
        diagnostic(
          'ICSP_DEPRECATED',
          `${set.kind}/${set.object.name} uses the deprecated ImageContentSourcePolicy API, and WMCO ignores it, so on OpenShift these mirrors ` +
          `never reach Windows nodes; convert it with \`oc adm migrate icsp ${set.location.file} --dest-dir <dir>\`, commit the ImageDigestMirrorSet ` +
          `it writes and delete this object`,
          { location: set.location },
          set.object,
        ),
      );
  },
};
