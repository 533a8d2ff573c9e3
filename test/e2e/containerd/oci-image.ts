// A tiny OCI image built by hand (no docker, no buildah): one gzip layer holding hello.txt,
// a config and a manifest per tag, in an OCI image layout that `skopeo copy oci:DIR:TAG` reads.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export interface BuiltTag {
  tag: string;
  /** What hello.txt holds in this tag's layer: proof of which image was pulled. */
  text: string;
  manifestDigest: string;
  configDigest: string;
  layerDigest: string;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** containerd pulls the host platform's image; a single-platform manifest must match it. */
export function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
  const arch = map[process.arch];
  if (arch === undefined) throw new Error(`no Go architecture name known for Node's ${process.arch}`);
  return arch;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** One regular file in a ustar archive, with fixed owner and mtime so the digest is stable. */
function tarOneFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512, 0);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(content.length, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024, 0)]);
}

/** Reads one file back out of a gzip'd tar layer (what `ctr content get` returns). */
export function readFileFromLayer(layer: Buffer, name: string): string | undefined {
  const tar = gunzipSync(layer);
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) return undefined;
    const entryName = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    const body = tar.subarray(at + 512, at + 512 + size);
    if (entryName === name || entryName === `./${name}`) return body.toString('utf8');
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

function writeBlob(layoutDir: string, data: Buffer): string {
  const digest = sha256(data);
  writeFileSync(join(layoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length)), data);
  return digest;
}

/** Writes an OCI layout at `layoutDir` with one manifest per tag, each with different content. */
export function buildOciLayout(layoutDir: string, tags: readonly string[]): BuiltTag[] {
  mkdirSync(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const built: BuiltTag[] = [];
  const indexManifests: object[] = [];
  for (const tag of tags) {
    const text = `hello from ${tag}\n`;
    const tar = tarOneFile('hello.txt', Buffer.from(text, 'utf8'));
    const layer = gzipSync(tar, { level: 9 });
    const layerDigest = writeBlob(layoutDir, layer);
    const config = Buffer.from(
      JSON.stringify({
        architecture: goArch(),
        os: 'linux',
        config: {},
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
        history: [{ created_by: `mirrorset-hosts e2e ${tag}` }],
      }),
    );
    const configDigest = writeBlob(layoutDir, config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
      }),
    );
    const manifestDigest = writeBlob(layoutDir, manifest);
    indexManifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifestDigest,
      size: manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    });
    built.push({ tag, text, manifestDigest, configDigest, layerDigest });
  }
  writeFileSync(join(layoutDir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: indexManifests }));
  return built;
}
