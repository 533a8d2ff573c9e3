// Settings for render, lint, check and plan, so a pre-commit hook or a CI step needs no arguments:
// `.mirrorset-hosts.yaml` in the working directory, or the file `--config` names. It holds either a
// MirrorSetHosts (the object `build` takes: spec.inputs, spec.profile, spec.strict, spec.out are read)
// or the flat settings form, each field the spec field of the same name:
//   profile: containerd          # or wmco
//   inputs: [mirrorsets/]        # files and directories, relative to this file
//   exclude: [templates/]        # globs of files the inputs find but never read (parse/exclude-patterns.ts)
//   out: rendered/               # the directory render writes and check compares
//   strict: false
// Both are checked by the schema walker (SETTINGS_SCHEMA, FUNCTION_CONFIG_SCHEMA) with file:line:column;
// a problem is a usage error (exit 2): the run has no settings to work with. Flags and PATH
// arguments win over the file. Paths are returned relative to the working directory.
//
// The file belongs to the repository, not to the person running the tool (a cloned repository, a
// pull request in CI), so the paths it names must stay inside the repository: here, the directory
// that holds the file. Not the Git top level: the rule then needs no Git, holds the same in an
// export or a tarball, and is the rule kustomize applies to a kustomization (LoadRestrictionsRootOnly)
// and `build` to spec.inputs. An absolute path, `..` out of it, or a symbolic link leading out of it is
// refused with the file, line and field (for the inputs of a MirrorSetHosts, unless
// spec.allowOutsideRoot). PATH arguments and flags are the user's own choice and are not restricted.
import type { AcceptRule } from '../validate/accept-findings.js';
import { closeSync, lstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { diagnostic, formatDiagnostic, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { displayPath, exclusion, isOutside, type Exclusion } from '../io/files.js';
import { EXCLUDE_PATTERN, EXCLUDE_PATTERN_EXPECTED } from '../parse/exclude-patterns.js';
import { describeFsError } from '../io/fs-errors.js';
import type { CliIo } from '../io/cli-io.js';
import { UsageError } from '../errors.js';
import { isMirrorSetKind } from '../kinds.js';
import { isPlainObject, manifestObject, nodeOffset, parseManifests, type FieldPath, type ManifestObject, type SourceFile } from '../parse/parse-manifests.js';
import { diagnosticsFor } from '../validate/diagnostics-for.js';
import { isOwnConfigGroup, validateFunctionConfig, walkConfigSchema } from '../validate/function-config.js';
import { FUNCTION_CONFIG_API_VERSION, FUNCTION_CONFIG_KIND, SETTINGS_KEYS, SETTINGS_SCHEMA } from '../validate/function-config-schema.js';
import type { Profile } from '../vocabulary.js';
import { profileOf } from './options.js';

export const DEFAULT_CONFIG_FILE = '.mirrorset-hosts.yaml';

export interface CommandConfig {
  /** Where the settings came from, as given. */
  file: string;
  /**
   * The directory the inputs must stay in (the file's directory, symbolic links resolved); absent
   * when a MirrorSetHosts allows inputs outside it (spec.allowOutsideRoot).
   */
  root?: string;
  profile?: Profile;
  inputs?: string[];
  out?: string;
  strict?: boolean;
  accept?: AcceptRule[];
  /** `exclude:` globs, relative to the settings file's directory. */
  exclude?: Exclusion;
}

// A settings file is a few lines; reading more is never needed.
export const MAX_SETTINGS_BYTES = 64 * 1024;
const FORMS = `a ${FUNCTION_CONFIG_KIND} (apiVersion ${FUNCTION_CONFIG_API_VERSION}) or the settings form (${SETTINGS_KEYS.join(', ')})`;

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
  if (text === undefined) throw new UsageError(`${file}: expected a settings file of at most ${MAX_SETTINGS_BYTES / 1024} KiB, found more; it holds ${FORMS}`);

  const shownFile = displayPath(cwd, absolute);
  const found = await readSettings({ path: shownFile, content: text });
  if (!found.settings) throw settingsError(found.diagnostics);
  const { object, settings, spec } = found.settings;

  const directory = path.dirname(absolute);
  const root = realPath(directory) ?? directory;
  const shownDirectory = path.relative(cwd, directory) === '' ? '.' : displayPath(cwd, directory);
  const { report, diagnostics } = diagnosticsFor(object);
  /** `p` relative to the settings file -> relative to cwd; a path leading outside the root is reported. */
  const relocate = (p: string, at: FieldPath, field: 'inputs' | 'out'): string => {
    const leaves = field === 'inputs' && settings['allowOutsideRoot'] === true ? undefined : leavesRoot(directory, root, p);
    if (leaves) {
      report(
        'INPUT_OUTSIDE_ROOT',
        at,
        `expected a path inside ${shownDirectory} (the directory of the settings file: a repository's settings name only its own files), ` +
          `found ${JSON.stringify(p)}, ${leaves}; name that path as an argument instead (${field === 'out' ? '--out DIR' : 'PATH'}), or move the settings file up`,
      );
    }
    return path.relative(cwd, path.resolve(directory, p)).split(path.sep).join('/') || '.';
  };
  const config: CommandConfig = { file, ...(settings['allowOutsideRoot'] === true ? {} : { root }) };
  const { profile, inputs, out, strict, accept, exclude } = settings;
  // The schema walk has checked each pattern (EXCLUDE_PATTERN): relative, no '..', no negation.
  if (Array.isArray(exclude) && exclude.length > 0) config.exclude = exclusion(directory, exclude as string[]);
  if (typeof profile === 'string') config.profile = profileOf(profile);
  if (typeof inputs === 'string') config.inputs = [relocate(inputs, [...spec, 'inputs'], 'inputs')];
  else if (Array.isArray(inputs)) config.inputs = (inputs as string[]).map((p, i) => relocate(p, [...spec, 'inputs', i], 'inputs'));
  if (typeof out === 'string') config.out = relocate(out, [...spec, 'out'], 'out');
  if (typeof strict === 'boolean') config.strict = strict;
  // The schema walk has checked each rule's shape (code, registry, reason).
  if (Array.isArray(accept)) config.accept = accept as AcceptRule[];
  if (diagnostics.length > 0) throw settingsError(diagnostics);
  return config;
}

/** What the commands run with: flags and PATH arguments over the settings, the settings over the defaults. */
export interface CommandSettings {
  /** The settings file, when there is one. */
  config?: CommandConfig;
  /** PATH arguments, else the inputs of the settings, relative to the working directory. */
  paths: string[];
  profile: Profile;
  strict: boolean;
  /** Warnings the settings accept (`accept:`), for run(). */
  accept: AcceptRule[];
  out?: string;
  /** The context to read `paths` in: inputs from the settings stay inside its directory. */
  readContext: CliIo & { root?: string; exclude?: readonly Exclusion[] };
}

export async function commandSettings(
  command: string,
  flags: { config?: string | undefined; profile?: string | undefined; strict?: boolean | undefined; out?: string | undefined; exclude?: string[] | undefined },
  positionals: readonly string[],
  io: CliIo,
  needsOut = false,
): Promise<CommandSettings> {
  const config = await loadCommandConfig(flags.config, io.cwd);
  const file = config?.file ?? DEFAULT_CONFIG_FILE;
  const out = flags.out ?? config?.out;
  if (needsOut && !out) throw new UsageError(`${command} needs --out DIR, or out in ${file}`);
  const paths = positionals.length > 0 ? [...positionals] : (config?.inputs ?? []);
  if (paths.length === 0) throw new UsageError(`${command} needs at least one PATH, or inputs in ${file}`);
  const root = positionals.length === 0 ? config?.root : undefined;
  const exclude = [...(config?.exclude ? [config.exclude] : []), ...excludeFlags(flags.exclude, io.cwd)];
  const readContext = { ...io, ...(root === undefined ? {} : { root }), ...(exclude.length > 0 ? { exclude } : {}) };
  return {
    ...(config ? { config } : {}),
    paths,
    profile: profileOf(flags.profile ?? config?.profile),
    strict: flags.strict ?? config?.strict ?? false,
    accept: config?.accept ?? [],
    ...(out ? { out } : {}),
    readContext,
  };
}

/** `--exclude GLOB` flags: relative to the working directory, held to the rule of `exclude:` in the settings. */
export function excludeFlags(patterns: readonly string[] | undefined, cwd: string): Exclusion[] {
  if (!patterns || patterns.length === 0) return [];
  const rule = new RegExp(EXCLUDE_PATTERN, 'u');
  const bad = patterns.find((p) => !rule.test(p));
  if (bad !== undefined) throw new UsageError(`--exclude: expected ${EXCLUDE_PATTERN_EXPECTED.replace('this file', 'the working directory')}, found ${JSON.stringify(bad)}`);
  return [exclusion(cwd, patterns)];
}

interface Settings {
  /** The object the findings point into. */
  object: ManifestObject;
  /** The fields read: the spec of a MirrorSetHosts, or the flat form itself. */
  settings: Record<string, unknown>;
  /** Where those fields sit in `object`: `['spec']` or `[]`. */
  spec: FieldPath;
}

/** The settings of either form, checked; absent when a finding is an error. */
async function readSettings(file: SourceFile & { content: string }): Promise<{ settings?: Settings; diagnostics: Diagnostic[] }> {
  const parsed = parseManifests([file]);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return { diagnostics: errors };
  if (parsed.objects.length > 0) {
    // A Kubernetes-style object: a MirrorSetHosts, as `build --config` reads it, or the wrong kind.
    // Loaded here only: the application layer brings the node-applier, which the flat form never needs.
    const { configFromText } = await import('../app/generate-manifests.js');
    const found = configFromText(file);
    const object = found.object;
    if (!object) return { diagnostics: found.diagnostics };
    if (object.kind !== FUNCTION_CONFIG_KIND && !isOwnConfigGroup(object.apiVersion)) return { diagnostics: [wrongKind(object)] };
    const validated = validateFunctionConfig(object);
    if (!validated.config) return { diagnostics: validated.diagnostics };
    // Only errors stop the run; a warning about the node-applier Job is build's to print.
    const spec = object.value['spec'];
    return { settings: { object, settings: isPlainObject(spec) ? spec : {}, spec: ['spec'] }, diagnostics: [] };
  }
  // The flat form: one mapping (or nothing at all: no settings).
  const lineCounter = new LineCounter();
  const doc = parseDocument(file.content, { lineCounter, prettyErrors: false, logLevel: 'error' });
  const value: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const root = doc.contents as Node | null;
  const locateAt = (at: FieldPath, wantKey: boolean) => {
    const pos = lineCounter.linePos(root ? nodeOffset(root, at, wantKey) : 0);
    return { file: file.path, line: pos.line, column: pos.col };
  };
  const object = manifestObject(file.path, 0, isPlainObject(value) ? value : {}, locateAt);
  if (isPlainObject(value) && ('apiVersion' in value || 'kind' in value)) return { diagnostics: [wrongKind(object)] };
  // The only error parseManifests lets through: a second document, which would be ignored silently.
  const second = doc.errors.find((e) => e.code === 'MULTIPLE_DOCS');
  if (second) {
    const pos = lineCounter.linePos(second.pos[0]);
    const location = { file: file.path, line: pos.line, column: pos.col, documentIndex: 1 };
    return { diagnostics: [diagnostic('SCHEMA_TYPE', 'expected one YAML document of settings, found a second one; keep the settings in one document', { location })] };
  }
  const { report, diagnostics } = diagnosticsFor(object);
  // `inputs: dir` is a list of one, reported at `inputs` itself.
  const inputs = isPlainObject(value) ? value['inputs'] : undefined;
  const checked = typeof inputs === 'string' && isPlainObject(value) ? { ...value, inputs: [inputs] } : value;
  walkConfigSchema(checked, SETTINGS_SCHEMA, [], (code, at, message, options) =>
    report(code, typeof inputs === 'string' && at[0] === 'inputs' ? ['inputs'] : at, message, options),
  );
  if (diagnostics.length > 0) return { diagnostics };
  return { settings: { object, settings: value as Record<string, unknown>, spec: [] }, diagnostics };
}

/** UNKNOWN_CONFIG_KIND for an object that is neither form: which kind was expected, which was found. */
function wrongKind(object: ManifestObject): Diagnostic {
  const found = object.kind ? `${object.kind} (${object.apiVersion || 'no apiVersion'})` : `an object of apiVersion ${object.apiVersion} without a kind`;
  const hint = isMirrorSetKind(object.kind)
    ? '; a mirror set is an input: name its file in inputs or as PATH'
    : object.kind === 'Kustomization'
      ? `; a kustomization names the ${FUNCTION_CONFIG_KIND} file under generators: or transformers:, give that file instead`
      : '';
  const { report, diagnostics } = diagnosticsFor(object);
  report('UNKNOWN_CONFIG_KIND', [object.kind ? 'kind' : 'apiVersion'], `expected ${FORMS}, found ${found}${hint}`);
  return diagnostics[0] as Diagnostic;
}

/** Findings about the settings as a usage error: one file:line:column line each, in reading order. */
function settingsError(diagnostics: readonly Diagnostic[]): UsageError {
  return new UsageError(sortDiagnostics(diagnostics.filter((d) => d.severity === 'error')).map(formatDiagnostic).join('\n'));
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
