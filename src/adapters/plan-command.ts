// `mirrorset-hosts plan --base REV [--head REV] [PATH...]`: the mirror sets at two revisions, read from
// Git objects (no checkout, so it works in a dirty tree; without --head the working tree is the head),
// rendered with the profile, compared per registry, with what the change does to the nodes.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { readInputs } from '../io/files.js';
import { readInputsAtRevision, repositoryRoot, resolveCommit } from '../io/git.js';
import type { SourceFile } from '../parse/parse-manifests.js';
import { runWithMirrorSets, type RunOptions } from '../pipeline.js';
import { buildPlan, type PlanSide } from '../plan/build-plan.js';
import { type CliIo } from '../io/cli-io.js';
import { UsageError } from '../errors.js';
import { commandSettings, type CommandSettings } from './command-config.js';
import { formatPlanJson, formatPlanMarkdown, formatPlanText, PLAN_FORMATS, type PlanContext } from './formats/plan.js';
import { CONFIG_OPTION_HELP, enumOption, parseCommandArgs } from './options.js';
import { printFindings } from './print-findings.js';

export const PLAN_HELP = `Usage: mirrorset-hosts plan --base REV [--head REV] [--profile containerd|wmco] [--format text|markdown|json] [--config FILE] [PATH...]

Reads the mirror sets under PATH... at two revisions straight from Git (no checkout; works in a dirty
tree), renders both, and prints per registry what changes in hosts.toml (added, removed, changed, with
a diff) and what that does to the nodes: containerd nodes (files change, nothing restarts) and Linux
nodes under OpenShift's MCO (the drain and reboot table of the documentation).

  --base REV            the revision the change starts from (a branch, tag, commit, origin/main, HEAD~1)
  --head REV            the revision it ends at (default: the working tree, including uncommitted changes)
  --format FORMAT       text (default), markdown (a pull-request comment) or json
${CONFIG_OPTION_HELP};
                        plan reads profile and inputs

Exit codes: 0 plan printed, 1 the mirror sets at the head do not render, 2 usage error. A base that
does not render still gives a plan: every file the head renders, in full, marked as such.
`;

interface RenderedSide extends PlanSide {
  diagnostics: Diagnostic[];
}

export async function runPlan(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    profile: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    base: { type: 'string' },
    head: { type: 'string' },
    format: { type: 'string', short: 'f' },
    config: { type: 'string' },
  });
  if (values.help) {
    io.stdout(PLAN_HELP);
    return 0;
  }
  const format = enumOption('format', values.format, PLAN_FORMATS, 'text');
  if (!values.base) throw new UsageError('plan needs --base REV, the revision to compare with');
  const { paths, profile, accept, readContext } = await commandSettings('plan', values, positionals, io);
  const glob = paths.find((p) => /[*?[\]{}]/.test(p));
  if (glob) throw new UsageError(`plan reads files at a Git revision and takes files and directories, not the pattern ${glob}`);

  const root = await repositoryRoot(io.cwd);
  const baseCommit = await resolveCommit(root, values.base);
  const headCommit = values.head === undefined ? undefined : await resolveCommit(root, values.head);
  const baseInputs = await readInputsAtRevision(root, baseCommit, paths, io.cwd, readContext.exclude);
  const headInputs: WorkTreeInputs = headCommit
    ? await readInputsAtRevision(root, headCommit, paths, io.cwd, readContext.exclude)
    : await readWorkTree(paths, readContext);
  const nowhere = paths.filter((p) => baseInputs.missing.includes(p) && headInputs.missing.includes(p));
  if (nowhere.length > 0) {
    throw new UsageError(`${nowhere.join(', ')}: nothing at ${values.base} nor in ${values.head ?? 'the working tree'}; name the files or directories that hold the mirror sets`);
  }

  const context: PlanContext = {
    base: { revision: values.base, commit: baseCommit },
    head: values.head === undefined ? {} : { revision: values.head, commit: headCommit as string },
    diagnostics: [],
  };
  const base = renderSide(baseInputs.files, { profile, accept }, baseInputs.diagnostics);
  const head = renderSide(headInputs.files, { profile, accept }, headInputs.diagnostics);
  if (hasErrors(head.diagnostics)) {
    printFindings(io, head.diagnostics);
    const name = values.head === undefined ? 'the working tree' : `--head ${values.head}`;
    io.stderr(`mirrorset-hosts: the mirror sets at ${name} do not render, so there is no plan; fix the errors above\n`);
    return 1;
  }
  // A base that does not render is what a change repairing main starts from: its plan still shows what
  // the head renders, marked as such, and its errors are the base's, not this change's.
  // Sorted as printed elsewhere, so "the first" is the one a reader of `render` output sees first.
  const baseErrors = sortDiagnostics(base.diagnostics.filter((d) => d.severity === 'error'));
  if (baseErrors.length > 0) {
    context.base.errors = baseErrors.length;
    io.stderr(
      `mirrorset-hosts: the mirror sets at --base ${values.base} do not render (${baseErrors.length} error(s), the first: ` +
        `${formatDiagnostic(baseErrors[0] as Diagnostic)}); the plan shows what the head renders, in full\n`,
    );
  }
  context.diagnostics = printFindings(io, head.diagnostics);

  const plan = buildPlan(baseErrors.length > 0 ? undefined : base, head, profile);
  const render = format === 'markdown' ? formatPlanMarkdown : format === 'json' ? formatPlanJson : formatPlanText;
  io.stdout(render(plan, context));
  return 0;
}

interface WorkTreeInputs {
  files: SourceFile[];
  missing: string[];
  /** Files that could not be read (READ_FAILED). */
  diagnostics: Diagnostic[];
}

/** The work tree as the head: PATHs that do not exist there (deleted by the change) hold nothing. */
async function readWorkTree(paths: readonly string[], io: CommandSettings['readContext']): Promise<WorkTreeInputs> {
  const present: string[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    const info = await lstat(path.resolve(io.cwd, p)).catch(() => undefined);
    (info ? present : missing).push(p);
  }
  if (present.length === 0) return { files: [], missing, diagnostics: [] };
  const inputs = await readInputs(present, io);
  return { files: inputs.files, missing, diagnostics: inputs.diagnostics };
}

/** Render one revision; no mirror set at all is an empty side (the change adds or removes them all). */
function renderSide(files: readonly SourceFile[], options: RunOptions, readDiagnostics: readonly Diagnostic[] = []): RenderedSide {
  const result = runWithMirrorSets(files, options);
  const diagnostics = [...readDiagnostics, ...result.diagnostics.filter((d) => d.code !== 'NO_MIRROR_SETS')];
  return { files: result.files, mirrorSets: result.mirrorSets, diagnostics };
}
