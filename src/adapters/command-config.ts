// Settings for lint, check and plan from a small YAML file, so a pre-commit hook or a CI step needs no
// arguments: `.mirrorset-hosts.yaml` in the working directory, or the file `--config` names.
//   profile: containerd          # or wmco
//   inputs: [mirrorsets/]        # files and directories, relative to this file
//   out: rendered/               # the committed output directory (check)
//   strict: false
// Flags and PATH arguments win over the file. Paths are returned relative to the working directory.
//
// The file belongs to the repository, not to the person running the tool (a cloned repository, a
// pull request in CI), so the paths it names must stay inside the repository: here, the directory
// that holds the file. Not the Git top level: the rule then needs no Git, holds the same in an
// export or a tarball, and is the rule kustomize applies to a kustomization (LoadRestrictionsRootOnly)
// and this tool to a MirrorSetHosts spec.inputs. An absolute path, `..` out of it, or a symbolic link
// leading out of it is refused with the file, line and field. PATH arguments and flags are the
// user's own choice and are not restricted.
import { closeSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { formatDiagnostic } from '../diagnostics.js';
import { displayPath } from '../io/files.js';
import { describeFsError } from '../io/fs-errors.js';
import { UsageError } from '../errors.js';

export const DEFAULT_CONFIG_FILE = '.mirrorset-hosts.yaml';

export interface CommandConfig {
  /** Where the settings came from, as given. */
  file: string;
  /** The directory the settings may name paths in (the file's directory, symbolic links resolved). */
  root: string;
  profile?: string;
  inputs?: string[];
  out?: string;
  strict?: boolean;
}

const KEYS = ['profile', 'inputs', 'out', 'strict'];
// A settings file is a few lines; reading more is never needed.
const MAX_SETTINGS_BYTES = 64 * 1024;

/** The named file (it must exist), else `.mirrorset-hosts.yaml` in `cwd` when present, else undefined. */
export async function loadCommandConfig(explicit: string | undefined, cwd: string): Promise<CommandConfig | undefined> {
  const file = explicit ?? DEFAULT_CONFIG_FILE;
  const absolute = path.resolve(cwd, file);
  let text: string | undefined;
  try {
    text = readAtMost(absolute, MAX_SETTINGS_BYTES);
  } catch (err) {
    if (explicit === undefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read --config ${file}: ${describeFsError(err as NodeJS.ErrnoException)}`);
  }
  if (text === undefined) throw new UsageError(`${file}: expected a settings file of at most 64 KiB, found more; it holds ${KEYS.join(', ')}`);
  const lineCounter = new LineCounter();
  let value: unknown;
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
    if (doc.errors[0]) throw doc.errors[0];
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file}: expected a mapping with ${KEYS.join(', ')}`);
  const settings = value as Record<string, unknown>;
  const unknown = Object.keys(settings).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) throw new UsageError(`${file}: unknown setting ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${KEYS.join(', ')}`);

  const directory = path.dirname(absolute);
  const root = realPath(directory) ?? directory;
  const shownFile = displayPath(cwd, absolute);
  const shownDirectory = path.relative(cwd, directory) === '' ? '.' : displayPath(cwd, directory);
  /** `p` relative to the settings file -> relative to cwd, once it is known to stay inside the root. */
  const relocate = (p: string, field: string, at: readonly (string | number)[]): string => {
    const leaves = leavesRoot(directory, root, p);
    if (leaves) {
      const node = doc.getIn(at, true) as Node | undefined;
      const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
      const line = formatDiagnostic({
        code: 'INPUT_OUTSIDE_ROOT',
        severity: 'error',
        field,
        message:
          `expected a path inside ${shownDirectory} (the directory of the settings file: a repository's settings name only its own files), ` +
          `found ${JSON.stringify(p)}, ${leaves}; name that path as an argument instead (${field === 'out' ? '--out DIR' : 'PATH'}), or move the settings file up`,
        location: { file: shownFile, line: pos.line, column: pos.col },
      });
      throw new UsageError(line);
    }
    return path.relative(cwd, path.resolve(directory, p)).split(path.sep).join('/') || '.';
  };
  const config: CommandConfig = { file, root };
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
    config.inputs = (list as string[]).map((p, i) => (typeof inputs === 'string' ? relocate(p, 'inputs', ['inputs']) : relocate(p, `inputs[${i}]`, ['inputs', i])));
  }
  if (out !== undefined) {
    if (typeof out !== 'string' || out === '') throw new UsageError(`${file}: out must be a directory name, found ${JSON.stringify(out)}`);
    config.out = relocate(out, 'out', ['out']);
  }
  if (strict !== undefined) {
    if (typeof strict !== 'boolean') throw new UsageError(`${file}: strict must be true or false, found ${JSON.stringify(strict)}`);
    config.strict = strict;
  }
  return config;
}

/**
 * The file's text, or undefined when it holds more than `max` bytes (never more than max + 1 are
 * read): `--config /dev/zero` or a pipe that never ends cannot hang the run.
 */
function readAtMost(file: string, max: number): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(max + 1);
    let total = 0;
    for (let n = -1; n !== 0 && total <= max; total += n) n = readSync(fd, buffer, total, max + 1 - total, null);
    return total > max ? undefined : buffer.subarray(0, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Why `p` (relative to `directory`, whose real path is `root`) leads outside, or undefined when it
 * stays inside: lexically (`..`, an absolute path), and once symbolic links are resolved, for the
 * part of the path that exists (a path not created yet resolves through its nearest existing parent).
 */
function leavesRoot(directory: string, root: string, p: string): string | undefined {
  if (path.isAbsolute(p) || path.win32.isAbsolute(p)) return 'an absolute path';
  const lexical = path.resolve(directory, p);
  if (isOutside(directory, lexical)) return 'which leads outside it';
  // A pattern is resolved by the glob library, not by path.resolve: `{..,x}/*.yaml` goes up.
  if (/[*?[\]{}]/.test(p) && p.split(/[\\/{},]/).includes('..')) return 'a pattern with a ".." part, which can lead outside it';
  const real = realPathOfPrefix(lexical);
  if (real === undefined) return 'which passes through a symbolic link that cannot be resolved (dangling, or a loop)';
  if (isOutside(root, real)) return `which leads outside it through a symbolic link (to ${real})`;
  return undefined;
}

function realPath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/** realpath of the longest existing prefix, with the rest appended; undefined for a link that cannot be resolved. */
function realPathOfPrefix(p: string): string | undefined {
  const rest: string[] = [];
  for (let current = p; ; current = path.dirname(current)) {
    const real = realPath(current);
    if (real !== undefined) return path.join(real, ...rest.reverse());
    // Something is there (a dangling link, a loop) yet it does not resolve: refuse rather than guess.
    try {
      lstatSync(current);
      return undefined;
    } catch {
      // Absent: look at its parent.
    }
    if (path.dirname(current) === current) return p;
    rest.push(path.basename(current));
  }
}

function isOutside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative);
}
