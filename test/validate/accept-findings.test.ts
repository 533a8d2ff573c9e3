// Acknowledged warnings (`accept:` in the settings, `spec.accept` in a MirrorSetHosts): still
// reported, marked with the reason in every format, never made errors by --strict, and limited to the
// registry a rule names.
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { idms, runCli, tempDir } from '../helpers/cli.js';

const exampleRepo = path.join(process.cwd(), 'fixtures', 'example-repo');
// Two registries, each with a repository-scoped source: SCOPE_BROADENED for both.
const INPUT = idms('quay', 'quay.io/team', ['mirror.example/team']) + '---\n' + idms('ghcr', 'ghcr.io/org', ['mirror.example/org']);

function workspace(settings: string) {
  return tempDir({ 'ms/sets.yaml': INPUT, '.mirrorset-hosts.yaml': settings });
}

test('the bundled example passes lint --strict: every warning it has is accepted with a reason', async () => {
  const result = await runCli(['lint', '--strict'], { cwd: exampleRepo });
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('(accepted: the mirror holds the whole release payload');
  expect(result.stderr).toContain('mirrorset-hosts: 0 errors, 4 warnings (4 accepted), 0 info');
});

test('a warning nobody accepted still fails --strict: the example with one rule removed', async () => {
  const work = tempDir();
  try {
    cpSync(exampleRepo, work.dir, { recursive: true });
    const settings = readFileSync(path.join(work.dir, '.mirrorset-hosts.yaml'), 'utf8');
    const withoutMcr = settings.replace(/  - code: SCOPE_BROADENED\n    registry: mcr\.microsoft\.com\n    reason: [^\n]*\n/, '');
    expect(withoutMcr).not.toBe(settings);
    writeFileSync(path.join(work.dir, '.mirrorset-hosts.yaml'), withoutMcr);
    const result = await runCli(['lint', '--strict'], { cwd: work.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/windows-idms\.yaml:10:13: error SCOPE_BROADENED .* apply to every image of mcr\.microsoft\.com/);
    expect(result.stderr).toContain('mirrorset-hosts: 1 error, 3 warnings (3 accepted), 0 info');
  } finally {
    work.cleanup();
  }
});

test.each([
  ['a rule for one registry accepts only that registry\'s finding', '  - {code: SCOPE_BROADENED, registry: quay.io, reason: quay mirror is complete}\n', ['ghcr.io']],
  ['a rule without a registry accepts the code everywhere', '  - {code: SCOPE_BROADENED, reason: both mirrors are complete}\n', []],
  ['a rule for another code accepts nothing', '  - {code: ITMS_REGISTRY_WIDE, reason: not this}\n', ['ghcr.io', 'quay.io']],
])('%s', async (_name, rules, stillErrors) => {
  const work = workspace(`inputs: [ms]\naccept:\n${rules}`);
  try {
    const result = await runCli(['render', '--strict', '--out', 'out'], { cwd: work.dir });
    const errors = [...result.stderr.matchAll(/error SCOPE_BROADENED .* apply to every image of (\S+?);/g)].map((m) => m[1]).sort();
    expect(errors).toEqual(stillErrors);
    expect(result.code).toBe(stillErrors.length > 0 ? 1 : 0);
  } finally {
    work.cleanup();
  }
});

test('an error code cannot be accepted: the rule is refused with its position and a hint', async () => {
  const work = workspace('inputs: [ms]\naccept:\n  - {code: POLICY_CONFLICT, reason: no}\n  - {code: SCOPE_BROADENE, reason: typo}\n  - {code: SCOPE_BROADENED}\n');
  try {
    const result = await runCli(['lint'], { cwd: work.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\.mirrorset-hosts\.yaml:3:12: error SCHEMA_ENUM accept\[0\]\.code: /);
    expect(result.stderr).toMatch(/\.mirrorset-hosts\.yaml:4:12: error SCHEMA_ENUM accept\[1\]\.code: .*did you mean "SCOPE_BROADENED"\?/);
    expect(result.stderr).toMatch(/\.mirrorset-hosts\.yaml:5:5: error SCHEMA_REQUIRED accept\[2\]/);
  } finally {
    work.cleanup();
  }
});

test('every format says which warnings are accepted: JSON a field, SARIF a suppression, GitHub a notice', async () => {
  const work = workspace('inputs: [ms]\naccept:\n  - {code: SCOPE_BROADENED, registry: quay.io, reason: quay mirror is complete}\n');
  try {
    const json = JSON.parse((await runCli(['lint', '--format', 'json'], { cwd: work.dir })).stdout);
    const accepted = json.diagnostics.filter((d: { accepted?: string }) => d.accepted !== undefined);
    expect(accepted.map((d: { file: string; accepted: string }) => [d.file, d.accepted])).toEqual([['ms/sets.yaml', 'quay mirror is complete']]);
    const sarif = JSON.parse((await runCli(['lint', '--format', 'sarif'], { cwd: work.dir })).stdout);
    const suppressed = sarif.runs[0].results.filter((r: { suppressions?: unknown }) => r.suppressions);
    expect(suppressed.map((r: { suppressions: unknown }) => r.suppressions)).toEqual([[{ kind: 'external', justification: 'quay mirror is complete' }]]);
    const github = (await runCli(['lint', '--format', 'github'], { cwd: work.dir })).stdout.split('\n').filter((l) => l.includes('SCOPE_BROADENED'));
    expect(github.map((l) => l.split(' ')[0]).sort()).toEqual(['::notice', '::warning']);
  } finally {
    work.cleanup();
  }
});

test('build reads spec.accept from a MirrorSetHosts: --strict passes on accepted warnings', async () => {
  const work = tempDir({ 'ms/sets.yaml': INPUT });
  try {
    mkdirSync(path.join(work.dir, 'cfg'));
    copyFileSync(path.join(work.dir, 'ms/sets.yaml'), path.join(work.dir, 'cfg/sets.yaml'));
    const config = (accept: string): string =>
      `apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata: {name: m}\nspec:\n  inputs: [sets.yaml]\n  strict: true\n${accept}`;
    writeFileSync(path.join(work.dir, 'cfg/config.yaml'), config(''));
    expect((await runCli(['build', '--config', 'cfg/config.yaml'], { cwd: work.dir })).code).toBe(1);
    writeFileSync(path.join(work.dir, 'cfg/config.yaml'), config('  accept:\n    - {code: SCOPE_BROADENED, reason: both mirrors are complete}\n'));
    const accepted = await runCli(['build', '--config', 'cfg/config.yaml'], { cwd: work.dir });
    expect(accepted.stderr).toContain('(accepted: both mirrors are complete)');
    expect(accepted.code).toBe(0);
  } finally {
    work.cleanup();
  }
});
