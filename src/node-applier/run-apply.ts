// `apply` from its settings to its exit code: read the bundle, the inventory and the key, find the
// nodes, roll the bundle out over them, report. Every file, the Kubernetes API and the ssh transport
// come in through ApplyIo (io/apply-io.ts is the real one), so this decides and the I/O only does.
import { decodeKey, MANIFEST_KEY, type BundleManifest } from '../bundle/bundle-manifest.js';
import { sha256Hex } from '../bundle/content-hash.js';
import { formatDiagnostic } from '../diagnostics.js';
import { UsageError } from '../errors.js';
import type { InventoryEntry } from '../vocabulary.js';
import { applyNode, type ApplyContext, type Exec, type NodeOutcome, type StepLog } from './apply-node.js';
import { isAbsoluteFor, type ApplySettings } from './apply-flags.js';
import { toTargets, usesDiscovery, type KubeNode } from './discovery.js';
import type { DesiredFile } from './node-state.js';
import { DEFAULT_SELECTOR, displayAddress, mergeTargets, nodeEntryProblems, parseInventory, resolveTarget, type NodeTarget } from './node-target.js';
import { formatLogLine, formatSummary, type LogValue, type NodeReport } from './report.js';
import { isSkipped, rolloutOrder, runRollout } from './rollout.js';
import { selectShard } from './shard.js';
import { parseWindowsInstances } from './windows-instances.js';
import { filesWithAuthorization, parseDockerConfigJson } from './mirror-auth.js';
import { knownHostsLines, pinnedHostKey, wmcoRefusal, wmcoVersion } from './wmco-node.js';

/** What the ssh transport needs to reach the nodes. */
export interface TransportOptions {
  identityFile: string;
  /** null: host keys are not verified. */
  knownHostsFile: string | null;
  connectTimeoutSeconds: number;
  commandTimeoutSeconds: number;
}

/** The way to the nodes: sessions, and the end of what a node's sessions share. */
export interface Transport {
  exec: Exec;
  /** Ends the node's connection, whatever its sessions' outcome. Never throws. */
  closeNode(target: NodeTarget): Promise<void>;
  /** Ends every connection still open and removes what the transport made locally. Never throws. */
  close(): Promise<void>;
}

/** Everything `apply` touches outside itself. Reads reject with a Node.js error (its `code` is shown). */
export interface ApplyIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readText(file: string): Promise<string>;
  readBytes(file: string): Promise<Uint8Array>;
  /** Owner and permission bits of a file. */
  stat(file: string): Promise<{ uid: number; mode: number }>;
  /** The uid this process runs as; undefined where there is none (Windows). */
  uid: number | undefined;
  /** Milliseconds, for durations. */
  now(): number;
  listNodes(api: { server: string; token: string; ca?: string }, selector: string): Promise<KubeNode[]>;
  getConfigMapData(api: { server: string; token: string; ca?: string }, namespace: string, name: string): Promise<Record<string, string>>;
  /** Why ssh cannot take this path as an option value, or null. */
  transportPathProblem(file: string): string | null;
  createTransport(options: TransportOptions): Transport;
  /** Writes a known_hosts built at run time to a private temporary file; returns its path. */
  writeKnownHosts(text: string): Promise<string>;
  /** Removes a file writeKnownHosts made. */
  removeTempFile(file: string): Promise<void>;
}

/**
 * Runs `apply`. `secrets` collects every secret read (the key, the token) so that whoever prints an
 * error can redact them. Throws UsageError for bad settings or inputs.
 */
