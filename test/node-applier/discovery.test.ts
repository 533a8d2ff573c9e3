// What a Node object says about whether to update it now: the signals kubectl shows in STATUS
// (Ready condition, SchedulingDisabled) and deletionTimestamp. The requests are in test/e2e/ssh/discovery.test.ts.
import { describe, expect, test } from '@jest/globals';
import { toTargets, unavailableReason, type KubeNode } from '../../src/node-applier/discovery.js';

const node = (extra: Partial<KubeNode> & { conditions?: Array<{ type: string; status: string; reason?: string }> }): KubeNode => ({
  metadata: { name: 'n', ...extra.metadata },
  ...(extra.spec ? { spec: extra.spec } : {}),
  status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }], ...(extra.conditions ? { conditions: extra.conditions } : {}) },
});

describe('unavailable nodes', () => {
  test.each([
    ['Ready', node({ conditions: [{ type: 'Ready', status: 'True' }] }), undefined],
    ['no Ready condition yet (judged by its address alone)', node({}), undefined],
    ['NotReady', node({ conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] }), 'the Node is NotReady (Ready=False, KubeletNotReady)'],
    ['unreachable (status Unknown)', node({ conditions: [{ type: 'Ready', status: 'Unknown' }] }), 'the Node is NotReady (Ready=Unknown)'],
    ['cordoned', node({ spec: { unschedulable: true }, conditions: [{ type: 'Ready', status: 'True' }] }), 'the Node is cordoned (spec.unschedulable)'],
    ['being deleted, even when Ready', node({ metadata: { name: 'n', deletionTimestamp: '2026-01-01T00:00:00Z' }, conditions: [{ type: 'Ready', status: 'True' }] }), 'the Node is being deleted (deletionTimestamp 2026-01-01T00:00:00Z)'],
  ])('%s', (_name, kubeNode, expected) => {
    expect(unavailableReason(kubeNode)).toBe(expected);
  });

  test('a node on its way out without an address is unavailable, not a discovery failure', () => {
    const leaving: KubeNode = { metadata: { name: 'gone', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: {} };
    expect(toTargets([leaving], 'linux')).toEqual([{ entry: { name: 'gone', address: '-', os: 'linux' }, unavailable: 'the Node is being deleted (deletionTimestamp 2026-01-01T00:00:00Z)' }]);
    expect(toTargets([{ metadata: { name: 'new' }, status: {} }], 'linux')).toEqual([{ name: 'new', problem: 'the Node has no InternalIP or InternalDNS address in its status' }]);
  });
});
