// Docs 5.6.1 "Understanding image registry repository mirroring": each object lists, per source, "a
// separate entry for each mirror repository"; the same mirror twice for one source adds nothing. MCO
// merges the lists (ICSP and IDMS are both digest-only, so the same mirror in both is a duplicate, the
// usual leftover of `oc adm migrate icsp`); a digest mirror and a tag mirror with the same location are
// not duplicates (ITMS adds tag resolution). IDMS/ITMS schemas already refuse a duplicate within one
// entry (x-kubernetes-list-type: set); ICSP's does not.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import { resolvesTags } from '../../kinds.js';
import { describeEntry, type Located, type MirrorEntry, type MirrorSetObject } from '../mirror-set.js';
import { DOC_UNDERSTANDING, type LintRule } from './lint-rule.js';

export const duplicateMirror: LintRule = {
  id: 'duplicate-mirror',
  codes: ['DUPLICATE_MIRROR'],
  doc: DOC_UNDERSTANDING,
  check(mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    const seen = new Map<string, { entry: MirrorEntry; mirror: Located<string> }>();
    for (const entry of mirrorSets.flatMap((set) => set.entries)) {
      const pullType = resolvesTags(entry.kind) ? 'tag' : 'digest';
      for (const mirror of entry.mirrors) {
        const key = `${pullType}\n${entry.source.value}\n${mirror.value}`;
        const first = seen.get(key);
        if (!first) {
          seen.set(key, { entry, mirror });
          continue;
        }
        const where = first.entry === entry ? `earlier in this entry (${first.mirror.field})` : `in ${describeEntry(first.entry)}`;
        diagnostics.push(diagnostic(
          'DUPLICATE_MIRROR',
          `mirror ${mirror.value} for source ${entry.source.value} is already listed ${where} at ` +
            `${first.mirror.location.file}:${first.mirror.location.line}; the second adds nothing: remove one of them`,
          mirror,
          entry.object,
        ));
      }
    }
    return diagnostics;
  },
};
