// Rules beyond the CRD schema, one per file, each citing what it enforces (arethetypeswrong
// packages/core/src/internal/checks/index.ts). They run only on schema-valid objects.
import type { Diagnostic } from '../../diagnostics.js';
import type { MirrorSetObject } from '../mirror-set.js';
import { checkNeverContactSourceMirrorsSource } from './never-contact-source-mirrors-source.js';
import { checkNodeDirectoryNames } from './node-directory-names.js';
import { checkPolicyConflict } from './policy-conflict.js';
import { checkRegistryHostLength } from './registry-host-length.js';

export type Rule = (mirrorSets: readonly MirrorSetObject[]) => Diagnostic[];

export const rules: readonly Rule[] = [checkRegistryHostLength, checkNodeDirectoryNames, checkPolicyConflict, checkNeverContactSourceMirrorsSource];

export function runRules(mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
  return rules.flatMap((rule) => rule(mirrorSets));
}
