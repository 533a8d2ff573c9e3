// Every number README.md and docs/*.md state about the tool's own limits and defaults, read from the
// code that enforces it: a limit changed in the code and not in the docs (or the other way round)
// fails here. Each claim names the file, the sentence that states the number (the number captured),
// and the constant; a sentence that no longer says it fails too, so a rewording must keep the claim
// or drop it here on purpose. Numbers measured on a machine (test times, image sizes) are not
// claims about the code and are not checked here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_SETTINGS_BYTES } from '../src/adapters/command-config.js';
import { DIAGNOSTIC_CODES, EXIT_INTERNAL, EXIT_INVALID_INPUT, EXIT_OK, EXIT_USAGE } from '../src/diagnostics.js';
import { MAX_NESTING, MAX_RESOURCE_LIST_BYTES, MAX_TOKENS } from '../src/krm/resource-list.js';
import { APPLY_FLAGS } from '../src/node-applier/apply-flags.js';
import { DEFAULT_ROLLOUT } from '../src/node-applier/rollout.js';
import { nodeApplierSettings } from '../src/node-applier/settings.js';
import { MASTER_IDLE_SECONDS } from '../src/io/ssh.js';
import { MAX_INPUT_BYTES, MAX_SEGMENT_RETRIES } from '../src/parse/parse-manifests.js';
import { defaultConfig } from '../src/validate/function-config.js';
import { FUNCTION_CONFIG_SCHEMA, MAX_CONFIG_NAME_LENGTH } from '../src/validate/function-config-schema.js';
import { MAX_NAME_BYTES } from '../src/validate/rules/node-directory-names.js';
import { DEFAULT_POD_RESOURCES, MEMORY_NEED_MIB, MIN_MEMORY_LIMIT_MIB, quantityValue } from '../src/validate/pod-resources.js';
import { MAX_HOST, MAX_LABEL } from '../src/validate/rules/registry-host-length.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const KiB = 1024;
const MiB = 1024 * 1024;
const words: Record<string, number> = { 'a million': 1_000_000 };

const spec = FUNCTION_CONFIG_SCHEMA.properties?.['spec']?.properties ?? {};
const maxObjectBytesLimit = spec['bundle']?.properties?.['maxObjectBytes']?.maximum as number;

/** The Argo CD wave of the Job of a config that does not set one. */
function defaultSyncWave(): number {
  const config = { ...defaultConfig(), namespace: 'infra', image: 'registry.example.com/mirrorset-hosts:1' };
  config.ssh = { ...config.ssh, secretName: 'node-ssh', knownHosts: { kind: 'ConfigMap', name: 'node-known-hosts' } };
  const result = nodeApplierSettings(config);
  if (!result.settings) throw new Error(`bug in the test: ${JSON.stringify(result.diagnostics)}`);
  return result.settings.syncWave;
}

/** A memory quantity of the code in MiB ("128Mi" -> 128). */
const mebibytes = (quantity: string): number => (quantityValue(quantity) ?? NaN) / MiB;

