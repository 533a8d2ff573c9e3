// What a Node says about OpenShift's Windows Machine Config Operator (WMCO), read through discovery:
// whether WMCO manages the node (it then writes C:\k\containerd\registries itself), and the SSH host
// key WMCO pinned for it. Names and formats are WMCO's (openshift/windows-machine-config-operator,
// commit 0be4b9cc), cited per constant. Pure: the Nodes come from io/kube-nodes.ts.
import type { KubeNode } from './discovery.js';
import { knownHostsName, type NodeTarget } from './node-target.js';

/** pkg/metadata/metadata.go `VersionAnnotation`: "the version of WMCO that configured the node". */
export const WMCO_VERSION_ANNOTATION = 'windowsmachineconfig.openshift.io/version';
/**
 * pkg/windows/hostkey.go `SSHHostKeyAnnotation` and `SSHHostKeyTypeAnnotation`: `storeKeyToNode`
 * writes base64.StdEncoding of the key's SSH wire format (`key.Marshal()`, the known_hosts key field)
 * and `key.Type()` (ssh-ed25519, ssh-rsa, ...).
 */
export const WMCO_HOST_KEY_ANNOTATION = 'windowsmachineconfig.openshift.io/ssh-host-key';
export const WMCO_HOST_KEY_TYPE_ANNOTATION = 'windowsmachineconfig.openshift.io/ssh-host-key-type';

/** The WMCO version that configured this Node, or undefined when WMCO does not manage it. */
export function wmcoVersion(node: KubeNode): string | undefined {
  return node.metadata?.annotations?.[WMCO_VERSION_ANNOTATION];
}

/** Why WMCO-managed nodes are refused without spec.wmco.coexist: what WMCO does, and what to use instead. */
export function wmcoRefusal(version: string): string {
  return (
    `the Node is managed by WMCO (annotation ${WMCO_VERSION_ANNOTATION}=${JSON.stringify(version.slice(0, 64))}): WMCO 10.16+ writes ` +
    `C:\\k\\containerd\\registries itself from the cluster's ImageDigestMirrorSets and ImageTagMirrorSets and replaces the whole directory ` +
    `on every mirror-set change and node configuration, so a second writer would flip-flop with it. Review what WMCO writes with ` +
    `\`mirrorset-hosts plan --profile wmco\` or \`lint --profile wmco\`; to write these nodes anyway, set spec.wmco.coexist: true ` +
    `(--wmco-coexist) with spec.profile: wmco, so both writers write the same bytes`
  );
}

/** A pinned host key as a known_hosts key (`<type> <base64>`), or why the Node has none usable. */
export function pinnedHostKey(node: KubeNode): { key: string } | { problem: string } {
  const annotations = node.metadata?.annotations ?? {};
  const blob = annotations[WMCO_HOST_KEY_ANNOTATION];
  if (blob === undefined || blob === '') {
    return {
      problem: `the Node has no ${WMCO_HOST_KEY_ANNOTATION} annotation (WMCO pins it on its first SSH connection to the node), so its host key is unknown; the node is refused, never trusted on first use: wait until WMCO has configured it, or list its key in a known_hosts (spec.ssh.knownHosts {kind, name})`,
    };
  }
  const bad = (why: string): { problem: string } => ({
    problem: `the Node's ${WMCO_HOST_KEY_ANNOTATION} annotation is not an SSH public key in WMCO's format (base64 of the key's wire format): ${why}; the node is refused`,
  });
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) return bad('not standard base64');
  // atob: one character per byte. RFC 4253 section 6.6: the key blob starts with its algorithm name
  // as an SSH string (a big-endian uint32 length, then the name).
  const bytes = atob(blob);
  const length = bytes.length >= 4 ? [0, 1, 2, 3].reduce((n, i) => n * 256 + bytes.charCodeAt(i), 0) : -1;
  const type = length > 0 && length <= 64 && bytes.length > 4 + length ? bytes.slice(4, 4 + length) : '';
  if (!/^[a-z0-9][a-z0-9@.-]*$/.test(type)) return bad('it does not start with a key type');
  const declared = annotations[WMCO_HOST_KEY_TYPE_ANNOTATION];
  if (declared !== undefined && declared !== type) return bad(`${WMCO_HOST_KEY_TYPE_ANNOTATION} says ${JSON.stringify(declared.slice(0, 64))}, the key is ${type}`);
  return { key: `${type} ${blob}` };
}

/** known_hosts lines for these targets: each under the name ssh looks it up by, with its Node's pinned key. */
export function knownHostsLines(targets: ReadonlyArray<{ target: NodeTarget; key: string }>): string {
  return targets.map(({ target, key }) => `${knownHostsName(target)} ${key}\n`).join('');
}
