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
import { EXIT_USAGE, exitCodeFor, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import { isOwnedBy, parseYamlStream, streamText, type InputItem } from '../bundle/resource-list.js';
import type { ManifestObject } from '../parse/parse-manifests.js';
import type { CliIo } from './cli-io.js';
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
  let content = io.env['KUSTOMIZE_PLUGIN_CONFIG_STRING'] ?? '';
  try {
    content = readFileSync(path.resolve(io.cwd, arg), 'utf8');
  } catch {
    // Gone already: kustomize also passes the config in the environment (up to 128 KiB).
  }
  const found = configFromText({ path: 'plugin config', content });
  const synthetic = new Set<string>(['plugin config']);
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
      const stdin = io.stdinIsTTY ? '' : await io.readStdin();
      const input = parseYamlStream(stdin);
      for (const d of input.diagnostics) diagnostics.push(d);
      if (hasErrors(input.diagnostics)) {
        reportFindings(sortDiagnostics(diagnostics), synthetic, io.stderr);
        return EXIT_USAGE;
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

/** Positions in the temp file would mislead: place findings by `Kind/name` instead. */
function namedAfterItself(object: ManifestObject): ManifestObject {
  const metadata = object.value['metadata'];
  const name = metadata !== null && typeof metadata === 'object' ? String((metadata as Record<string, unknown>)['name'] ?? '') : '';
  const file = `${object.kind}/${name}`;
  const location = { file, line: 1, column: 1 };
  return { ...object, file, locate: () => location, locateKey: () => location };
}
