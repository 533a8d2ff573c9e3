// `mirrorset-hosts lint PATH...`: diagnostics only, same exit codes as render.
import { exitCodeFor } from '../diagnostics.js';
import { readInputs } from '../io/files.js';
import { run } from '../pipeline.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './cli-io.js';
import { COMMON_OPTIONS, HELP, parseCommandArgs, profileOf, reportDiagnostics } from './cli.js';

export async function runLint(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, COMMON_OPTIONS);
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('lint needs at least one PATH');
  const inputs = await readInputs(positionals, io);
  const result = run(inputs.files, { profile: profileOf(values.profile), strict: values.strict ?? false });
  const diagnostics = [...inputs.diagnostics, ...result.diagnostics];
  reportDiagnostics(diagnostics, io);
  return exitCodeFor(diagnostics);
}
