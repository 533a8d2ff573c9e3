// What an adapter may touch of the outside world, injected so tests run main() in-process
// (the shape of eemeli/yaml's `cli(stdin, done, argv)` in src/cli.ts).
export interface CliIo {
  /** Data channel: rendered output, KRM ResourceList. */
  stdout(text: string): void;
  /** Humans: diagnostics, logs. */
  stderr(text: string): void;
  /** Whole standard input, read on demand (never read unless a command needs it). */
  readStdin(): Promise<string>;
  /** False when stdin is a pipe or file: how a KRM function invocation (no argv) is recognised. */
  stdinIsTTY: boolean;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A usage error: bad flags or arguments. The CLI prints it and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