/** [file, sentence with the number as its one capture group, the value in the code]. */
const CLAIMS: [string, RegExp, number][] = [
  // Input sizes.
  ['docs/hardening.md', /\*\*(\d+) MiB per input file\*\* \(`MAX_INPUT_BYTES`/, MAX_INPUT_BYTES / MiB],
  ['docs/hardening.md', /whole: (\d+) MiB for `-` and for a KRM ResourceList/, MAX_RESOURCE_LIST_BYTES / MiB],
  ['docs/hardening.md', /whole: (\d+) MiB for `-`/, MAX_INPUT_BYTES / MiB], // stdin of render and lint
  ['docs/hardening.md', /never reads one over (\d+) MiB/, MAX_INPUT_BYTES / MiB],
  ['docs/hardening.md', /file is read through a descriptor, at most (\d+) KiB/, MAX_SETTINGS_BYTES / KiB],
  ['docs/hardening.md', /checks size \((\d+) MiB, and at most a million YAML tokens/, MAX_RESOURCE_LIST_BYTES / MiB],
  ['docs/hardening.md', /at most (a million) YAML tokens/, MAX_TOKENS],
  ['docs/gitops.md', /more than (\d+) MiB or a million YAML tokens/, MAX_RESOURCE_LIST_BYTES / MiB],
  ['docs/gitops.md', /more than \d+ MiB or (a million) YAML tokens/, MAX_TOKENS],
  ['docs/hardening.md', /the rest of\s+the file re-read with its real positions \(at most (\d+) times per file\)/, MAX_SEGMENT_RETRIES],
  // Names.
  ['docs/gitops.md', /base of every generated name, at most (\d+) characters/, MAX_CONFIG_NAME_LENGTH],
  ['docs/node-applier.md', /base name of the generated objects \(at most (\d+) characters\)/, MAX_CONFIG_NAME_LENGTH],
  ['README.md', /a name over (\d+) bytes are errors/, MAX_NAME_BYTES],
  ['docs/hardening.md', /file name over (\d+) bytes/, MAX_NAME_BYTES],
  ['README.md', /longer than a DNS name may be \((\d+) characters, \d+ per label\)/, MAX_HOST],
  ['README.md', /longer than a DNS name may be \(\d+ characters, (\d+) per label\)/, MAX_LABEL],
  ['README.md', /longer than (\d+) bytes \(a long host with a port/, MAX_NAME_BYTES],
  // Bundle objects.
  ['README.md', /split before the (\d+) MiB object limit/, maxObjectBytesLimit / MiB],
  ['docs/gitops.md', /`spec\.bundle\.maxObjectBytes`, up\nto the API server's (\d+) MiB\)/, maxObjectBytesLimit / MiB],
  ['docs/gitops.md', /split over several objects of at most (\d+) data/, defaultConfig().bundle.maxObjectBytes],
  ['README.md', /Raise spec\.bundle\.maxObjectBytes \(at most (\d+)\)/, maxObjectBytesLimit],
  ['docs/gitops.md', /# bundle: \{sensitive: false, maxObjectBytes: (\d+)\}/, defaultConfig().bundle.maxObjectBytes],
  // Rollout defaults.
  ['docs/node-applier.md', /`spec\.rollout\.maxParallel` \| `--max-parallel` \| (\d+) \|/, DEFAULT_ROLLOUT.maxParallel as number],
  ['docs/node-applier.md', /`spec\.rollout\.maxFailures` \| `--max-failures` \| (\d+) \|/, DEFAULT_ROLLOUT.maxFailures as number],
  ['docs/node-applier.md', /`spec\.gitops\.syncWave` moves the Job to another Argo CD wave \(default (\d+),/, defaultSyncWave()],
  ['docs/node-applier.md', /leaves masters that exit after (\d+) s without a session \(`ControlPersist`\)/, MASTER_IDLE_SECONDS],
  // Pod resources: the defaults and the thresholds drawn from the measurement (bench/applier-memory.mjs).
  ['docs/platforms.md', /container asks for `100m` CPU and (\d+)Mi of memory/, mebibytes(DEFAULT_POD_RESOURCES.requests.memory)],
  ['docs/platforms.md', /is limited to `1` CPU and (\d+)Mi\./, mebibytes(DEFAULT_POD_RESOURCES.limits.memory)],
  ['docs/platforms.md', /\*\*a memory limit under (\d+)Mi is an error\*\*/, MIN_MEMORY_LIMIT_MIB],
  ['docs/platforms.md', /\*\*a memory limit or request under (\d+)Mi is a warning\*\*/, MEMORY_NEED_MIB],
  ['docs/platforms.md', /meets the default (\d+)Mi limit/, mebibytes(DEFAULT_POD_RESOURCES.limits.memory)],
  ['docs/node-applier.md', /with requests `100m`\/`(\d+)Mi` and limits/, mebibytes(DEFAULT_POD_RESOURCES.requests.memory)],
  ['docs/node-applier.md', /and limits\n  `1`\/`(\d+)Mi`/, mebibytes(DEFAULT_POD_RESOURCES.limits.memory)],
];

test.each(CLAIMS.map(([file, pattern, value]) => [file, pattern.source, pattern, value] as const))('%s states %s as the code has it', (file, _source, pattern, value) => {
  const text = read(file).replace(/\r\n/g, '\n');
  const global = new RegExp(pattern.source, 'g');
  const found = [...text.matchAll(global)].map((m) => m[1] as string);
  expect(found.length).toBeGreaterThan(0);
  for (const stated of found) expect(words[stated] ?? Number(stated)).toBe(value);
});

test('every default in the apply settings table of docs/node-applier.md is the flag table\'s', () => {
  const rows = read('docs/node-applier.md')
    .split('\n')
    .map((line) => /^\|[^|]*\| `--([a-z-]+)`[^|]*\| (\d+)(?: s)? \|/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null);
  expect(rows.map((m) => m[1])).toEqual(expect.arrayContaining(['ssh-port', 'max-parallel', 'max-failures', 'connect-timeout', 'command-timeout', 'lock-timeout']));
  for (const [, flag, stated] of rows) {
    const definition = APPLY_FLAGS.find((f) => f.name === flag);
    expect([flag, definition?.default]).toEqual([flag, Number(stated)]);
  }
});

test('the exit codes README.md lists are the ones the code returns', () => {
  const rows = new Map(
    read('README.md')
      .split('\n')
      .map((line) => /^\| (\d) \| ([a-z ]+)[:;]/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [Number(m[1]), m[2] as string]),
  );
  expect(rows.get(EXIT_OK)).toBe('success');
  expect(rows.get(EXIT_INVALID_INPUT)).toBe('invalid input');
  expect(rows.get(EXIT_USAGE)).toBe('usage error');
  expect(rows.get(EXIT_INTERNAL)).toBe('internal error');
});

test('the nesting the KRM docs call "hundreds of levels" is a few hundred', () => {
  expect(read('docs/gitops.md')).toContain('nesting hundreds of levels');
  expect(MAX_NESTING).toBeGreaterThanOrEqual(200);
  expect(MAX_NESTING).toBeLessThan(1000);
});

test('the diagnostic table states the maxObjectBytes ceiling the schema enforces', () => {
  expect(DIAGNOSTIC_CODES.BUNDLE_OBJECT_TOO_LARGE.fix).toContain(`at most ${maxObjectBytesLimit}`);
});
