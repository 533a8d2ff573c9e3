// Findings about the user's input are data, never exceptions (eemeli/yaml src/errors.ts, kyaml
// fn/framework/result.go): every stage returns them, the adapters format them once.
import { compareStrings } from './vocabulary.js';

/** Spelled as the KRM functions spec spells result severities. */
export type Severity = 'error' | 'warning' | 'info';

export interface SourceLocation {
  /** Path as the user named it, `/`-separated. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** 0-based index of the YAML document in the file. */
  documentIndex?: number;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  /** A complete sentence: what is wrong, what was expected, what to do. */
  message: string;
  /** Field path in the object, e.g. `spec.imageDigestMirrors[0].source`. */
  field?: string;
  location?: SourceLocation;
  object?: ObjectRef;
  /** Accepted in the settings (`accept:`), with this reason: still reported, never made an error by --strict. */
  accepted?: string;
}

interface CodeInfo {
  severity: Severity;
  /** One line for the README table: what it means. */
  meaning: string;
  /** One line for the README table: how to fix it. */
  fix: string;
}

// Every code the tool can emit, in one place: the README table is checked against this list.
export const DIAGNOSTIC_CODES = {
  // --- reading input
  READ_FAILED: { severity: 'error', meaning: 'An input file or directory could not be read.', fix: 'Check the path and its permissions.' },
  NOT_UTF8: { severity: 'error', meaning: 'The file is not valid UTF-8 text (binary, UTF-16 or another encoding).', fix: 'Save the manifest as UTF-8.' },
  BYTE_ORDER_MARK: { severity: 'warning', meaning: 'The file starts with a UTF-8 byte order mark; it was ignored.', fix: 'Save the file without a BOM.' },
  EMPTY_FILE: { severity: 'warning', meaning: 'The file holds no YAML document.', fix: 'Remove the file or add the manifests it was meant to hold.' },
  YAML_SYNTAX: { severity: 'error', meaning: 'The file is not valid YAML (yaml parser error code in the message).', fix: 'Fix the YAML at the position shown.' },
  DUPLICATE_KEY: { severity: 'error', meaning: 'A mapping has the same key twice; the API server would keep only one of them.', fix: 'Remove or rename one of the keys.' },
  NO_MIRROR_SETS: { severity: 'error', meaning: 'No ImageDigestMirrorSet, ImageTagMirrorSet or ImageContentSourcePolicy was found in the inputs.', fix: 'Point the tool at the files that hold the mirror sets.' },
  // --- what the API server rejects (CRD openAPIV3Schema, metadata rules)
  UNSUPPORTED_API_VERSION: { severity: 'error', meaning: 'A kind the tool reads (IDMS, ITMS, ICSP, the cluster Image config) under a group or version the API server does not serve it in ("no matches for kind"); it would not be applied.', fix: 'Use config.openshift.io/v1 (IDMS, ITMS, Image) or operator.openshift.io/v1alpha1 (ICSP).' },
  SCHEMA_TYPE: { severity: 'error', meaning: 'A field has the wrong type for the CRD schema.', fix: 'Use the type the message names.' },
  SCHEMA_REQUIRED: { severity: 'error', meaning: 'A field the CRD requires is missing.', fix: 'Add the field.' },
  SCHEMA_UNKNOWN_FIELD: { severity: 'error', meaning: 'A field the CRD does not define (strict field validation rejects it).', fix: 'Remove it or fix its spelling.' },
  SCHEMA_ENUM: { severity: 'error', meaning: 'A value is not one of the values the CRD allows.', fix: 'Use one of the values the message lists.' },
  SCHEMA_PATTERN: { severity: 'error', meaning: 'A source or mirror does not match the CRD pattern: host[:port][/lowercase path], no scheme, tag or digest.', fix: 'Write the repository location without scheme, tag or digest, path in lower case.' },
  SCHEMA_DUPLICATE_ITEM: { severity: 'error', meaning: 'A list declared as a set (x-kubernetes-list-type: set) holds the same value twice.', fix: 'Remove the duplicate.' },
  INVALID_NAME: { severity: 'error', meaning: 'metadata.name is missing or not a DNS-1123 subdomain.', fix: 'Use lower-case letters, digits, "-" and ".", at most 253 characters.' },
  BUNDLE_KEY_TOO_LONG: { severity: 'error', meaning: 'A rendered path is too long to be a ConfigMap or Secret key (253 characters) even encoded.', fix: 'Shorten the registry host (a very long host name is almost always a mistake).' },
  INVALID_REGISTRY_HOST: { severity: 'error', meaning: 'A source or mirror host is longer than a DNS name may be (253 characters, 63 per label); it cannot be a directory name on the nodes either.', fix: 'Use the registry host name as it really is.' },
  REGISTRY_CASE_COLLISION: { severity: 'error', meaning: 'Two source registries differ only in case: one directory on Windows nodes (NTFS) and macOS, so one hosts.toml would replace the other; DNS reads them as one host anyway.', fix: 'Write the registry host in lower case everywhere.' },
  WINDOWS_DEVICE_NAME: { severity: 'error', meaning: 'A source registry directory is a Windows device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9) before its first dot; Windows nodes cannot create it.', fix: 'Use another name (a CNAME) for the registry host.' },
  NODE_NAME_TOO_LONG: { severity: 'error', meaning: 'A directory or file name written to the nodes would be longer than 255 bytes (a long host with a port, or the CA file of a long host).', fix: 'Write the registry host and port as they really are.' },
  DUPLICATE_OBJECT: { severity: 'error', meaning: 'Two objects of the same kind have the same name; the second would replace the first.', fix: 'Rename or merge one of them.' },
  // --- what MCO rejects (validateRegistriesConfScopes)
  POLICY_CONFLICT: { severity: 'error', meaning: 'The same source has different mirrorSourcePolicy values (unset counts as AllowContactingSource); MCO refuses the whole config.', fix: 'Give every entry for that source the same policy.' },
  NEVER_CONTACT_SOURCE_MIRRORS_SOURCE: { severity: 'error', meaning: 'NeverContactSource on an entry whose mirrors include its own source; MCO refuses it.', fix: 'Remove the source from its mirrors or allow contacting the source.' },
  // --- functionConfig (MirrorSetHosts), KRM and bundle
  SCHEMA_OUT_OF_RANGE: { severity: 'error', meaning: 'A number, length or list size is outside what the schema allows.', fix: 'Use a value within the range the message gives.' },
  UNKNOWN_CONFIG_KIND: { severity: 'error', meaning: 'The functionConfig is not a mirrorset-hosts.io/v1alpha1 MirrorSetHosts (or a ConfigMap with its keys).', fix: 'Set apiVersion: mirrorset-hosts.io/v1alpha1 and kind: MirrorSetHosts.' },
  INPUT_OUTSIDE_ROOT: { severity: 'error', meaning: 'A path the settings of a repository name (spec.inputs, or inputs and out of .mirrorset-hosts.yaml), or a file found through one, leads outside the directory of those settings: `..`, an absolute path, or a symbolic link (kustomize refuses such files by default too).', fix: 'Move the files below the settings, or name them on the command line; for spec.inputs, spec.allowOutsideRoot: true allows it.' },
  BUNDLE_OBJECT_TOO_LARGE: { severity: 'error', meaning: 'A file (or the bundle manifest) does not fit in one ConfigMap/Secret under spec.bundle.maxObjectBytes; files are split across objects but never truncated.', fix: 'Raise spec.bundle.maxObjectBytes (at most 1048576) or make the file smaller.' },
  NOT_A_RESOURCE_LIST: { severity: 'error', meaning: 'Standard input is not a KRM ResourceList (config.kubernetes.io/v1) although the tool was started as a KRM function (no arguments, stdin not a terminal).', fix: 'Run it through kpt or kustomize, or use a subcommand such as render or build.' },
  NODE_APPLIER_INCOMPLETE: { severity: 'error', meaning: 'spec.image asks for the node-applier Job, but a setting it needs is missing or wrong (SSH Secret, known hosts, namespace for node discovery).', fix: 'Set the field the message names, or remove spec.image to generate the bundle alone.' },
  POD_MEMORY_BELOW_NEED: { severity: 'warning', meaning: 'spec.pod.resources asks for less memory than the applier was measured to use with the default rollout (10 nodes at a time): a request below it is evicted first under memory pressure, a limit below it may be killed mid-rollout.', fix: 'Set requests.memory and limits.memory to at least 128Mi, or lower spec.rollout.maxParallel (docs/platforms.md "Pod resources").' },
  INSECURE_HOST_KEYS: { severity: 'warning', meaning: 'spec.ssh.insecureIgnoreHostKeys is set: the node-applier Job accepts any SSH host key, so anyone on the network path can impersonate a node and receive the files.', fix: 'Set spec.ssh.knownHosts to a ConfigMap or Secret with every node\'s host key; keep the opt-out for labs.' },
  NODE_APPLIER_SKIPPED: { severity: 'info', meaning: 'No node-applier Job was generated because spec.image is not set; only the ConfigMap/Secret with the files was.', fix: 'Set spec.image and spec.ssh to have the Job copy the files to the nodes.' },
  MIRROR_SET_ITEMS_IGNORED: { severity: 'info', meaning: 'spec.inputs is set, so the function reads those files and passes the mirror sets among the ResourceList items through unread.', fix: 'Remove spec.inputs to render the items instead.' },
  // --- containerd profile
  SCOPE_BROADENED: { severity: 'warning', meaning: 'containerd configures mirrors per registry: the mirrors of a namespace or repository source apply to every image of the registry.', fix: 'Make sure the mirrors serve every repository of the registry, or accept that missing ones fall through.' },
  MIRROR_RENAMES_REPOSITORY: { severity: 'warning', meaning: 'The mirror does not end with the source path, so it renames the repository; containerd can only add a prefix, so the mirror is left out.', fix: 'Mirror to a path that ends with the source path (for example mirror.example/org/<source path>).' },
  REGISTRY_POLICY_CONFLICT: { severity: 'error', meaning: 'Entries that contribute mirrors to one registry disagree on mirrorSourcePolicy; on containerd the policy applies to the whole registry.', fix: 'Use the same mirrorSourcePolicy on every entry for the registry.' },
  WILDCARD_SOURCE_SKIPPED: { severity: 'warning', meaning: 'containerd has no wildcard host lookup; the *.domain source is left out.', fix: 'List each registry host explicitly.' },
  // --- trust and transport (the cluster Image config and its additionalTrustedCA ConfigMap)
  IMAGE_CONFIG_NOT_CLUSTER: { severity: 'warning', meaning: 'An Image (config.openshift.io/v1) not named "cluster": the cluster reads only "cluster", so it is ignored.', fix: 'Rename it to "cluster" or remove it.' },
  INSECURE_REGISTRY_INVALID: { severity: 'error', meaning: 'An insecureRegistries entry MCO or registries.conf refuses: empty, with a URI scheme, or a wildcard other than a leading "*.".', fix: 'Write host, host:port, host[:port]/path or *.domain.' },
  REGISTRY_SCOPE_INVALID: { severity: 'error', meaning: 'A blockedRegistries, allowedRegistries or containerRuntimeSearchRegistries entry MCO or the node refuses: empty, with a URI scheme or white space, a wildcard other than a leading "*.", or a search registry that is not host[:port].', fix: 'Write host, host:port, host[:port]/path or *.domain (search registries: host or host:port).' },
  REGISTRY_SOURCES_CONFLICT: { severity: 'error', meaning: 'Both allowedRegistries and blockedRegistries are set in the Image config; MCO and the API server accept only one of them.', fix: 'Keep one list: allowedRegistries to permit only those registries, or blockedRegistries to refuse only those.' },
  INSECURE_REGISTRY_NARROWED: { severity: 'warning', meaning: 'An insecureRegistries entry with a path covers a source but not its whole registry; containerd sets TLS per host, so the source server stays verified HTTPS.', fix: 'List the registry itself as insecure if the whole registry is.' },
  CA_CONFIGMAP_MISSING: { severity: 'error', meaning: 'additionalTrustedCA names a ConfigMap that is not in openshift-config among the inputs.', fix: 'Add the ConfigMap (metadata.namespace: openshift-config) to the inputs.' },
  CA_KEY_INVALID: { severity: 'error', meaning: 'A key of the CA ConfigMap is not a valid ConfigMap key (a ":" for the port, most often).', fix: 'Name the key host, or host..port for a port.' },
  CA_BUNDLE_INVALID: { severity: 'error', meaning: 'A CA the rendered files need holds no usable PEM certificate; containerd would fail every pull through that host, with no fallback.', fix: 'Put the registry CA certificate, PEM-encoded, under the key.' },
  CA_BLOCK_SKIPPED: { severity: 'warning', meaning: 'A block of a CA bundle is not a usable certificate (another PEM type, headers, bad base64 or DER); containerd skips it and it is not written.', fix: 'Remove the block from the ConfigMap; never put a private key there.' },
  TRUST_UNUSED: { severity: 'info', meaning: 'An insecure registry or a CA matches no mirror or source of the rendered files (or the CA is moot because the host is insecure).', fix: 'None needed; check the host and port if you expected it to apply.' },
  // --- wmco profile: WMCO defects it reproduces
  WMCO_ICSP_IGNORED: { severity: 'warning', meaning: 'WMCO reads only IDMS and ITMS: this ImageContentSourcePolicy has no effect on Windows nodes.', fix: 'Migrate it with `oc adm migrate icsp`.' },
  WMCO_ORDER_DISCARDED: { severity: 'warning', meaning: 'WMCO sorts mirrors alphabetically; the priority order written in the mirror sets is lost.', fix: 'None on WMCO; the containerd profile keeps the order.' },
  WMCO_DUPLICATE_TABLE: { severity: 'warning', meaning: 'Two mirrors of a lone entry truncate to the same host: WMCO writes the table twice, the file is invalid TOML and containerd ignores it.', fix: 'Keep one of the mirrors, or add an entry so WMCO merges them.' },
  WMCO_WINDOWS_ILLEGAL_DIRECTORY: { severity: 'warning', meaning: 'WMCO names the directory after the registry as written; ":" and "*" are illegal in Windows file names, so the copy fails or containerd never looks there.', fix: 'None on WMCO; the containerd profile writes host_port_.' },
  WMCO_REGISTRY_WIDE: { severity: 'warning', meaning: 'WMCO applies the mirrors of a namespace or repository source to the whole registry.', fix: 'Make sure the mirrors serve every repository of the registry.' },
  WMCO_POLICY_REGISTRY_WIDE: { severity: 'warning', meaning: 'WMCO applies NeverContactSource of one namespace or repository to every image of the registry.', fix: 'Mirror every image of the registry, or drop NeverContactSource.' },
  WMCO_NAMING_REQUIREMENT: { severity: 'warning', meaning: 'The mirror does not end with the source namespace/image path (the documented Windows naming requirement); WMCO points pulls at a path that will 404.', fix: 'Mirror to <mirror registry>[/org]/<source namespace>/<image>.' },
  WMCO_POLICY_ORDER_DEPENDENT: { severity: 'warning', meaning: 'The merged mirrorSourcePolicy depends on the order in which WMCO lists the objects, which is not fixed.', fix: 'Use the same mirrorSourcePolicy on every entry for the registry.' },
  WMCO_TRUST_IGNORED: { severity: 'warning', meaning: 'WMCO ignores insecureRegistries and additionalTrustedCA of the Image config: Windows nodes reach mirrors over verified HTTPS with the system roots only.', fix: 'None on WMCO; the containerd profile honours both.' },
  WMCO_NEVER_CONTACT_SOURCE_LOST: { severity: 'warning', meaning: 'An entry asks for NeverContactSource, but an earlier unset policy wins in WMCO\'s merge: the source is still contacted.', fix: 'Set NeverContactSource on every entry for the registry.' },
  // --- lint only: the rules the product documentation states (src/validate/lint-rules/; never emitted by render)
  ITMS_REGISTRY_WIDE: { severity: 'warning', meaning: 'An ImageTagMirrorSet mirror for a namespace or repository applies to every image of the registry on Windows and containerd nodes, and tags are not verified (docs 5.6).', fix: 'Mirror by digest with an ImageDigestMirrorSet, or mirror the whole registry.' },
  PAUSE_IMAGE_NOT_MIRRORED: { severity: 'warning', meaning: 'Mirrors are configured for mcr.microsoft.com (or its source is never contacted) but nothing mirrors mcr.microsoft.com/oss/kubernetes/pause, which every Windows pod needs (docs 5.6.2).', fix: 'Copy the pause image to the mirror and add an entry with source mcr.microsoft.com/oss/kubernetes/pause.' },
  ICSP_DEPRECATED: { severity: 'warning', meaning: 'ImageContentSourcePolicy is deprecated in favour of ImageDigestMirrorSet, and WMCO ignores it (docs 5.6.1).', fix: 'Convert it with `oc adm migrate icsp FILE --dest-dir DIR` and commit the ImageDigestMirrorSet instead.' },
  MIRROR_IS_SOURCE: { severity: 'warning', meaning: 'The only mirror of an entry is its own source: nodes pull from the source exactly as without the entry (docs 5.6.1).', fix: 'Add a real mirror or remove the entry.' },
  SOURCE_LISTED_AS_MIRROR: { severity: 'info', meaning: 'The source is listed among its mirrors, so it is tried at that position instead of last (docs 5.6.1).', fix: 'Remove it unless the source should be tried before the mirrors after it.' },
  DUPLICATE_MIRROR: { severity: 'warning', meaning: 'The same mirror for the same source is listed twice (in one ImageContentSourcePolicy entry, or in several entries or objects of the same pull type).', fix: 'Keep one of them.' },
  POLICY_REGISTRY_WIDE: { severity: 'warning', meaning: 'NeverContactSource on a namespace or repository source stops containerd from contacting the source for every image of the registry (containerd profile; WMCO_POLICY_REGISTRY_WIDE under wmco).', fix: 'Mirror every image of the registry you pull, or drop NeverContactSource.' },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

/** Where a finding points: the field as the user reads it, and its position as the parser gave it. */
export interface Place {
  readonly field?: string;
  readonly location?: SourceLocation;
}

/**
 * The one way a finding is made: its severity is the one DIAGNOSTIC_CODES gives the code (a code means
 * one severity everywhere; --strict raises warnings afterwards). `at` is a located value, entry or
 * object field (their positions are looked up lazily, so only when a finding is made).
 */
export function diagnostic(code: DiagnosticCode, message: string, at?: Place, object?: ObjectRef): Diagnostic {
  const found: Diagnostic = { code, severity: DIAGNOSTIC_CODES[code].severity, message };
  const field = at?.field;
  if (field !== undefined) found.field = field;
  const location = at?.location;
  if (location !== undefined) found.location = location;
  if (object !== undefined) found.object = object;
  return found;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Sort by file, position, then severity, code and message: output independent of discovery order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      compareStrings(a.location?.file ?? '', b.location?.file ?? '') ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      (a.location?.column ?? 0) - (b.location?.column ?? 0) ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      compareStrings(a.code, b.code) ||
      compareStrings(a.message, b.message),
  );
}

