// `mirrorset-hosts apply`: the command line -> ApplySettings (with the flag table of
// node-applier/apply-flags.ts) -> node-applier/run-apply.ts over the real I/O (io/apply-io.ts), and
// the exit code. A usage error is printed here, redacted against every secret read so far.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { escapeInvisible } from '../diagnostics.js';
import { UsageError } from '../errors.js';
import { nodeApplyIo } from '../io/apply-io.js';
import type { CliIo } from '../io/cli-io.js';
import { APPLY_FLAGS, applyFlagsHelp, applySettings, parseArgsOptions, type FlagValues } from '../node-applier/apply-flags.js';
import { redact } from '../node-applier/report.js';
import { runApply as run } from '../node-applier/run-apply.js';

export const APPLY_HELP = `mirrorset-hosts apply: copy a rendered bundle to nodes over SSH.

Usage:
  mirrorset-hosts apply --bundle DIR --ssh-key FILE --known-hosts FILE [--inventory FILE] [--selector LABELS] ...

${applyFlagsHelp()}
Exit codes: 0 every node up to date, 1 a node failed, was skipped or needs attention (a file
mirrorset-hosts did not write is in the way), 2 usage error, 3 internal error.
`;

export async function runApply(args: string[], io: CliIo): Promise<number> {
  // Every secret read so far: a usage error is redacted against them too, whatever file it quotes.
  const secrets: string[] = [];
  try {
    let values;
    try {
      values = parseArgs({ args, options: parseArgsOptions(), strict: true, allowPositionals: false }).values;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (values['help'] === true) {
      io.stdout(APPLY_HELP);
      return 0;
    }
    return await run(applySettings(resolvePaths(values, io.cwd), io.env), nodeApplyIo(io), secrets);
  } catch (err) {
    if (err instanceof UsageError) {
      const message = redact(err.message, secrets).split('\n').map(escapeInvisible).join('\n');
      io.stderr(`mirrorset-hosts apply: ${message}\nRun 'mirrorset-hosts apply --help' for usage.\n`);
      return 2;
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr(`mirrorset-hosts apply: internal error, this is a bug; please report it.\n${redact(detail, secrets).split('\n').map(escapeInvisible).join('\n')}\n`);
    return 3;
  }
}

/** Every path flag's value resolved against the working directory. */
function resolvePaths(values: FlagValues, cwd: string): FlagValues {
  const resolved: Record<string, string | boolean | undefined> = { ...values };
  for (const flag of APPLY_FLAGS) {
    const value = values[flag.name];
    if (flag.type === 'path' && typeof value === 'string') resolved[flag.name] = path.resolve(cwd, value);
  }
  return resolved;
}
