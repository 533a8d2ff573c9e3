// The real process behind CliIo.
import { fstatSync, readFileSync, writeSync } from 'node:fs';
import type { CliIo } from '../adapters/cli-io.js';

export function nodeIo(): CliIo {
  return {
    // Written with writeSync: process.stdout and process.stderr are streams whose set-up (net, tty,
    // streams) costs a KRM function run milliseconds on every kustomize build; a descriptor that
    // would block (non-blocking pipe) falls back to the stream.
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
    // Touching process.stdin builds a stream (net, tty, streams: milliseconds a KRM function run pays
    // on every kustomize build): read fd 0 directly, and fall back to the stream only when it would
    // block (a non-blocking descriptor).
    readStdin: async () => {
      try {
        return readFileSync(0, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinIsTTY: stdinIsTerminal(),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** A pipe or a file (what kustomize and kpt give a KRM function) is decided without loading node:tty. */
function stdinIsTerminal(): boolean {
  try {
    if (!fstatSync(0).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  // node:tty loads node:net: only for a character device (a terminal, or /dev/null).
  const tty = process.getBuiltinModule?.('node:tty') as typeof import('node:tty') | undefined;
  return tty ? tty.isatty(0) : Boolean(process.stdin.isTTY);
}

const streams = { 1: () => process.stdout, 2: () => process.stderr } as const;
/** Once a descriptor has refused a synchronous write, everything after goes through its stream, in order. */
const useStream = { 1: false, 2: false };

function writeAll(fd: 1 | 2, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  if (!useStream[fd]) {
    try {
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      useStream[fd] = true;
    }
  }
  streams[fd]().write(bytes.subarray(offset));
}
