// The registries every case pulls against, filled once per run:
//   source      plain HTTP; e2e/hello:v1, v2, v3 (v3 exists only here). Down unless a case starts it.
//   mirror      plain HTTP; e2e/hello:v1, v2 and prefix/e2e/hello:v1 (the path-prefix mirror).
//   tlsMirror   HTTPS with a throwaway CA, serving the mirror's storage.
import { join } from 'node:path';
import { buildOciLayout, type BuiltTag } from './oci-image.js';
import { makeTestCa, pushTag, Registry, settleLogs, type LoggedRequest, type TlsFiles } from './registry.js';

export const repository = 'e2e/hello';
export const prefixedRepository = `prefix/${repository}`;

export interface Served {
  source: LoggedRequest[];
  mirror: LoggedRequest[];
  tlsMirror: LoggedRequest[];
}

export class World {
  private constructor(
    readonly dir: string,
    readonly source: Registry,
    readonly mirror: Registry,
    readonly tlsMirror: Registry,
    readonly tls: TlsFiles,
    readonly tags: Readonly<Record<'v1' | 'v2' | 'v3', BuiltTag>>,
  ) {}

  static async create(dir: string): Promise<World> {
    const tls = await makeTestCa(join(dir, 'tls'));
    const mirrorStorage = join(dir, 'mirror-storage');
    const source = await Registry.create({ name: 'source', dir: join(dir, 'source'), storageDir: join(dir, 'source-storage') });
    const mirror = await Registry.create({ name: 'mirror', dir: join(dir, 'mirror'), storageDir: mirrorStorage });
    const tlsMirror = await Registry.create({ name: 'tls-mirror', dir: join(dir, 'tls-mirror'), storageDir: mirrorStorage, tls });
    const layout = join(dir, 'oci-layout');
    const [v1, v2, v3] = buildOciLayout(layout, ['v1', 'v2', 'v3']);
    if (v1 === undefined || v2 === undefined || v3 === undefined) throw new Error('image layout incomplete');
    const world = new World(dir, source, mirror, tlsMirror, tls, { v1, v2, v3 });
    await Promise.all([source.start(), mirror.start(), tlsMirror.start()]);
    const skopeoDir = join(dir, 'skopeo');
    // One repository at a time per registry (tags share blobs); the registries in parallel.
    await Promise.all([
      (async () => {
        for (const tag of ['v1', 'v2', 'v3']) await pushTag(layout, tag, source, repository, skopeoDir);
      })(),
      (async () => {
        for (const tag of ['v1', 'v2']) await pushTag(layout, tag, mirror, repository, skopeoDir);
        await pushTag(layout, 'v1', mirror, prefixedRepository, skopeoDir);
      })(),
    ]);
    // Most cases prove a pull with the source down.
    await source.stop();
    return world;
  }

  async stop(): Promise<void> {
    await Promise.all([this.source.stop(), this.mirror.stop(), this.tlsMirror.stop()]);
  }

  /** `127.0.0.1:PORT/e2e/hello:TAG` or `…@sha256:…`: every pull names the source registry. */
  ref(suffix: string): string {
    return `${this.source.host}/${repository}${suffix}`;
  }

  /** Runs `pull` and returns the requests each registry logged meanwhile. */
  async watch<T>(pull: () => Promise<T>): Promise<{ result: T; served: Served }> {
    const marks = [this.source.mark(), this.mirror.mark(), this.tlsMirror.mark()] as const;
    const result = await pull();
    await settleLogs();
    return {
      result,
      served: {
        source: this.source.requestsSince(marks[0]),
        mirror: this.mirror.requestsSince(marks[1]),
        tlsMirror: this.tlsMirror.requestsSince(marks[2]),
      },
    };
  }
}