export async function runApply(s: ApplySettings, io: ApplyIo, secrets: string[]): Promise<number> {
  // The key first: every message after this is redacted against it.
  const key = await readSecretFile(io, s.sshKey, '--ssh-key');
  secrets.push(key);
  await checkKeyPermissions(io, s.sshKey);
  for (const [flag, file] of [['--ssh-key', s.sshKey], ['--known-hosts', s.knownHosts]] as const) {
    const problem = file === null ? null : io.transportPathProblem(file);
    if (problem !== null) throw new UsageError(`${flag} ${JSON.stringify(file)} ${problem}; move the file to a plain path`);
  }
  const bundle = await readBundle(io, s.bundle);
  // Mirror credentials: read, added to the redaction list before anything can print them, and
  // written into the files on their way to the node only (the sha256 is of what is written).
  let authHosts: string[] = [];
  if (s.auth !== undefined) {
    const parsed = parseDockerConfigJson(await readSecretFile(io, s.auth, '--auth'), `--auth ${s.auth}`);
    if ('problem' in parsed) throw new UsageError(parsed.problem);
    secrets.push(...parsed.secrets);
    const withHeaders = filesWithAuthorization(bundle.files, parsed.credentials, sha256Hex);
    authHosts = withHeaders.hosts;
    bundle.files = withHeaders.files;
  }
  if (s.knownHosts !== null) {
    const knownHosts = await readSecretFile(io, s.knownHosts, '--known-hosts');
    if (knownHosts.trim() === '') throw new UsageError(`--known-hosts ${s.knownHosts} is empty: every node would be refused; add the nodes' host keys`);
  }
  const emit = (fields: Array<readonly [string, LogValue]>): void => io.stderr(formatLogLine(fields, secrets));
  const hostKey = s.knownHosts === null && !s.knownHostsFromNodeAnnotations ? 'unverified' : undefined;
  const warnInsecure = (): void =>
    emit([
      ['level', 'warn'],
      ['step', 'security'],
      ['msg', 'HOST KEYS ARE NOT VERIFIED (--insecure-ignore-host-keys): anyone on the network path can impersonate a node; pass --known-hosts instead'],
    ]);
  if (hostKey) warnInsecure();

  // Nodes: the static inventory and/or discovery through the API.
  const staticEntries = s.inventory !== undefined ? await readInventory(io, s.inventory) : [];
  const discover = usesDiscovery(s.selector, s.inventory !== undefined || s.windowsInstances !== undefined);
  const discovered: InventoryEntry[] = [];
  const nodeByName = new Map<string, KubeNode>();
  const undiscoverable: NodeReport[] = [];
  const selectorUsed = discover ? (s.selector ?? DEFAULT_SELECTOR[s.target]) : undefined;
  let api: { server: string; token: string; ca?: string } | undefined;
  if (discover || s.windowsInstances !== undefined) {
    if (!s.kubeApi) {
      throw new UsageError(`${discover ? 'node discovery' : '--windows-instances'} needs the Kubernetes API: run in a pod (KUBERNETES_SERVICE_HOST), pass --kube-api, or list the nodes with --inventory`);
    }
    const token = (await readSecretFile(io, s.kubeTokenFile, '--kube-token-file')).trim();
    secrets.push(token);
    const ca = await io.readText(s.kubeCaFile).catch(() => undefined);
    api = { server: s.kubeApi, token, ...(ca !== undefined ? { ca } : {}) };
  }
  if (s.windowsInstances !== undefined && api !== undefined) {
    // As WMCO's wiparser.GetInstances: the ConfigMap, and the Windows Nodes to name each instance by.
    const [namespace, name] = s.windowsInstances.split('/') as [string, string];
    let data: Record<string, string>;
    let windowsNodes: KubeNode[];
    try {
      data = await io.getConfigMapData(api, namespace, name);
      windowsNodes = await io.listNodes(api, DEFAULT_SELECTOR.windows);
    } catch (err) {
      emit([['level', 'error'], ['step', 'discover'], ['result', 'failed'], ['windows_instances', s.windowsInstances], ['msg', (err as Error).message]]);
      return 1;
    }
    for (const node of windowsNodes) nodeByName.set(node.metadata?.name ?? '', node);
    for (const found of parseWindowsInstances(data, windowsNodes, `ConfigMap ${s.windowsInstances}`)) {
      if ('problem' in found) undiscoverable.push({ name: found.name, address: '-', status: 'failed', step: 'discover', detail: found.problem, written: 0, removed: 0 });
      // Before the --inventory file's entries, which win for the same name (mergeTargets keeps the last).
      else staticEntries.unshift(found.entry);
    }
    emit([['level', 'info'], ['step', 'discover'], ['result', 'ok'], ['windows_instances', s.windowsInstances], ['nodes', Object.keys(data).length]]);
  }
  if (discover && api !== undefined) {
    const selector = s.selector ?? DEFAULT_SELECTOR[s.target];
    let nodes;
    try {
      nodes = await io.listNodes(api, selector);
    } catch (err) {
      emit([['level', 'error'], ['step', 'discover'], ['result', 'failed'], ['selector', selector], ['msg', (err as Error).message]]);
      return 1;
    }
    for (const node of nodes) nodeByName.set(node.metadata?.name ?? '', node);
    for (const found of toTargets(nodes, s.target)) {
      if ('unavailable' in found && found.unavailable !== undefined) {
        // Routine in an autoscaled or upgrading cluster: reported, not contacted, and (by default) no failure.
        const failing = s.unavailableNodes === 'fail';
        undiscoverable.push({
          name: found.entry.name,
          address: found.entry.address,
          status: failing ? 'failed' : 'skipped-unavailable',
          ...(failing ? { step: 'discover' } : {}),
          detail: failing ? `${found.unavailable} (--unavailable-nodes fail)` : found.unavailable,
          written: 0,
          removed: 0,
        });
        continue;
      }
      if ('problem' in found) {
        undiscoverable.push({ name: found.name, address: '-', status: 'failed', step: 'discover', detail: found.problem, written: 0, removed: 0 });
        continue;
      }
      const problems = nodeEntryProblems(found.entry);
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
    platform: s.platform,
    port: s.sshPort,
    ...(s.sshUser !== undefined ? { user: s.sshUser } : {}),
    become: s.become,
    ...(s.configDir !== undefined ? { configDir: s.configDir } : {}),
    ...(s.containerdConfig !== undefined ? { containerdConfig: s.containerdConfig } : {}),
    ...(s.assumeContainerdDefaults !== undefined ? { assumeContainerdDefaults: s.assumeContainerdDefaults } : {}),
  };
  const all = mergeTargets(staticEntries, discovered).map((e) => resolveTarget(e, defaults));
  const badDirs = all.filter((t) => !isAbsoluteFor(t.configDir, t.os));
  if (badDirs.length > 0) throw new UsageError(`configDir must be an absolute path for the node's OS: ${badDirs.map((t) => `${t.name} (${t.configDir})`).join(', ')}`);
  const mine = selectShard(all, s.shardIndex, s.shardCount);
  // A Node the API gave no usable address is a failure of this run, unless the inventory names it.
  const staticNames = new Set(staticEntries.map((e) => e.name));
  const undiscoverableHere = undiscoverable.filter((r) => !staticNames.has(r.name) && selectShard([r], s.shardIndex, s.shardCount).length > 0);
  for (const r of undiscoverableHere) {
    const level = r.status === 'failed' ? 'error' : 'warn';
    emit([['level', level], ['node', r.name], ['step', 'discover'], ['result', r.status], ['msg', r.detail]]);
  }
  // Too few nodes is a failure, never a green run that touched nothing (a selector typo, RBAC that
  // lists nothing). Judged on every shard's nodes together, so all shards agree.
  if (all.length < s.minNodes) {
    const unavailable = undiscoverable.filter((r) => !staticNames.has(r.name)).length;
    const source = [
      ...(selectorUsed !== undefined ? [`selector ${selectorUsed}`] : []),
      ...(s.inventory !== undefined ? [`inventory ${s.inventory}`] : []),
    ].join(' and ');
    const msg =
      `${all.length} node(s) to update, fewer than --min-nodes ${s.minNodes}: ${source} matched ${all.length + unavailable} node(s)` +
      (unavailable > 0 ? `, ${unavailable} of them unavailable or unusable` : '') +
      '; check the selector (and that the Job may list nodes), or lower spec.rollout.minNodes';
    emit([['level', 'error'], ['step', 'discover'], ['result', 'failed'], ['min_nodes', s.minNodes], ['msg', msg]]);
    io.stdout(formatSummary(undiscoverableHere, secrets));
    return 1;
  }
  // Nodes WMCO manages, and nodes whose host key comes from WMCO's annotation: refused ones are
  // reported and left out; the others go on.
  const refused: NodeReport[] = [];
  const wmcoNodes = new Set<string>();
  const pinned: Array<{ target: NodeTarget; key: string }> = [];
  for (const target of mine) {
    const node = nodeByName.get(target.name);
    const version = node === undefined ? undefined : wmcoVersion(node);
    let problem: readonly [string, string] | undefined;
    if (version !== undefined && !s.wmcoCoexist) problem = ['wmco', wmcoRefusal(version)];
    else if (version !== undefined && bundle.profile !== 'wmco') {
      throw new UsageError(`--wmco-coexist writes nodes WMCO manages (${target.name} is one), so the bundle must hold what WMCO writes; it was rendered with profile ${bundle.profile}: render it with --profile wmco (spec.profile: wmco)`);
    }
    if (problem === undefined && s.knownHostsFromNodeAnnotations) {
      const found = node === undefined ? { problem: 'the node is listed in the inventory only: there is no Node object to read a pinned host key from; the node is refused (list it under a discovered Node name, or use --known-hosts)' } : pinnedHostKey(node);
      if ('problem' in found) problem = ['host-key', found.problem];
      else pinned.push({ target, key: found.key });
    }
    if (problem !== undefined) {
      refused.push({ name: target.name, address: displayAddress(target), status: 'failed', step: problem[0], detail: problem[1], written: 0, removed: 0 });
      emit([['level', 'error'], ['node', target.name], ['address', displayAddress(target)], ['step', problem[0]], ['result', 'failed'], ['msg', problem[1]]]);
    } else if (version !== undefined) {
      wmcoNodes.add(target.name);
    }
  }
  const refusedNames = new Set(refused.map((r) => r.name));
  const targets = new Map<string, NodeTarget>(mine.filter((t) => !refusedNames.has(t.name)).map((t) => [t.name, t]));
  const knownHostsFile = s.knownHostsFromNodeAnnotations ? await io.writeKnownHosts(knownHostsLines(pinned)) : s.knownHosts;
  let transport: Transport | undefined;
  try {
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
      ['auth_hosts', authHosts.join(',') || undefined],
    ]);

    const nodes = io.createTransport({
      identityFile: s.sshKey,
      knownHostsFile,
      connectTimeoutSeconds: s.connectTimeout,
      commandTimeoutSeconds: s.commandTimeout,
    });
    transport = nodes;
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
      const started = io.now();
      let outcome: NodeOutcome;
      try {
        // WMCO wrote these files (same bytes with the wmco profile): take them over, as --adopt does.
        outcome = await applyNode(target, wmcoNodes.has(name) ? { ...context, adopt: true } : context, nodes.exec, log);
      } finally {
        await nodes.closeNode(target);
      }
      log(outcome.failed ? 'error' : 'info', target, 'done', outcome.status, [['duration_ms', io.now() - started]]);
      return outcome;
    });

    const reports: NodeReport[] = [...undiscoverableHere, ...refused];
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
    // skipped-unavailable is not among them: a NotReady or cordoned node is routine (--unavailable-nodes fail makes it a failure).
    return reports.some((r) => r.status === 'failed' || r.status === 'skipped' || r.status === 'attention') ? 1 : 0;
  } finally {
    await transport?.close();
    if (s.knownHostsFromNodeAnnotations && knownHostsFile !== null) await io.removeTempFile(knownHostsFile);
  }
}

