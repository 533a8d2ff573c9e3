// What an adapter may touch of the outside world, injected so tests run main() in-process
// (the shape of eemeli/yaml's `cli(stdin, done, argv)` in src/cli.ts).
export interface CliIo {
  /** Data channel: rendered output, KRM ResourceList. */
  stdout(text: string): void;
  /** Humans: diagnostics, logs. */
  stderr(text: string): void;
  /**
   * Whole standard input, read on demand (never read unless a command needs it), at most `maxBytes`
   * bytes: when there is more, it stops reading there and rejects with StdinTooLarge, so a stream
   * that never ends (`yes |`, /dev/zero) cannot exhaust the memory.
   */
  readStdin(maxBytes: number): Promise<string>;
  /** False when stdin is a pipe or file: how a KRM function invocation (no argv) is recognised. */
  stdinIsTTY: boolean;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A usage error: bad flags or arguments. The CLI prints it and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Standard input holds more than the caller's limit. Each reader turns it into a finding (exit 1);
 * a caller that does not is still a usage error (exit 2), never an internal one.
 */
export class StdinTooLarge extends UsageError {
  override name = 'StdinTooLarge';
  constructor(readonly maxBytes: number) {
    super(`standard input holds more than ${maxBytes} bytes, the most that is read`);
  }
}
