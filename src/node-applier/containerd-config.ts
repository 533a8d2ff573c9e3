// Will containerd read the config directory for CRI (kubelet) pulls? Decided from what the probe
// gathered on the node, the way containerd itself reads its configuration, per release.
//
// What is matched, in containerd's source:
// - loading: `LoadConfig` in services/server/config/config.go (1.x) and cmd/containerd/server/config/
//   config.go (2.x): the main file, then every file its `imports` name, breadth first, each once;
//   `resolveImports`: filepath.Clean, a relative path joined to the importing file's directory, a path
//   with `*` expanded with filepath.Glob (a missing plain path makes containerd fail to start);
//   `mergeConfig`: a later file's value wins, and a plugin's table replaces the earlier one entirely.
//   Before 1.6.29 and 1.7.16 a relative glob is expanded against containerd's working directory
//   instead. 1.x replaces a plugin's table as a whole; 2.x merges tables key by key (mergo).
// - versions: a file without `version` is version 1 (`GetVersion`, and `migrations[0]` in 2.x). 1.x
//   reads versions 1 and 2 (from 1.6.32 and 1.7.17 it refuses 3, `ValidateV2`); version 1 names
//   plugins by short ID (`plugins.cri`). 2.x renames those (`v1Migrate`: `cri` ->
//   `io.containerd.grpc.v1.cri`), and the CRI images plugin's `configMigration` (plugins/cri/images/
//   plugin.go) moves `registry` and the pull settings to `io.containerd.cri.v1.images`. 2.0 to 2.2
//   run that plugin migration once, on the merged config, and only when its version is below 3; a
//   version 0/1 file counts as 3 there (`LoadConfig` migrates it to 3 first), so its CRI registry
//   settings are dropped (`server.New`). 2.3 migrates each file on its own (`LoadConfigWithPlugins`).
// - defaults: `config_path` is "" in 1.6, 1.7, 2.0 and 2.1; from 2.2 on Linux it is
//   "/etc/containerd/certs.d:/etc/docker/certs.d" (internal/cri/config/config_unix.go
//   `DefaultImageConfig`), also for a migrated "" (`migrateConfig`). Windows keeps "".
// - `mirrors` together with `config_path`: the CRI plugin does not load (`ValidatePluginConfig` in
//   pkg/cri/config/config.go, `ValidateImageConfig` in 2.x: "`mirrors` cannot be set when `config_path`
//   is provided").
// - the list: 1.x and 2.0 (and 2.1+ in local pull mode) split `config_path` like filepath.SplitList
//   and try each root (`hostDirFromRoots`, image_pull.go). 2.1+ pulls through the transfer service by
//   default, which passes the whole value to `config.HostDirFromRoot` as ONE directory
//   (`registry.WithHostDir(c.config.Registry.ConfigPath)`, internal/cri/server/images/image_pull.go;
//   containerd issues #12415, #12636, #12808, unfixed up to 2.3), unless `CheckLocalImagePullConfigs`
//   (internal/cri/config/config.go) falls back to the local pull.
import { parse as parseToml } from 'smol-toml';
import { CONTAINERD_RELEASES, type ContainerdRelease, type TargetOs } from '../vocabulary.js';

/** A file named by the main config's `imports`, as the probe found it. */
export interface ImportedFile {
  /** The `imports` entry as written in the main config. */
  entry: string;
  /** The file it resolved to on the node; null when a glob matched nothing. */
  path: string | null;
  state: 'read' | 'absent' | 'unreadable' | 'no-match';
  text: string;
}

/** What the probe gathered; null everywhere means "not gathered" (another probe, or nothing found). */
export interface ContainerdFacts {
  os: TargetOs;
  configDir: string;
  /** The main config file's path on the node. */
  configFile: string;
  main: { state: 'absent' | 'unreadable' } | { state: 'read'; text: string };
  /** The files of the main config's `imports`; null when the probe did not read them. */
  imports: readonly ImportedFile[] | null;
  /** Whether a containerd / CRI-O binary or socket exists; null when the probe did not look. */
  runtime: { containerd: boolean; crio: boolean } | null;
  /** The first line of `containerd --version`. */
  version: string | null;
  /** `containerd --config <file> config dump`: the effective configuration, imports merged, defaults filled in. */
  dump: string | null;
  /** The user's declaration that the node runs containerd's built-in defaults of this release (no config file). */
  assumeDefaults: ContainerdRelease | null;
}

export type ConfigPathSource = 'config dump' | 'config file' | 'built-in defaults (declared)' | 'runtime binaries and sockets';

