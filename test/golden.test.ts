// One test per fixtures/cases/<behaviour>/: the input rendered twice through the real pipeline must
// give byte-identical output, equal to expected/ (the whole tree) and to expected-diagnostics.txt
// (every diagnostic line, paths relative to the case). A case with an error has no expected/; a case
// whose run reports anything must say so in expected-diagnostics.txt, so warnings are reviewed too.
// Runner contract from kustomize kyaml/fn/framework/frameworktestutil: fails on zero cases and on a
// case without an expectation.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { formatDiagnostic } from '../src/diagnostics.js';
import { readInputs } from '../src/io/files.js';
import { run } from '../src/pipeline.js';
import { type Profile } from '../src/vocabulary.js';
import { readTree, updating, writeTree } from './helpers/golden.js';
import { fileURLToPath } from 'node:url';

const casesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cases');
const cases = existsSync(casesDir) ? readdirSync(casesDir).sort() : [];

interface CaseConfig {
  profile?: Profile;
  strict?: boolean;
}

async function renderCase(dir: string): Promise<{ files: Map<string, string>; diagnostics: string; failed: boolean }> {
  const configPath = path.join(dir, 'config.yaml');
  const config: CaseConfig = existsSync(configPath) ? (parse(readFileSync(configPath, 'utf8')) as CaseConfig) ?? {} : {};
  const inputs = await readInputs(['input'], { cwd: dir, readStdin: async () => '' });
  const result = run(inputs.files, { profile: config.profile ?? 'containerd', strict: config.strict ?? false });
  const all = [...inputs.diagnostics, ...result.diagnostics];
  const diagnostics = all.map(formatDiagnostic);
  return {
    failed: all.some((d) => d.severity === 'error'),
    files: new Map(result.files.map((f) => [f.path, f.content])),
    diagnostics: diagnostics.length ? diagnostics.join('\n') + '\n' : '',
  };
}

test('there are golden cases', () => {
  expect(cases.length).toBeGreaterThan(0);
});

describe.each(cases)('%s', (name) => {
  const dir = path.join(casesDir, name);
  const expectedDir = path.join(dir, 'expected');
  const diagnosticsFile = path.join(dir, 'expected-diagnostics.txt');

  test('renders as expected, twice byte-identical', async () => {
    expect(existsSync(path.join(dir, 'input'))).toBe(true);
    const first = await renderCase(dir);
    const second = await renderCase(dir);
    expect(second).toEqual(first);

    const failed = first.failed;
    if (updating) {
      if (failed) rmSync(expectedDir, { recursive: true, force: true });
      else writeTree(expectedDir, first.files);
      if (first.diagnostics) writeFileSync(diagnosticsFile, first.diagnostics);
      else rmSync(diagnosticsFile, { force: true });
      throw new Error(`UPDATE_GOLDEN=1 rewrote ${name}; read the diff, then run again without it`);
    }

    // A case must state what it expects: an output tree, diagnostics, or both.
    expect(existsSync(expectedDir) || existsSync(diagnosticsFile)).toBe(true);
    expect(existsSync(diagnosticsFile) ? readFileSync(diagnosticsFile, 'utf8') : '').toBe(first.diagnostics);
    if (failed) {
      expect(existsSync(expectedDir)).toBe(false);
      expect(first.files.size).toBe(0);
    } else {
      expect(existsSync(expectedDir)).toBe(true);
      expect(Object.fromEntries(first.files)).toEqual(Object.fromEntries(readTree(expectedDir)));
    }
  });
});
