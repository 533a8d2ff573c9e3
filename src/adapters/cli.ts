// The command line: pick the command and load its module (render-command.ts, lint-command.ts, ...),
// which translates argv <-> pipeline; usage errors and bugs end here (eemeli/yaml src/cli.ts shape:
// main(argv, io) returns the exit code; bin.ts sets process.exitCode).
import { EXIT_INTERNAL, EXIT_USAGE } from '../diagnostics.js';
import { UsageError } from '../errors.js';
import { didYouMean } from '../vocabulary.js';
import { type CliIo } from '../io/cli-io.js';
import { COMMON_OPTIONS_HELP, OUT_OPTION_HELP, PATH_HELP } from './options.js';
import { VERSION } from './version.js';

// build-command.ts still imports these from here; it moves to ./options.js with the application layer.

/** The subcommands, in the order the help lists them. */
const COMMANDS = ['render', 'lint', 'check', 'plan', 'build', 'apply'] as const;

export const HELP = `mirrorset-hosts: render containerd hosts.toml from ImageDigestMirrorSet, ImageTagMirrorSet
and ImageContentSourcePolicy manifests.

Usage:
  mirrorset-hosts render [--profile containerd|wmco] [--strict] [--config FILE] [--out DIR] [PATH...]
  mirrorset-hosts lint   [--profile containerd|wmco] [--strict] [--format text|json|github|sarif] [--config FILE] [PATH...]
  mirrorset-hosts check  [--profile containerd|wmco] [--strict] [--config FILE] --out DIR [PATH...]
  mirrorset-hosts plan   --base REV [--head REV] [--format text|markdown|json] [--config FILE] [PATH...]
  mirrorset-hosts build  [--config FILE] [--out DIR] PATH...   Kubernetes manifests: bundle + node-applier Job
  mirrorset-hosts apply  --bundle DIR ...                      copy a rendered bundle to nodes over SSH
  mirrorset-hosts --help | --version
  mirrorset-hosts COMMAND --help                               the options of one command

${PATH_HELP}

Options:
${COMMON_OPTIONS_HELP}
${OUT_OPTION_HELP}

Exit codes: 0 ok (warnings allowed), 1 invalid input (nothing written), 2 usage error, 3 internal error.
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case undefined:
        // No arguments and a pipe on stdin: a KRM function run by kustomize or kpt, which pass no argv
        // (kustomize < 5.7 has no exec.args).
        if (!io.stdinIsTTY) {
          const { runKrmFunction } = await import('./krm-function.js');
          return await runKrmFunction(io);
        }
        io.stdout(HELP);
        return EXIT_USAGE;
      case '--help':
      case '-h':
      case 'help':
        io.stdout(HELP);
        return 0;
      case '--version':
      case '-v':
        io.stdout(`${VERSION}\n`);
        return 0;
      case 'render': {
        const { runRender } = await import('./render-command.js');
        return await runRender(rest, io);
      }
      case 'lint': {
        const { runLint } = await import('./lint-command.js');
        return await runLint(rest, io);
      }
      case 'check': {
        const { runCheck } = await import('./check-command.js');
        return await runCheck(rest, io);
      }
      case 'plan': {
        const { runPlan } = await import('./plan-command.js');
        return await runPlan(rest, io);
      }
      case 'build': {
        const { runBuild } = await import('./build-command.js');
        return await runBuild(rest, io);
      }
      case 'apply': {
        const { runApply } = await import('./apply-command.js');
        return await runApply(rest, io);
      }
      default: {
        // kustomize's legacy exec plugin runs the plugin with one argument: the path of a file holding
        // its config object (api/internal/plugins/execplugin/execplugin.go).
        const { isExecPluginInvocation, runExecPlugin } = await import('./exec-plugin.js');
        if (rest.length === 0 && (await isExecPluginInvocation(command, io))) return await runExecPlugin(command, io);
        throw new UsageError(
          `unknown command ${JSON.stringify(command)}; expected ${COMMANDS.slice(0, -1).join(', ')} or ${COMMANDS.at(-1)}${didYouMean(command, COMMANDS, (c) => c)}`,
        );
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mirrorset-hosts: ${err.message}\nRun 'mirrorset-hosts --help' for usage.\n`);
      return EXIT_USAGE;
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr(`mirrorset-hosts: internal error, this is a bug; please report it with the input that caused it.\n${detail}\n`);
    return EXIT_INTERNAL;
  }
}
