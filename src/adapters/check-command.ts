// `mirrorset-hosts check`: render in memory and compare with the committed output directory, byte for
// byte. Stale (a file to change, to add or to delete): a unified diff on stdout that `git apply` accepts,
// the file list and the command that fixes it on stderr, exit 1 (docs/design/gitops.md "pre-commit check mode").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exitCodeFor } from '../diagnostics.js';
import { displayPath, readInputs } from '../io/files.js';
import { describeFsError } from '../io/fs-errors.js';
import { fileSystemTree } from '../io/fs-tree.js';
import { describeInTheWay, OUTPUT_MARKER, unownedEntries, withOwnershipMarker } from '../io/output-tree.js';
import { walkTree, type EntryKind } from '../io/tree-source.js';
import { run } from '../pipeline.js';
import { compareTree, type CommittedEntry } from '../plan/compare-tree.js';
import { type CliIo } from '../io/cli-io.js';
import { UsageError } from '../errors.js';
import { commandSettings } from './command-config.js';
import { COMMON_OPTIONS, CONFIG_OPTION_HELP, parseCommandArgs } from './options.js';
import { printFindings } from './print-findings.js';

export const CHECK_HELP = `Usage: mirrorset-hosts check [--profile containerd|wmco] [--strict] [--config FILE] --out DIR [PATH...]

Renders PATH... in memory and compares the result with the committed directory DIR, byte for byte.
Exit 0 when DIR is up to date; exit 1 with a unified diff (stdout) and the list of files to change,
add or delete (stderr) when it is stale, or when the inputs do not render; exit 2 on a usage error.

  --out DIR             the committed output of \`mirrorset-hosts render --out DIR\`
${CONFIG_OPTION_HELP}
`;

/** What readTree finds under the committed directory (compared in plan/compare-tree.ts). */
type Committed = CommittedEntry;

export async function runCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...COMMON_OPTIONS,
    out: { type: 'string', short: 'o' },
    config: { type: 'string' },
  });
  if (values.help) {
    io.stdout(CHECK_HELP);
    return 0;
  }
  const settings = await commandSettings('check', values, positionals, io, true);
  const { paths, profile, strict, accept } = settings;
  const out = settings.out as string;
  const inputs = await readInputs(paths, settings.readContext);
  const result = run(inputs.files, { profile, strict, accept });
  const diagnostics = printFindings(io, [...inputs.diagnostics, ...result.diagnostics]);
  if (exitCodeFor(diagnostics) !== 0) {
    io.stderr(`mirrorset-hosts: cannot check ${out}: the inputs do not render; fix the errors above\n`);
    return exitCodeFor(diagnostics);
  }

  const outDir = path.resolve(io.cwd, out);
  const shownDir = displayPath(io.cwd, outDir);
  const committed = await readTree(outDir, out);
  // The committed output holds the ownership marker `render --out` writes with it.
  const expected = new Map(withOwnershipMarker(result.files).map((f) => [f.path, f.content]));
  const { changes, diff } = compareTree(expected, committed, shownDir);
  const rows = changes.map((c) => (c.action === 'replace' ? `  replace ${c.path} (not a regular file)` : `  ${c.action.padEnd(7)} ${c.path}`));
  if (rows.length === 0) {
    io.stderr(`mirrorset-hosts: ${shownDir} is up to date (${result.files.length} file(s), profile ${profile})\n`);
    return 0;
  }
  io.stdout(diff);
  const command = ['mirrorset-hosts', 'render', '--profile', profile, ...(strict ? ['--strict'] : []), '--out', out, ...paths]
    .map(shellWord)
    .join(' ');
  // The fix command refuses to replace what it did not write: say so here rather than in the next run.
  const unowned = await unownedEntries(outDir).catch(() => []);
  const blocked =
    unowned.length > 0
      ? `render will not replace ${out} while it holds ${describeInTheWay(unowned)}, which mirrorset-hosts did not write (no ${OUTPUT_MARKER} lists it): move that out first, then\n`
      : '';
  io.stderr(
    `mirrorset-hosts: ${shownDir} is stale: it is not what the mirror sets render (profile ${profile}):\n` +
      `${rows.join('\n')}\n` +
      (blocked ? `${blocked}update it with: ${command}\n` : `Update it with: ${command}\n`),
  );
  return 1;
}

/**
 * Every entry under `dir` by `/`-separated relative path, hidden ones too (render writes its marker),
 * a symbolic link or anything else not a regular file as `other` (render writes none, and a link is
 * never followed); a missing directory is empty (every file is to add). Files are read whole: this is
 * the tool's own output, compared byte for byte.
 */
async function readTree(dir: string, shown: string): Promise<Map<string, Committed>> {
  const tree = new Map<string, Committed>();
  let top: EntryKind;
  try {
    top = fileSystemTree.lstat(dir);
  } catch (err) {
    // Not `instanceof Error`: fs errors may come from another realm (a VM context under test runners).
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return tree;
    throw new UsageError(`cannot read --out ${shown}: ${describeFsError(err as NodeJS.ErrnoException)}`);
  }
  if (top !== 'directory') throw new UsageError(`--out ${shown} is not a directory; name the directory render writes`);
  try {
    for (const step of walkTree(fileSystemTree, dir, { hidden: true })) {
      if ('error' in step) throw step.error;
      for (const entry of step.entries) {
        if (entry.kind === 'file') tree.set(entry.relative, { kind: 'file', bytes: readFileSync(entry.path) });
        else if (entry.kind !== 'directory') tree.set(entry.relative, { kind: 'other' });
      }
    }
  } catch (err) {
    throw new UsageError(`cannot read --out ${shown}: ${describeFsError(err as NodeJS.ErrnoException)}`);
  }
  return tree;
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
