// Two admission checks for a generated pod template, written from their published definitions (no
// API server runs here): Kubernetes Pod Security "restricted", and OpenShift's restricted-v2 SCC.
// Each returns what would be refused; empty means admitted.

type Rec = Record<string, any>;

/** The pod template of a Job or CronJob. */
export function podTemplateOf(object: Rec): Rec | undefined {
  if (object['kind'] === 'Job') return object['spec']?.template;
  if (object['kind'] === 'CronJob') return object['spec']?.jobTemplate?.spec?.template;
  return undefined;
}

const containersOf = (pod: Rec): Rec[] => [...(pod['initContainers'] ?? []), ...(pod['containers'] ?? []), ...(pod['ephemeralContainers'] ?? [])];

/**
 * Pod Security Standards, "restricted" profile (kubernetes.io/docs/concepts/security/pod-security-standards/,
 * the Baseline controls plus the Restricted ones): no host namespaces, ports or paths, not privileged,
 * capabilities dropped to ALL (NET_BIND_SERVICE the only one added back), only the listed volume types,
 * no privilege escalation, non-root, seccomp RuntimeDefault or Localhost, default /proc mount, no unsafe sysctls.
 */
export function podSecurityRestrictedProblems(pod: Rec): string[] {
  const problems: string[] = [];
  const psc: Rec = pod['securityContext'] ?? {};
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[host] === true) problems.push(`${host} is set`);
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const volume of pod['volumes'] ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type === undefined || !allowedVolumes.includes(type)) problems.push(`volume ${volume.name} has type ${type}, not allowed`);
  }
  const safeSysctls = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
  for (const sysctl of psc['sysctls'] ?? []) if (!safeSysctls.includes(sysctl.name)) problems.push(`sysctl ${sysctl.name} is not safe`);
  if (psc['runAsUser'] === 0) problems.push('pod runAsUser is 0');
  const podSeccomp = psc['seccompProfile']?.type;
  for (const c of containersOf(pod)) {
    const sc: Rec = c['securityContext'] ?? {};
    const name = `container ${c['name']}`;
    if (sc['privileged'] === true) problems.push(`${name} is privileged`);
    for (const port of c['ports'] ?? []) if (port.hostPort) problems.push(`${name} uses hostPort ${port.hostPort}`);
    if (sc['procMount'] !== undefined && sc['procMount'] !== 'Default') problems.push(`${name} procMount ${sc['procMount']}`);
    if (sc['allowPrivilegeEscalation'] !== false) problems.push(`${name} does not set allowPrivilegeEscalation: false`);
    if ((sc['runAsNonRoot'] ?? psc['runAsNonRoot']) !== true) problems.push(`${name} does not run as non-root`);
    if (sc['runAsUser'] === 0) problems.push(`${name} runAsUser is 0`);
    const seccomp = sc['seccompProfile']?.type ?? podSeccomp;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${name} seccomp profile is ${seccomp ?? 'unset'}`);
    const caps: Rec = sc['capabilities'] ?? {};
    if (!(caps['drop'] ?? []).includes('ALL')) problems.push(`${name} does not drop ALL capabilities`);
    for (const add of caps['add'] ?? []) if (add !== 'NET_BIND_SERVICE') problems.push(`${name} adds capability ${add}`);
  }
  return problems;
}

/** A namespace's range as OpenShift annotates it (openshift.io/sa.scc.uid-range, .supplemental-groups). */
export interface SccRange {
  first: number;
  size: number;
}
export const EXAMPLE_NAMESPACE_RANGE: SccRange = { first: 1000680000, size: 10000 };

/**
 * OpenShift's restricted-v2 SecurityContextConstraints, as defined in openshift/cluster-kube-apiserver-operator
 * bindata/bootkube/scc-manifests/0000_20_kube-apiserver-operator_00_scc-restricted-v2.yaml and described
 * in the OpenShift docs ("Managing security context constraints"): allowHostDirVolumePlugin, allowHostIPC, allowHostNetwork,
 * allowHostPID, allowHostPorts, allowPrivilegedContainer and allowPrivilegeEscalation all false;
 * requiredDropCapabilities [ALL], allowedCapabilities [NET_BIND_SERVICE]; runAsUser MustRunAsRange
 * and fsGroup MustRunAs from the namespace's range; seLinuxContext MustRunAs; seccompProfiles
 * [runtime/default] (defaulted when unset); supplementalGroups RunAsAny; volumes configMap, csi,
 * downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret. A value the pod leaves unset is filled in by
 * the SCC (the first uid of the range, the range's fsGroup); a value it sets must fit.
 */
export function restrictedV2Problems(pod: Rec, range: SccRange = EXAMPLE_NAMESPACE_RANGE): string[] {
  const problems: string[] = [];
  const inRange = (n: number): boolean => n >= range.first && n < range.first + range.size;
  const psc: Rec = pod['securityContext'] ?? {};
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[host] === true) problems.push(`${host}: not allowed`);
  const volumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const volume of pod['volumes'] ?? []) {
    const type = Object.keys(volume).find((k) => k !== 'name');
    if (type === undefined || !volumes.includes(type)) problems.push(`volume ${volume.name}: ${type} volumes are not allowed to be used`);
  }
  if (typeof psc['runAsUser'] === 'number' && !inRange(psc['runAsUser'])) {
    problems.push(`pod runAsUser: Invalid value: ${psc['runAsUser']}: must be in the ranges: [${range.first}, ${range.first + range.size - 1}]`);
  }
  if (typeof psc['fsGroup'] === 'number' && !inRange(psc['fsGroup'])) problems.push(`fsGroup: Invalid value: ${psc['fsGroup']}: ${psc['fsGroup']} is not an allowed group`);
  const podSeccomp = psc['seccompProfile']?.type;
  if (podSeccomp !== undefined && podSeccomp !== 'RuntimeDefault') problems.push(`pod seccomp ${podSeccomp}: only runtime/default is allowed`);
  if (psc['seLinuxOptions'] !== undefined) problems.push('pod seLinuxOptions: MustRunAs assigns the level; a set value must equal it');
  for (const c of containersOf(pod)) {
    const sc: Rec = c['securityContext'] ?? {};
    const name = `container ${c['name']}`;
    if (sc['privileged'] === true) problems.push(`${name}: privileged containers are not allowed`);
    if (sc['allowPrivilegeEscalation'] === true) problems.push(`${name}: allowPrivilegeEscalation: Invalid value: true`);
    if (typeof sc['runAsUser'] === 'number' && !inRange(sc['runAsUser'])) problems.push(`${name} runAsUser: Invalid value: ${sc['runAsUser']}`);
    for (const port of c['ports'] ?? []) if (port.hostPort) problems.push(`${name}: host ports are not allowed`);
    for (const add of sc['capabilities']?.add ?? []) if (add !== 'NET_BIND_SERVICE') problems.push(`${name}: capability ${add} is not allowed`);
    const seccomp = sc['seccompProfile']?.type;
    if (seccomp !== undefined && seccomp !== 'RuntimeDefault') problems.push(`${name} seccomp ${seccomp}: only runtime/default is allowed`);
  }
  return problems;
}
