// MCO pkg/controller/container-runtime-config/helpers.go validateRegistriesConfScopes: the same
// exact source may not have different mirrorSourcePolicy values across IDMS, ITMS and ICSP
// entries, in one object or several, with or without mirrors; unset counts as AllowContactingSource.
// MCO refuses the whole registries config (the pool degrades), so this is an error for both profiles.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import { describeEntry, effectivePolicy, type MirrorEntry, type MirrorSetObject } from '../mirror-set.js';

export function checkPolicyConflict(mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const firstBySource = new Map<string, MirrorEntry>();
  for (const entry of mirrorSets.flatMap((set) => set.entries)) {
    const first = firstBySource.get(entry.source.value);
    if (!first) {
      firstBySource.set(entry.source.value, entry);
      continue;
    }
    if (effectivePolicy(first) === effectivePolicy(entry)) continue;
    const at = entry.policy ?? entry.source;
    diagnostics.push(diagnostic(
      'POLICY_CONFLICT',
      `source ${entry.source.value} has mirrorSourcePolicy ${describePolicy(entry)} here but ${describePolicy(first)} in ` +
        `${describeEntry(first)} (${first.location.file}:${first.location.line}); MCO refuses conflicting policies for one source: use the same policy in both`,
      at,
      entry.object,
    ));
  }
  return diagnostics;
}

function describePolicy(entry: MirrorEntry): string {
  return entry.policy ? entry.policy.value : 'unset (AllowContactingSource)';
}
