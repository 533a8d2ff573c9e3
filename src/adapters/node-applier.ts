// `mirrorset-hosts apply`: flags and files in, a rollout over ssh, a report out. The decisions live
// in src/delivery/ (pure); this file reads the bundle, inventory and key, finds nodes, and wires the
// ssh transport in.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeKey, MANIFEST_KEY, type BundleManifest } from '../bundle/bundle-manifest.js';
import { sha256Hex } from '../bundle/content-hash.js';
import { applyNode, type ApplyContext, type NodeOutcome, type StepLog } from '../delivery/apply-node.js';
import type { DesiredFile } from '../delivery/node-state.js';
import {
  DEFAULT_SELECTOR,
  displayAddress,
  mergeTargets,
  nodeEntryProblems,
  parseInventory,
  resolveTarget,
  TARGET_OSES,
  type InventoryEntry,
  type NodeTarget,
  type TargetOs,
} from '../delivery/node-target.js';
import { escapeInvisible } from '../diagnostics.js';
import { formatLogLine, formatSummary, redact, type LogValue, type NodeReport } from '../delivery/report.js';
import { DEFAULT_ROLLOUT, isSkipped, rolloutOrder, runRollout } from '../delivery/rollout.js';
import { selectShard } from '../delivery/shard.js';
import { inClusterServer, listNodes, SERVICE_ACCOUNT_DIR, toTargets } from '../io/kube-nodes.js';
import { createSshExec, sshPathProblem } from '../io/ssh.js';
import { type CliIo } from './cli-io.js';
import { UsageError } from '../errors.js';

export const APPLY_HELP = `mirrorset-hosts apply: copy a rendered bundle to nodes over SSH.

Usage:
  mirrorset-hosts apply --bundle DIR --ssh-key FILE --known-hosts FILE [--inventory FILE] [--selector LABELS] ...

Nodes:
  --inventory FILE          YAML/JSON list of {name, address, port?, user?, os?, configDir?, containerdConfig?}
  --selector LABELS         discover nodes through the Kubernetes API (default when no --inventory:
                            kubernetes.io/os=<target>); both together: the union, inventory wins
  --target linux|windows    node OS when an entry does not say (default windows)
  --config-dir PATH         containerd hosts directory (default C:\\k\\containerd\\registries on Windows,
                            /etc/containerd/certs.d on Linux)
  --containerd-config PATH  containerd config file checked for config_path; '' skips the check
  --ssh-user USER           default Administrator (Windows) or root (Linux)
  --ssh-port PORT           default 22

SSH (key authentication only):
  --ssh-key FILE            private key
  --known-hosts FILE        known_hosts holding every node's host key; unknown or changed keys are refused
  --insecure-ignore-host-keys  accept any host key (anyone on the path can impersonate a node); loud
  --connect-timeout SEC     TCP connect and SSH banner (default 10)
  --command-timeout SEC     one remote program, end to end (default 120)
  --lock-timeout SEC        wait for another run's lock on a node (default 60)

Rollout:
  --canary NAME|auto|none   node updated alone first; auto = first by name (default auto)
  --max-parallel N          nodes at a time after the canary (default 10)
  --max-failures N          start no new node after N failures (default 3)
  --shard-index I           this pod's shard (default $JOB_COMPLETION_INDEX, else 0)
  --shard-count N           number of shards (default 1)
  --dry-run                 probe and plan only; change nothing
  --adopt                   take over files the bundle wants that mirrorset-hosts did not write:
                            overwrite them and own them from then on (without it they are left
                            alone, their registry is skipped and the node is reported for attention)

Kubernetes API (discovery):
  --kube-api URL            default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
  --kube-token-file FILE    default ${SERVICE_ACCOUNT_DIR}/token
  --kube-ca-file FILE       default ${SERVICE_ACCOUNT_DIR}/ca.crt

Exit codes: 0 every node up to date, 1 a node failed, was skipped or needs attention (a file
mirrorset-hosts did not write is in the way), 2 usage error, 3 internal error.
`;

