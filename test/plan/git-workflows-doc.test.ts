// docs/git-workflows.md is copied from, so it must stay true: its YAML parses, its workflow is the
// example file, its hooks exist, and its rules table names every code lint can use for each rule.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DOCUMENTED_RULES } from '../../src/validate/lint-rules/index.js';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(path.join(root, 'docs/git-workflows.md'), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const hookManifest = parse(readFileSync(path.join(root, '.pre-commit-hooks.yaml'), 'utf8')) as { id: string; entry: string; pass_filenames: boolean }[];

test('every YAML block parses', () => {
  expect(yamlBlocks.length).toBeGreaterThanOrEqual(5);
  for (const block of yamlBlocks) expect(() => parse(block)).not.toThrow();
});

test('the plan workflow shown is examples/github-actions/plan.yml, byte for byte', () => {
  expect(yamlBlocks).toContain(readFileSync(path.join(root, 'examples/github-actions/plan.yml'), 'utf8'));
});

test('the pre-commit configurations use hook ids the manifest defines, and local hooks match them', () => {
  const configs = yamlBlocks.map((b) => parse(b)).filter((y) => y && Array.isArray(y.repos));
  expect(configs.length).toBe(2);
  const ids = hookManifest.map((h) => h.id);
  for (const config of configs) {
    for (const repo of config.repos) {
      for (const hook of repo.hooks) {
        expect(ids).toContain(hook.id);
        if (repo.repo === 'local') {
          const manifest = hookManifest.find((h) => h.id === hook.id);
          expect([hook.entry, hook.pass_filenames]).toEqual([manifest?.entry, manifest?.pass_filenames]);
        }
      }
    }
  }
});

test.each(DOCUMENTED_RULES.map((r) => [r.rule, r] as const))('the rules table has a row for: %s', (_name, rule) => {
  const section = /^\d+(\.\d+)*/.exec(rule.doc)?.[0] as string;
  const codes = [...new Set([...rule.codes.containerd, ...rule.codes.wmco])];
  const rows = doc.split('\n').filter((line) => line.startsWith('| ') && codes.every((code) => line.includes(`\`${code}\``)));
  expect(rows).toHaveLength(1);
  expect(rows[0]).toContain(`| ${section}`);
});
