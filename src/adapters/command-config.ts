// Settings for lint, check and plan from a small YAML file, so a pre-commit hook or a CI step needs no
// arguments: `.mirrorset-hosts.yaml` in the working directory, or the file `--config` names.
//   profile: containerd          # or wmco
//   inputs: [mirrorsets/]        # files and directories, relative to this file
//   out: rendered/               # the committed output directory (check)
//   strict: false
// Flags and PATH arguments win over the file. Paths are returned relative to the working directory.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describeFsError } from '../io/files.js';
import { UsageError } from './cli-io.js';

export const DEFAULT_CONFIG_FILE = '.mirrorset-hosts.yaml';

export interface CommandConfig {
  /** Where the settings came from, as given. */
  file: string;
  profile?: string;
  inputs?: string[];
  out?: string;
  strict?: boolean;
}

const KEYS = ['profile', 'inputs', 'out', 'strict'];

/** The named file (it must exist), else `.mirrorset-hosts.yaml` in `cwd` when present, else undefined. */
export async function loadCommandConfig(explicit: string | undefined, cwd: string): Promise<CommandConfig | undefined> {
  const file = explicit ?? DEFAULT_CONFIG_FILE;
  const absolute = path.resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    if (explicit === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read --config ${file}: ${describeFsError(err as NodeJS.ErrnoException)}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file}: expected a mapping with ${KEYS.join(', ')}`);
  const settings = value as Record<string, unknown>;
  const unknown = Object.keys(settings).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new UsageError(`${file}: unknown setting ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${KEYS.join(', ')}`);

  const relocate = (p: string): string => path.relative(cwd, path.resolve(path.dirname(absolute), p)).split(path.sep).join('/') || '.';
  const config: CommandConfig = { file };
  const { profile, inputs, out, strict } = settings;
  if (profile !== undefined) {
    if (typeof profile !== 'string') throw new UsageError(`${file}: profile must be a string, found ${JSON.stringify(profile)}`);
    config.profile = profile;
  }
  if (inputs !== undefined) {
    const list = typeof inputs === 'string' ? [inputs] : inputs;
    if (!Array.isArray(list) || list.length === 0 || !list.every((p) => typeof p === 'string' && p !== '')) {
      throw new UsageError(`${file}: inputs must be a list of files or directories, found ${JSON.stringify(inputs)}`);
    }
    config.inputs = (list as string[]).map(relocate);
  }
  if (out !== undefined) {
    if (typeof out !== 'string' || out === '') throw new UsageError(`${file}: out must be a directory name, found ${JSON.stringify(out)}`);
    config.out = relocate(out);
  }
  if (strict !== undefined) {
    if (typeof strict !== 'boolean') throw new UsageError(`${file}: strict must be true or false, found ${JSON.stringify(strict)}`);
    config.strict = strict;
  }
  return config;
}
