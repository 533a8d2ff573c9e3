// BYOH's windows-instances ConfigMap read as WMCO's pkg/wiparser reads it.
import { expect, test } from '@jest/globals';
import { parseWindowsInstances } from '../../src/node-applier/windows-instances.js';

const nodes = [{ metadata: { name: 'byoh-1', labels: { 'kubernetes.io/os': 'windows' } }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }] } }];

test('each `<address>: username=<user>` entry is a node at that address as that user, named after the Node with that address', () => {
  expect(parseWindowsInstances({ '10.0.0.5': 'username=Administrator', 'win-2.example.com': 'username=CORP\\admin' }, nodes, 'cm')).toEqual([
    { entry: { name: 'byoh-1', address: '10.0.0.5', user: 'Administrator', os: 'windows' } },
    { entry: { name: 'win-2.example.com', address: 'win-2.example.com', user: 'CORP\\admin', os: 'windows' } },
  ]);
});

test.each([
  ['another key', 'user=Administrator', 'expected "username=<user>"'],
  ['no =', 'Administrator', 'expected "username=<user>"'],
  ['an empty user', 'username=', 'user'],
  ['a user that would be an ssh option', 'username=-oProxyCommand=x', 'user'],
])('%s: that instance fails with the ConfigMap and the address, the others go on', (_why, value, expected) => {
  const found = parseWindowsInstances({ '10.0.0.5': 'username=Administrator', '10.0.0.6': value }, nodes, 'ConfigMap ns/windows-instances');
  expect(found[0]).toEqual({ entry: expect.objectContaining({ user: 'Administrator' }) });
  const bad = found[1] as { name: string; problem: string };
  expect(bad.name).toBe('10.0.0.6');
  expect(bad.problem).toContain('ConfigMap ns/windows-instances entry "10.0.0.6": ');
  expect(bad.problem).toContain(expected);
});
