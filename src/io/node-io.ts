// The real process behind CliIo.
import { fstatSync, readSync, writeSync } from 'node:fs';
import { type CliIo } from './cli-io.js';
import { StdinTooLarge } from '../errors.js';

export function nodeIo(): CliIo {
  return {
    // Written with writeSync: process.stdout and process.stderr are streams whose set-up (net, tty,
    // streams) costs a KRM function run milliseconds on every kustomize build; a descriptor that
    // would block (non-blocking pipe) falls back to the stream.
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
    // Touching process.stdin builds a stream (net, tty, streams: milliseconds a KRM function run pays
    // on every kustomize build): read fd 0 directly, and fall back to the stream only when it would
    // block (a non-blocking descriptor). Either way no more than maxBytes + 1 bytes are ever held.
    readStdin: async (maxBytes) => {
      const chunks: Buffer[] = [];
      let total = 0;
      const keep = (chunk: Buffer): void => {
        chunks.push(chunk);
        total += chunk.length;
        if (total > maxBytes) throw new StdinTooLarge(maxBytes);
      };
      try {
        for (;;) {
          const chunk = Buffer.allocUnsafe(64 * 1024);
          const bytesRead = readSync(0, chunk, 0, chunk.length, null);
          if (bytesRead === 0) return Buffer.concat(chunks, total).toString('utf8');
          keep(chunk.subarray(0, bytesRead));
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EOF') return Buffer.concat(chunks, total).toString('utf8');
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      }
      try {
        for await (const chunk of process.stdin) keep(chunk as Buffer);
      } finally {
        // Stop reading at the limit: an endless writer gets EPIPE instead of filling our memory.
        if (total > maxBytes) process.stdin.destroy();
      }
      return Buffer.concat(chunks, total).toString('utf8');
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
