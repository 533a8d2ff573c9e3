// Writing an output tree (`render --out`, `build --out`): all or nothing, and only where the tool may.
import { promises as fsp, rmSync, type Dirent } from 'node:fs';
import path from 'node:path';
import type { RenderedFile } from '../render/rendered-file.js';
import { UsageError } from '../adapters/cli-io.js';
import { describeFsError, displayPath, MANIFEST_NAME } from './files.js';

/**
 * Replacing a directory deletes everything in it. A previous output holds only the kinds of file the
 * new tree holds (hosts.toml and CA files for render); a manifest (`*.yaml`, `*.yml`, `*.json`) of a
 * kind the new tree does not write means the directory is not an output but most likely the input
 * (`render --out . .`, `--out repo repo`), which the rename would delete. Returns the first one found.
 */
async function findForeignManifest(target: string, files: readonly RenderedFile[]): Promise<string | undefined> {
  const written = new Set(files.map((f) => MANIFEST_NAME.exec(f.path)?.[0]));
  const pending = [target];
  for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
    const entries = await fsp.readdir(directory, { withFileTypes: true }).catch(() => [] as Dirent[]);
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (MANIFEST_NAME.test(entry.name) && !written.has(MANIFEST_NAME.exec(entry.name)?.[0])) return full;
    }
  }
  return undefined;
}

/** A relative output path that cannot leave the output directory. */
export function isSafeRelativePath(relative: string): boolean {
  if (relative === '' || relative.includes('\0') || relative.includes('\\') || relative.startsWith('/')) return false;
  return relative.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

/**
 * Writes exactly `files` as the tree `outDir`, all or nothing: everything goes to a sibling temp
 * directory first, which then replaces `outDir` by rename, so a failure leaves the previous output
 * as it was. Nothing outside `outDir` remains afterwards.
 */
export async function writeTreeAtomically(outDir: string, files: readonly RenderedFile[], shownAs = outDir): Promise<void> {
  for (const file of files) {
    if (!isSafeRelativePath(file.path)) throw new Error(`bug: refusing to write ${JSON.stringify(file.path)} outside the output directory`);
  }
  const target = path.resolve(outDir);
  const existing = await fsp.lstat(target).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new UsageError(`--out ${shownAs} exists and is not a directory; name a directory (it is replaced as a whole)`);
  }
  if (existing) {
    const foreign = path.dirname(target) === target ? target : await findForeignManifest(target, files);
    if (foreign !== undefined) {
      throw new UsageError(
        `--out ${shownAs} holds ${displayPath(target, foreign) || foreign}, which is not an output of mirrorset-hosts; the output directory is ` +
          `replaced as a whole, so that would delete it (is --out the input directory, or one that contains it?): name a new directory, or one that holds only a previous output`,
      );
    }
  }
  const parent = path.dirname(target);
  const base = path.basename(target);
  const temp = path.join(parent, `.${base}.mirrorset-hosts-tmp-${process.pid}`);
  const old = path.join(parent, `.${base}.mirrorset-hosts-old-${process.pid}`);
  try {
    await fsp.mkdir(parent, { recursive: true });
    await fsp.rm(temp, { recursive: true, force: true });
    await fsp.mkdir(temp, { mode: 0o755 });
    // Sixteen writes in flight: on a slow disk each mkdir and create waits on the journal, and
    // overlapping them cut the write of a 500-registry tree by a third (bench/render.mjs).
    const made = new Map<string, Promise<unknown>>();
    const queue = [...files];
    const writeOne = async (file: RenderedFile): Promise<void> => {
      const destination = path.join(temp, ...file.path.split('/'));
      const dir = path.dirname(destination);
      let dirReady = made.get(dir);
      // Registry directories sit right under the temp root: a plain mkdir, no recursive walk.
      if (!dirReady) made.set(dir, (dirReady = fsp.mkdir(dir, { recursive: path.dirname(dir) !== temp, mode: 0o755 })));
      await dirReady;
      await fsp.writeFile(destination, file.content, { mode: 0o644, flag: 'wx' }); // create, never overwrite
    };
    // On a failure every writer stops taking files, and all of them settle before the temp tree is
    // removed, so none can write into it afterwards.
    let failed = false;
    const settled = await Promise.allSettled(
      Array.from({ length: Math.min(16, queue.length) }, async () => {
        for (let file = queue.shift(); file && !failed; file = queue.shift()) {
          try {
            await writeOne(file);
          } catch (err) {
            failed = true;
            throw err;
          }
        }
      }),
    );
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    if (existing) {
      await fsp.rename(target, old);
      try {
        await fsp.rename(temp, target);
      } catch (err) {
        await fsp.rename(old, target);
        throw err;
      }
    } else {
      await fsp.rename(temp, target);
    }
  } catch (err) {
    await fsp.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot write ${shownAs}: ${describeFsError(err as NodeJS.ErrnoException)}; the previous contents are unchanged`);
  }
  // The new tree is in place; the old one may not go away (files of another user): say so, truthfully.
  if (existing) {
    try {
      rmSync(old, { recursive: true, force: true });
    } catch (err) {
      throw new UsageError(`wrote ${shownAs}, but cannot remove its previous contents, moved to ${old}: ${describeFsError(err as NodeJS.ErrnoException)}; remove that directory`);
    }
  }
}