/** gcc-style, one line, clickable in editors and CI logs: `path:line:col: severity CODE field: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return formatDiagnosticAt(d, d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : '');
}

/** The same line with another position prefix (findings about inputs that have no real lines). */
export function formatDiagnosticAt(d: Diagnostic, where: string): string {
  const field = d.field ? ` ${d.field}` : '';
  const accepted = d.accepted !== undefined ? ` (accepted: ${d.accepted})` : '';
  return escapeInvisible(`${where}${d.severity} ${d.code}${field}: ${d.message}${accepted}`);
}

// Control characters (a newline would split the line, ESC drives the terminal) and the invisible
// and bidirectional formatting characters that make text display as something else ("Trojan Source",
// CVE-2021-42574). Messages quote the user's keys and values, so they can hold any of these.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Every invisible or control character as `\\uXXXX`: text from outside (a node, a file) displays as what it is. */
export function escapeInvisible(line: string): string {
  return line.replace(INVISIBLE, (ch) => `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}

/** `--strict`: every warning becomes an error, except those the settings accept. */
export function applyStrict(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.map((d) => (d.severity === 'warning' && d.accepted === undefined ? { ...d, severity: 'error' } : d));
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export const EXIT_OK = 0;
export const EXIT_INVALID_INPUT = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 3;

/** The one place the exit status is decided (arethetypeswrong packages/cli/src/getExitCode.ts). */
export function exitCodeFor(diagnostics: readonly Diagnostic[]): number {
  return hasErrors(diagnostics) ? EXIT_INVALID_INPUT : EXIT_OK;
}
