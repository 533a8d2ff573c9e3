// Loopback registries (Debian's `docker-registry`, i.e. distribution 2.8) whose access logs say
// which registry served each request, plus the throwaway CA for the HTTPS one and the skopeo push.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, isRunning, runOk, sleep, startDaemon, stopDaemon, waitUntil } from './harness.js';

export interface TlsFiles {
  caCert: string;
  caPem: string;
  serverCert: string;
  serverKey: string;
}

/** A CA and a server certificate for IP:127.0.0.1 (Go ignores the CN; the SAN must match). */
export async function makeTestCa(dir: string): Promise<TlsFiles> {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  const serverKey = join(dir, 'server.key');
  const serverCsr = join(dir, 'server.csr');
  const serverCert = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await runOk('openssl', ['req', '-x509', ...ec, '-keyout', caKey, '-out', caCert, '-days', '2',
    '-subj', '/CN=mirrorset-hosts e2e test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await runOk('openssl', ['req', '-new', ...ec, '-keyout', serverKey, '-out', serverCsr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await runOk('openssl', ['x509', '-req', '-in', serverCsr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial',
    '-days', '2', '-extfile', ext, '-out', serverCert]);
  return { caCert, caPem: readFileSync(caCert, 'utf8'), serverCert, serverKey };
}

export interface LoggedRequest {
  method: string;
  /** Path without the query (containerd adds `?ns=<source host>` when it talks to a mirror). */
  path: string;
  query: string;
  status: number;
  userAgent: string;
}

// gorilla/handlers CombinedLoggingHandler, which distribution wraps around its app when
// `log.accesslog.disabled` is false (registry/registry.go), writing to stdout.
const accessLine = /"([A-Z]+) ([^ ?"]+)(\?[^ "]*)? HTTP\/[\d.]+" (\d{3}) \S+ "[^"]*" "([^"]*)"/;

export function parseAccessLog(text: string): LoggedRequest[] {
  const requests: LoggedRequest[] = [];
  for (const line of text.split('\n')) {
    const m = accessLine.exec(line);
    if (m === null) continue;
    requests.push({ method: m[1] ?? '', path: m[2] ?? '', query: m[3] ?? '', status: Number(m[4]), userAgent: m[5] ?? '' });
  }
  return requests;
}

export interface RegistryOptions {
  name: string;
  /** Private directory for config and logs. */
  dir: string;
  /** Filesystem storage; two registries may share one (the HTTPS mirror serves the HTTP mirror's content). */
  storageDir: string;
  tls?: TlsFiles;
}

export class Registry {
  readonly name: string;
  readonly port: number;
  readonly host: string;
  readonly scheme: 'http' | 'https';
  private readonly configFile: string;
  private readonly accessLog: string;
  private readonly appLog: string;
  private child: ChildProcess | undefined;

  private constructor(options: RegistryOptions, port: number) {
    this.name = options.name;
    this.port = port;
    this.host = `127.0.0.1:${port}`;
    this.scheme = options.tls === undefined ? 'http' : 'https';
    mkdirSync(options.dir, { recursive: true });
    mkdirSync(options.storageDir, { recursive: true });
    this.configFile = join(options.dir, 'config.yml');
    this.accessLog = join(options.dir, 'access.log');
    this.appLog = join(options.dir, 'registry.log');
    const tls = options.tls === undefined
      ? ''
      : `  tls:\n    certificate: ${JSON.stringify(options.tls.serverCert)}\n    key: ${JSON.stringify(options.tls.serverKey)}\n`;
    writeFileSync(
      this.configFile,
      [
        'version: 0.1',
        'log:',
        '  level: info',
        '  accesslog:',
        '    disabled: false',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${JSON.stringify(options.storageDir)}`,
        '  maintenance:',
        '    uploadpurging:',
        '      enabled: false',
        'http:',
        `  addr: ${this.host}`,
        `  secret: mirrorset-hosts-e2e-${options.name}`,
        tls,
      ].join('\n'),
    );
  }

  static async create(options: RegistryOptions): Promise<Registry> {
    return new Registry(options, await freePort());
  }

  get running(): boolean {
    return this.child !== undefined && isRunning(this.child);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const child = startDaemon('docker-registry', ['serve', this.configFile], this.accessLog, this.appLog);
    this.child = child;
    await waitUntil(`registry ${this.name} on ${this.host}`, async () => {
      if (!isRunning(child)) throw new Error(`registry ${this.name} exited:\n${this.appLogText()}`);
      return acceptsConnections(this.port);
    });
  }

  async stop(): Promise<void> {
    if (this.child !== undefined) await stopDaemon(this.child);
    this.child = undefined;
  }

  appLogText(): string {
    return existsSync(this.appLog) ? readFileSync(this.appLog, 'utf8') : '';
  }

  /** A position in the access log; requestsSince(mark) returns what came after it. */
  mark(): number {
    return existsSync(this.accessLog) ? readFileSync(this.accessLog).length : 0;
  }

  requestsSince(mark: number): LoggedRequest[] {
    if (!existsSync(this.accessLog)) return [];
    return parseAccessLog(readFileSync(this.accessLog).subarray(mark).toString('utf8'));
  }
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The access-log line is written when the handler returns, which can be a moment after the client
 * has its last byte; wait for that before reading the logs.
 */
export function settleLogs(): Promise<void> {
  return sleep(150);
}

/** `skopeo copy --preserve-digests` from the OCI layout, so every registry holds identical digests. */
export async function pushTag(layoutDir: string, tag: string, registry: Registry, repository: string, workDir: string): Promise<void> {
  const registriesConf = join(workDir, 'registries.conf');
  const registriesD = join(workDir, 'registries.d');
  const cache = join(workDir, 'data');
  const tmp = join(workDir, 'tmp');
  for (const dir of [registriesD, cache, tmp]) mkdirSync(dir, { recursive: true });
  if (!existsSync(registriesConf)) writeFileSync(registriesConf, 'unqualified-search-registries = []\n');
  await runOk(
    'skopeo',
    ['--insecure-policy', '--registries.d', registriesD, '--tmpdir', tmp, 'copy', '--quiet', '--preserve-digests',
      '--dest-tls-verify=false', `oci:${layoutDir}:${tag}`, `docker://${registry.host}/${repository}:${tag}`],
    {
      timeoutMs: 60_000,
      env: {
        ...process.env,
        // containers/image reads /etc/containers/registries.conf unless told otherwise.
        CONTAINERS_REGISTRIES_CONF: registriesConf,
        // As root, containers/image keeps its blob-info cache in /var/lib/containers/cache
        // (blobinfocache.DefaultCache); its rootless path, under XDG_DATA_HOME, keeps the push private.
        _CONTAINERS_ROOTLESS_UID: '1',
        XDG_DATA_HOME: cache,
      },
    },
  );
}