const OPTIONS = {
  bundle: { type: 'string' },
  inventory: { type: 'string' },
  selector: { type: 'string' },
  target: { type: 'string' },
  'config-dir': { type: 'string' },
  'containerd-config': { type: 'string' },
  'ssh-user': { type: 'string' },
  'ssh-port': { type: 'string' },
  'ssh-key': { type: 'string' },
  'known-hosts': { type: 'string' },
  'insecure-ignore-host-keys': { type: 'boolean' },
  'connect-timeout': { type: 'string' },
  'command-timeout': { type: 'string' },
  'lock-timeout': { type: 'string' },
  canary: { type: 'string' },
  'max-parallel': { type: 'string' },
  'max-failures': { type: 'string' },
  'shard-index': { type: 'string' },
  'shard-count': { type: 'string' },
  'dry-run': { type: 'boolean' },
  adopt: { type: 'boolean' },
  'kube-api': { type: 'string' },
  'kube-token-file': { type: 'string' },
  'kube-ca-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface ApplySettings {
  bundle: string;
  inventory: string | undefined;
  selector: string | undefined;
  target: TargetOs;
  configDir: string | undefined;
  containerdConfig: string | undefined;
  sshUser: string | undefined;
  sshPort: number;
  sshKey: string;
  knownHosts: string | null;
  connectTimeout: number;
  commandTimeout: number;
  lockTimeout: number;
  canary: string;
  maxParallel: number;
  maxFailures: number;
  shardIndex: number;
  shardCount: number;
  dryRun: boolean;
  adopt: boolean;
  kubeApi: string | undefined;
  kubeTokenFile: string;
  kubeCaFile: string;
}

