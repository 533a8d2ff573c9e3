// MCO validateRegistriesConfScopes: NeverContactSource on an entry that lists its own source as a
// mirror is refused ("cannot set mirrorSourcePolicy: NeverContactSource if the source is one of the mirrors").
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import type { MirrorSetObject } from '../mirror-set.js';

export function checkNeverContactSourceMirrorsSource(mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const entry of mirrorSets.flatMap((set) => set.entries)) {
    if (entry.policy?.value !== 'NeverContactSource') continue;
    for (const mirror of entry.mirrors) {
      if (mirror.value !== entry.source.value) continue;
      diagnostics.push(diagnostic(
        'NEVER_CONTACT_SOURCE_MIRRORS_SOURCE',
        `mirror ${mirror.value} is the source itself, which NeverContactSource forbids contacting; MCO refuses this: remove the mirror or set AllowContactingSource`,
        mirror,
        entry.object,
      ));
    }
  }
  return diagnostics;
}
