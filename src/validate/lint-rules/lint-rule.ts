// The documentation rules `lint` adds to what render reports. Each rule lives in its own file whose
// header cites the section of the OpenShift documentation it enforces.
// Rules are pure: mirror sets in, diagnostics out, no I/O.
import type { Diagnostic, DiagnosticCode } from '../../diagnostics.js';
import type { Profile } from '../../vocabulary.js';
import type { MirrorSetObject } from '../mirror-set.js';

export interface LintContext {
  profile: Profile;
}

export interface LintRule {
  /** kebab-case, the file name. */
  id: string;
  /** Every code the rule can emit. */
  codes: readonly DiagnosticCode[];
  /** The documentation section the rule enforces. */
  doc: string;
  check(mirrorSets: readonly MirrorSetObject[], context: LintContext): Diagnostic[];
}

// The sections of the product documentation (seeds 000-004 are the same chapter in English AsciiDoc,
// Chinese, Japanese and Korean; 002 is the Linux chapter).
export const DOC_WINDOWS_MIRRORS = '5.6 "Using Windows containers with a mirror registry"';
export const DOC_UNDERSTANDING = '5.6.1 "Understanding image registry repository mirroring"';
export const DOC_CONFIGURING = '5.6.2 "Configuring image registry repository mirroring"';
