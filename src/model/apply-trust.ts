// Trust and transport from the cluster Image config, applied to the containerd model
// (docs/design/rendering.md "Trust and transport"; docs/design/containerd.md "Plain HTTP, TLS and CA files"):
// - insecure registry: `http://` plus `skip_verify = true`; containerd then tries unverified HTTPS
//   and falls back to plain HTTP (ConfigureHosts + docker.NewHTTPFallback, 1.6.25+, 1.7.7+, 2.x),
//   which is what `insecure = true` means in registries.conf.
// - additional trusted CA: the PEM certificates written beside the hosts.toml that needs them and
//   referenced by a relative `ca` (makeAbsPath joins it to the hosts.toml directory).
// Which entry applies to which host follows MCO: openshift/runtime-utils pkg/registries
// EditRegistriesConfig marks a mirror insecure when ScopeIsNestedInsideScope(mirror location, entry),
// and the ConfigMap key `host..port` names the registry `host:port` exactly (MCO writes
// /etc/docker/certs.d/<key with ".." -> ":">/ca.crt).
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { compareStrings } from '../vocabulary.js';
import type { CaBundle, TrustConfig } from '../validate/image-config.js';
import type { Located } from '../validate/mirror-set.js';
import { splitLocation } from '../validate/locations.js';
import { hostDirectory } from './host-names.js';
import type { ContainerdHost, ContainerdHostsFile } from './types.js';

