// One printer: sorted once, text on stderr for people, documents on stdout for programs, and the
// kustomize/kpt form that keeps infos out of their logs and places findings in synthetic files.
import type { Diagnostic } from '../../src/diagnostics.js';
import { printFindings } from '../../src/adapters/print-findings.js';

const at = (file: string, line: number): Diagnostic['location'] => ({ file, line, column: 1 });
const findings: Diagnostic[] = [
  { code: 'TRUST_UNUSED', severity: 'info', message: 'unused', location: at('b.yaml', 2) },
  { code: 'SCOPE_BROADENED', severity: 'warning', message: 'broad', field: 'spec.x', location: at('b.yaml', 1) },
  { code: 'SCHEMA_ENUM', severity: 'error', message: 'bad', location: { file: 'resource-list', line: 9, column: 3, documentIndex: 2 } },
  { code: 'DUPLICATE_OBJECT', severity: 'error', message: 'twice', object: { apiVersion: 'v1', kind: 'ConfigMap', name: 'x' } },
];

function capture(): { io: { stdout(t: string): void; stderr(t: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) }, out, err };
}

test('text: sorted gcc-style lines and a count on stderr, nothing on stdout; the sorted list is returned', () => {
  const { io, out, err } = capture();
  const sorted = printFindings(io, findings);
  expect(out).toEqual([]);
  expect(err.join('').split('\n')).toEqual([
    'error DUPLICATE_OBJECT: twice',
    'b.yaml:1:1: warning SCOPE_BROADENED spec.x: broad',
    'b.yaml:2:1: info TRUST_UNUSED: unused',
    'resource-list:9:3: error SCHEMA_ENUM: bad',
    'mirrorset-hosts: 2 errors, 1 warning, 1 info',
    '',
  ]);
  expect(sorted.map((d) => d.code)).toEqual(['DUPLICATE_OBJECT', 'SCOPE_BROADENED', 'TRUST_UNUSED', 'SCHEMA_ENUM']);
});

test('nothing to print prints nothing', () => {
  const { io, out, err } = capture();
  printFindings(io, []);
  expect([...out, ...err]).toEqual([]);
});

test('json: one document on stdout, findings sorted', () => {
  const { io, out, err } = capture();
  printFindings(io, findings, { format: 'json' });
  expect(err).toEqual([]);
  const document = JSON.parse(out.join('')) as { diagnostics: { code: string }[] };
  expect(document.diagnostics.map((d) => d.code)).toEqual(['DUPLICATE_OBJECT', 'SCOPE_BROADENED', 'TRUST_UNUSED', 'SCHEMA_ENUM']);
});

test('under kustomize or kpt: no infos, the tool named, synthetic files placed by document or object, never by a line', () => {
  const { io, out, err } = capture();
  printFindings(io, findings, { krm: { synthetic: new Set(['resource-list']) } });
  expect(out).toEqual([]);
  expect(err.join('').split('\n')).toEqual([
    'mirrorset-hosts: ConfigMap/x: error DUPLICATE_OBJECT: twice',
    'mirrorset-hosts: b.yaml:1:1: warning SCOPE_BROADENED spec.x: broad',
    'mirrorset-hosts: resource-list (document 2): error SCHEMA_ENUM: bad',
    '',
  ]);
});
