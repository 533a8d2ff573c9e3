// Command-line options, parsed one way for every command: node:util parseArgs for the flags, and one
// helper per kind of value (a word from a list, an integer in a range), each naming the flag, what it
// expected and what it found, with "did you mean" on a near miss. Commands import this module, never
// cli.ts, so cli.ts can load them lazily without an import cycle.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';
import { didYouMean, PROFILES, type Profile } from '../vocabulary.js';

/** The flags render, lint and check share (build takes --profile and --strict too). */
export const COMMON_OPTIONS = {
  profile: { type: 'string' },
  strict: { type: 'boolean' },
  exclude: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

// The help texts of the commands describe these flags and arguments in the same words.
export const PATH_HELP = 'PATH is a file, a directory (recursively *.yaml, *.yml, *.json), a glob, or - for stdin.';
export const COMMON_OPTIONS_HELP = `  --profile containerd  correct, portable files for containerd 1.6+ on Linux and Windows (default)
  --profile wmco        exactly what OpenShift's Windows Machine Config Operator writes, defects reported
  --strict              treat every warning as an error, except those the settings accept`;
export const OUT_OPTION_HELP = `  --out DIR             output directory; replaced as a whole, and only when everything succeeded;
                        refused unless absent, empty, or an earlier output (its .mirrorset-hosts-output
                        lists everything in it): nothing mirrorset-hosts did not write is deleted`;

export const CONFIG_OPTION_HELP = `  --config FILE         settings (default .mirrorset-hosts.yaml when present): a MirrorSetHosts, whose
                        spec.inputs, spec.exclude, spec.profile, spec.strict, spec.accept and spec.out
                        are read, or the flat form of the same fields; paths relative to the file,
                        inside its directory
  --exclude GLOB        never read the files the inputs' directories and globs find that match GLOB
                        (relative to the working directory, .gitignore-style; repeatable; adds to
                        exclude in the settings)`;

/** parseArgs, strict, positionals allowed; a bad flag is a UsageError that names the closest known one. */
export function parseCommandArgs<O extends ParseArgsConfig['options']>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageErrorOf(err, options);
  }
}

/**
 * parseArgs' own error as a UsageError; an unknown `--flag` also gets the closest known flag. The
 * message parseArgs wrote is kept (it is what Node's documentation and users search for), only its
 * advice on positionals that start with "-" is dropped when a flag was meant.
 */
export function usageErrorOf(err: unknown, options: ParseArgsConfig['options']): UsageError {
  const message = (err as Error).message;
  const unknown = (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '--([^'=]+)'/.exec(message) : null;
  if (unknown) {
    const hint = didYouMean(unknown[1] as string, Object.keys(options ?? {}), (name) => `--${name}`);
    if (hint) return new UsageError(`Unknown option '--${unknown[1]}'${hint}`);
  }
  return new UsageError(message);
}

/** The value of `--name` if it is one of `allowed`; absent: `fallback`. */
export function enumOption<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, found ${JSON.stringify(value)}${didYouMean(value, allowed)}`);
}

/** The value of `--name` as a decimal integer from `min` to `max`; absent or empty: `fallback`. */
export function intOption(name: string, value: string | undefined, range: { min: number; max: number }, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < range.min || n > range.max) {
    throw new UsageError(`--${name} must be an integer from ${range.min} to ${range.max}, found ${JSON.stringify(value)}`);
  }
  return n;
}

/** `--profile`, default containerd. */
export function profileOf(value: string | undefined): Profile {
  return enumOption('profile', value, PROFILES, 'containerd');
}
