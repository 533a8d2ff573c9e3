// run(inputs, options) -> { files, diagnostics }: parse -> validate -> model -> render, no I/O. An
// input is a file's text, or objects parsed elsewhere with their positions (KRM items).
// Any `error` means no file is returned, so adapters write all or nothing; every stage still runs on
// the valid part of the input, so one run reports every finding.
import { applyStrict, hasErrors, sortDiagnostics, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
import { compareStrings, type Profile } from './vocabulary.js';
import { reportTrustIgnoredByWmco } from './model/apply-trust.js';
import { buildContainerdModel } from './model/build-containerd-model.js';
import { buildWmcoModel } from './model/build-wmco-model.js';
import { parseManifests, type ManifestInput } from './parse/parse-manifests.js';
import { renderContainerdHostsToml } from './render/render-containerd.js';
import type { RenderedFile } from './render/rendered-file.js';
import { renderWmcoHostsToml } from './render/render-wmco.js';
import { lintMirrorSets } from './validate/lint-rules/index.js';
import type { MirrorSetObject } from './validate/mirror-set.js';
import { validateDocuments, type ValidationResult } from './validate/validate-documents.js';
import { acceptFindings, type AcceptRule } from './validate/accept-findings.js';


/** Codes that state something is missing from the whole input (see runWithMirrorSets). */
const ABSENCE_CODES: ReadonlySet<DiagnosticCode> = new Set<DiagnosticCode>(['TRUST_UNUSED', 'PAUSE_IMAGE_NOT_MIRRORED']);

export interface RunOptions {
  profile: Profile;
  /** Every warning becomes an error. */
  strict?: boolean;
  /** Also run the documentation rules (`lint`, src/validate/lint-rules/); render never does. */
  lint?: boolean;
  /** Warnings the settings accept, with the reason: still reported, never made errors by strict. */
  accept?: readonly AcceptRule[];
}

export interface RunResult {
  /** Sorted by path; empty whenever `diagnostics` holds an error. */
  files: RenderedFile[];
  diagnostics: Diagnostic[];
}

export function run(inputs: readonly ManifestInput[], options: RunOptions): RunResult {
  const { files, diagnostics } = runWithMirrorSets(inputs, options);
  return { files, diagnostics };
}

/**
 * The parsed objects live only in here: the validated entries keep their positions, not the parsed
 * values, so the value tree is garbage before the model is built (bench/README.md "Render scale").
 */
function parseAndValidate(inputs: readonly ManifestInput[]): { validated: ValidationResult; parseDiagnostics: Diagnostic[] } {
  const parsed = parseManifests(inputs);
  return { validated: validateDocuments(parsed.objects), parseDiagnostics: parsed.diagnostics };
}

/** run(), also returning the validated mirror sets (plan compares them between revisions). */
export function runWithMirrorSets(inputs: readonly ManifestInput[], options: RunOptions): RunResult & { mirrorSets: MirrorSetObject[] } {
  const diagnostics: Diagnostic[] = [];
  // A loop, not push(...list): spreading 100k+ findings overflows the call stack (fixtures/hostile).
  const collect = (found: readonly Diagnostic[]): void => {
    for (const d of found) diagnostics.push(d);
  };
  const { validated, parseDiagnostics } = parseAndValidate(inputs);
  collect(parseDiagnostics);
  const finish = (files: RenderedFile[]): RunResult & { mirrorSets: MirrorSetObject[] } => {
    const accepted = acceptFindings(diagnostics, options.accept ?? [], hasErrors(diagnostics) ? validated.checked : validated.mirrorSets);
    const found = sortDiagnostics(options.strict ? applyStrict(accepted) : accepted);
    return { files: hasErrors(found) ? [] : files, diagnostics: found, mirrorSets: validated.mirrorSets };
  };
  collect(validated.diagnostics);
  // All findings in one pass: when validation found errors, the later stages still check every
  // valid entry (validated.checked), and their findings are reported; nothing is rendered.
  const incomplete = hasErrors(diagnostics);
  const mirrorSets = incomplete ? validated.checked : validated.mirrorSets;
  // Findings that something is absent ("matches nothing", "nothing mirrors the pause image") are
  // only true of the whole input: with entries refused they may be false, so they wait for it.
  const collectStage = (found: readonly Diagnostic[]): void => collect(incomplete ? found.filter((d) => !ABSENCE_CODES.has(d.code)) : found);
  if (options.lint) collectStage(lintMirrorSets(mirrorSets, options.profile));
  if (!incomplete && mirrorSets.length === 0) {
    diagnostics.push({
      code: 'NO_MIRROR_SETS',
      severity: 'error',
      message: `expected at least one ImageDigestMirrorSet, ImageTagMirrorSet or ImageContentSourcePolicy in ${inputs.length} file(s), found none; rendering nothing would remove every mirror from the nodes`,
    });
    return finish([]);
  }

  let files: RenderedFile[];
  if (options.profile === 'wmco') {
    const model = buildWmcoModel(mirrorSets);
    collectStage(model.diagnostics);
    collectStage(reportTrustIgnoredByWmco(validated.trust));
    files = incomplete ? [] : model.files.map(renderWmcoHostsToml);
  } else {
    const model = buildContainerdModel(mirrorSets, validated.trust);
    collectStage(model.diagnostics);
    files = incomplete ? [] : model.files.flatMap(renderContainerdHostsToml);
  }
  return finish(files.sort((a, b) => compareStrings(a.path, b.path)));
}
