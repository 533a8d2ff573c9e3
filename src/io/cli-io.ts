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
