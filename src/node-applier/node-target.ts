// Which nodes the applier talks to, and the defaults that depend on the node's OS.
// Pure: the inventory text is parsed here; run-apply.ts reads the file through its ApplyIo.
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Diagnostic, SourceLocation } from '../diagnostics.js';
import { isPlainObject, type FieldPath } from '../parse/parse-manifests.js';
import { INVENTORY_ENTRY_SCHEMA } from '../validate/function-config-schema.js';
import { walkConfigSchema } from '../validate/function-config.js';
import { formatFieldPath } from '../validate/diagnostics-for.js';
import { compareStrings, type ContainerdRelease, type InventoryEntry, type SshBecome, type TargetOs } from '../vocabulary.js';
import { nodeDefaults, type Platform } from './platforms.js';

/** One node as the applier sees it: where to connect and where containerd reads hosts.toml. */
export interface NodeTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  os: TargetOs;
  /** sudo: the program runs under `sudo -n` (./become.ts); absent: the SSH user runs it. */
  become?: 'sudo';
  /** The containerd hosts directory on the node (`config_path`). */
  configDir: string;
  /** containerd's config file, read to check `config_path`; '' skips the check. */
  containerdConfig: string;
  /** Declared: containerd runs with this release's built-in defaults (no config file). */
  assumeContainerdDefaults?: ContainerdRelease;
}

/** WMCO's node watch selects `kubernetes.io/os=windows` (controllers/registry_controller.go). */
export const DEFAULT_SELECTOR: Readonly<Record<TargetOs, string>> = {
  windows: 'kubernetes.io/os=windows',
  linux: 'kubernetes.io/os=linux',
};

// Names and addresses end up on the ssh command line: INVENTORY_ENTRY_SCHEMA allows nothing that
// could be read as an option, for the inventory file and for discovered Nodes alike.

/** Problems with one node entry (a discovered Node); empty when it is usable. */
export function nodeEntryProblems(entry: unknown): string[] {
  const problems: string[] = [];
  walkConfigSchema(entry, INVENTORY_ENTRY_SCHEMA, [], (_code, path, message) => problems.push(path.length > 0 ? `${formatFieldPath(path)}: ${message}` : message));
  return problems;
}

/**
 * The inventory file: YAML or JSON, either a list of entries or `{nodes: [...]}`, checked against
 * INVENTORY_ENTRY_SCHEMA. Returns the entries, or every problem found with its position (unknown
 * keys included: a typo must not be ignored).
 */
export function parseInventory(text: string, source: string): { entries: InventoryEntry[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file: source, line: pos.line, column: pos.col };
  };
  const error = doc.errors[0];
  if (error !== undefined) {
    return { entries: [], diagnostics: [{ code: 'YAML_SYNTAX', severity: 'error', message: `expected YAML or JSON: ${error.message.split('\n')[0]}`, location: at(error.pos[0]) }] };
  }
  const data: unknown = doc.toJS();
  const listed = Array.isArray(data);
  const list = listed ? data : isPlainObject(data) ? data['nodes'] : undefined;
  if (!Array.isArray(list)) {
    const message = `expected a list of nodes or {nodes: [...]}, found ${describe(data)}`;
    return { entries: [], diagnostics: [{ code: 'SCHEMA_TYPE', severity: 'error', message, location: at(0) }] };
  }
  // Findings name `nodes[i]` whichever form the file has; positions point into the file as written.
  const locate = (path: FieldPath, wantKey: boolean): SourceLocation => {
    const inFile = listed ? path.slice(1) : path;
    const parentNode = doc.getIn(inFile.slice(0, -1), true);
    const node = doc.getIn(inFile, true);
    if (wantKey && isMap(parentNode)) {
      const pair = parentNode.items.find((item) => isScalar(item.key) && item.key.value === inFile[inFile.length - 1]);
      if (isScalar(pair?.key) && pair.key.range) return at(pair.key.range[0]);
    }
    const range = (isNode(node) ? node : isNode(parentNode) ? parentNode : undefined)?.range;
    return at(range?.[0] ?? 0);
  };
  const diagnostics: Diagnostic[] = [];
  const entries: InventoryEntry[] = [];
  const seen = new Map<string, number>();
  list.forEach((item: unknown, index) => {
    const before = diagnostics.length;
    walkConfigSchema(item, INVENTORY_ENTRY_SCHEMA, ['nodes', index], (code, path, message, options = {}) => {
      diagnostics.push({ code, severity: 'error', message, field: formatFieldPath(path), location: locate(options.at ?? path, options.atKey ?? false) });
    });
    const name = isPlainObject(item) ? item['name'] : undefined;
    const first = typeof name === 'string' ? seen.get(name) : undefined;
    if (typeof name === 'string' && first !== undefined) {
      const message = `node ${name} is listed twice (first as nodes[${first}]); list each node once`;
      diagnostics.push({ code: 'SCHEMA_DUPLICATE_ITEM', severity: 'error', message, field: `nodes[${index}].name`, location: locate(['nodes', index, 'name'], false) });
    } else if (typeof name === 'string') {
      seen.set(name, index);
    }
    if (diagnostics.length === before) entries.push(item as InventoryEntry);
  });
  return { entries, diagnostics };
}

