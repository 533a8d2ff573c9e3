// ResourceList items -> the pipeline's input, parsed once: each item becomes the objects of a file
// with positions taken from the nodes read off standard input, so findings name the user's file and
// document as kpt and kustomize show them, without writing the items out and reading them again.
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import { isPlainObject, manifestObject, objectsOf, type ManifestObject, type ParsedFile } from '../parse/parse-manifests.js';
import type { InputItem } from './resource-list.js';

export interface ItemFiles {
  /** One per file: kpt's path annotation, or `Kind/name` for an item without one (kustomize). */
  files: ParsedFile[];
  /** Paths of `files`: their positions are lines of standard input, not of the file, so they are not shown. */
  paths: ReadonlySet<string>;
  /** The item a finding is about, by its file and document index. */
  itemAt(location: SourceLocation | undefined): InputItem | undefined;
}

/**
 * The items of one file in document order; an item's document index is kpt's index annotation, else
 * its place among the items of the same name (kustomize sends no index).
 */
export function itemFiles(items: readonly InputItem[]): ItemFiles {
  const groups = new Map<string, InputItem[]>();
  for (const item of items) {
    const file = item.path ?? `${String(item.value['kind'])}/${nameOf(item)}`;
    const group = groups.get(file) ?? [];
    group.push(item);
    groups.set(file, group);
  }
  const files: ParsedFile[] = [];
  const byDocument = new Map<string, InputItem>();
  for (const [file, group] of groups) {
    group.sort((a, b) => (a.fileIndex ?? 0) - (b.fileIndex ?? 0) || a.position - b.position);
    const objects: ManifestObject[] = [];
    group.forEach((item, place) => {
      const documentIndex = item.fileIndex ?? place;
      if (!byDocument.has(`${file}\n${documentIndex}`)) byDocument.set(`${file}\n${documentIndex}`, item);
      for (const object of objectsOf(file, item.value, documentIndex, (path, wantKey) => ({ file, ...item.locate(path, wantKey) }))) objects.push(object);
    });
    files.push({ path: file, objects });
  }
  return {
    files,
    paths: new Set(groups.keys()),
    itemAt: (location) => (location ? byDocument.get(`${location.file}\n${location.documentIndex ?? 0}`) : undefined),
  };
}

/** An item read as one object whatever it holds (the functionConfig), its findings placed in `file`. */
export function itemObject(item: InputItem, file: string): ManifestObject {
  return manifestObject(file, item.fileIndex ?? 0, item.value, (path, wantKey) => ({ file, ...item.locate(path, wantKey) }));
}

/** kpt shows a result as `[severity] apiVersion/Kind/name field: message`: a finding about an item names it. */
export function namedAfterItem(d: Diagnostic, item: InputItem | undefined): Diagnostic {
  if (d.object || !item) return d;
  const object = { apiVersion: String(item.value['apiVersion'] ?? ''), kind: String(item.value['kind'] ?? ''), name: nameOf(item) };
  const metadata = item.value['metadata'];
  const namespace = isPlainObject(metadata) ? metadata['namespace'] : undefined;
  return { ...d, object: typeof namespace === 'string' ? { ...object, namespace } : object };
}

function nameOf(item: InputItem): string {
  const metadata = item.value['metadata'];
  const name = isPlainObject(metadata) ? metadata['name'] : undefined;
  return typeof name === 'string' ? name : `items[${item.position}]`;
}
