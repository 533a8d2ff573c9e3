// Which nodes the applier talks to, and the defaults that depend on the node's OS.
// Pure: the inventory text is parsed here, the file is read by the adapter.
import { parse as parseYaml } from 'yaml';

export type TargetOs = 'linux' | 'windows';
export const TARGET_OSES: readonly TargetOs[] = ['linux', 'windows'];

/** One node as the applier sees it: where to connect and where containerd reads hosts.toml. */
export interface NodeTarget {
  name: string;
  address: string;
  port: number;
  user: string;
  os: TargetOs;
  /** The containerd hosts directory on the node (`config_path`). */
  configDir: string;
  /** containerd's config file, read to check `config_path`; '' skips the check. */
  containerdConfig: string;
}

/** An inventory entry as written by the user: only name and address are required. */
export interface InventoryEntry {
  name: string;
  address: string;
  port?: number;
  user?: string;
  os?: TargetOs;
  configDir?: string;
  containerdConfig?: string;
}

/**
 * WMCO `pkg/windows/windows.go`: `ContainerdConfigDir = C:\k\containerd\registries` and
 * `containerdConfPath = C:\k\containerd\containerd_conf.toml`; on Linux the containerd
 * documentation's convention (docs/hosts.md) and its default config file.
 */
export const DEFAULT_CONFIG_DIR: Readonly<Record<TargetOs, string>> = {
  windows: 'C:\\k\\containerd\\registries',
  linux: '/etc/containerd/certs.d',
};
export const DEFAULT_CONTAINERD_CONFIG: Readonly<Record<TargetOs, string>> = {
  windows: 'C:\\k\\containerd\\containerd_conf.toml',
  linux: '/etc/containerd/config.toml',
};
/** WMCO's node watch selects `kubernetes.io/os=windows` (controllers/registry_controller.go). */
export const DEFAULT_SELECTOR: Readonly<Record<TargetOs, string>> = {
  windows: 'kubernetes.io/os=windows',
  linux: 'kubernetes.io/os=linux',
};
/** WMCO's default Windows user on every cloud it supports; root on Linux, which owns /etc/containerd. */
export const DEFAULT_USER: Readonly<Record<TargetOs, string>> = {
  windows: 'Administrator',
  linux: 'root',
};

// Names and addresses end up on the ssh command line: nothing that could be read as an option.
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const ADDRESS = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]+\]?)$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._\\-]*$/;

/** Problems with one node entry; empty when it is usable. `where` names it in messages. */
export function nodeEntryProblems(entry: Partial<InventoryEntry>, where: string): string[] {
  const problems: string[] = [];
  if (typeof entry.name !== 'string' || !NODE_NAME.test(entry.name) || entry.name.length > 253) {
    problems.push(`${where}: name must be a Kubernetes node name (lower-case letters, digits, '-' and '.'), found ${JSON.stringify(entry.name)}`);
  }
  if (typeof entry.address !== 'string' || !ADDRESS.test(entry.address)) {
    problems.push(`${where}: address must be a host name or an IP address, found ${JSON.stringify(entry.address)}`);
  }
  if (entry.port !== undefined && !(Number.isInteger(entry.port) && entry.port >= 1 && entry.port <= 65535)) {
    problems.push(`${where}: port must be an integer from 1 to 65535, found ${JSON.stringify(entry.port)}`);
  }
  if (entry.user !== undefined && (typeof entry.user !== 'string' || !USER.test(entry.user))) {
    problems.push(`${where}: user must be letters, digits, '.', '_', '-' or a DOMAIN\\user, found ${JSON.stringify(entry.user)}`);
  }
  if (entry.os !== undefined && !TARGET_OSES.includes(entry.os)) {
    problems.push(`${where}: os must be linux or windows, found ${JSON.stringify(entry.os)}`);
  }
  for (const key of ['configDir', 'containerdConfig'] as const) {
    const value = entry[key];
    if (value !== undefined && (typeof value !== 'string' || /[\0\r\n]/.test(value))) {
      problems.push(`${where}: ${key} must be a path on one line, found ${JSON.stringify(value)}`);
    }
  }
  return problems;
}

const ENTRY_KEYS = new Set(['name', 'address', 'port', 'user', 'os', 'configDir', 'containerdConfig']);

/**
 * The inventory file: YAML or JSON, either a list of entries or `{nodes: [...]}`.
 * Returns the entries or every problem found (unknown keys included: a typo must not be ignored).
 */
export function parseInventory(text: string, source: string): { entries: InventoryEntry[]; problems: string[] } {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    return { entries: [], problems: [`${source}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`] };
  }
  const list = Array.isArray(data) ? data : (data as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(list)) {
    return { entries: [], problems: [`${source}: expected a list of nodes or {nodes: [...]}, found ${describe(data)}`] };
  }
  const entries: InventoryEntry[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  list.forEach((item: unknown, index) => {
    const where = `${source}: nodes[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      problems.push(`${where}: expected a mapping with name and address, found ${describe(item)}`);
      return;
    }
    for (const key of Object.keys(item)) {
      if (!ENTRY_KEYS.has(key)) problems.push(`${where}: unknown key ${JSON.stringify(key)}; expected one of ${[...ENTRY_KEYS].join(', ')}`);
    }
    const entry = item as InventoryEntry;
    const own = nodeEntryProblems(entry, where);
    problems.push(...own);
    if (own.length === 0) {
      if (seen.has(entry.name)) problems.push(`${where}: node ${entry.name} is listed twice`);
      seen.add(entry.name);
      entries.push(entry);
    }
  });
  return { entries, problems };
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
  port: number;
  user?: string;
  configDir?: string;
  containerdConfig?: string;
}

/** An entry completed with the run's defaults; the entry's own fields win. */
export function resolveTarget(entry: InventoryEntry, defaults: TargetDefaults): NodeTarget {
  const os = entry.os ?? defaults.os;
  return {
    name: entry.name,
    address: entry.address,
    port: entry.port ?? defaults.port,
    user: entry.user ?? defaults.user ?? DEFAULT_USER[os],
    os,
    configDir: entry.configDir ?? defaults.configDir ?? DEFAULT_CONFIG_DIR[os],
    containerdConfig: entry.containerdConfig ?? defaults.containerdConfig ?? DEFAULT_CONTAINERD_CONFIG[os],
  };
}

/** Static entries and discovered ones; a static entry overrides a discovered node of the same name. */
export function mergeTargets(staticEntries: readonly InventoryEntry[], discovered: readonly InventoryEntry[]): InventoryEntry[] {
  const byName = new Map<string, InventoryEntry>();
  for (const entry of discovered) byName.set(entry.name, entry);
  for (const entry of staticEntries) byName.set(entry.name, entry);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