/** Per registry: host URL -> the mirror locations, as written in the mirror sets, that produced it. */
export type MirrorLocations = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export function applyTrust(
  files: readonly ContainerdHostsFile[],
  mirrorLocations: MirrorLocations,
  trust: TrustConfig,
): { files: ContainerdHostsFile[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const usedInsecure = new Set<Located<string>>();
  const usedCa = new Set<CaBundle>();
  const checkedCa = new Map<CaBundle, boolean>();
  const cas = new Map<string, CaBundle>();
  for (const bundle of trust.caConfigMap?.bundles ?? []) cas.set(bundle.registry, bundle);

  if (trust.additionalTrustedCA && !trust.caConfigMap) diagnostics.push(missingConfigMap(trust));

  /** A usable CA for `host`, reported once per key: a bad one fails every pull through the host. */
  const caFor = (host: string): CaBundle | undefined => {
    const bundle = cas.get(host);
    if (!bundle) return undefined;
    usedCa.add(bundle);
    let ok = checkedCa.get(bundle);
    if (ok === undefined) {
      const tooLong = caFileNameTooLong(bundle);
      ok = bundle.pem.certificates.length > 0 && !tooLong;
      checkedCa.set(bundle, ok);
      for (const d of pemDiagnostics(bundle)) diagnostics.push(d);
      if (tooLong) diagnostics.push(tooLong);
    }
    return ok ? bundle : undefined;
  };

  /** Trust for one host whose requests all stay inside `locations`. */
  const trustFor = (host: string, locations: readonly string[], url: string): HostTrust => {
    const insecure = trust.insecureRegistries.filter((entry) => locations.some((l) => scopeIsNestedInsideScope(l, entry.value)));
    if (insecure.length > 0) {
      for (const entry of insecure) usedInsecure.add(entry);
      const bundle = cas.get(host);
      if (bundle && !usedCa.has(bundle)) {
        usedCa.add(bundle);
        diagnostics.push(diagnostic(
          'TRUST_UNUSED',
          `the CA for ${host} is not written: ${host} is an insecure registry (${insecure[0]?.value}), so ${toHttp(url)} gets skip_verify = true and no certificate is checked`,
          bundle,
          bundle.object,
        ));
      }
      return { url: toHttp(url), skipVerify: true };
    }
    const bundle = caFor(host);
    return bundle ? { url, ca: bundle } : { url };
  };

  const out: ContainerdHostsFile[] = [];
  for (const file of files) {
    const urls = mirrorLocations.get(file.registry);
    const extraFiles: Record<string, string> = { ...file.extraFiles };
    const apply = (host: ContainerdHost, hostTrust: HostTrust): ContainerdHost => {
      const next: ContainerdHost = { ...host, url: hostTrust.url };
      if (hostTrust.skipVerify) next.skipVerify = true;
      if (hostTrust.ca) {
        next.ca = caFileName(hostTrust.ca.registry);
        extraFiles[next.ca] = caFileContent(hostTrust.ca);
      }
      return next;
    };
    const trusted = file.hosts.map((host) => {
      const locations = urls?.get(host.url) ?? [];
      // Every location behind one URL has the same host (the URL is built from it).
      const mirrorHost = splitLocation(locations[0] ?? '').host;
      return { before: host.url, trust: trustFor(mirrorHost, locations, host.url) };
    });
    const hosts = file.hosts.map((host, i) => apply(host, (trusted[i] as { trust: HostTrust }).trust));

    // `server` is either one of the hosts (NeverContactSource) and shares its settings, or the source
    // registry itself, which serves every image of the registry.
    const same = trusted.find((t) => t.before === file.server);
    let server: HostTrust;
    if (same) {
      server = same.trust;
      // NeverContactSource: the source is never contacted, so entries about it are moot, not unused.
      for (const entry of trust.insecureRegistries) if (scopeIsNestedInsideScope(file.registry, entry.value)) usedInsecure.add(entry);
      const sourceCa = cas.get(file.registry);
      if (sourceCa) usedCa.add(sourceCa);
    } else {
      server = trustFor(file.registry, [file.registry], file.server);
      // Loops, not push(...): an Image may list 200k insecure registries.
      if (!server.skipVerify) for (const d of narrowedEntries(file, trust, usedInsecure)) diagnostics.push(d);
    }
    const next: ContainerdHostsFile = { ...file, server: server.url, hosts };
    if (server.skipVerify) next.serverSkipVerify = true;
    if (server.ca) {
      next.serverCa = caFileName(server.ca.registry);
      extraFiles[next.serverCa] = caFileContent(server.ca);
    }
    if (Object.keys(extraFiles).length > 0) next.extraFiles = extraFiles;
    out.push(next);
  }

  for (const d of unusedTrust(trust, usedInsecure, usedCa, out)) diagnostics.push(d);
  return { files: out, diagnostics };
}

interface HostTrust {
  url: string;
  skipVerify?: true;
  ca?: CaBundle;
}

/**
 * openshift/runtime-utils pkg/registries ScopeIsNestedInsideScope: equal, a namespace or repository
 * below a non-wildcard scope (the next character is `/`, so `host` does not cover `host:port`), or a
 * host under a `*.domain` scope (any port, any depth of subdomain, never the domain itself).
 */
export function scopeIsNestedInsideScope(subScope: string, superScope: string): boolean {
  if (subScope === superScope) return true;
  if (subScope.length > superScope.length && subScope.startsWith(superScope) && subScope[superScope.length] === '/') return true;
  if (superScope.startsWith('*.')) {
    const suffix = superScope.slice(1);
    if (subScope.includes(':')) {
      const host = subScope.split(':')[0] as string;
      return host.endsWith(suffix) && !host.includes('/');
    }
    return (subScope.split('/')[0] as string).endsWith(suffix);
  }
  return false;
}

/**
 * `ca-<host>.pem`, `ca-<host>_<port>_.pem` for a port (the shape of containerd's hostDirectory, legal
 * on Windows). Not `.crt`: containerd's loadCertFiles reads every `*.crt` of a host directory as a CA
 * for the upstream when hosts.toml is missing or unreadable (for a moment during a rollout), and on
 * Windows 1.6–2.2 that replaces the system roots. A `.pem` file is only ever read through `ca`.
 */
export function caFileName(registry: string): string {
  return `ca-${hostDirectory(registry)}.pem`;
}

/** Exactly the certificates containerd loads: no text between blocks, no keys, LF, final newline. */
function caFileContent(bundle: CaBundle): string {
  return bundle.pem.certificates.join('\n') + '\n';
}

/** The CA file is written beside hosts.toml: its name, too, must fit a node's 255-byte limit. */
function caFileNameTooLong(bundle: CaBundle): Diagnostic | undefined {
  const name = caFileName(bundle.registry);
  const bytes = new TextEncoder().encode(name).length;
  if (bytes <= 255) return undefined;
  return diagnostic(
    'NODE_NAME_TOO_LONG',
    `the CA for ${bundle.registry} would be written as ${name.slice(0, 60)}..., a file name of ${bytes} bytes, and a node's file system allows at most 255; write the registry host as it really is`,
    bundle,
    bundle.object,
  );
}

function toHttp(url: string): string {
  return url.startsWith('https://') ? `http://${url.slice('https://'.length)}` : url;
}

function pemDiagnostics(bundle: CaBundle): Diagnostic[] {
  const { certificates, skipped } = bundle.pem;
  if (certificates.length === 0) {
    return [diagnostic(
      'CA_BUNDLE_INVALID',
      `expected at least one PEM certificate ("-----BEGIN CERTIFICATE-----" ... "-----END CERTIFICATE-----") for ${bundle.registry}, ` +
        `found none that containerd can load (${skipped.length === 0 ? 'no PEM block at all' : skipped.join('; ')}); containerd would fail every pull through ${bundle.registry} ("unable to load CA cert"), ` +
        `without falling back to another host: put the registry's CA certificate in PEM form under this key`,
      bundle,
      bundle.object,
    )];
  }
  if (skipped.length === 0) return [];
  return [diagnostic(
    'CA_BLOCK_SKIPPED',
    `${skipped.join('; ')}: containerd skips ${skipped.length === 1 ? 'it' : 'them'}, so ${caFileName(bundle.registry)} gets only the other ` +
      `${certificates.length} certificate(s) of this key; remove ${skipped.length === 1 ? 'it' : 'them'} from the ConfigMap (and never put a private key in a CA bundle)`,
    bundle,
    bundle.object,
  )];
}

function missingConfigMap(trust: TrustConfig): Diagnostic {
  const ref = trust.additionalTrustedCA as Located<string>;
  const elsewhere = trust.caConfigMapsElsewhere
    .map((c) => `${c.location.file}:${c.location.line} (${c.namespace === undefined ? 'no namespace' : `namespace ${c.namespace}`})`)
    .sort(compareStrings);
  return diagnostic(
    'CA_CONFIGMAP_MISSING',
    `expected the ConfigMap openshift-config/${ref.value} named by additionalTrustedCA among the inputs, found none` +
      (elsewhere.length > 0 ? ` (a ConfigMap ${ref.value} is at ${elsewhere.join(', ')}: set metadata.namespace: openshift-config)` : '') +
      `; without it no CA can be written and pulls from registries with a private CA fail: add the ConfigMap to the inputs`,
    ref,
    trust.image?.object,
  );
}

/**
 * Path-scoped entries that cover a source but not its whole registry: containerd sets TLS per host,
 * and `server` serves every image of the registry, so making it insecure would widen the entry.
 */
function narrowedEntries(file: ContainerdHostsFile, trust: TrustConfig, used: Set<Located<string>>): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const entry of trust.insecureRegistries) {
    if (used.has(entry)) continue;
    const covered = file.entries.filter((e) => scopeIsNestedInsideScope(e.source.value, entry.value));
    if (covered.length === 0) continue;
    used.add(entry);
    diagnostics.push(diagnostic(
      'INSECURE_REGISTRY_NARROWED',
      `insecure registry ${entry.value} covers ${covered.map((e) => e.source.value).sort(compareStrings).join(', ')} but not all of ${file.registry}; ` +
        `containerd sets TLS per host and ${file.server} serves every image of ${file.registry}, so it stays verified HTTPS: ` +
        `list ${file.registry} as insecure if the whole registry is`,
      entry,
      trust.image?.object,
    ));
  }
  return diagnostics;
}

