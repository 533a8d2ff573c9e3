// The command line: translate argv <-> pipeline, nothing else (eemeli/yaml src/cli.ts shape:
// main(argv, io) returns the exit code; bin.ts sets process.exitCode).
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT_INTERNAL, EXIT_USAGE, exitCodeFor, formatDiagnostic, type Diagnostic } from '../diagnostics.js';
import { readInputs } from '../io/files.js';
import { writeTreeAtomically } from '../io/output-tree.js';
import { run } from '../pipeline.js';
import { PROFILES, type Profile } from '../vocabulary.js';
import { type CliIo } from '../io/cli-io.js';
import { UsageError } from '../errors.js';

declare const __VERSION__: string;
export const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

export const HELP = `mirrorset-hosts: render containerd hosts.toml from ImageDigestMirrorSet, ImageTagMirrorSet
and ImageContentSourcePolicy manifests.

Usage:
  mirrorset-hosts render [--profile containerd|wmco] [--strict] --out DIR PATH...
  mirrorset-hosts lint   [--profile containerd|wmco] [--strict] [--format text|json|github|sarif] [--config FILE] [PATH...]
  mirrorset-hosts check  [--profile containerd|wmco] [--strict] [--config FILE] --out DIR [PATH...]
  mirrorset-hosts plan   --base REV [--head REV] [--format text|markdown|json] [--config FILE] [PATH...]
  mirrorset-hosts build  [--config FILE] [--out DIR] PATH...   Kubernetes manifests: bundle + node-applier Job
  mirrorset-hosts apply  --bundle DIR ...                      copy a rendered bundle to nodes over SSH
  mirrorset-hosts --help | --version
  mirrorset-hosts COMMAND --help                               the options of one command

PATH is a file, a directory (recursively *.yaml, *.yml, *.json), a glob, or - for stdin.

Options:
  --profile containerd  correct, portable files for containerd 1.6+ on Linux and Windows (default)
  --profile wmco        exactly what OpenShift's Windows Machine Config Operator writes, defects reported
  --strict              treat every warning as an error
  --out DIR             output directory; replaced as a whole, and only when everything succeeded;
                        refused unless absent, empty, or an earlier output (its .mirrorset-hosts-output
                        lists everything in it): nothing mirrorset-hosts did not write is deleted

Exit codes: 0 ok (warnings allowed), 1 invalid input (nothing written), 2 usage error, 3 internal error.
`;

export const COMMON_OPTIONS = {
  profile: { type: 'string' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

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
      case 'render':
        return await renderCommand(rest, io);
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
        throw new UsageError(`unknown command ${JSON.stringify(command)}; expected render, lint, check, plan, build or apply`);
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

export function parseCommandArgs<O extends ParseArgsConfig['options']>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export function profileOf(value: string | undefined): Profile {
  const profile = value ?? 'containerd';
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`--profile must be one of ${PROFILES.join(', ')}, found ${JSON.stringify(profile)}`);
  }
  return profile as Profile;
}

export function reportDiagnostics(diagnostics: readonly Diagnostic[], io: CliIo): void {
  if (diagnostics.length > 0) io.stderr(diagnostics.map(formatDiagnostic).join('\n') + '\n');
}

async function renderCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { ...COMMON_OPTIONS, out: { type: 'string', short: 'o' } });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!values.out) throw new UsageError('render needs --out DIR');
  if (positionals.length === 0) throw new UsageError('render needs at least one PATH');
  const profile = profileOf(values.profile);
  const inputs = await readInputs(positionals, io);
  const result = run(inputs.files, { profile, strict: values.strict ?? false });
  const diagnostics = [...inputs.diagnostics, ...result.diagnostics];
  reportDiagnostics(diagnostics, io);
  const code = exitCodeFor(diagnostics);
  if (code !== 0) {
    io.stderr(`mirrorset-hosts: nothing written to ${values.out}\n`);
    return code;
  }
  await writeTreeAtomically(path.resolve(io.cwd, values.out), result.files, values.out);
  io.stderr(`mirrorset-hosts: wrote ${result.files.length} file(s) to ${values.out} (profile ${profile})\n`);
  return code;
}
