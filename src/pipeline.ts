// run(inputs, options) -> { files, diagnostics }: parse -> validate -> model -> render, no I/O.
// Any `error` stops the pipeline and no file is returned, so adapters write all or nothing.
import { applyStrict, compareStrings, hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import { reportTrustIgnoredByWmco } from './model/apply-trust.js';
import { buildContainerdModel } from './model/build-containerd-model.js';
import { buildWmcoModel } from './model/build-wmco-model.js';
import { parseManifests, type SourceFile } from './parse/parse-manifests.js';
import { renderContainerdHostsToml } from './render/render-containerd.js';
import type { RenderedFile } from './render/rendered-file.js';
import { renderWmcoHostsToml } from './render/render-wmco.js';
import { lintMirrorSets } from './validate/lint-rules/index.js';
import type { MirrorSetObject } from './validate/mirror-set.js';
import { validateDocuments } from './validate/validate-documents.js';

export type Profile = 'containerd' | 'wmco';
export const PROFILES: readonly Profile[] = ['containerd', 'wmco'];

export interface RunOptions {
  profile: Profile;
  /** Every warning becomes an error. */
  strict?: boolean;
  /** Also run the documentation rules (`lint`, src/validate/lint-rules/); render never does. */
  lint?: boolean;
}

export interface RunResult {
  /** Sorted by path; empty whenever `diagnostics` holds an error. */
  files: RenderedFile[];
  diagnostics: Diagnostic[];
}

export function run(inputs: readonly SourceFile[], options: RunOptions): RunResult {
  const { files, diagnostics } = runWithMirrorSets(inputs, options);
  return { files, diagnostics };
}

/** run(), also returning the validated mirror sets (plan compares them between revisions). */
export function runWithMirrorSets(inputs: readonly SourceFile[], options: RunOptions): RunResult & { mirrorSets: MirrorSetObject[] } {
  const diagnostics: Diagnostic[] = [];
  // A loop, not push(...list): spreading 100k+ findings overflows the call stack (fixtures/hostile).
  const collect = (found: readonly Diagnostic[]): void => {
    for (const d of found) diagnostics.push(d);
  };
  const parsed = parseManifests(inputs);
  collect(parsed.diagnostics);
  const validated = validateDocuments(parsed.objects);
  const finish = (files: RenderedFile[]): RunResult & { mirrorSets: MirrorSetObject[] } => {
    const found = sortDiagnostics(options.strict ? applyStrict(diagnostics) : diagnostics);
    return { files: hasErrors(found) ? [] : files, diagnostics: found, mirrorSets: validated.mirrorSets };
  };
  collect(validated.diagnostics);
  if (options.lint) collect(lintMirrorSets(validated.mirrorSets, options.profile));
  if (hasErrors(diagnostics)) return finish([]);
  if (validated.mirrorSets.length === 0) {
    diagnostics.push({
      code: 'NO_MIRROR_SETS',
      severity: 'error',
      message: `expected at least one ImageDigestMirrorSet, ImageTagMirrorSet or ImageContentSourcePolicy in ${inputs.length} file(s), found none; rendering nothing would remove every mirror from the nodes`,
    });
    return finish([]);
  }

  let files: RenderedFile[];
  if (options.profile === 'wmco') {
    const model = buildWmcoModel(validated.mirrorSets);
    collect(model.diagnostics);
    collect(reportTrustIgnoredByWmco(validated.trust));
    files = model.files.map(renderWmcoHostsToml);
  } else {
    const model = buildContainerdModel(validated.mirrorSets, validated.trust);
    collect(model.diagnostics);
    files = model.files.flatMap(renderContainerdHostsToml);
  }
  return finish(files.sort((a, b) => compareStrings(a.path, b.path)));
}
