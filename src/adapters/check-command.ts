// `mirrorset-hosts check`: render in memory and compare with the committed output directory, byte for
// byte. Stale (a file to change, to add or to delete): a unified diff on stdout that `git apply` accepts,
// the file list and the command that fixes it on stderr, exit 1 (ecosystem.md section 6.2, check mode).
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { exitCodeFor, sortDiagnostics } from '../diagnostics.js';
import { describeFsError, displayPath, readInputs } from '../io/files.js';
import { describeInTheWay, OUTPUT_MARKER, unownedEntries, withOwnershipMarker } from '../io/output-tree.js';
import { run } from '../pipeline.js';
import { unifiedDiff } from '../plan/unified-diff.js';
import { type CliIo } from '../io/cli-io.js';
import { UsageError } from '../errors.js';
import { COMMON_OPTIONS, parseCommandArgs, profileOf } from './cli.js';
import { DEFAULT_CONFIG_FILE, loadCommandConfig } from './command-config.js';
import { formatText } from './formats/text.js';

export const CHECK_HELP = `Usage: mirrorset-hosts check [--profile containerd|wmco] [--strict] [--config FILE] --out DIR [PATH...]

Renders PATH... in memory and compares the result with the committed directory DIR, byte for byte.
Exit 0 when DIR is up to date; exit 1 with a unified diff (stdout) and the list of files to change,
add or delete (stderr) when it is stale, or when the inputs do not render; exit 2 on a usage error.

  --out DIR        the committed output of \`mirrorset-hosts render --out DIR\`
  --config FILE    settings file (default ${DEFAULT_CONFIG_FILE} when present): profile, inputs, out, strict
`;

type Committed = { kind: 'file'; bytes: Buffer } | { kind: 'other' };

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
  const config = await loadCommandConfig(values.config, io.cwd);
  const out = values.out ?? config?.out;
  if (!out) throw new UsageError(`check needs --out DIR, or out in ${config?.file ?? DEFAULT_CONFIG_FILE}`);
  const paths = positionals.length > 0 ? positionals : (config?.inputs ?? []);
  if (paths.length === 0) throw new UsageError(`check needs at least one PATH, or inputs in ${config?.file ?? DEFAULT_CONFIG_FILE}`);
  const profile = profileOf(values.profile ?? config?.profile);
  const strict = values.strict ?? config?.strict ?? false;

  // Inputs from the settings file stay inside its directory, symbolic links resolved (command-config.ts).
  const inputs = await readInputs(paths, positionals.length === 0 && config ? { ...io, root: config.root } : io);
  const result = run(inputs.files, { profile, strict });
  const diagnostics = sortDiagnostics([...inputs.diagnostics, ...result.diagnostics]);
  io.stderr(formatText(diagnostics));
  if (exitCodeFor(diagnostics) !== 0) {
    io.stderr(`mirrorset-hosts: cannot check ${out}: the inputs do not render; fix the errors above\n`);
    return exitCodeFor(diagnostics);
  }

  const outDir = path.resolve(io.cwd, out);
  const shownDir = displayPath(io.cwd, outDir);
  const committed = await readTree(outDir, out);
  // The committed output holds the ownership marker `render --out` writes with it.
  const expected = new Map(withOwnershipMarker(result.files).map((f) => [f.path, f.content]));
  const rows: string[] = [];
  let diff = '';
  for (const file of [...new Set([...expected.keys(), ...committed.keys()])].sort()) {
    const want = expected.get(file);
    const have = committed.get(file);
    const shown = `${shownDir}/${file}`;
    if (have?.kind === 'other') {
      rows.push(`  replace ${shown} (not a regular file)`);
      continue;
    }
    if (want !== undefined && have && Buffer.compare(have.bytes, Buffer.from(want, 'utf8')) === 0) continue;
    if (want === undefined) rows.push(`  delete  ${shown}`);
    else if (!have) rows.push(`  add     ${shown}`);
    else rows.push(`  change  ${shown}`);
    diff += unifiedDiff(have ? have.bytes.toString('utf8') : '', want ?? '', {
      oldLabel: have ? `a/${shown}` : '/dev/null',
      newLabel: want !== undefined ? `b/${shown}` : '/dev/null',
    });
  }
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

/** Every entry under `dir` by `/`-separated relative path; a missing directory is empty (every file is to add). */
async function readTree(dir: string, shown: string): Promise<Map<string, Committed>> {
  const tree = new Map<string, Committed>();
  // Not `instanceof Error`: fs errors may come from another realm (a VM context under test runners).
  const top = await lstat(dir).then(
    (stats) => ({ stats }),
    (error: NodeJS.ErrnoException) => ({ error }),
  );
  if ('error' in top) {
    if (top.error.code === 'ENOENT') return tree;
    throw new UsageError(`cannot read --out ${shown}: ${describeFsError(top.error)}`);
  }
  if (!top.stats.isDirectory()) throw new UsageError(`--out ${shown} is not a directory; name the directory render writes`);
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(child);
      else if (entry.isFile()) tree.set(child, { kind: 'file', bytes: await readFile(path.join(dir, child)) });
      else tree.set(child, { kind: 'other' });
    }
  };
  try {
    await walk('');
  } catch (err) {
    throw new UsageError(`cannot read --out ${shown}: ${describeFsError(err as NodeJS.ErrnoException)}`);
  }
  return tree;
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
