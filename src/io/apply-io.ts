// The real ApplyIo: the file system, the Kubernetes API over node:https, and the OpenSSH client.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApplyIo } from '../node-applier/run-apply.js';
import type { CliIo } from './cli-io.js';
import { getConfigMapData, listNodes } from './kube-nodes.js';
import { createSshTransport, sshPathProblem } from './ssh.js';

export function nodeApplyIo(io: CliIo): ApplyIo {
  const path = io.env['PATH'];
  // The temp dir of the environment the run was given (node:os tmpdir() reads the process's own).
  const tempDir = io.env['TMPDIR'] || tmpdir();
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    readText: (file) => readFile(file, 'utf8'),
    readBytes: async (file) => new Uint8Array(await readFile(file)),
    stat: async (file) => {
      const info = await stat(file);
      return { uid: info.uid, mode: info.mode };
    },
    uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    now: () => Date.now(),
    listNodes,
    getConfigMapData,
    transportPathProblem: sshPathProblem,
    createTransport: (options) => createSshTransport({ ...options, ...(path !== undefined ? { path } : {}) }, { tempDir }),
    // A directory of its own (mode 0700) under the temp dir: in the Job, the pod's in-memory /tmp.
    writeKnownHosts: async (text) => {
      const file = join(await mkdtemp(join(tempDir, 'mirrorset-hosts-known-hosts-')), 'known_hosts');
      await writeFile(file, text, { mode: 0o600 });
      return file;
    },
    removeTempFile: (file) => rm(dirname(file), { recursive: true, force: true }),
  };
}
