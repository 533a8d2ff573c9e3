// End-to-end proof that the hosts.toml files `mirrorset-hosts render` writes do what they claim in a
// real containerd: 1.6 (Debian bookworm, installed), 1.7 (trixie) and 2.x (sid), the last two
// fetched with apt-get download and run unpacked. Each case renders OpenShift manifests with the
// built CLI, pulls with `ctr --hosts-dir`, and reads the registries' access logs to see who served.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ContainerdDaemon,
  cleanUpGlobalPaths,
  debianSuiteBuild,
  existingGlobalPaths,
  installedBuild,
  triesHttpsFirstForInsecureHosts,
  type BuildLookup,
  type ContainerdBuild,
  type PullResult,
} from './containerd.js';
import { findOnPath, makeTempDir, removeTempDir, renderHostsDir, stopAllDaemons, unavailable as unavailableSuite } from './harness.js';
import {
  clusterImageConfig,
  imageDigestMirrorSet,
  imageTagMirrorSet,
  trustedCaConfigMap,
  writeManifests,
} from './manifests.js';
import type { BuiltTag } from './oci-image.js';
import type { LoggedRequest } from './registry.js';
import { World, prefixedRepository, repository } from './world.js';
import { OUTPUT_MARKER } from '../../../src/io/output-tree.js';

const slow = 60_000;

const missingTools = ['docker-registry', 'skopeo', 'openssl'].filter((tool) => findOnPath(tool) === undefined);
// containerd needs root (mounts, /run/containerd); CI runs as root (.ci/run installs the tools).
const notRoot = process.getuid?.() !== 0;
const cannotRun = missingTools.length > 0 || notRoot;

// Fetched before the tests are declared so describe.each knows which versions exist; the fetch is
// cached, so only the first run on a machine pays for the download.
const lookups: BuildLookup[] =
  cannotRun ? [] : await Promise.all([installedBuild(), debianSuiteBuild('trixie'), debianSuiteBuild('sid')]);
const builds: ContainerdBuild[] = lookups.flatMap((l) => (l.found ? [l.build] : []));

const unavailable = (title: string, reason: string): void => unavailableSuite('containerd', title, reason);

if (missingTools.length > 0) {
  describe('containerd end-to-end', () => {
    unavailable('needs docker-registry, skopeo and openssl', `not on PATH: ${missingTools.join(', ')} (apt-get install -y ${missingTools.join(' ')})`);
  });
} else if (notRoot) {
  describe('containerd end-to-end', () => {
    unavailable('needs root', 'containerd must run as root; run the suite as root (CI does)');
  });
}
for (const l of lookups) {
  if (!l.found) {
    describe('containerd end-to-end', () => {
      unavailable(l.what, l.reason);
    });
  }
}