// The kind of value only, never the value: `--inventory` pointed at the wrong file (a private key,
// a token: both read as one YAML string) must not print that file in the error.
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

export interface TargetDefaults {
  os: TargetOs;
  /** Picks the user and paths per node OS where nothing explicit does (./platforms.ts). */
  platform?: Platform;
  port: number;
  user?: string;
  become?: SshBecome;
  configDir?: string;
  containerdConfig?: string;
  assumeContainerdDefaults?: ContainerdRelease;
}

/** An entry completed with the run's defaults; the entry's own fields win. */
export function resolveTarget(entry: InventoryEntry, defaults: TargetDefaults): NodeTarget {
  const os = entry.os ?? defaults.os;
  const preset = nodeDefaults(defaults.platform, os);
  return {
    name: entry.name,
    address: entry.address,
    port: entry.port ?? defaults.port,
    user: entry.user ?? defaults.user ?? preset.user,
    os,
    ...(defaults.become === 'sudo' ? { become: 'sudo' as const } : {}),
    configDir: entry.configDir ?? defaults.configDir ?? preset.configDir,
    containerdConfig: entry.containerdConfig ?? defaults.containerdConfig ?? preset.containerdConfig,
    ...(defaults.assumeContainerdDefaults !== undefined ? { assumeContainerdDefaults: defaults.assumeContainerdDefaults } : {}),
  };
}

/** Static entries and discovered ones; a static entry overrides a discovered node of the same name. */
export function mergeTargets(staticEntries: readonly InventoryEntry[], discovered: readonly InventoryEntry[]): InventoryEntry[] {
  const byName = new Map<string, InventoryEntry>();
  for (const entry of discovered) byName.set(entry.name, entry);
  for (const entry of staticEntries) byName.set(entry.name, entry);
  return [...byName.values()].sort((a, b) => compareStrings(a.name, b.name));
}

/** `host` or `[host]:port` as ssh and known_hosts spell it. */
export function displayAddress(target: Pick<NodeTarget, 'address' | 'port'>): string {
  const host = target.address.includes(':') && !target.address.startsWith('[') ? `[${target.address}]` : target.address;
  return target.port === 22 ? host : `${host}:${target.port}`;
}

/** How known_hosts names the node: `host` on port 22, `[host]:port` otherwise (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT). */
export function knownHostsName(target: Pick<NodeTarget, 'address' | 'port'>): string {
  const host = target.address.replace(/^\[(.*)\]$/, '$1');
  return target.port === 22 ? host : `[${host}]:${target.port}`;
}
