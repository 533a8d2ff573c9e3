import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, hashSuffix, sha256Hex } from '../../src/bundle/content-hash.js';

describe('content hashes', () => {
  test('sha256Hex is SHA-256: the FIPS 180-4 examples and node:crypto on any input', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 200 }), (bytes, text) => {
        expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
      }),
      { numRuns: 500 },
    );
  });

  test('a name suffix does not depend on the order keys were written in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(hashSuffix({ b: 1, a: 2 })).toBe(hashSuffix({ a: 2, b: 1 }));
    expect(hashSuffix({ a: 1 })).toMatch(/^[0-9a-f]{10}$/);
  });
});
