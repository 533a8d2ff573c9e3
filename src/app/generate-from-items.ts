// The items an orchestrator hands in (a KRM ResourceList, a kustomize exec plugin's stream) -> the
// bundle: what a previous run of the same config generated is dropped (it is replaced, never
// duplicated), the rest is rendered as parsed, and each finding about an item names it.
import type { Diagnostic } from '../diagnostics.js';
import { isMirrorSetKind } from '../kinds.js';
import { itemFiles, namedAfterItem } from '../krm/item-files.js';
import { isOwnedBy, type InputItem } from '../krm/resource-list.js';
import type { MirrorSetHostsConfig } from '../validate/function-config.js';
import { compileExcludes } from '../parse/exclude-patterns.js';
import { configRef, generateManifests, type GenerateResult, type InputReader } from './generate-manifests.js';

export interface ItemsResult extends GenerateResult {
  /** The items passed through: all but those a previous run of this config generated. */
  kept: InputItem[];
  /** Files the findings about items are placed in; their lines are standard input's, not the file's. */
  itemPaths: ReadonlySet<string>;
}

export async function generateFromItems(config: MirrorSetHostsConfig, items: readonly InputItem[], baseDir: string, reader: InputReader): Promise<ItemsResult> {
  const kept = items.filter((item) => !isOwnedBy(item, config.name));
  // spec.exclude holds for items by their path annotation (relative to the package or kustomization
  // root): an excluded item is passed through as it came, never read as a mirror set.
  const excluded = compileExcludes(config.exclude ?? []);
  const files = itemFiles(kept.filter((item) => item.path === undefined || !excluded(item.path)));
  const diagnostics: Diagnostic[] = [];
  if (config.inputs && kept.some((item) => isMirrorSetKind(String(item.value['kind'])))) {
    diagnostics.push({
      code: 'MIRROR_SET_ITEMS_IGNORED',
      severity: 'info',
      message: 'spec.inputs is set, so the mirror sets among the items are passed through unread; remove spec.inputs to render them instead',
      field: 'spec.inputs',
      object: configRef(config),
    });
  }
  const result = await generateManifests({ config, baseDir, items: files.files, reader });
  for (const d of result.diagnostics) diagnostics.push(namedAfterItem(d, files.itemAt(d.location)));
  return { ...result, diagnostics, kept, itemPaths: files.paths };
}
