// Invariant 4 (issue 10): what the nodes cannot write is refused with a position. Every tree the tool
// renders can be written on a Windows node (NTFS: case-insensitive, DOS device names) and on Linux
// (255-byte names); a set of sources that would give another tree is an error at a source. Before,
// `Quay.io` beside `quay.io` rendered two directories that are one on Windows and macOS, a registry
// `nul.example.com` a directory Windows cannot create, and a long port a name over 255 bytes.
import fc from 'fast-check';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { run } from '../../src/pipeline.js';
import { type Profile } from '../../src/vocabulary.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_3);

const DEVICES = new Set(['con', 'prn', 'aux', 'nul', ...Array.from({ length: 9 }, (_, i) => [`com${i + 1}`, `lpt${i + 1}`]).flat()]);
const NODE_CODES = new Set(['REGISTRY_CASE_COLLISION', 'WINDOWS_DEVICE_NAME', 'NODE_NAME_TOO_LONG', 'INVALID_REGISTRY_HOST']);

/** What a Windows node and a Linux node can both hold: names of at most 255 bytes, no device base, unique ignoring case. */
function writableEverywhere(paths: readonly string[]): string | undefined {
  const folded = new Map<string, string>();
  for (const path of paths) {
    for (const part of path.split('/')) {
      if (new TextEncoder().encode(part).length > 255) return `${part.slice(0, 40)}... is over 255 bytes`;
      if (DEVICES.has((part.split('.')[0] as string).toLowerCase())) return `${part} is a Windows device`;
    }
    const other = folded.get(path.toLowerCase());
    if (other !== undefined && other !== path) return `${path} and ${other} are one path on Windows`;
    folded.set(path.toLowerCase(), path);
  }
  return undefined;
}

const labels = fc.constantFrom('quay', 'Quay', 'QUAY', 'io', 'IO', 'example', 'Example', 'nul', 'NUL', 'con', 'Aux', 'com1', 'lpt9', 'com0', 'lpt0', 'com10', 'nul-x', 'x'.repeat(63));
const hosts = fc
  .tuple(fc.array(labels, { minLength: 1, maxLength: 4 }), fc.constantFrom('', ':5000', `:${'9'.repeat(10)}`, `:${'5'.repeat(200)}`))
  .map(([parts, port]) => `${parts.join('.')}${port}`);

function idms(sources: readonly string[]): string {
  const entries = sources.map((s) => `  - source: ${s}/ns\n    mirrors: [mirror.example/ns]\n`).join('');
  return `apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: m\nspec:\n  imageDigestMirrors:\n${entries}`;
}

test.each<Profile>(['containerd', 'wmco'])('--profile %s renders only trees every node can write; anything else is an error at a source', (profile) => {
  fc.assert(
    fc.property(fc.array(hosts, { minLength: 1, maxLength: 5 }), (sources) => {
      const result = run([{ path: 'in.yaml', content: idms(sources) }], { profile });
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length === 0) {
        expect(writableEverywhere(result.files.map((f) => f.path))).toBeUndefined();
        return;
      }
      expect(result.files).toEqual([]);
      for (const error of errors) {
        expect(NODE_CODES.has(error.code)).toBe(true);
        expect(error.field).toMatch(/^spec\.imageDigestMirrors\[\d+\]\.(source|mirrors\[0\])$/);
        expect(error.location?.file).toBe('in.yaml');
      }
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test.each([
  ['Quay.io beside quay.io', ['quay.io', 'Quay.io'], 'in.yaml:9:13: error REGISTRY_CASE_COLLISION spec.imageDigestMirrors[1].source: registry Quay.io differs from quay.io (in.yaml:7) only in case'],
  ['NUL.example.com', ['NUL.example.com'], 'in.yaml:7:13: error WINDOWS_DEVICE_NAME spec.imageDigestMirrors[0].source: registry NUL.example.com becomes the directory NUL.example.com, which Windows reads as the device NUL'],
  ['com1 with a port', ['com1.corp:5000'], 'in.yaml:7:13: error WINDOWS_DEVICE_NAME spec.imageDigestMirrors[0].source: registry com1.corp:5000 becomes the directory com1.corp_5000_, which Windows reads as the device COM1'],
  ['a port of 250 digits', [`quay.io:${'5'.repeat(250)}`], 'in.yaml:7:13: error NODE_NAME_TOO_LONG spec.imageDigestMirrors[0].source: registry quay.io:555'],
])('%s is refused at the source', (_name, sources, line) => {
  const result = run([{ path: 'in.yaml', content: idms(sources) }], { profile: 'containerd' });
  const lines = result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  expect(lines).toEqual([expect.stringContaining(line)]);
  expect(lines[0]?.startsWith(line)).toBe(true);
  expect(result.files).toEqual([]);
});

test.each([
  ['com0 and lpt0 are not devices', ['com0.example', 'lpt0.example']],
  ['a device name after the first dot is harmless', ['registry.nul.example', 'aux-mirror.example']],
  ['one registry written the same way twice', ['quay.io', 'quay.io']],
])('%s: renders', (_name, sources) => {
  const result = run([{ path: 'in.yaml', content: idms(sources) }], { profile: 'containerd' });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(result.files.length).toBeGreaterThan(0);
});

test('the CA file of a mirror host near the DNS limit would be over 255 bytes: an error at the ConfigMap key, nothing written', async () => {
  const { CA_A, caConfigMap, image, render } = await import('../trust/inputs.js');
  const host = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}`; // 250 characters: a valid host name
  const result = render([
    `apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata:\n  name: m\nspec:\n  imageDigestMirrors:\n  - source: quay.io\n    mirrors: [${host}/q]\n`,
    image({ additionalTrustedCA: 'cas' }),
    caConfigMap('cas', { [host]: CA_A }),
  ]);
  const lines = result.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  expect(lines).toEqual([expect.stringMatching(/^in2\.yaml:7:3: error NODE_NAME_TOO_LONG data\[a{63}\.b+\.c+\.d+\]: the CA for a+\.b+\.c+\.d+ would be written as ca-a+\.\.\., a file name of 257 bytes/)]);
  expect(result.files).toEqual([]);
});