function requestLines(requests: readonly LoggedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.path} ${r.status}`);
}

/** The manifest (by digest, after resolving) and both blobs of `tag`, all answered 200 at `repo`. */
function expectServedImage(requests: readonly LoggedRequest[], repo: string, tag: BuiltTag): void {
  expect(requestLines(requests)).toEqual(
    expect.arrayContaining([
      `GET /v2/${repo}/manifests/${tag.manifestDigest} 200`,
      `GET /v2/${repo}/blobs/${tag.configDigest} 200`,
      `GET /v2/${repo}/blobs/${tag.layerDigest} 200`,
    ]),
  );
  // Every request came from containerd itself (not from the harness).
  expect(requests.filter((r) => !r.userAgent.startsWith('containerd/'))).toEqual([]);
}

function expectPulled(pull: PullResult): void {
  if (!pull.ok) throw new Error(`expected the pull to succeed, ctr said:\n${pull.output}`);
}

/** Failed where the hosts decide, resolving the reference, not for an unrelated reason (a bad flag). */
function expectResolveFailed(pull: PullResult): void {
  if (pull.ok) throw new Error(`expected the pull to fail, but it succeeded:\n${pull.output}`);
  expect(pull.output).toMatch(/failed to resolve/);
}

if (builds.length > 0) {
  let world: World;
  let root: string;
  let caseCount = 0;

  beforeAll(async () => {
    root = makeTempDir('containerd');
    world = await World.create(join(root, 'world'));
  }, 120_000);

  afterAll(async () => {
    await stopAllDaemons();
    if (root !== undefined) removeTempDir(root);
  }, 60_000);

  /** Writes the manifests, runs the real CLI on them and returns the rendered hosts dir. */
  async function render(files: Readonly<Record<string, string>>): Promise<string> {
    caseCount += 1;
    const dir = join(root, `case-${caseCount}`);
    const manifests = writeManifests(join(dir, 'manifests'), files);
    const out = join(dir, 'hosts');
    const r = await renderHostsDir(manifests, out);
    if (r.code !== 0) throw new Error(`mirrorset-hosts render exited ${r.code}:\n${r.stderr}`);
    // An empty render may not create --out; ctr must still get a directory.
    mkdirSync(out, { recursive: true });
    return out;
  }

  /** Plain-HTTP registries reach the renderer as insecure ones (http:// + skip_verify = true). */
  function insecure(...hosts: string[]): string {
    return clusterImageConfig({ insecureRegistries: hosts });
  }

  describe.each(builds)('containerd $version ($origin)', (build) => {
    let daemon: ContainerdDaemon;
    let globalBefore: Set<string>;

    beforeAll(async () => {
      globalBefore = existingGlobalPaths();
      daemon = await ContainerdDaemon.start(build, join(root, `containerd-${build.version}`));
    }, slow);

    afterAll(async () => {
      if (daemon !== undefined) await daemon.stop();
      cleanUpGlobalPaths(globalBefore);
    }, slow);

    test('digest pull through an ImageDigestMirrorSet mirror is served by the mirror while the source is down', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'idms.yaml': imageDigestMirrorSet('digest-mirror', [{ source: `${source.host}/${repository}`, mirrors: [`${mirror.host}/${repository}`] }]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      const v1 = world.tags.v1;
      const { result: pull, served } = await world.watch(() => daemon.pull(world.ref(`@${v1.manifestDigest}`), hostsDir));
      expectPulled(pull);
      expectServedImage(served.mirror, repository, v1);
      expect(await daemon.layerFile(pull.namespace, v1.layerDigest)).toBe(v1.text);
    }, slow);

    test('tag pull through an ImageTagMirrorSet mirror is served by the mirror while the source is down', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'itms.yaml': imageTagMirrorSet('tag-mirror', [{ source: `${source.host}/${repository}`, mirrors: [`${mirror.host}/${repository}`] }]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      const v2 = world.tags.v2;
      const { result: pull, served } = await world.watch(() => daemon.pull(world.ref(':v2'), hostsDir));
      expectPulled(pull);
      // The tag itself was resolved at the mirror (capabilities pull + resolve), on behalf of the
      // source: containerd adds ?ns=<source host> for any host that is not the reference's own.
      expect(served.mirror.filter((r) => r.path === `/v2/${repository}/manifests/v2` && r.status === 200).map((r) => r.query))
        .toContain(`?ns=${encodeURIComponent(source.host)}`);
      expectServedImage(served.mirror, repository, v2);
      expect(await daemon.layerFile(pull.namespace, v2.layerDigest)).toBe(v2.text);
    }, slow);

    test('tag pull does not use a digest-only (ImageDigestMirrorSet) mirror: it fails and the mirror gets no request', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'idms.yaml': imageDigestMirrorSet('digest-mirror', [{ source: `${source.host}/${repository}`, mirrors: [`${mirror.host}/${repository}`] }]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      // Resolving a tag only asks hosts with both pull and resolve (dockerResolver.Resolve,
      // filterHosts(Pull|Resolve)); the IDMS mirror has pull only and the source is down.
      const { result: pull, served } = await world.watch(() => daemon.pull(world.ref(':v1'), hostsDir));
      expectResolveFailed(pull);
      expect(requestLines(served.mirror)).toEqual([]);
    }, slow);

    test('NeverContactSource: with the source up, the mirror serves what it has, the rest fails, and the source gets zero requests', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'idms.yaml': imageDigestMirrorSet('never-contact-source', [
          { source: `${source.host}/${repository}`, mirrors: [`${mirror.host}/${repository}`], mirrorSourcePolicy: 'NeverContactSource' },
        ]),
        'itms.yaml': imageTagMirrorSet('never-contact-source', [
          { source: `${source.host}/${repository}`, mirrors: [`${mirror.host}/${repository}`], mirrorSourcePolicy: 'NeverContactSource' },
        ]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      const { v1, v3 } = world.tags;
      await source.start();
      try {
        const onMirror = await world.watch(() => daemon.pull(world.ref(`@${v1.manifestDigest}`), hostsDir));
        expectPulled(onMirror.result);
        expectServedImage(onMirror.served.mirror, repository, v1);
        expect(requestLines(onMirror.served.source)).toEqual([]);

        // v3 exists only on the source, which is up: containerd must not go there (research §5:
        // only `server` = a mirror keeps the source out of the host list).
        const byDigest = await world.watch(() => daemon.pull(world.ref(`@${v3.manifestDigest}`), hostsDir));
        expectResolveFailed(byDigest.result);
        expect(requestLines(byDigest.served.source)).toEqual([]);
        expect(requestLines(byDigest.served.mirror)).toContain(`HEAD /v2/${repository}/manifests/${v3.manifestDigest} 404`);

        const byTag = await world.watch(() => daemon.pull(world.ref(':v3'), hostsDir));
        expectResolveFailed(byTag.result);
        expect(requestLines(byTag.served.source)).toEqual([]);
      } finally {
        await source.stop();
      }
    }, slow);

    // Issue 13: a config_path list (the 2.2+ default, EKS AL2023) reaches the transfer service, which
    // CRI pulls through from 2.1, as it reaches ctr here: one value for config.HostDirFromRoot. With
    // the source down, the pull fails instead of going through the mirror (containerd #12415, #12636,
    // #12808). On 1.x ctr resolves in the client through the same function; 1.x CRI itself splits
    // the list (hostDirFromRoots), which this ctr pull does not show.
    test('a hosts directory given as a list, as config_path = "<dir>:/etc/docker/certs.d", is one literal directory: the mirror is not used', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'idms.yaml': imageDigestMirrorSet('digest-mirror', [{ source: `${source.host}/${repository}`, mirrors: [`${mirror.host}/${repository}`] }]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      const v1 = world.tags.v1;
      const listed = await world.watch(() => daemon.pull(world.ref(`@${v1.manifestDigest}`), `${hostsDir}:/etc/docker/certs.d`));
      expect(listed.result.ok).toBe(false);
      expect(requestLines(listed.served.mirror)).toEqual([]);
      const single = await world.watch(() => daemon.pull(world.ref(`@${v1.manifestDigest}`), hostsDir));
      expectPulled(single.result);
      expectServedImage(single.served.mirror, repository, v1);
    }, slow);

    test('a mirror with a path prefix is asked for /v2/<prefix>/<repository>', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'itms.yaml': imageTagMirrorSet('prefixed-mirror', [{ source: `${source.host}/e2e`, mirrors: [`${mirror.host}/prefix/e2e`] }]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      const v1 = world.tags.v1;
      const { result: pull, served } = await world.watch(() => daemon.pull(world.ref(':v1'), hostsDir));
      expectPulled(pull);
      expectServedImage(served.mirror, prefixedRepository, v1);
      // The mirror also holds e2e/hello without the prefix: no request may have gone there.
      expect(served.mirror.filter((r) => !r.path.startsWith(`/v2/${prefixedRepository}/`))).toEqual([]);
      expect(await daemon.layerFile(pull.namespace, v1.layerDigest)).toBe(v1.text);
    }, slow);

    test('a source with a port gets a host_port_ directory, and containerd finds it', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'idms.yaml': imageDigestMirrorSet('registry-with-port', [{ source: source.host, mirrors: [mirror.host] }]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      // hostDirectory() in config_unix.go / config_windows.go: the first candidate is host_port_.
      const dirName = `127.0.0.1_${source.port}_`;
      // The ownership marker sits beside it; containerd looks up directories only, and this pull proves it ignores the file.
      expect(readdirSync(hostsDir)).toEqual([OUTPUT_MARKER, dirName]);
      expect(existsSync(join(hostsDir, dirName, 'hosts.toml'))).toBe(true);
      const v2 = world.tags.v2;
      const { result: pull, served } = await world.watch(() => daemon.pull(world.ref(`@${v2.manifestDigest}`), hostsDir));
      expectPulled(pull);
      expectServedImage(served.mirror, repository, v2);
    }, slow);

    test("an HTTPS mirror signed by the Image config's additionalTrustedCA is used; without that CA it is not", async () => {
      const { source, tlsMirror, tls } = world;
      const itms = imageTagMirrorSet('https-mirror', [{ source: `${source.host}/${repository}`, mirrors: [`${tlsMirror.host}/${repository}`] }]);
      const withCa = await render({
        'itms.yaml': itms,
        'image.yaml': clusterImageConfig({ insecureRegistries: [source.host], additionalTrustedCA: 'registry-cas' }),
        // The ConfigMap key for host:port is host..port (openshift/api Image additionalTrustedCA).
        'registry-cas.yaml': trustedCaConfigMap('registry-cas', { [`127.0.0.1..${tlsMirror.port}`]: tls.caPem }),
      });
      const v1 = world.tags.v1;
      const trusted = await world.watch(() => daemon.pull(world.ref(':v1'), withCa));
      expectPulled(trusted.result);
      expectServedImage(trusted.served.tlsMirror, repository, v1);
      expect(await daemon.layerFile(trusted.result.namespace, v1.layerDigest)).toBe(v1.text);

      const withoutCa = await render({ 'itms.yaml': itms, 'image.yaml': insecure(source.host) });
      const untrusted = await world.watch(() => daemon.pull(world.ref(':v1'), withoutCa));
      // x509: unknown authority, so the TLS handshake fails before any HTTP request is logged.
      expectResolveFailed(untrusted.result);
      expect(requestLines(untrusted.served.tlsMirror)).toEqual([]);
    }, slow);

    test('an insecure HTTPS mirror with an untrusted certificate is used where containerd tries HTTPS first for http:// hosts', async () => {
      // Every plain-HTTP case above already relies on insecureRegistries (http:// + skip_verify).
      // Here the insecure registry speaks HTTPS with a certificate nobody trusts: the rendered
      // `http://` host with skip_verify reaches it only on versions that try HTTPS first and fall
      // back to HTTP (ConfigureHosts + docker.NewHTTPFallback: 1.6.25+, 1.7.7+, 2.x; research §7).
      // Older ones (bookworm's 1.6.20) speak plain HTTP to it and fail.
      const { source, tlsMirror } = world;
      const hostsDir = await render({
        'itms.yaml': imageTagMirrorSet('insecure-https-mirror', [{ source: `${source.host}/${repository}`, mirrors: [`${tlsMirror.host}/${repository}`] }]),
        'image.yaml': insecure(source.host, tlsMirror.host),
      });
      const v2 = world.tags.v2;
      const { result: pull, served } = await world.watch(() => daemon.pull(world.ref(':v2'), hostsDir));
      if (triesHttpsFirstForInsecureHosts(build)) {
        expectPulled(pull);
        expectServedImage(served.tlsMirror, repository, v2);
        expect(await daemon.layerFile(pull.namespace, v2.layerDigest)).toBe(v2.text);
      } else {
        expectResolveFailed(pull);
        expect(requestLines(served.tlsMirror)).toEqual([]);
      }
    }, slow);

    test('a source whose entry has no mirrors gets no hosts.toml, and with the source down the pull fails', async () => {
      const { source, mirror } = world;
      const hostsDir = await render({
        'idms.yaml': imageDigestMirrorSet('no-mirrors', [
          { source: `${source.host}/${repository}`, mirrors: [] },
          // Another registry's file is written, so the hosts dir is not empty.
          { source: 'registry.example.com/team', mirrors: [`${mirror.host}/team`] },
        ]),
        'image.yaml': insecure(source.host, mirror.host),
      });
      expect(readdirSync(hostsDir)).not.toContain(`127.0.0.1_${source.port}_`);
      expect(readdirSync(hostsDir)).not.toContain(source.host);
      const { result: pull, served } = await world.watch(() => daemon.pull(world.ref(`@${world.tags.v1.manifestDigest}`), hostsDir));
      expectResolveFailed(pull);
      expect(requestLines(served.mirror)).toEqual([]);
    }, slow);

    test('containerd stops on SIGTERM and leaves nothing outside its private root, state and socket', async () => {
      const exit = await daemon.stop();
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
      expect(cleanUpGlobalPaths(globalBefore)).toEqual([]);
    }, slow);
  });
}
