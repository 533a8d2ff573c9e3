// The one place findings are printed: sorted once here (file, position, severity, code), then rendered
// for the audience (formats/), humans' text on stderr and documents for programs on stdout.
import { sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { type CliIo } from '../io/cli-io.js';
import { formatDiagnostics, type DiagnosticFormat } from './formats/index.js';
import { formatKrmText } from './formats/text.js';
import { VERSION } from './version.js';

export interface PrintOptions {
  /** `text` (the default): gcc-style lines and a count on stderr; `json`, `github`, `sarif`: one document on stdout. */
  format?: DiagnosticFormat;
  /**
   * Run by kustomize or kpt (KRM function, exec plugin): stdout is the ResourceList or the objects, so
   * errors and warnings go to stderr as `mirrorset-hosts: ` lines (formatKrmText), findings in these
   * files (ResourceList items, the plugin config) placed without a line number.
   */
  krm?: { synthetic: ReadonlySet<string> };
}

/** Sorts and prints `diagnostics`; returns them sorted, for what the command prints next (a plan's findings). */
export function printFindings(io: Pick<CliIo, 'stdout' | 'stderr'>, diagnostics: readonly Diagnostic[], options: PrintOptions = {}): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics);
  if (options.krm) {
    const text = formatKrmText(sorted, options.krm.synthetic);
    if (text) io.stderr(text);
    return sorted;
  }
  const format = options.format ?? 'text';
  const text = formatDiagnostics(format, sorted, VERSION);
  if (format === 'text') {
    if (text) io.stderr(text);
  } else {
    io.stdout(text);
  }
  return sorted;
}
