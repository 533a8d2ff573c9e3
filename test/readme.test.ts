// The README's table of diagnostic codes is generated from DIAGNOSTIC_CODES (the source of truth):
// a code added without documentation, or documentation of a code that no longer exists, fails here.
// To refresh it: node --experimental-vm-modules node_modules/jest/bin/jest.js test/readme.test.ts with UPDATE_README=1.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DIAGNOSTIC_CODES } from '../src/diagnostics.js';
import { fileURLToPath } from 'node:url';

const readmePath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const START = '<!-- codes:start (generated from src/diagnostics.ts by test/readme.test.ts) -->';
const END = '<!-- codes:end -->';

function codeTable(): string {
  const rows = Object.entries(DIAGNOSTIC_CODES).map(
    ([code, info]) => `| \`${code}\` | ${info.severity} | ${info.meaning.replaceAll('|', '\\|')} | ${info.fix.replaceAll('|', '\\|')} |`,
  );
  return ['| code | severity | meaning | fix |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

test('the README documents every diagnostic code, as src/diagnostics.ts defines them', () => {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  const current = readme.slice(start + START.length, end).trim();
  if (process.env['UPDATE_README'] === '1' && process.env['CI'] !== 'true') {
    writeFileSync(readmePath, `${readme.slice(0, start + START.length)}\n${codeTable()}\n${readme.slice(end)}`);
  }
  expect(current).toBe(codeTable());
});

test('the README names the two set-up commands, and .ci/run runs the same test command', () => {
  const readme = readFileSync(readmePath, 'utf8');
  expect(readme).toContain('npm ci && npx mirrorset-hosts render --out rendered fixtures/example-repo');
  expect(readme).toContain('npm ci && npm test');
  const ci = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.ci', 'run'), 'utf8');
  expect(ci).toMatch(/^npm ci\b.*\nnpm test$/m);
});
