// Which connection each session uses, read from the arguments the transport gives the client: the
// client here is a script that prints its arguments, one a line (real sshd: test/e2e/ssh/one-connection.test.ts).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createSshTransport } from '../../src/io/ssh.js';
import { resolveTarget } from '../../src/node-applier/node-target.js';

const nodeA = resolveTarget({ name: 'node-a', address: '10.0.0.5', port: 22 }, { os: 'linux', port: 22 });
// Same user@host:port as node-a under another name: a connection of its own all the same.
const nodeA2 = resolveTarget({ name: 'node-a-again', address: '10.0.0.5', port: 22 }, { os: 'linux', port: 22 });

let dir: string;
let printArgs: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'msh-transport-'));
  printArgs = path.join(dir, 'print-args');
  await writeFile(printArgs, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
  await chmod(printArgs, 0o755);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = () => ({ binary: printArgs, identityFile: '/keys/id', knownHostsFile: '/keys/known_hosts', connectTimeoutSeconds: 5, commandTimeoutSeconds: 30 });
const setting = (stdout: string, key: string): string | undefined => stdout.split('\n').find((l) => l.startsWith(`${key}=`));

describe('one connection per node', () => {
  test("each node's sessions name the node's own socket, in one private directory that close removes", async () => {
    const tempDir = path.join(dir, 'tmp');
    await mkdir(tempDir);
    const transport = createSshTransport(options(), { platform: 'linux', tempDir });
    const paths = [];
    for (const target of [nodeA, nodeA2, nodeA]) {
      const { stdout } = await transport.exec(target, 'CMD', '');
      expect(setting(stdout, 'ControlMaster')).toBe('ControlMaster=auto');
      paths.push(setting(stdout, 'ControlPath'));
    }
    const [socketDir] = await readdir(tempDir);
    expect(socketDir).toMatch(/^mirrorset-hosts-ssh-/);
    expect((await stat(path.join(tempDir, socketDir as string))).mode & 0o777).toBe(0o700);
    const where = path.join(tempDir, socketDir as string);
    expect(paths).toEqual([`ControlPath="${where}/0"`, `ControlPath="${where}/1"`, `ControlPath="${where}/0"`]);
    await transport.closeNode(nodeA);
    await transport.close();
    expect(await readdir(tempDir)).toEqual([]);
  });

  test('on Windows every session is its own connection (no ControlMaster in OpenSSH for Windows) and no directory is made', async () => {
    const tempDir = path.join(dir, 'tmp');
    await mkdir(tempDir);
    const transport = createSshTransport(options(), { platform: 'win32', tempDir });
    const { stdout } = await transport.exec(nodeA, 'CMD', '');
    expect([setting(stdout, 'ControlMaster'), setting(stdout, 'ControlPath')]).toEqual(['ControlMaster=no', 'ControlPath=none']);
    await transport.closeNode(nodeA);
    await transport.close();
    expect(await readdir(tempDir)).toEqual([]);
  });

  test('a temp dir too long for a Unix socket path: sessions connect one by one, and the run still works', async () => {
    const tempDir = path.join(dir, 'x'.repeat(80));
    await mkdir(tempDir);
    const transport = createSshTransport(options(), { platform: 'linux', tempDir });
    const { stdout, exitCode } = await transport.exec(nodeA, 'CMD', '');
    expect(exitCode).toBe(0);
    expect([setting(stdout, 'ControlMaster'), setting(stdout, 'ControlPath')]).toEqual(['ControlMaster=no', 'ControlPath=none']);
    await transport.close();
    expect(await readdir(tempDir)).toEqual([]);
  });
});
