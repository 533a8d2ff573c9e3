// The inputs a MirrorSetHosts config names (spec.inputs) and the PATH arguments of `build`, read from
// the file system for the application layer (src/app/generate-manifests.ts), which says what a
// problem means for the config; this module only finds and reads the files.
// Synchronous where it can be: node:fs/promises loads streams and readline at start-up (bench/README.md).
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import type { SourceFile } from '../parse/parse-manifests.js';
import { UsageError } from '../errors.js';
import { displayPath, exclusion, isOutside, readInputs, readManifestDirectory, type Exclusion, type ReadInputsResult } from './files.js';

/** A spec.inputs entry that could not be used: `index` is its place in spec.inputs. */
export interface InputProblem {
  index: number;
  code: 'INPUT_OUTSIDE_ROOT' | 'READ_FAILED';
  message: string;
}

export interface ConfigInputsResult extends ReadInputsResult {
  problems: InputProblem[];
}

/** The file-system reader the application layer is handed: paths shown relative to `cwd`. */
export function fileInputReader(context: { cwd: string; readStdin(maxBytes: number): Promise<string>; exclude?: readonly Exclusion[] }) {
  return {
    readPaths: (paths: readonly string[]): Promise<ReadInputsResult> => readInputs(paths, context),
    // spec.exclude is relative to the config's directory, as spec.inputs are; --exclude adds to it.
    readConfigInputs: (inputs: readonly string[], baseDir: string, allowOutsideRoot: boolean, patterns: readonly string[] = []): Promise<ConfigInputsResult> =>
      readConfigInputs(inputs, {
        cwd: context.cwd,
        readStdin: context.readStdin,
        baseDir,
        allowOutsideRoot,
        exclude: [...(context.exclude ?? []), ...(patterns.length > 0 ? [exclusion(path.resolve(baseDir), patterns)] : [])],
      }),
  };
}

/**
 * spec.inputs, each relative to baseDir. Like kustomize's default load restrictor
 * (LoadRestrictionsRootOnly), an input that leads outside baseDir (`..`, an absolute path, a
 * symbolic link pointing out) is refused unless allowOutsideRoot: an exec function does its own
 * I/O, so kustomize's restrictor does not protect a repository server here.
 */
async function readConfigInputs(
  inputs: readonly string[],
  context: { cwd: string; baseDir: string; allowOutsideRoot: boolean; exclude: readonly Exclusion[]; readStdin(maxBytes: number): Promise<string> },
): Promise<ConfigInputsResult> {
  const { cwd, baseDir } = context;
  const exclude = context.exclude.length > 0 ? context.exclude : undefined;
  const diagnostics: Diagnostic[] = [];
  const problems: InputProblem[] = [];
  const files = new Map<string, SourceFile>();
  const shownBase = displayPath(cwd, baseDir) || '.';
  const root = tryFs(() => realpathSync(baseDir)) ?? path.resolve(baseDir);
  for (const [index, input] of inputs.entries()) {
    const absolute = path.resolve(baseDir, input);
    if (!context.allowOutsideRoot) {
      // Lexically, and once symbolic links are resolved (a link pointing out counts as outside).
      const real = tryFs(() => realpathSync(absolute));
      if (isOutside(path.resolve(baseDir), absolute) || (real !== undefined && isOutside(root, real))) {
        problems.push({
          index,
          code: 'INPUT_OUTSIDE_ROOT',
          message: `expected a path inside ${shownBase} (the directory of the config), found ${JSON.stringify(input)}, which leads outside it; move the mirror sets below the config or set spec.allowOutsideRoot: true`,
        });
        continue;
      }
    }
    // The files found in a directory or by a glob are held to the same root: a symbolic link among
    // them that leads out is refused (INPUT_OUTSIDE_ROOT), not read.
    const linkRoot = context.allowOutsideRoot ? undefined : root;
    if (tryFs(() => statSync(absolute))?.isDirectory()) {
      const read = readManifestDirectory(absolute, cwd, linkRoot, exclude);
      for (const file of read.files) files.set(file.path, file);
      for (const d of read.diagnostics) diagnostics.push(d);
      continue;
    }
    try {
      const read = await readInputs([input], { cwd: baseDir, readStdin: context.readStdin, ...(linkRoot ? { root: linkRoot } : {}), ...(exclude ? { exclude } : {}) });
      for (const file of read.files) {
        const shown = displayPath(cwd, path.resolve(baseDir, file.path));
        files.set(shown, { ...file, path: shown });
      }
      for (const d of read.diagnostics) {
        diagnostics.push(d.location ? { ...d, location: { ...d.location, file: displayPath(cwd, path.resolve(baseDir, d.location.file)) } } : d);
      }
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      problems.push({ index, code: 'READ_FAILED', message: `${err.message} (resolved against ${shownBase}, the directory of the config); fix the path in spec.inputs` });
    }
  }
  const sorted = [...files.keys()].sort().map((key) => files.get(key) as SourceFile);
  return { files: sorted, diagnostics, problems };
}

function tryFs<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch {
    return undefined;
  }
}
