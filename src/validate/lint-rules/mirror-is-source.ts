// Docs 5.6.1 "Understanding image registry repository mirroring" (and the troubleshooting list of
// 5.7): a node "tries each mirrored repository in turn", and the source only "if all mirrors fail".
// A mirror equal to its source therefore adds nothing when it is the only one (MCO's runtime-utils
// drops such a set), and otherwise moves the source before the mirrors listed after it.
// With NeverContactSource the same entry is an error (NEVER_CONTACT_SOURCE_MIRRORS_SOURCE), not repeated here.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import type { MirrorSetObject } from '../mirror-set.js';
import { DOC_UNDERSTANDING, type LintRule } from './lint-rule.js';

export const mirrorIsSource: LintRule = {
  id: 'mirror-is-source',
  codes: ['MIRROR_IS_SOURCE', 'SOURCE_LISTED_AS_MIRROR'],
  doc: DOC_UNDERSTANDING,
  check(mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    for (const entry of mirrorSets.flatMap((set) => set.entries)) {
      if (entry.policy?.value === 'NeverContactSource') continue;
      const own = entry.mirrors.filter((m) => m.value === entry.source.value);
      if (own.length === 0) continue;
      const others = entry.mirrors.filter((m) => m.value !== entry.source.value);
      for (const mirror of own) {
        if (others.length === 0) {
          diagnostics.push(diagnostic(
            'MIRROR_IS_SOURCE',
            `the only mirror of ${entry.source.value} is ${mirror.value}, the source itself: nodes pull from the source exactly as without this entry ` +
              `(MCO drops it); add the real mirror or remove the entry`,
            mirror,
            entry.object,
          ));
          continue;
        }
        const after = entry.mirrors.slice(entry.mirrors.indexOf(mirror) + 1).filter((m) => m.value !== entry.source.value);
        if (after.length === 0) continue; // last in the list: where the source is tried anyway
        diagnostics.push(diagnostic(
          'SOURCE_LISTED_AS_MIRROR',
          `the source ${entry.source.value} is listed as a mirror, so nodes try it before ${after.map((m) => m.value).join(', ')} instead of last; ` +
            `remove it unless that is what you want`,
          mirror,
          entry.object,
        ));
      }
    }
    return diagnostics;
  },
};
