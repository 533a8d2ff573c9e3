// `spec.platform` / `apply --platform`: what a platform decides for the applier, as one table. Per
// node OS: the SSH user, the containerd hosts directory and containerd's config file; per platform:
// whether the pod may carry a fixed uid/gid/fsGroup. Every value is cited to the platform's own
// documentation or source in docs/platforms.md; explicit fields (spec.ssh.user, spec.target.*, an
// inventory entry) always win over the preset.
import type { Platform, TargetOs } from '../vocabulary.js';

export type { Platform } from '../vocabulary.js';
export const DEFAULT_PLATFORM: Platform = 'generic';

/** Where the applier connects and writes on a node of one OS. */
export interface NodeDefaults {
  user: string;
  /** containerd's `config_path` (the hosts directory). */
  configDir: string;
  /** containerd's config file, read to check config_path. */
  containerdConfig: string;
}

export interface PlatformPreset {
  nodes: Readonly<Record<TargetOs, NodeDefaults>>;
  /**
   * The uid, gid and fsGroup of the pod, or null where the platform assigns them (OpenShift's
   * restricted-v2 SCC picks them from the namespace's range and refuses any other value).
   */
  fixedIds: number | null;
  /** A dedicated ServiceAccount also without discovery: the one an OpenShift SCC is granted to. */
  alwaysServiceAccount: boolean;
}

/** The image's own user (scripts/build-image.sh APPLIER_UID); the image also runs under any other uid. */
export const APPLIER_UID = 65532;

// WMCO pkg/windows/windows.go: ContainerdConfigDir and ContainerdConfPath.
const WMCO_WINDOWS: NodeDefaults = { user: 'Administrator', configDir: 'C:\\k\\containerd\\registries', containerdConfig: 'C:\\k\\containerd\\containerd_conf.toml' };
// containerd docs/hosts.md (the hosts directory convention) and its default config file.
const CONTAINERD_LINUX = { configDir: '/etc/containerd/certs.d', containerdConfig: '/etc/containerd/config.toml' };
// containerd's own Windows default config file (defaults/defaults_windows.go DefaultConfigDir +
// config.toml), which AKS writes (Azure/AgentBaker staging/cse/windows/containerdfunc.ps1) and
// whose config_path AKS sets to C:\ProgramData\containerd\certs.d (containerdtemplate.toml and
// containerd2template.toml, since AgentBaker #7705, January 2026). EKS documents neither for
// Windows: the same paths are our choice there, and the preflight refuses each node whose
// containerd does not read the directory (docs/platforms.md).
const PROGRAM_FILES_CONTAINERD = { configDir: 'C:\\ProgramData\\containerd\\certs.d', containerdConfig: 'C:\\Program Files\\containerd\\config.toml' };

export const PLATFORM_PRESETS: Readonly<Record<Platform, PlatformPreset>> = {
  generic: {
    nodes: { windows: WMCO_WINDOWS, linux: { user: 'root', ...CONTAINERD_LINUX } },
    fixedIds: APPLIER_UID,
    alwaysServiceAccount: false,
  },
  openshift: {
    // Windows: WMCO's paths and its default user; Linux (RHCOS) is `core`, though its runtime is CRI-O.
    nodes: { windows: WMCO_WINDOWS, linux: { user: 'core', ...CONTAINERD_LINUX } },
    fixedIds: null,
    alwaysServiceAccount: true,
  },
  aks: {
    // AKS node access docs: the default user of AKS nodes (Linux and Windows) is azureuser.
    nodes: { windows: { user: 'azureuser', ...PROGRAM_FILES_CONTAINERD }, linux: { user: 'azureuser', ...CONTAINERD_LINUX } },
    fixedIds: APPLIER_UID,
    alwaysServiceAccount: false,
  },
  eks: {
    // EC2 Windows AMIs: Administrator (its password is what the key pair decrypts); Amazon Linux AMIs: ec2-user.
    nodes: { windows: { user: 'Administrator', ...PROGRAM_FILES_CONTAINERD }, linux: { user: 'ec2-user', ...CONTAINERD_LINUX } },
    fixedIds: APPLIER_UID,
    alwaysServiceAccount: false,
  },
};

export function nodeDefaults(platform: Platform | undefined, os: TargetOs): NodeDefaults {
  return PLATFORM_PRESETS[platform ?? DEFAULT_PLATFORM].nodes[os];
}