export async function runApply(args: string[], io: CliIo): Promise<number> {
  // Every secret read so far: a usage error is redacted against them too, whatever file it quotes.
  const secrets: string[] = [];
  try {
    let parsed;
    try {
      parsed = parseFlags(args);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (parsed.values.help) {
      io.stdout(APPLY_HELP);
      return 0;
    }
    return await apply(parseSettings(parsed.values, io), io, secrets);
  } catch (err) {
    if (err instanceof UsageError) {
      const message = redact(err.message, secrets).split('\n').map(escapeInvisible).join('\n');
      io.stderr(`mirrorset-hosts apply: ${message}\nRun 'mirrorset-hosts apply --help' for usage.\n`);
      return 2;
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr(`mirrorset-hosts apply: internal error, this is a bug; please report it.\n${redact(detail, secrets).split('\n').map(escapeInvisible).join('\n')}\n`);
    return 3;
  }
}

function parseFlags(args: string[]) {
  return parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
}
type Values = ReturnType<typeof parseFlags>['values'];

function parseSettings(v: Values, io: CliIo): ApplySettings {
  const resolvePath = (p: string): string => path.resolve(io.cwd, p);
  if (!v.bundle) throw new UsageError('--bundle DIR is required: the directory where the bundle ConfigMap or Secret is mounted');
  if (!v['ssh-key']) throw new UsageError('--ssh-key FILE is required: the private key (key authentication is the only method)');
  const insecure = v['insecure-ignore-host-keys'] === true;
  if (!v['known-hosts'] && !insecure) {
    throw new UsageError('--known-hosts FILE is required: every node\'s host key is verified against it (--insecure-ignore-host-keys turns that off, and should not be used outside a lab)');
  }
  if (v['known-hosts'] && insecure) throw new UsageError('--known-hosts and --insecure-ignore-host-keys contradict each other; pass one of them');
  const target = (v.target ?? 'windows') as TargetOs;
  if (!TARGET_OSES.includes(target)) throw new UsageError(`--target must be linux or windows, found ${JSON.stringify(v.target)}`);
  const configDir = v['config-dir'];
  if (configDir !== undefined && !isAbsoluteFor(configDir, target)) {
    throw new UsageError(`--config-dir must be an absolute ${target} path, found ${JSON.stringify(configDir)}`);
  }
  const shardCount = int(v['shard-count'], '--shard-count', 1, 1, 100000);
  const shardIndex = int(v['shard-index'] ?? io.env['JOB_COMPLETION_INDEX'], v['shard-index'] !== undefined ? '--shard-index' : 'JOB_COMPLETION_INDEX', 0, 0, shardCount - 1);
  return {
    bundle: resolvePath(v.bundle),
    inventory: v.inventory !== undefined ? resolvePath(v.inventory) : undefined,
    selector: v.selector,
    target,
    configDir,
    containerdConfig: v['containerd-config'],
    sshUser: v['ssh-user'],
    sshPort: int(v['ssh-port'], '--ssh-port', 22, 1, 65535),
    sshKey: resolvePath(v['ssh-key']),
    knownHosts: v['known-hosts'] !== undefined ? resolvePath(v['known-hosts']) : null,
    connectTimeout: int(v['connect-timeout'], '--connect-timeout', 10, 1, 3600),
    commandTimeout: int(v['command-timeout'], '--command-timeout', 120, 1, 86400),
    lockTimeout: int(v['lock-timeout'], '--lock-timeout', 60, 0, 86400),
    canary: v.canary ?? DEFAULT_ROLLOUT.canary,
    maxParallel: int(v['max-parallel'], '--max-parallel', DEFAULT_ROLLOUT.maxParallel, 1, 1000),
    maxFailures: int(v['max-failures'], '--max-failures', DEFAULT_ROLLOUT.maxFailures, 1, 100000),
    shardIndex,
    shardCount,
    dryRun: v['dry-run'] === true,
    adopt: v.adopt === true,
    kubeApi: v['kube-api'] ?? inClusterServer(io.env),
    kubeTokenFile: resolvePath(v['kube-token-file'] ?? `${SERVICE_ACCOUNT_DIR}/token`),
    kubeCaFile: resolvePath(v['kube-ca-file'] ?? `${SERVICE_ACCOUNT_DIR}/ca.crt`),
  };
}

function int(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new UsageError(`${name} must be an integer from ${min} to ${max}, found ${JSON.stringify(raw)}`);
  return n;
}

function isAbsoluteFor(p: string, os: TargetOs): boolean {
  return os === 'windows' ? /^[A-Za-z]:[\\/]/.test(p) : p.startsWith('/');
}

async function apply(s: ApplySettings, io: CliIo, secrets: string[]): Promise<number> {
  // The key first: every message after this is redacted against it.
  const key = await readSecretFile(s.sshKey, '--ssh-key');
  secrets.push(key);
  await checkKeyPermissions(s.sshKey);
  for (const [flag, file] of [['--ssh-key', s.sshKey], ['--known-hosts', s.knownHosts]] as const) {
    const problem = file === null ? null : sshPathProblem(file);
    if (problem !== null) throw new UsageError(`${flag} ${JSON.stringify(file)} ${problem}; move the file to a plain path`);
  }
  const bundle = await readBundle(s.bundle);
  if (s.knownHosts !== null) {
    const knownHosts = await readSecretFile(s.knownHosts, '--known-hosts');
    if (knownHosts.trim() === '') throw new UsageError(`--known-hosts ${s.knownHosts} is empty: every node would be refused; add the nodes' host keys`);
  }
  const emit = (fields: Array<readonly [string, LogValue]>): void => io.stderr(formatLogLine(fields, secrets));
  const hostKey = s.knownHosts === null ? 'unverified' : undefined;
  const warnInsecure = (): void =>
    emit([
      ['level', 'warn'],
      ['step', 'security'],
      ['msg', 'HOST KEYS ARE NOT VERIFIED (--insecure-ignore-host-keys): anyone on the network path can impersonate a node; pass --known-hosts instead'],
    ]);
  if (hostKey) warnInsecure();

  // Nodes: the static inventory and/or discovery through the API.
  const staticEntries = s.inventory !== undefined ? await readInventory(s.inventory) : [];
  const discover = s.selector !== undefined || s.inventory === undefined;
  const discovered: InventoryEntry[] = [];
  const undiscoverable: NodeReport[] = [];
  if (discover) {
    const selector = s.selector ?? DEFAULT_SELECTOR[s.target];
    if (!s.kubeApi) {
      throw new UsageError('node discovery needs the Kubernetes API: run in a pod (KUBERNETES_SERVICE_HOST), pass --kube-api, or list the nodes with --inventory');
    }
    const token = (await readSecretFile(s.kubeTokenFile, '--kube-token-file')).trim();
    secrets.push(token);
    const ca = await readFile(s.kubeCaFile, 'utf8').catch(() => undefined);
    let nodes;
    try {
      nodes = await listNodes({ server: s.kubeApi, token, ...(ca !== undefined ? { ca } : {}) }, selector);
    } catch (err) {
      emit([['level', 'error'], ['step', 'discover'], ['result', 'failed'], ['selector', selector], ['msg', (err as Error).message]]);
      return 1;
    }
    for (const found of toTargets(nodes, s.target)) {
      if ('problem' in found) {
        undiscoverable.push({ name: found.name, address: '-', status: 'failed', step: 'discover', detail: found.problem, written: 0, removed: 0 });
        continue;
      }
      const problems = nodeEntryProblems(found.entry, `Node ${found.entry.name}`);
      if (problems.length > 0) {
        undiscoverable.push({ name: found.entry.name, address: '-', status: 'failed', step: 'discover', detail: problems.join('; '), written: 0, removed: 0 });
      } else {
        discovered.push(found.entry);
      }
    }
    emit([['level', 'info'], ['step', 'discover'], ['result', 'ok'], ['selector', selector], ['nodes', nodes.length]]);
  }

  const defaults = {
    os: s.target,
    port: s.sshPort,
    ...(s.sshUser !== undefined ? { user: s.sshUser } : {}),
    ...(s.configDir !== undefined ? { configDir: s.configDir } : {}),
    ...(s.containerdConfig !== undefined ? { containerdConfig: s.containerdConfig } : {}),
  };
  const all = mergeTargets(staticEntries, discovered).map((e) => resolveTarget(e, defaults));
  const badDirs = all.filter((t) => !isAbsoluteFor(t.configDir, t.os));
  if (badDirs.length > 0) throw new UsageError(`configDir must be an absolute path for the node's OS: ${badDirs.map((t) => `${t.name} (${t.configDir})`).join(', ')}`);
  const mine = selectShard(all, s.shardIndex, s.shardCount);
  // A Node the API gave no usable address is a failure of this run, unless the inventory names it.
  const staticNames = new Set(staticEntries.map((e) => e.name));
  const undiscoverableHere = undiscoverable.filter((r) => !staticNames.has(r.name) && selectShard([r], s.shardIndex, s.shardCount).length > 0);
  for (const r of undiscoverableHere) emit([['level', 'error'], ['node', r.name], ['step', 'discover'], ['result', 'failed'], ['msg', r.detail]]);
  const targets = new Map<string, NodeTarget>(mine.map((t) => [t.name, t]));

  let order;
  try {
    order = rolloutOrder([...targets.keys()], s.canary);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  emit([
    ['level', 'info'],
    ['step', 'start'],
    ['nodes', targets.size],
    ['shard', `${s.shardIndex}/${s.shardCount}`],
    ['canary', order.canary ?? 'none'],
    ['max_parallel', s.maxParallel],
    ['max_failures', s.maxFailures],
    ['content_hash', bundle.contentHash],
    ['files', bundle.files.length],
    ['dry_run', s.dryRun || undefined],
  ]);

  const exec = createSshExec({
    identityFile: s.sshKey,
    knownHostsFile: s.knownHosts,
    connectTimeoutSeconds: s.connectTimeout,
    commandTimeoutSeconds: s.commandTimeout,
    ...(io.env['PATH'] !== undefined ? { path: io.env['PATH'] } : {}),
  });
  const log: StepLog = (level, target, step, result, fields = []) =>
    emit([['level', level], ['node', target.name], ['address', displayAddress(target)], ['step', step], ['result', result], ['host_key', hostKey], ...fields]);
  const context: ApplyContext = {
    desired: bundle.files,
    contentHash: bundle.contentHash,
    connectTimeoutSeconds: s.connectTimeout,
    commandTimeoutSeconds: s.commandTimeout,
    lockTimeoutSeconds: s.lockTimeout,
    dryRun: s.dryRun,
    adopt: s.adopt,
  };

  const results = await runRollout<NodeOutcome>([...targets.keys()], { canary: s.canary, maxParallel: s.maxParallel, maxFailures: s.maxFailures }, async (name) => {
    const target = targets.get(name) as NodeTarget;
    const started = Date.now();
    const outcome = await applyNode(target, context, exec, log);
    log(outcome.failed ? 'error' : 'info', target, 'done', outcome.status, [['duration_ms', Date.now() - started]]);
    return outcome;
  });

  const reports: NodeReport[] = [...undiscoverableHere];
  for (const { name, result } of results) {
    const target = targets.get(name) as NodeTarget;
    if (isSkipped(result)) {
      log('warn', target, 'done', 'skipped', [['msg', result.reason]]);
      reports.push({ name, address: displayAddress(target), status: 'skipped', detail: result.reason, written: 0, removed: 0 });
    } else {
      const { failed: _failed, ...report } = result;
      reports.push(report);
    }
  }
  io.stdout(formatSummary(reports, secrets));
  if (hostKey) warnInsecure();
  // A node that needs attention exits 1 too: a Job that stays green while a file it should manage
  // belongs to someone else would hide the problem from a GitOps dashboard.
  return reports.some((r) => r.status === 'failed' || r.status === 'skipped' || r.status === 'attention') ? 1 : 0;
}

/** manifest.json and the files it names, each checked against its sha256 (a torn or stale mount is refused). */
async function readBundle(dir: string): Promise<{ contentHash: string; files: DesiredFile[] }> {
  const manifestPath = path.join(dir, MANIFEST_KEY);
  const text = await readFile(manifestPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the bundle manifest ${manifestPath} (${err.code ?? err.message}); --bundle must be the directory where the bundle ConfigMap or Secret is mounted`);
  });
  let manifest: Partial<BundleManifest>;
  try {
    manifest = JSON.parse(text) as Partial<BundleManifest>;
  } catch {
    throw new UsageError(`${manifestPath} is not JSON; regenerate the bundle with mirrorset-hosts`);
  }
  if (manifest.kind !== 'BundleManifest' || !Array.isArray(manifest.files) || typeof manifest.contentHash !== 'string') {
    throw new UsageError(`${manifestPath} is not a mirrorset-hosts BundleManifest (kind, contentHash and files expected); regenerate the bundle`);
  }
  const files: DesiredFile[] = [];
  for (const file of manifest.files) {
    let decoded: string | undefined;
    try {
      decoded = decodeKey(file.key);
    } catch {
      decoded = undefined;
    }
    if (decoded !== file.path) throw new UsageError(`${manifestPath}: key ${JSON.stringify(file.key)} does not encode path ${JSON.stringify(file.path)}; regenerate the bundle`);
    const content = await readFile(path.join(dir, file.key)).catch(() => {
      throw new UsageError(`the bundle names ${file.path} under key ${file.key}, but ${path.join(dir, file.key)} cannot be read; is every bundle object (${file.object}) mounted in ${dir}?`);
    });
    const sha256 = sha256Hex(content);
    if (sha256 !== file.sha256) {
      throw new UsageError(`${file.path} in ${dir} has sha256 ${sha256}, the manifest says ${file.sha256}: the mounted bundle is torn or stale; wait for the mount to update, or regenerate the bundle`);
    }
    files.push({ path: file.path, sha256, content: new Uint8Array(content) });
  }
  return { contentHash: manifest.contentHash, files };
}

async function readInventory(file: string): Promise<InventoryEntry[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read --inventory ${file} (${err.code ?? err.message})`);
  });
  const { entries, problems } = parseInventory(text, file);
  if (problems.length > 0) throw new UsageError(`the inventory is not valid:\n  ${problems.join('\n  ')}`);
  return entries;
}

/** Reads a secret file; errors name the file, never its content. */
async function readSecretFile(file: string, flag: string): Promise<string> {
  return readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${flag} ${file} (${err.code ?? 'unreadable'}); mount the Secret there or fix the path`);
  });
}

/** ssh(1) ignores a key its own user can share with others ("UNPROTECTED PRIVATE KEY FILE"): say so first. */
async function checkKeyPermissions(file: string): Promise<void> {
  const info = await stat(file);
  if (typeof process.getuid === 'function' && info.uid === process.getuid() && (info.mode & 0o077) !== 0) {
    throw new UsageError(`ssh refuses the private key ${file}: it is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it (in a pod, mount the Secret with defaultMode 0400 or 0440)`);
  }
}