/** Entries that no rendered host uses: often a missing or extra port. Harmless, hence `info`. */
function unusedTrust(trust: TrustConfig, usedInsecure: Set<Located<string>>, usedCa: Set<CaBundle>, files: readonly ContainerdHostsFile[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const hosts = new Set<string>();
  for (const file of files) {
    hosts.add(file.registry);
    for (const entry of file.entries) for (const mirror of entry.mirrors) hosts.add(splitLocation(mirror.value).host);
  }
  const hint = (name: string): string => {
    const withPort = [...hosts].filter((h) => h.startsWith(`${name}:`)).sort(compareStrings);
    const withoutPort = name.includes(':') && hosts.has(name.slice(0, name.lastIndexOf(':'))) ? [name.slice(0, name.lastIndexOf(':'))] : [];
    const close = [...withPort, ...withoutPort];
    return close.length > 0 ? ` (a port must match exactly: did you mean ${close.join(' or ')}?)` : '';
  };
  for (const entry of trust.insecureRegistries) {
    if (usedInsecure.has(entry)) continue;
    diagnostics.push(diagnostic(
      'TRUST_UNUSED',
      `insecure registry ${entry.value} matches no mirror or source in the rendered files${hint(entry.value)}; it changes nothing on containerd`,
      entry,
      trust.image?.object,
    ));
  }
  for (const bundle of trust.caConfigMap?.bundles ?? []) {
    if (usedCa.has(bundle)) continue;
    diagnostics.push(diagnostic(
      'TRUST_UNUSED',
      `the CA under key ${bundle.key} (registry ${bundle.registry}) matches no mirror or source in the rendered files${hint(bundle.registry)}; it is not written`,
      bundle,
      bundle.object,
    ));
  }
  return diagnostics;
}

/** The wmco profile writes what WMCO writes, and WMCO reads neither field (pkg/registries). */
export function reportTrustIgnoredByWmco(trust: TrustConfig): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const object = trust.image?.object;
  if (trust.insecureRegistriesField && trust.insecureRegistries.length > 0) {
    diagnostics.push(diagnostic(
      'WMCO_TRUST_IGNORED',
      `WMCO ignores insecureRegistries (${trust.insecureRegistries.map((e) => e.value).join(', ')}): Windows nodes reach every mirror over verified HTTPS only, ` +
        `so pulls from a plain-HTTP or self-signed mirror fail there; the containerd profile honours the list`,
      trust.insecureRegistriesField,
      object,
    ));
  }
  if (trust.additionalTrustedCA) {
    diagnostics.push(diagnostic(
      'WMCO_TRUST_IGNORED',
      `WMCO ignores additionalTrustedCA (ConfigMap openshift-config/${trust.additionalTrustedCA.value}): Windows nodes do not trust those CAs, ` +
        `so pulls from mirrors they sign fail there; the containerd profile writes them beside hosts.toml`,
      trust.additionalTrustedCA,
      object,
    ));
  }
  return diagnostics;
}
