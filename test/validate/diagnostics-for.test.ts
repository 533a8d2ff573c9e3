// Findings about a parsed object are made one way: the field as the user reads it, the position the
// parser recorded, the severity the code table gives.
import { diagnostic } from '../../src/diagnostics.js';
import { parseManifests } from '../../src/parse/parse-manifests.js';
import { diagnosticsFor } from '../../src/validate/diagnostics-for.js';

const text = ['apiVersion: v1', 'kind: List', 'items:', '- apiVersion: v1', '  kind: ConfigMap', '  metadata:', '    name: ca', '  data:', '    a:b: x', ''].join('\n');
const [object] = parseManifests([{ path: 'list.yaml', content: text }]).objects;

test('a finding inside a List item names the item in the field and points at the value, or at the key', () => {
  const found = diagnosticsFor(object!, { apiVersion: 'v1', kind: 'ConfigMap', name: 'ca' });
  found.report('SCHEMA_TYPE', ['data', 'a:b'], 'at the value');
  found.report('CA_KEY_INVALID', ['data', 'a:b'], 'at the key', { atKey: true, field: 'data[a:b]' });
  found.report('SCHEMA_REQUIRED', ['data', 'missing'], 'at the parent', { at: ['data'] });
  expect(found.diagnostics).toEqual([
    { code: 'SCHEMA_TYPE', severity: 'error', message: 'at the value', field: 'items[0].data["a:b"]', location: expect.objectContaining({ file: 'list.yaml', line: 9, column: 10 }), object: { apiVersion: 'v1', kind: 'ConfigMap', name: 'ca' } },
    { code: 'CA_KEY_INVALID', severity: 'error', message: 'at the key', field: 'data[a:b]', location: expect.objectContaining({ line: 9, column: 5 }), object: expect.anything() },
    { code: 'SCHEMA_REQUIRED', severity: 'error', message: 'at the parent', field: 'items[0].data.missing', location: expect.objectContaining({ line: 9, column: 5 }), object: expect.anything() },
  ]);
});

test('the severity is the one the code table gives the code', () => {
  expect(diagnostic('TRUST_UNUSED', 'm').severity).toBe('info');
  expect(diagnostic('SCOPE_BROADENED', 'm').severity).toBe('warning');
  expect(diagnostic('POLICY_CONFLICT', 'm', { field: 'spec', location: { file: 'f', line: 1, column: 1 } })).toEqual({
    code: 'POLICY_CONFLICT', severity: 'error', message: 'm', field: 'spec', location: { file: 'f', line: 1, column: 1 },
  });
});
