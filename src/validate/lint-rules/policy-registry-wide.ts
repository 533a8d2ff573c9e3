// Docs 5.6 "Using Windows containers with a mirror registry": "Mirroring on Windows nodes works on the
// registry level", and 5.6.2 describes NeverContactSource as preventing "continued attempts to pull
// images from the source repository". On containerd the policy is therefore registry-wide: with
// NeverContactSource, hosts.toml makes the first mirror the `server`, and no image of the registry is
// pulled from the source, not only the namespace or repository written in the entry. WMCO does the same
// and the wmco profile reports it as WMCO_POLICY_REGISTRY_WIDE, so this rule speaks for the containerd profile.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import type { MirrorSetObject } from '../mirror-set.js';
import { DOC_WINDOWS_MIRRORS, type LintContext, type LintRule } from './lint-rule.js';
import { writtenMirrors } from './repository-path.js';
import { splitLocation } from '../locations.js';

export const policyRegistryWide: LintRule = {
  id: 'policy-registry-wide',
  codes: ['POLICY_REGISTRY_WIDE'],
  doc: DOC_WINDOWS_MIRRORS,
  check(mirrorSets: readonly MirrorSetObject[], context: LintContext): Diagnostic[] {
    if (context.profile === 'wmco') return [];
    const diagnostics: Diagnostic[] = [];
    for (const entry of mirrorSets.flatMap((set) => set.entries)) {
      if (entry.policy?.value !== 'NeverContactSource') continue;
      const source = splitLocation(entry.source.value);
      if (source.path === '' || writtenMirrors(entry, context.profile).length === 0) continue;
      diagnostics.push(diagnostic(
        'POLICY_REGISTRY_WIDE',
        `NeverContactSource applies to the whole registry on containerd: no image of ${source.host} is pulled from ${source.host}, ` +
          `not only ${entry.source.value}, and images the mirrors do not hold fail to pull; mirror every image of ${source.host} you pull, ` +
          `or use AllowContactingSource`,
        entry.policy,
        entry.object,
      ));
    }
    return diagnostics;
  },
};
