// The KRM function front-end: a ResourceList on stdin -> a ResourceList on stdout, findings also on
// stderr, the exit code from the results (src/app/transform-resource-list.ts says what it does). No
// argv is needed (kustomize < 5.7 has no exec.args).
import { MAX_RESOURCE_LIST_BYTES, parseResourceList, resourceListText, stdinTooLarge, type ParsedInput } from '../krm/resource-list.js';
import { transformResourceList } from '../app/transform-resource-list.js';
import { fileInputReader } from '../io/config-inputs.js';
import { StdinTooLarge } from '../errors.js';
import { type CliIo } from '../io/cli-io.js';
import { printFindings } from './print-findings.js';

export async function runKrmFunction(io: CliIo): Promise<number> {
  // stdout holds a complete ResourceList whatever happens: also when a bug throws (exit 3), kpt and
  // kustomize then see an error result, never an empty list that would delete the package.
  let apiVersion = 'config.kubernetes.io/v1';
  let printed = false;
  try {
    const input = await readStdinAs(parseResourceList, io);
    apiVersion = input.apiVersion;
    const answer = await transformResourceList(input, io.cwd, fileInputReader(io));
    io.stdout(answer.text);
    printed = true;
    printFindings(io, answer.diagnostics, { krm: { synthetic: answer.unplaced } });
    return answer.exitCode;
  } catch (err) {
    if (!printed) {
      const message = 'internal error, this is a bug: the input was left as it came; please report it with the input that caused it (details on stderr)';
      io.stdout(resourceListText(apiVersion, [], [], [{ message, severity: 'error', tags: { code: 'INTERNAL_ERROR' } }]));
    }
    throw err;
  }
}

/** Standard input, at most MAX_RESOURCE_LIST_BYTES of it, read as a ResourceList or a YAML stream. */
export async function readStdinAs(parse: (text: string) => ParsedInput, io: CliIo): Promise<ParsedInput> {
  try {
    return parse(await io.readStdin(MAX_RESOURCE_LIST_BYTES));
  } catch (err) {
    if (!(err instanceof StdinTooLarge)) throw err;
    return { apiVersion: 'config.kubernetes.io/v1', items: [], nodes: [], diagnostics: [stdinTooLarge(MAX_RESOURCE_LIST_BYTES)] };
  }
}
