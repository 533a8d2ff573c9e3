// `mirrorset-hosts render --out DIR PATH...`: the mirror sets -> hosts.toml files in DIR, all or nothing.
import path from 'node:path';
import { exitCodeFor } from '../diagnostics.js';
import { readInputs } from '../io/files.js';
import { writeTreeAtomically } from '../io/output-tree.js';
import { run } from '../pipeline.js';
import { type CliIo } from '../io/cli-io.js';
import { commandSettings, DEFAULT_CONFIG_FILE } from './command-config.js';
import { COMMON_OPTIONS, COMMON_OPTIONS_HELP, CONFIG_OPTION_HELP, OUT_OPTION_HELP, parseCommandArgs, PATH_HELP } from './options.js';
import { printFindings } from './print-findings.js';

export const RENDER_HELP = `Usage: mirrorset-hosts render [--profile containerd|wmco] [--strict] [--config FILE] --out DIR PATH...
       mirrorset-hosts render     (inputs and out from ${DEFAULT_CONFIG_FILE})

Renders one hosts.toml per registry (and the CA files the cluster Image config names) from the
ImageDigestMirrorSet, ImageTagMirrorSet and ImageContentSourcePolicy manifests under PATH..., and
writes them to DIR. Findings go to stderr as file:line:column lines, as lint prints them.

${PATH_HELP}

${COMMON_OPTIONS_HELP}
${OUT_OPTION_HELP}
${CONFIG_OPTION_HELP}

Exit codes: 0 written (warnings allowed), 1 invalid input (nothing written), 2 usage error.
`;

export async function runRender(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...COMMON_OPTIONS, out: { type: 'string', short: 'o' }, config: { type: 'string' } });
  if (values.help) {
    io.stdout(RENDER_HELP);
    return 0;
  }
  const { paths, profile, strict, accept, readContext, ...settings } = await commandSettings('render', values, positionals, io, true);
  const out = settings.out as string;
  const inputs = await readInputs(paths, readContext);
  const result = run(inputs.files, { profile, strict, accept });
  const diagnostics = printFindings(io, [...inputs.diagnostics, ...result.diagnostics]);
  const code = exitCodeFor(diagnostics);
  if (code !== 0) {
    io.stderr(`mirrorset-hosts: nothing written to ${out}\n`);
    return code;
  }
  await writeTreeAtomically(path.resolve(io.cwd, out), result.files, out);
  io.stderr(`mirrorset-hosts: wrote ${result.files.length} file(s) to ${out} (profile ${profile})\n`);
  return code;
}
