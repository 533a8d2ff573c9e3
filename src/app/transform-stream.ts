// The legacy kustomize exec plugin: its config (kustomize's copy of it) and, as a transformer, the
// YAML stream of the resources so far -> the stream to print. stderr is shown only when the plugin
// fails, so the exit status is what makes kustomize stop, and nothing is printed then.
import { exitCodeFor, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import type { KubeObject } from '../bundle/bundle-files.js';
import { streamText, type InputItem, type ParsedInput } from '../krm/resource-list.js';
import { manifestObject, type ManifestObject } from '../parse/parse-manifests.js';
import { generateFromItems } from './generate-from-items.js';
import { validateConfigObject, type InputReader } from './generate-manifests.js';

export interface StreamAnswer {
  /** The stream for stdout; undefined when the run failed (exit status not 0). */
  text?: string;
  diagnostics: Diagnostic[];
  /** Files whose findings carry no line of the file: placed by file and document, or by object. */
  unplaced: ReadonlySet<string>;
  exitCode: number;
}

/**
 * `config`: what configFromText found in the plugin config (shown as `plugin config`); `readStream`
 * reads standard input, only once the config is known to be good.
 */
export async function transformStream(
  config: { object?: ManifestObject; diagnostics: readonly Diagnostic[] },
  readStream: () => Promise<ParsedInput>,
  baseDir: string,
  reader: InputReader,
): Promise<StreamAnswer> {
  const unplaced = new Set<string>(['plugin config', '<stdin>']);
  const diagnostics: Diagnostic[] = [...config.diagnostics];
  let generated: KubeObject[] = [];
  let kept: InputItem[] = [];
  if (config.object) {
    const object = namedAfterItself(config.object);
    unplaced.add(object.file);
    const validated = validateConfigObject(object);
    for (const d of validated.diagnostics) diagnostics.push(d);
    if (validated.config) {
      const input = await readStream();
      for (const d of input.diagnostics) diagnostics.push(d);
      // Bad input, not a usage problem: exit 1 with the findings (kustomize shows stderr then).
      if (!hasErrors(input.diagnostics)) {
        const result = await generateFromItems(validated.config, input.items, baseDir, reader);
        for (const file of result.itemPaths) unplaced.add(file);
        for (const d of result.diagnostics) diagnostics.push(d);
        kept = result.kept;
        generated = result.objects;
      }
    }
  }
  const sorted = sortDiagnostics(diagnostics);
  const exitCode = exitCodeFor(sorted);
  return { ...(exitCode === 0 ? { text: streamText(kept, generated) } : {}), diagnostics: sorted, unplaced, exitCode };
}

/**
 * The config file is kustomize's re-marshalled copy (keys sorted), not the user's: its line numbers
 * mean nothing to the user, so its findings are placed by `Kind/name` instead.
 */
function namedAfterItself(object: ManifestObject): ManifestObject {
  const metadata = object.value['metadata'];
  const name = metadata !== null && typeof metadata === 'object' ? String((metadata as Record<string, unknown>)['name'] ?? '') : '';
  const file = `${object.kind}/${name}`;
  return manifestObject(file, 0, object.value, (path, wantKey) => ({ ...(wantKey ? object.locateKey(path) : object.locate(path)), file }));
}