export interface ConfigPathVerdict {
  verdict: 'reads' | 'does-not-read' | 'unknown';
  /** One sentence: why, and for a refusal what to do. */
  reason: string;
  source: ConfigPathSource;
}

type Table = Record<string, unknown>;

interface ConfigFile {
  name: string;
  version: number;
  plugins: Record<string, Table>;
  imports: string[];
}

const CRI_V1 = 'cri';
const CRI_V2 = 'io.containerd.grpc.v1.cri';
const IMAGES_V3 = 'io.containerd.cri.v1.images';
const DEFAULT_LIST_22 = '/etc/containerd/certs.d:/etc/docker/certs.d';

/** The registry table that a config file of this version uses, as it must be written there. */
export function registryTableFor(version: number): string {
  if (version <= 1) return '[plugins.cri.registry]';
  if (version === 2) return `[plugins."${CRI_V2}".registry]`;
  return `[plugins."${IMAGES_V3}".registry]`;
}

/** `containerd --version` -> its release line; null when the text holds no version. */
export function releaseOf(versionText: string): ContainerdRelease | null {
  const m = /\bv?(\d+)\.(\d+)\.\d+/.exec(versionText);
  if (m === null) return null;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < 1 || (major === 1 && minor < 6)) return '1.6'; // 1.5 reads config_path as 1.6 does
  if (major === 1) return minor >= 7 ? '1.7' : '1.6';
  if (major === 2 && minor <= 2) return minor === 0 ? '2.0' : minor === 1 ? '2.1' : '2.2';
  return '2.3';
}

/** The patch level of `containerd --version`, for fixes within a release line; null when unknown. */
function patchOf(versionText: string | null): number | null {
  const m = versionText === null ? null : /\bv?\d+\.\d+\.(\d+)/.exec(versionText);
  return m === null ? null : Number(m[1]);
}

/** From 2.2 on Linux CRI defaults config_path to a two-directory list. */
const hasDefaultList = (r: ContainerdRelease, os: TargetOs): boolean => (r === '2.2' || r === '2.3') && os === 'linux';
/** From 2.1 CRI pulls through the transfer service unless a setting forces the local pull. */
const pullsThroughTransfer = (r: ContainerdRelease): boolean => r === '2.1' || r === '2.2' || r === '2.3';

const isTwo = (r: ContainerdRelease): boolean => r.startsWith('2.');

export function decideConfigPath(facts: ContainerdFacts): ConfigPathVerdict {
  const { configFile, configDir } = facts;
  if (facts.runtime !== null && !facts.runtime.containerd) {
    return {
      verdict: 'does-not-read',
      source: 'runtime binaries and sockets',
      reason: facts.runtime.crio
        ? `the node runs CRI-O, not containerd (no containerd binary or socket, a crio one), and CRI-O never reads ${configDir}; configure its mirrors in /etc/containers/registries.conf(.d) instead, or leave this node out`
        : `the node has no containerd (neither the containerd binary nor its socket was found), so nothing reads ${configDir}; leave this node out, or install containerd first`,
    };
  }
  const known = facts.version !== null ? releaseOf(facts.version) : null;

  // A relative glob import on 1.x before 1.6.29 / 1.7.16 is expanded against the working directory of
  // whoever loads the config: the dump (run from the SSH login's directory) then shows another merge
  // than the daemon's (started in `/`), so the files decide.
  const relativeGlob = facts.main.state === 'read' && /imports\s*=[^\]]*["'][^/"'][^"']*\*/.test(facts.main.text);
  const patch = patchOf(facts.version);
  const dumpTrusted = !relativeGlob || (known !== null && (isTwo(known) || (patch !== null && patch >= (known === '1.6' ? 29 : 16))));
  if (facts.dump !== null && dumpTrusted) {
    const dump = readConfig('containerd config dump', facts.dump);
    if ('error' in dump) return { verdict: 'unknown', source: 'config dump', reason: `\`containerd config dump\` printed no valid TOML (${dump.error}); check containerd on the node` };
    const candidates = known !== null ? [known] : CONTAINERD_RELEASES.filter((r) => isTwo(r) === dump.version >= 3);
    return combine(candidates, (r) => judge(r, [dump], facts, 'the effective configuration (containerd config dump)'), 'config dump');
  }

  if (facts.main.state === 'unreadable') {
    return { verdict: 'unknown', source: 'config file', reason: `containerd's config ${configFile} exists but cannot be read, so config_path cannot be checked; connect as a user who can read it (root), or pass --containerd-config '' to skip the check` };
  }
  if (facts.main.state === 'absent') {
    if (facts.assumeDefaults === null) {
      return {
        verdict: 'unknown',
        source: 'config file',
        reason:
          `containerd's config ${configFile} does not exist, so it cannot be told which config_path containerd runs with; ` +
          `pass --containerd-config with the file containerd is started with, or, if containerd runs without a config file, declare its release with --assume-containerd-defaults (${CONTAINERD_RELEASES.join(", ")})`,
      };
    }
    return combine([facts.assumeDefaults], (r) => judge(r, [], facts, `containerd ${r}'s built-in defaults`), 'built-in defaults (declared)');
  }

  const main = readConfig(configFile, facts.main.state === 'read' ? facts.main.text : '');
  if ('error' in main) {
    return { verdict: 'unknown', source: 'config file', reason: `containerd's config ${configFile} is not valid TOML (${main.error}), so config_path cannot be checked (containerd itself does not start with it); fix it, or pass --containerd-config '' to skip the check` };
  }
  const files = loadImports(main, facts);
  if ('unknown' in files) return { verdict: 'unknown', source: 'config file', reason: files.unknown };
  if ('fails' in files) return { verdict: 'does-not-read', source: 'config file', reason: files.fails };
  const candidates = known !== null ? [known] : CONTAINERD_RELEASES.filter((r) => !files.list.some((f) => f.version >= 3) || isTwo(r));
  const what = files.list.length > 1 ? `${configFile} with its imports` : configFile;
  return combine(candidates, (r) => judge(r, files.list, facts, what), 'config file');
}

