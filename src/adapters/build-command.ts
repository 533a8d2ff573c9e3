// `mirrorset-hosts build [--config FILE] [--out DIR] [PATH...]`: the Kubernetes manifests for the
// rendered tree (bundle ConfigMap/Secret, node-applier Job), on stdout or as committed output.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { exitCodeFor, type Diagnostic } from '../diagnostics.js';
import { committedOutputFiles } from '../bundle/committed-output.js';
import { stringifyStream } from '../bundle/stringify.js';
import { displayPath, exclusion } from '../io/files.js';
import { excludeFlags } from './command-config.js';
import { describeFsError } from '../io/fs-errors.js';
import { writeTreeAtomically } from '../io/output-tree.js';
import type { ManifestObject } from '../parse/parse-manifests.js';
import { defaultConfig, type MirrorSetHostsConfig } from '../validate/function-config.js';
import { COMMON_OPTIONS, parseCommandArgs, profileOf } from './options.js';
import { printFindings } from './print-findings.js';
import { mountedBundleFiles } from '../bundle/bundle-files.js';
import { type CliIo } from '../io/cli-io.js';
import { UsageError } from '../errors.js';
import { configFromFile, generateManifests } from '../app/generate-manifests.js';
import { fileInputReader } from '../io/config-inputs.js';

export const BUILD_HELP = `mirrorset-hosts build: Kubernetes manifests for the rendered files: a ConfigMap (or Secret)
holding every file with its manifest, and the node-applier Job, names hashed from the content.

Usage:
  mirrorset-hosts build [--config FILE] [--profile containerd|wmco] [--strict] [--out DIR] [--bundle-dir DIR] [PATH...]

  --config FILE   a MirrorSetHosts functionConfig (schema/function-config.schema.json); its
                  spec.inputs are read relative to the file's directory
  PATH...         mirror-set files or directories; replace spec.inputs when given
  --profile, --strict   override spec.profile and spec.strict
  --out DIR       write one file per object plus kustomization.yaml (committed output for Flux and
                  reviews); DIR is replaced as a whole, and refused unless absent, empty, or an
                  earlier output (its .mirrorset-hosts-output lists everything in it). Without
                  it (and without --bundle-dir) the manifests go to stdout.
  --bundle-dir DIR  write the bundle as the Job mounts it (manifest.json and one file per key),
                  for \`mirrorset-hosts apply --bundle DIR\` run by hand; same rules as --out

Exit codes: 0 ok, 1 invalid input (nothing written), 2 usage error, 3 internal error.
`;

export async function runBuild(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    ...COMMON_OPTIONS,
    config: { type: 'string', short: 'c' },
    out: { type: 'string', short: 'o' },
    'bundle-dir': { type: 'string' },
  });
  if (values.help) {
    io.stdout(BUILD_HELP);
    return 0;
  }
  const diagnostics: Diagnostic[] = [];
  let config: MirrorSetHostsConfig | undefined = defaultConfig();
  let baseDir = io.cwd;
  let locateConfig: ManifestObject['locate'] | undefined;
  if (values.config !== undefined) {
    const file = path.resolve(io.cwd, values.config);
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch (err) {
      throw new UsageError(`cannot read --config ${values.config}: ${describeFsError(err as NodeJS.ErrnoException)}`);
    }
    const found = configFromFile({ path: displayPath(io.cwd, file), content });
    for (const d of found.diagnostics) diagnostics.push(d);
    config = found.config;
    locateConfig = found.locateConfig;
    baseDir = path.dirname(file);
  }
  if (config) {
    if (values.profile !== undefined) config.profile = profileOf(values.profile);
    if (values.strict) config.strict = true;
    if (positionals.length === 0 && !config.inputs) {
      throw new UsageError(values.config ? `${values.config} has no spec.inputs; name the mirror-set files as PATH arguments or in spec.inputs` : 'build needs --config FILE or at least one PATH');
    }
    // --exclude and spec.exclude (relative to the config) hold for PATH arguments' directories too.
    const exclude = [...excludeFlags(values.exclude, io.cwd), ...(config.exclude ? [exclusion(baseDir, config.exclude)] : [])];
    const reader = fileInputReader(exclude.length > 0 ? { ...io, exclude } : io);
    const result = await generateManifests({ config, baseDir, cliInputs: positionals, reader, ...(locateConfig ? { locateConfig } : {}) });
    for (const d of result.diagnostics) diagnostics.push(d);
    const sorted = printFindings(io, diagnostics);
    const code = exitCodeFor(sorted);
    const bundleDir = values['bundle-dir'];
    if (code !== 0) {
      io.stderr(`mirrorset-hosts: nothing written${values.out ? ` to ${values.out}` : ''}\n`);
      return code;
    }
    if (bundleDir !== undefined) {
      const mounted = mountedBundleFiles(result.objects);
      if (!mounted) throw new Error('bug: a successful build has no bundle object');
      await writeTreeAtomically(path.resolve(io.cwd, bundleDir), mounted, bundleDir);
      io.stderr(`mirrorset-hosts: wrote the bundle to ${bundleDir} as the Job mounts it (${result.fileCount} file(s) for the nodes); run: mirrorset-hosts apply --bundle ${bundleDir} ...\n`);
      if (values.out === undefined) return code;
    }
    if (values.out === undefined) {
      io.stdout(stringifyStream(result.objects));
      return code;
    }
    const files = committedOutputFiles(result.objects);
    await writeTreeAtomically(path.resolve(io.cwd, values.out), files, values.out);
    io.stderr(`mirrorset-hosts: wrote ${files.length} file(s) to ${values.out} (${result.objects.length} object(s), ${result.fileCount} file(s) for the nodes)\n`);
    return code;
  }
  const sorted = printFindings(io, diagnostics);
  io.stderr(`mirrorset-hosts: nothing written${values.out ? ` to ${values.out}` : ''}\n`);
  return exitCodeFor(sorted);
}
