// A TCP relay in front of an sshd: adds one-way latency and a bandwidth cap, and counts the bytes the
// client sent. Used to cut a transfer at a known point and (bench/) to simulate distant nodes.
import net from 'node:net';
import { freePort } from './sshd-node.js';

export interface ProxyOptions {
  listen: string;
  target: { host: string; port: number };
  /** Added to every chunk in each direction: the round trip grows by twice this. */
  latencyMs?: number;
  /** Added once per connection before the upstream is dialled (a slow path or a slow session start). */
  connectDelayMs?: number;
  /** Bytes per second in each direction; unlimited when absent. */
  bytesPerSecond?: number;
  /** Called with the running count of client-to-server bytes of each connection. */
  onClientBytes?: (total: number) => void;
}

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    readonly address: string,
    readonly port: number,
  ) {}

  static async start(options: ProxyOptions): Promise<TcpProxy> {
    const port = await freePort(options.listen);
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy?.relay(client, options));
    proxy = new TcpProxy(server, options.listen, port);
    await new Promise<void>((resolve) => server.listen(port, options.listen, resolve));
    return proxy;
  }

  private relay(client: net.Socket, options: ProxyOptions): void {
    if (options.connectDelayMs) {
      client.pause();
      this.sockets.add(client);
      client.on('error', () => client.destroy());
      setTimeout(() => {
        if (client.destroyed) return;
        this.relay(client, { ...options, connectDelayMs: 0 });
        client.resume();
      }, options.connectDelayMs);
      return;
    }
    const upstream = net.connect(options.target);
    this.sockets.add(client);
    this.sockets.add(upstream);
    let sent = 0;
    pipeSlowly(client, upstream, options, (n) => {
      sent += n;
      options.onClientBytes?.(sent);
    });
    pipeSlowly(upstream, client, options, () => undefined);
    for (const s of [client, upstream]) {
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => this.sockets.delete(s));
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function pipeSlowly(from: net.Socket, to: net.Socket, options: ProxyOptions, counted: (n: number) => void): void {
  let releaseAt = 0;
  let chain = Promise.resolve();
  const later = (at: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  from.on('data', (chunk: Buffer) => {
    counted(chunk.length);
    const transmit = options.bytesPerSecond ? (chunk.length * 1000) / options.bytesPerSecond : 0;
    releaseAt = Math.max(Date.now(), releaseAt) + transmit;
    const at = releaseAt + (options.latencyMs ?? 0);
    chain = chain.then(() => later(at)).then(() => {
      if (!to.destroyed) to.write(chunk);
    });
  });
  from.on('end', () => {
    chain = chain.then(() => later(releaseAt + (options.latencyMs ?? 0))).then(() => {
      if (!to.destroyed) to.end();
    });
  });
  from.on('close', () => {
    chain = chain.then(() => {
      if (!to.destroyed) to.destroy();
    });
  });
}
