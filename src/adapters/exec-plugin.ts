// The legacy kustomize exec plugin (api/internal/plugins/execplugin/execplugin.go, kustomize v5):
// kustomize finds `<plugin home>/mirrorset-hosts.io/v1alpha1/mirrorsethosts/MirrorSetHosts` for our
// kind and runs it as `<plugin> <temp file with the config>`, cwd and KUSTOMIZE_PLUGIN_CONFIG_ROOT the
// kustomization directory. As a generator stdin is empty; as a transformer it is a YAML stream of
// the resources so far (src/app/transform-stream.ts). This is the only plugin kind
// `kubectl kustomize --enable-alpha-plugins` can run besides containers (it has no --enable-exec).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseYamlStream } from '../krm/resource-list.js';
import { MAX_INPUT_BYTES, tooLarge } from '../parse/parse-manifests.js';
import { configFromText } from '../app/generate-manifests.js';
import { transformStream } from '../app/transform-stream.js';
import { fileInputReader } from '../io/config-inputs.js';
import { type CliIo } from '../io/cli-io.js';
import { readStdinAs } from './krm-function.js';
import { printFindings } from './print-findings.js';

export async function isExecPluginInvocation(arg: string, io: CliIo): Promise<boolean> {
  if (io.env['KUSTOMIZE_PLUGIN_CONFIG_ROOT'] === undefined && io.env['KUSTOMIZE_PLUGIN_CONFIG_STRING'] === undefined) return false;
  try {
    return statSync(path.resolve(io.cwd, arg)).isFile();
  } catch {
    return false;
  }
}

export async function runExecPlugin(arg: string, io: CliIo): Promise<number> {
  const config = readPluginConfig(path.resolve(io.cwd, arg), io.env['KUSTOMIZE_PLUGIN_CONFIG_STRING'] ?? '');
  const readStream = () => (io.stdinIsTTY ? Promise.resolve(parseYamlStream('')) : readStdinAs(parseYamlStream, io));
  const answer = await transformStream(config, readStream, io.env['KUSTOMIZE_PLUGIN_CONFIG_ROOT'] || io.cwd, fileInputReader(io));
  printFindings(io, answer.diagnostics, { krm: { synthetic: answer.unplaced } });
  if (answer.text !== undefined) io.stdout(answer.text);
  return answer.exitCode;
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
