// Invariant 3 (issue 10): every input ends with exit 0, 1 or 2, never an internal error. 150,000
// findings (a 450 KB list of duplicate mirrors) crossed the adapters with push(...list), which V8
// refuses past about 125,000 arguments: `build` and the KRM function ended in exit 3 with a
// RangeError. Both now report them all (render and
// lint already did: test/hostile.test.ts).
import { runCli, tempDir } from '../helpers/cli.js';

const COUNT = 150_000;
const manifest =
  'apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: dups\nspec:\n  imageDigestMirrors:\n  - source: quay.io\n' +
  `    mirrors: [${Array.from({ length: COUNT }, () => 'a').join(', ')}]\n`;

let work: ReturnType<typeof tempDir>;
beforeAll(() => {
  work = tempDir({ 'in/dups.yaml': manifest });
});
afterAll(() => work.cleanup());

const noCrash = (stderr: string): void => expect(stderr).not.toMatch(/internal error|RangeError|Maximum call stack|^\s+at /m);

test('build reports every finding with exit 1', async () => {
  const result = await runCli(['build', '--out', 'built', 'in'], { cwd: work.dir });
  noCrash(result.stderr);
  expect(result.code).toBe(1);
  const text = result.stdout + result.stderr;
  expect(text.split('SCHEMA_DUPLICATE_ITEM').length - 1).toBe(COUNT - 1);
}, 120_000);

test('the KRM function returns a ResourceList with every finding and exit 1', async () => {
  const items = manifest
    .trimEnd()
    .split('\n')
    .map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`))
    .join('\n');
  const stdin = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}\n`;
  const result = await runCli([], { cwd: work.dir, stdin });
  noCrash(result.stderr);
  expect(result.code).toBe(1);
  // Counted, not parsed: 50 MB of YAML takes the parser minutes.
  expect(result.stdout).toMatch(/^apiVersion: config\.kubernetes\.io\/v1\nkind: ResourceList\n/);
  expect(result.stdout.split('SCHEMA_DUPLICATE_ITEM').length - 1).toBe(COUNT - 1);
}, 120_000);