/** One verdict over the releases the node may run: the same everywhere, or unknown naming the difference. */
function combine(candidates: readonly ContainerdRelease[], judgeOne: (r: ContainerdRelease) => { verdict: ConfigPathVerdict['verdict']; reason: string }, source: ConfigPathSource): ConfigPathVerdict {
  const results = candidates.map((r) => ({ release: r, ...judgeOne(r) }));
  const first = results[0];
  if (first === undefined) return { verdict: 'unknown', source, reason: 'no containerd release fits what the node reported' };
  const reasons = [...new Set(results.map((x) => x.reason))];
  const label = (x: (typeof results)[number]): string => `containerd ${x.release}${x.release === '2.3' ? '+' : ''}: ${x.reason}`;
  if (results.every((x) => x.verdict === first.verdict)) {
    return { verdict: first.verdict, source, reason: reasons.length === 1 ? first.reason : results.map(label).join('; ') };
  }
  return {
    verdict: 'unknown',
    source,
    reason: `the answer depends on the containerd release, which the node did not report (no \`containerd --version\`): ${results.map(label).join('; ')}`,
  };
}

function readConfig(name: string, text: string): ConfigFile | { error: string } {
  let data: Table;
  try {
    data = parseToml(text) as Table;
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] ?? 'parse error' };
  }
  const version = typeof data['version'] === 'number' ? data['version'] : 0;
  const plugins: Record<string, Table> = {};
  const raw = isTable(data['plugins']) ? data['plugins'] : {};
  for (const [key, value] of Object.entries(raw)) if (isTable(value)) plugins[key] = value;
  const imports = Array.isArray(data['imports']) ? data['imports'].filter((x): x is string => typeof x === 'string') : [];
  return { name, version, plugins, imports };
}

