// The legacy kustomize exec plugin (api/internal/plugins/execplugin/execplugin.go, kustomize v5):
// kustomize finds `<plugin home>/mirrorset-hosts.io/v1alpha1/mirrorsethosts/MirrorSetHosts` for our
// kind and runs it as `<plugin> <temp file with the config>`, cwd and KUSTOMIZE_PLUGIN_CONFIG_ROOT the
// kustomization directory. As a generator stdin is empty; as a transformer it is a YAML stream of
// the resources so far. stdout is a YAML stream; stderr is shown only when the plugin fails, so
// findings are printed there and the exit status is what makes kustomize stop.
// This is the only plugin kind `kubectl kustomize --enable-alpha-plugins` can run besides containers
// (it has no --enable-exec: research/ecosystem.md §0).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT_INVALID_INPUT, exitCodeFor, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import { isOwnedBy, MAX_RESOURCE_LIST_BYTES, parseYamlStream, stdinTooLarge, streamText, type InputItem, type ParsedInput } from '../bundle/resource-list.js';
import { MAX_INPUT_BYTES, tooLarge, type ManifestObject } from '../parse/parse-manifests.js';
import { type CliIo } from '../io/cli-io.js';
import { StdinTooLarge } from '../errors.js';
import { configFromText, generateManifests, reportFindings, validateConfigObject } from './generate-manifests.js';
import { itemSources, remapItemLocation } from './krm-function.js';

export async function isExecPluginInvocation(arg: string, io: CliIo): Promise<boolean> {
  if (io.env['KUSTOMIZE_PLUGIN_CONFIG_ROOT'] === undefined && io.env['KUSTOMIZE_PLUGIN_CONFIG_STRING'] === undefined) return false;
  try {
    return statSync(path.resolve(io.cwd, arg)).isFile();
  } catch {
    return false;
  }
}

export async function runExecPlugin(arg: string, io: CliIo): Promise<number> {
  // The file is kustomize's re-marshalled copy (keys sorted), not the user's: its line numbers mean
  // nothing to the user, so findings about the config name the object instead.
  const found = readPluginConfig(path.resolve(io.cwd, arg), io.env['KUSTOMIZE_PLUGIN_CONFIG_STRING'] ?? '');
  const synthetic = new Set<string>(['plugin config', '<stdin>']);
  const diagnostics: Diagnostic[] = [...found.diagnostics];
  let generated: KubeObject[] = [];
  let kept: InputItem[] = [];
  if (found.object) {
    const object = namedAfterItself(found.object);
    synthetic.add(object.file);
    const validated = validateConfigObject(object);
    for (const d of validated.diagnostics) diagnostics.push(d);
    const config = validated.config;
    if (config) {
      const input = io.stdinIsTTY ? parseYamlStream('') : await readStream(io);
      for (const d of input.diagnostics) diagnostics.push(d);
      if (hasErrors(input.diagnostics)) {
        // Bad input, not a usage problem: exit 1 with the findings (kustomize shows stderr then).
        reportFindings(sortDiagnostics(diagnostics), synthetic, io.stderr);
        return EXIT_INVALID_INPUT;
      }
      kept = input.items.filter((item) => !isOwnedBy(item, config.name));
      const { sources, files } = itemSources(kept);
      for (const file of files.keys()) synthetic.add(file);
      const result = await generateManifests({
        config,
        baseDir: io.env['KUSTOMIZE_PLUGIN_CONFIG_ROOT'] || io.cwd,
        cwd: io.cwd,
        items: sources,
        readStdin: async () => '',
      });
      for (const remapped of result.diagnostics.map((d) => remapItemLocation(d, files))) diagnostics.push(remapped);
      generated = result.objects;
    }
  }
  const sorted = sortDiagnostics(diagnostics);
  reportFindings(sorted, synthetic, io.stderr);
  const code = exitCodeFor(sorted);
  if (code === 0) io.stdout(streamText(kept, generated));
  return code;
}

/** The config file kustomize wrote (size checked before it is read), else the copy in the environment. */
function readPluginConfig(file: string, fromEnvironment: string): ReturnType<typeof configFromText> {
  let content = fromEnvironment;
  try {
    const size = statSync(file).size;
    if (size > MAX_INPUT_BYTES) return { diagnostics: [tooLarge('plugin config', size)] };
    content = readFileSync(file, 'utf8');
  } catch {
    // Gone already: kustomize also passes the config in the environment (up to 128 KiB).
  }
  return configFromText({ path: 'plugin config', content });
}

/** The resources kustomize pipes in (a transformer), at most MAX_RESOURCE_LIST_BYTES of them. */
async function readStream(io: CliIo): Promise<ParsedInput> {
  try {
    return parseYamlStream(await io.readStdin(MAX_RESOURCE_LIST_BYTES));
  } catch (err) {
    if (!(err instanceof StdinTooLarge)) throw err;
    return { apiVersion: 'config.kubernetes.io/v1', items: [], nodes: [], diagnostics: [stdinTooLarge(MAX_RESOURCE_LIST_BYTES)] };
  }
}

/** Positions in the temp file would mislead: place findings by `Kind/name` instead. */
function namedAfterItself(object: ManifestObject): ManifestObject {
  const metadata = object.value['metadata'];
  const name = metadata !== null && typeof metadata === 'object' ? String((metadata as Record<string, unknown>)['name'] ?? '') : '';
  const file = `${object.kind}/${name}`;
  const location = { file, line: 1, column: 1 };
  return { ...object, file, locate: () => location, locateKey: () => location };
}
