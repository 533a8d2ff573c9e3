// The errors that are not findings: a usage error (exit 2) and its kinds. Bad input is a Diagnostic,
// never an exception; anything else thrown is a bug (exit 3).
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
