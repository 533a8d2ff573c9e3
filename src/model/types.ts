// The per-registry model each profile builds, and the renderers turn into hosts.toml text.
import type { MirrorEntry } from '../validate/mirror-set.js';

export type Capability = 'pull' | 'resolve';

export interface ContainerdHost {
  /** `https://mirror.example.com/v2/prefix`: the API root, used with override_path = true. */
  url: string;
  capabilities: Capability[];
  /** Trust and transport from the cluster Image config (insecure registries, additional CA). */
  skipVerify?: boolean;
  /** Path of a CA bundle relative to the directory of hosts.toml. */
  ca?: string;
}

export interface ContainerdHostsFile {
  /** `host[:port]` of the source registry. */
  registry: string;
  /** Directory name under the config dir: `host_port_` or `host`. */
  directory: string;
  /** The `server` URL: the source's API root, or the first mirror under NeverContactSource. */
  server: string;
  /** Root-level trust settings that apply to `server`. */
  serverSkipVerify?: boolean;
  serverCa?: string;
  hosts: ContainerdHost[];
  /** Extra files written beside hosts.toml (CA bundles), name -> content. */
  extraFiles?: Readonly<Record<string, string>>;
  /** The entries that contributed mirrors, in reading order. */
  entries: MirrorEntry[];
}

/** WMCO's `mirror` (pkg/registries/registries.go): a truncated host string and whether it resolves tags. */
export interface WmcoMirror {
  host: string;
  resolveTags: boolean;
}

/** WMCO's `mirrorSet` after getMergedMirrorSets: one per registry key. */
export interface WmcoHostsFile {
  registry: string;
  /** WMCO writes `<registry>\hosts.toml` with the key as is. */
  directory: string;
  /** `source` of the mirror set, or its first mirror host under NeverContactSource (generateConfig). */
  fallbackServer: string;
  mirrors: WmcoMirror[];
}
