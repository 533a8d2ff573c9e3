// `mirrorset-hosts lint [PATH...]`: render's findings (schema, MCO, profile) plus the rules the product
// documentation states (src/validate/lint-rules/), in the format the reader needs. Writes nothing.
import { exitCodeFor } from '../diagnostics.js';
import { readInputs } from '../io/files.js';
import { run } from '../pipeline.js';
import { type CliIo } from '../io/cli-io.js';
import { commandSettings } from './command-config.js';
import { diagnosticFormatOf } from './formats/index.js';
import { COMMON_OPTIONS, CONFIG_OPTION_HELP, parseCommandArgs } from './options.js';
import { printFindings } from './print-findings.js';

export const LINT_HELP = `Usage: mirrorset-hosts lint [--profile containerd|wmco] [--strict] [--format FORMAT] [--config FILE] [PATH...]

Reports, with file:line:column, what the API server and MCO would reject, what the profile reports,
and the rules of the OpenShift documentation: the Windows naming requirement, the ITMS registry-wide
pitfall, the pause image, ICSP deprecation, a mirror equal to its source, duplicate mirrors,
conflicting or registry-wide policies, renames and wildcard sources.

  --format text         gcc-style lines on stderr (default)
  --format json         one JSON document on stdout
  --format github       GitHub Actions annotations on stdout
  --format sarif        SARIF 2.1.0 for GitHub code scanning on stdout
${CONFIG_OPTION_HELP}

Exit codes: 0 no error (warnings allowed), 1 an error (or a warning with --strict), 2 usage error.
`;

export async function runLint(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...COMMON_OPTIONS,
    format: { type: 'string', short: 'f' },
    config: { type: 'string' },
  });
  if (values.help) {
    io.stdout(LINT_HELP);
    return 0;
  }
  const format = diagnosticFormatOf(values.format);
  const { paths, profile, strict, accept, readContext } = await commandSettings('lint', values, positionals, io);
  const inputs = await readInputs(paths, readContext);
  const result = run(inputs.files, { profile, strict, accept, lint: true });
  return exitCodeFor(printFindings(io, [...inputs.diagnostics, ...result.diagnostics], { format }));
}
