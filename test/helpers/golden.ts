// Golden files are plain files people read in review (kpt-functions-sdk go/fn/testhelpers/golden.go):
// UPDATE_GOLDEN=1 rewrites what differs and still fails, so nothing is regenerated silently.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const updating = process.env['UPDATE_GOLDEN'] === '1';
if (updating && process.env['CI'] === 'true') throw new Error('UPDATE_GOLDEN=1 is refused under CI=true');

/** Placeholder that lets Git keep an expected tree that is empty. */
export const EMPTY_TREE_MARKER = '.gitkeep';

export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const relative = sub ? `${sub}/${name}` : name;
      if (statSync(path.join(dir, relative)).isDirectory()) walk(relative);
      else if (relative !== EMPTY_TREE_MARKER) files.set(relative, readFileSync(path.join(dir, relative), 'utf8'));
    }
  };
  walk('');
  return files;
}

export function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (files.size === 0) writeFileSync(path.join(dir, EMPTY_TREE_MARKER), '');
  for (const [relative, content] of files) {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), content);
  }
}