const errorCode = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;
const inDir = (dir: string, name: string): string => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);

/** manifest.json and the files it names, each checked against its sha256 (a torn or stale mount is refused). */
async function readBundle(io: ApplyIo, dir: string): Promise<{ contentHash: string; profile: string; files: DesiredFile[] }> {
  const manifestPath = inDir(dir, MANIFEST_KEY);
  const text = await io.readText(manifestPath).catch((err: unknown) => {
    throw new UsageError(
      `cannot read the bundle manifest ${manifestPath} (${errorCode(err) ?? (err as Error).message}); --bundle must be the directory where the bundle ConfigMap or Secret is mounted`,
    );
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
    const content = await io.readBytes(inDir(dir, file.key)).catch(() => {
      throw new UsageError(`the bundle names ${file.path} under key ${file.key}, but ${inDir(dir, file.key)} cannot be read; is every bundle object (${file.object}) mounted in ${dir}?`);
    });
    const sha256 = sha256Hex(content);
    if (sha256 !== file.sha256) {
      throw new UsageError(`${file.path} in ${dir} has sha256 ${sha256}, the manifest says ${file.sha256}: the mounted bundle is torn or stale; wait for the mount to update, or regenerate the bundle`);
    }
    files.push({ path: file.path, sha256, content });
  }
  return { contentHash: manifest.contentHash, profile: String(manifest.profile), files };
}

async function readInventory(io: ApplyIo, file: string): Promise<InventoryEntry[]> {
  const text = await io.readText(file).catch((err: unknown) => {
    throw new UsageError(`cannot read --inventory ${file} (${errorCode(err) ?? (err as Error).message})`);
  });
  const { entries, diagnostics } = parseInventory(text, file);
  if (diagnostics.length > 0) throw new UsageError(`the inventory is not valid:\n  ${diagnostics.map(formatDiagnostic).join('\n  ')}`);
  return entries;
}

/** Reads a secret file; errors name the file, never its content. */
async function readSecretFile(io: ApplyIo, file: string, flag: string): Promise<string> {
  return io.readText(file).catch((err: unknown) => {
    throw new UsageError(`cannot read ${flag} ${file} (${errorCode(err) ?? 'unreadable'}); mount the Secret there or fix the path`);
  });
}

/** ssh(1) ignores a key its own user can share with others ("UNPROTECTED PRIVATE KEY FILE"): say so first. */
async function checkKeyPermissions(io: ApplyIo, file: string): Promise<void> {
  const info = await io.stat(file);
  if (io.uid !== undefined && info.uid === io.uid && (info.mode & 0o077) !== 0) {
    throw new UsageError(
      `ssh refuses the private key ${file}: it is readable by others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it (in a pod, mount the Secret with defaultMode 0400 or 0440)`,
    );
  }
}
