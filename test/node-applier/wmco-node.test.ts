// WMCO's Node annotations: the pinned host key as known_hosts takes it, and what marks a WMCO node.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { resolveTarget } from '../../src/node-applier/node-target.js';
import { knownHostsLines, pinnedHostKey, wmcoVersion, WMCO_HOST_KEY_ANNOTATION, WMCO_HOST_KEY_TYPE_ANNOTATION, WMCO_VERSION_ANNOTATION } from '../../src/node-applier/wmco-node.js';

// An ed25519 public key as ssh-keygen prints it (type, base64 of the wire format, comment).
const ED25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIGb0lY2DqkE2yJ0iG8s1v7m3Lx9w3xJ8o1cU0bq3n6Zk';
const node = (annotations: Record<string, string>) => ({ metadata: { name: 'win-a', annotations } });

describe('the pinned host key', () => {
  test('becomes a known_hosts line under the name ssh looks the node up by', () => {
    const found = pinnedHostKey(node({ [WMCO_HOST_KEY_ANNOTATION]: ED25519, [WMCO_HOST_KEY_TYPE_ANNOTATION]: 'ssh-ed25519' }));
    expect(found).toEqual({ key: `ssh-ed25519 ${ED25519}` });
    const target = resolveTarget({ name: 'win-a', address: '10.0.0.5', port: 2222 }, { os: 'windows', port: 22 });
    expect(knownHostsLines([{ target, key: `ssh-ed25519 ${ED25519}` }])).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${ED25519}\n`);
  });

  test.each([
    ['missing', {}, 'has no windowsmachineconfig.openshift.io/ssh-host-key annotation'],
    ['empty', { [WMCO_HOST_KEY_ANNOTATION]: '' }, 'has no'],
    ['not base64', { [WMCO_HOST_KEY_ANNOTATION]: 'ssh-ed25519 AAAA' }, 'not standard base64'],
    ['a known_hosts line injected', { [WMCO_HOST_KEY_ANNOTATION]: `${ED25519}\n* ssh-ed25519 ${ED25519}` }, 'not standard base64'],
    ['no key type inside', { [WMCO_HOST_KEY_ANNOTATION]: Buffer.from('hello world!').toString('base64') }, 'does not start with a key type'],
    ['type annotation disagrees', { [WMCO_HOST_KEY_ANNOTATION]: ED25519, [WMCO_HOST_KEY_TYPE_ANNOTATION]: 'ssh-rsa' }, 'says "ssh-rsa", the key is ssh-ed25519'],
  ])('%s: the node is refused, never trusted on first use', (_why, annotations, expected) => {
    const found = pinnedHostKey(node(annotations));
    expect('problem' in found && found.problem).toContain(expected);
    expect('problem' in found && found.problem).toContain('refused');
  });

  test('whatever the annotation holds, the line it yields is one line of two fields and base64', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), (blob, type) => {
        const found = pinnedHostKey(node({ [WMCO_HOST_KEY_ANNOTATION]: blob, ...(type !== undefined ? { [WMCO_HOST_KEY_TYPE_ANNOTATION]: type } : {}) }));
        if ('key' in found) expect(found.key).toMatch(/^[a-z0-9][a-z0-9@.-]* [A-Za-z0-9+/]+={0,2}$/);
      }),
      { numRuns: 500 },
    );
  });
});

test('a Node is WMCO-managed when WMCO recorded the version that configured it', () => {
  expect(wmcoVersion(node({ [WMCO_VERSION_ANNOTATION]: '10.18.0' }))).toBe('10.18.0');
  expect(wmcoVersion(node({}))).toBeUndefined();
  expect(wmcoVersion({})).toBeUndefined();
});
