// The documentation rules of `lint`, one per file (each header cites the doc section it enforces),
// and the catalogue of every documented rule with the codes that enforce it under each profile. Several
// are enforced by what render already reports (schema, MCO, profile models); lint adds the rest and
// never reports the same finding twice: a rule that a profile's model already covers is silent there.
import type { Diagnostic, DiagnosticCode } from '../../diagnostics.js';
import type { MirrorSetObject } from '../mirror-set.js';
import type { Profile } from '../../vocabulary.js';
import { duplicateMirror } from './duplicate-mirror.js';
import { icspDeprecated } from './icsp-deprecated.js';
import { itmsRegistryWide } from './itms-registry-wide.js';
import { DOC_CONFIGURING, DOC_UNDERSTANDING, DOC_WINDOWS_MIRRORS, type LintRule } from './lint-rule.js';
import { mirrorIsSource } from './mirror-is-source.js';
import { pauseImage } from './pause-image.js';
import { policyRegistryWide } from './policy-registry-wide.js';

export type { LintRule } from './lint-rule.js';

export const LINT_RULES: readonly LintRule[] = [
  itmsRegistryWide,
  pauseImage,
  icspDeprecated,
  mirrorIsSource,
  duplicateMirror,
  policyRegistryWide,
];

/** Runs every lint rule; the pipeline adds the result to render's diagnostics when `lint` is set. */
export function lintMirrorSets(mirrorSets: readonly MirrorSetObject[], profile: Profile): Diagnostic[] {
  return LINT_RULES.flatMap((rule) => rule.check(mirrorSets, { profile }));
}

export interface DocumentedRule {
  rule: string;
  /** Where the rule is stated. */
  doc: string;
  /** The codes that report a breach, per profile. */
  codes: Readonly<Record<Profile, readonly DiagnosticCode[]>>;
}

/** What `lint` checks, for the docs table (docs/git-workflows.md is tested against it). */
export const DOCUMENTED_RULES: readonly DocumentedRule[] = [
  {
    rule: "Windows naming requirement: a mirror ends with the source's whole namespace/image path; containerd cannot express a repository rename",
    doc: DOC_WINDOWS_MIRRORS,
    codes: { containerd: ['MIRROR_RENAMES_REPOSITORY'], wmco: ['WMCO_NAMING_REQUIREMENT'] },
  },
  {
    rule: 'ITMS mirrors apply to the whole registry; prefer IDMS with digests',
    doc: DOC_WINDOWS_MIRRORS,
    codes: { containerd: ['ITMS_REGISTRY_WIDE', 'SCOPE_BROADENED'], wmco: ['ITMS_REGISTRY_WIDE', 'WMCO_REGISTRY_WIDE'] },
  },
  {
    rule: 'mcr.microsoft.com/oss/kubernetes/pause must be mirrored when mcr.microsoft.com is',
    doc: DOC_CONFIGURING,
    codes: { containerd: ['PAUSE_IMAGE_NOT_MIRRORED'], wmco: ['PAUSE_IMAGE_NOT_MIRRORED'] },
  },
  {
    rule: 'ImageContentSourcePolicy is deprecated and ignored by WMCO: `oc adm migrate icsp`',
    doc: DOC_UNDERSTANDING,
    codes: { containerd: ['ICSP_DEPRECATED'], wmco: ['WMCO_ICSP_IGNORED'] },
  },
  {
    rule: 'a mirror equal to its source',
    doc: DOC_UNDERSTANDING,
    codes: {
      containerd: ['MIRROR_IS_SOURCE', 'SOURCE_LISTED_AS_MIRROR', 'NEVER_CONTACT_SOURCE_MIRRORS_SOURCE'],
      wmco: ['MIRROR_IS_SOURCE', 'SOURCE_LISTED_AS_MIRROR', 'NEVER_CONTACT_SOURCE_MIRRORS_SOURCE'],
    },
  },
  {
    rule: 'duplicate mirrors',
    doc: DOC_UNDERSTANDING,
    codes: { containerd: ['DUPLICATE_MIRROR'], wmco: ['DUPLICATE_MIRROR', 'WMCO_DUPLICATE_TABLE'] },
  },
  {
    rule: 'conflicting mirrorSourcePolicy values',
    doc: `${DOC_CONFIGURING} (mirrorSourcePolicy), as MCO validateRegistriesConfScopes enforces it`,
    codes: {
      containerd: ['POLICY_CONFLICT', 'REGISTRY_POLICY_CONFLICT'],
      wmco: ['POLICY_CONFLICT', 'WMCO_POLICY_ORDER_DEPENDENT', 'WMCO_NEVER_CONTACT_SOURCE_LOST'],
    },
  },
  {
    rule: 'NeverContactSource on a namespace or repository applies to the whole registry',
    doc: DOC_WINDOWS_MIRRORS,
    codes: { containerd: ['POLICY_REGISTRY_WIDE'], wmco: ['WMCO_POLICY_REGISTRY_WIDE'] },
  },
  {
    rule: 'wildcard sources (*.example.com) have no containerd equivalent',
    doc: `${DOC_WINDOWS_MIRRORS} (mirrors are looked up per registry host; docs/design/containerd.md "Directory names")`,
    codes: { containerd: ['WILDCARD_SOURCE_SKIPPED'], wmco: ['WMCO_WINDOWS_ILLEGAL_DIRECTORY'] },
  },
];