/** mergo.Merge WithOverride as 2.x mergeConfig uses it: tables merged key by key, other values replaced. */
function deepMerge(to: Record<string, Table>, from: Record<string, Table>): Record<string, Table> {
  const merge = (a: Table, b: Table): Table => {
    const out: Table = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = isTable(v) && isTable(out[k]) ? merge(out[k] as Table, v) : v;
    return out;
  };
  return merge(to, from) as Record<string, Table>;
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The main file and its imports in containerd's merge order, as the probe found them. */
function loadImports(main: ConfigFile, facts: ContainerdFacts): { list: ConfigFile[] } | { unknown: string } | { fails: string } {
  const entries = main.imports;
  if (entries.length === 0) return { list: [main] };
  if (facts.imports === null) {
    return { unknown: `containerd's config ${facts.configFile} imports ${entries.join(', ')}, and this node's probe does not read imported files, so config_path cannot be checked; pass --containerd-config '' to skip the check` };
  }
  const list: ConfigFile[] = [main];
  const seen = new Set<string>([facts.configFile]);
  for (const entry of entries) {
    const found = facts.imports.filter((f) => f.entry === entry);
    if (found.length === 0) return { unknown: `the probe did not report the import ${JSON.stringify(entry)} of ${facts.configFile}; check the file by hand, or pass --containerd-config '' to skip the check` };
    for (const file of found) {
      if (file.state === 'no-match') continue; // filepath.Glob matching nothing imports nothing
      const path = file.path ?? entry;
      if (seen.has(path)) continue;
      seen.add(path);
      if (file.state === 'absent') return { fails: `containerd's config ${facts.configFile} imports ${path}, which does not exist: containerd fails to start with this config; remove the import or create the file` };
      if (file.state === 'unreadable') return { unknown: `${path} (imported by ${facts.configFile}) cannot be read, so config_path cannot be checked; connect as a user who can read it (root)` };
      const parsed = readConfig(path, file.text);
      if ('error' in parsed) return { fails: `${path} (imported by ${facts.configFile}) is not valid TOML (${parsed.error}): containerd fails to start with it; fix it` };
      if (parsed.imports.length > 0) {
        return { unknown: `${path} imports further files, which the probe does not follow; move those imports into ${facts.configFile}, or pass --containerd-config '' to skip the check` };
      }
      list.push(parsed);
    }
  }
  return { list };
}

/** A file's plugins as release `r` holds them before merging: 2.x migrates each file to version 3 first. */
function pluginsFor(file: ConfigFile, r: ContainerdRelease, os: TargetOs): Record<string, Table> {
  const plugins: Record<string, Table> = { ...file.plugins };
  if (!isTwo(r)) return plugins;
  if (file.version <= 1 && plugins[CRI_V1] !== undefined) {
    // cmd/containerd/server/config/config.go v1MigratePluginName: `cri` -> io.containerd.grpc.v1.cri
    plugins[CRI_V2] = plugins[CRI_V1] as Table;
    delete plugins[CRI_V1];
  }
  if (file.version <= 2 && plugins[CRI_V2] !== undefined) {
    // plugins/cri/images/plugin.go configMigration / migrateConfig
    const src = plugins[CRI_V2] as Table;
    const dst: Table = { ...(plugins[IMAGES_V3] ?? {}) };
    for (const key of ['registry', 'max_concurrent_downloads', 'image_pull_with_sync_fs']) if (src[key] !== undefined) dst[key] = src[key];
    const inner = isTable(src['containerd']) ? src['containerd'] : {};
    for (const key of ['disable_snapshot_annotations', 'discard_unpacked_layers']) if (inner[key] !== undefined) dst[key] = inner[key];
    if (hasDefaultList(r, os) && isTable(dst['registry']) && dst['registry']['config_path'] === '') {
      dst['registry'] = { ...dst['registry'], config_path: DEFAULT_LIST_22 };
    }
    plugins[IMAGES_V3] = dst;
  }
  return plugins;
}

/** The verdict for one release over the files in merge order (or none: built-in defaults). */
function judge(r: ContainerdRelease, files: readonly ConfigFile[], facts: ContainerdFacts, what: string): { verdict: ConfigPathVerdict['verdict']; reason: string } {
  const { configDir, os } = facts;
  const v3 = files.find((f) => f.version >= 3);
  if (!isTwo(r) && v3 !== undefined) {
    return {
      verdict: 'does-not-read',
      reason: `${v3.name} is a version ${v3.version} config, which containerd ${r} does not read (from 1.6.32 and 1.7.17 it refuses to start with it; before, it ignores the version 3 plugin names); write it as version 2 with config_path under ${registryTableFor(2)}`,
    };
  }
  const patch = patchOf(facts.version);
  const relativeGlob = (files[0]?.imports ?? []).find((e) => e.includes('*') && !e.startsWith('/'));
  const globFixed = patch !== null && patch >= (r === '1.6' ? 29 : 16);
  if (!isTwo(r) && relativeGlob !== undefined && files.length > 0 && !globFixed) {
    return {
      verdict: 'unknown',
      reason: `${files[0]?.name} imports ${JSON.stringify(relativeGlob)}, a relative glob, which containerd ${r} before 1.6.29 / 1.7.16 expands against its working directory (\`/\` under systemd), not the config's directory; write the import as an absolute path`,
    };
  }
  let version = 0;
  let plugins: Record<string, Table> = {};
  if (!isTwo(r)) {
    // services/server/config/config.go mergeConfig: a later non-zero version and each plugin's whole table win.
    for (const file of files) {
      if (file.version !== 0) version = file.version;
      Object.assign(plugins, file.plugins);
    }
  } else if (r === '2.3') {
    // LoadConfigWithPlugins: each file migrated to version 3, then merged key by key.
    for (const file of files) plugins = deepMerge(plugins, pluginsFor(file, r, os));
    version = 3;
  } else {
    // 2.0-2.2 LoadConfig: a version 0/1 file is migrated to 3 (plugin names only), then merged;
    // server.New runs the plugins' migrations on the merged config when its version is below 3.
    version = 3;
    for (const file of files) {
      const renamed: Record<string, Table> = { ...file.plugins };
      if (file.version <= 1 && renamed[CRI_V1] !== undefined) {
        renamed[CRI_V2] = renamed[CRI_V1] as Table;
        delete renamed[CRI_V1];
      }
      plugins = deepMerge(plugins, renamed);
      version = file.version <= 1 ? 3 : file.version;
    }
    if (version < 3) plugins = pluginsFor({ name: '', version: 2, plugins, imports: [] }, r, os);
    else if (isTable(plugins[CRI_V2]?.['registry']) && !isTable(plugins[IMAGES_V3]?.['registry'])) {
      const v1 = files.find((f) => f.version <= 1 && (f.plugins[CRI_V1] ?? f.plugins[CRI_V2]) !== undefined);
      return {
        verdict: 'does-not-read',
        reason: `${v1?.name ?? files[0]?.name} is a version ${v1?.version || 1} config (no \`version\` counts as 1): containerd ${r} renames its plugins but never moves the CRI registry settings to [plugins."${IMAGES_V3}".registry] (only version 2 files get that; 2.3 fixed it), so its config_path is ignored; write the file as version 2 (or 3) and restart containerd`,
      };
    }
  }
  // Refusals name the table of the main file's version (a defaults-only node: the release's own format).
  const table = registryTableFor(files[0] !== undefined ? Math.max(files[0].version, 1) : isTwo(r) ? 3 : 2);
  const pluginKey = isTwo(r) ? IMAGES_V3 : version <= 1 ? CRI_V1 : CRI_V2;
  const images = plugins[pluginKey] ?? {};
  const registry = isTable(images['registry']) ? images['registry'] : {};
  const fallback = hasDefaultList(r, os) ? DEFAULT_LIST_22 : '';
  const configPath = typeof registry['config_path'] === 'string' ? registry['config_path'] : fallback;
  const mirrors = isTable(registry['mirrors']) && Object.keys(registry['mirrors']).length > 0;
  const set = (dir: string): string => `set config_path = ${JSON.stringify(dir)} under ${table} in ${files[0]?.name ?? facts.configFile} and restart containerd`;

  if (!isTwo(r) && version <= 1 && plugins[CRI_V2] !== undefined && plugins[CRI_V1] === undefined) {
    // services/server/config/config.go Decode: a version 1 config names plugins by ID (`cri`), so 1.x never looks at the URI table.
    return {
      verdict: 'does-not-read',
      reason: `${what} has no \`version = 2\`, so containerd ${r} reads it as version 1, where the CRI plugin is [plugins.cri] and [plugins."${CRI_V2}"] is ignored; add version = 2 at the top and restart containerd`,
    };
  }
  if (mirrors && configPath !== '') {
    return {
      verdict: 'does-not-read',
      reason: `${what} sets both registry.mirrors and config_path under ${table}: containerd's CRI plugin does not load ("\`mirrors\` cannot be set when \`config_path\` is provided"), so no pod pulls at all; remove the mirrors table`,
    };
  }
  if (configPath === '') {
    return {
      verdict: 'does-not-read',
      reason: `${what} leaves config_path unset (containerd ${r}'s default is "")${mirrors ? ' and uses the deprecated registry.mirrors table' : ''}, so containerd ignores ${configDir}; ${set(configDir)}`,
    };
  }
  const separator = os === 'windows' ? ';' : ':';
  const roots = configPath.split(separator).filter((x) => x !== '');
  const want = normalize(configDir, os);
  const index = roots.findIndex((root) => normalize(root, os) === want);
  if (index < 0) {
    return {
      verdict: 'does-not-read',
      reason: `${what} has config_path = ${JSON.stringify(configPath)}${registry['config_path'] === undefined ? ` (containerd ${r}'s default)` : ''}, which does not include ${configDir}; pass --config-dir with that directory, or ${set(configDir)}`,
    };
  }
  if (roots.length > 1 && pullsThroughTransfer(r) && !localPull(images, os)) {
    return {
      verdict: 'does-not-read',
      reason:
        `${what} has config_path = ${JSON.stringify(configPath)}${registry['config_path'] === undefined ? ` (containerd ${r}'s default)` : ''}, a list, and containerd 2.1 and later pull through the transfer service, ` +
        `which takes the whole list as ONE directory name (containerd issues #12415, #12636, #12808), so ${configDir} is ignored; ${set(configDir)}`,
    };
  }
  const shadow = index > 0 ? ` (after ${roots.slice(0, index).join(', ')}: a registry directory or _default there wins)` : '';
  return { verdict: 'reads', reason: `${what} has config_path = ${JSON.stringify(configPath)}, so containerd ${r} reads ${configDir}${shadow}` };
}

/** CheckLocalImagePullConfigs (internal/cri/config/config.go, 2.1+): settings that make CRI pull locally, reading every root. */
function localPull(images: Table, os: TargetOs): boolean {
  const registry = isTable(images['registry']) ? images['registry'] : {};
  const nonEmpty = (key: string): boolean => isTable(registry[key]) && Object.keys(registry[key]).length > 0;
  return (
    images['use_local_image_pull'] === true ||
    images['discard_unpacked_layers'] === true ||
    images['image_pull_with_sync_fs'] === true ||
    (typeof images['max_concurrent_downloads'] === 'number' && images['max_concurrent_downloads'] !== 3) ||
    (os === 'linux' && images['disable_snapshot_annotations'] === false) ||
    nonEmpty('mirrors') ||
    nonEmpty('configs') ||
    nonEmpty('auths')
  );
}

function normalize(path: string, os: TargetOs): string {
  if (os === 'windows') return path.replace(/\//g, '\\').replace(/\\+$/, '').toLowerCase() + '\\';
  return path.replace(/\/+$/, '') + '/';
}

/** After writing: does the RUNNING containerd read the directory? (docs/node-applier.md "Effect") */
export type WriteEffect = 'effective' | 'written-not-verifiable' | 'not-effective';

/**
 * `crictl info` is the one place a node shows the running daemon's registry settings: containerd 1.x
 * puts its CRI config, `registry.configPath` included, under `config` (pkg/cri/server/status.go). 2.x
 * moved the image settings to the images plugin and no longer shows them there, and no `ctr` command
 * resolves a host through the hosts directory without pulling; then the files are written but whether
 * the running daemon uses them cannot be told (a config edited but not yet restarted looks the same).
 */
export function effectAfterWrite(verdict: ConfigPathVerdict | null, criInfo: string | null, facts: Pick<ContainerdFacts, 'os' | 'configDir' | 'version'>): { effect: WriteEffect; why: string } {
  const decided = verdict === null ? "the containerd config check is off (--containerd-config '')" : `the ${verdict.source} says containerd reads it`;
  if (criInfo === null) {
    return { effect: 'written-not-verifiable', why: `the running containerd was not asked (no crictl on the node, or \`crictl info\` failed); ${decided}` };
  }
  let configPath: unknown;
  let localPull: unknown;
  try {
    const info = JSON.parse(criInfo) as { config?: { registry?: { configPath?: unknown }; useLocalImagePull?: unknown } };
    configPath = info.config?.registry?.configPath;
    localPull = info.config?.useLocalImagePull;
  } catch {
    return { effect: 'written-not-verifiable', why: `\`crictl info\` printed no JSON; ${decided}` };
  }
  if (typeof configPath !== 'string') {
    return { effect: 'written-not-verifiable', why: `\`crictl info\` does not show the running containerd's config_path (containerd 2.x does not); ${decided}` };
  }
  const roots = configPath.split(facts.os === 'windows' ? ';' : ':').filter((r) => r !== '');
  const want = normalize(facts.configDir, facts.os);
  const release = facts.version !== null ? releaseOf(facts.version) : null;
  const listIgnored = roots.length > 1 && release !== null && pullsThroughTransfer(release) && localPull !== true;
  if (!roots.some((r) => normalize(r, facts.os) === want) || listIgnored) {
    return {
      effect: 'not-effective',
      why: `the running containerd (crictl info) has config_path = ${JSON.stringify(configPath)}, so it does not read ${facts.configDir}${listIgnored ? ' (a list, taken as one directory by the transfer-service pull)' : ''}; restart containerd after changing its config, or fix config_path`,
    };
  }
  return { effect: 'effective', why: `the running containerd (crictl info) has config_path = ${JSON.stringify(configPath)}` };
}
