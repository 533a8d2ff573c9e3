// `mirrorset-hosts apply`: the command line -> ApplySettings (with the flag table of
// node-applier/apply-flags.ts) -> node-applier/run-apply.ts over the real I/O (io/apply-io.ts), and
// the exit code. A usage error is printed here, redacted against every secret read so far.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { escapeInvisible } from '../diagnostics.js';
import { UsageError } from '../errors.js';
import { nodeApplyIo } from '../io/apply-io.js';
import type { CliIo } from '../io/cli-io.js';
import { APPLY_FLAGS, applySettings, parseArgsOptions, type FlagValues } from '../node-applier/apply-flags.js';
import { SERVICE_ACCOUNT_DIR } from '../node-applier/discovery.js';
import { redact } from '../node-applier/report.js';
import { runApply as run } from '../node-applier/run-apply.js';

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

export async function runApply(args: string[], io: CliIo): Promise<number> {
  // Every secret read so far: a usage error is redacted against them too, whatever file it quotes.
  const secrets: string[] = [];
  try {
    let values;
    try {
      values = parseArgs({ args, options: parseArgsOptions(), strict: true, allowPositionals: false }).values;
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (values['help'] === true) {
      io.stdout(APPLY_HELP);
      return 0;
    }
    return await run(applySettings(resolvePaths(values, io.cwd), io.env), nodeApplyIo(io), secrets);
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

/** Every path flag's value resolved against the working directory. */
function resolvePaths(values: FlagValues, cwd: string): FlagValues {
  const resolved: Record<string, string | boolean | undefined> = { ...values };
  for (const flag of APPLY_FLAGS) {
    const value = values[flag.name];
    if (flag.type === 'path' && typeof value === 'string') resolved[flag.name] = path.resolve(cwd, value);
  }
  return resolved;
}
