import { describe, expect, test } from '@jest/globals';
import { canonicalJson, hashSuffix, sha256Hex } from '../../src/bundle/content-hash.js';

describe('content hashes', () => {
  test('sha256Hex is SHA-256 of the bytes, and of the UTF-8 of a string (FIPS 180-4 examples)', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(new TextEncoder().encode('é'))).toBe(sha256Hex('é'));
  });

  test('a name suffix does not depend on the order keys were written in', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(hashSuffix({ b: 1, a: 2 })).toBe(hashSuffix({ a: 2, b: 1 }));
    expect(hashSuffix({ a: 1 })).toMatch(/^[0-9a-f]{10}$/);
  });
});
