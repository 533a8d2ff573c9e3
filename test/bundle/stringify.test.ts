import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'yaml';
import { canonicalObject, stringifyAsIs, stringifyObject, stringifyStream, stringifyWithLibrary } from '../../src/bundle/stringify.js';

describe('YAML output', () => {
  test('apiVersion, kind and metadata come first, name first in metadata, everything else sorted', () => {
    const text = stringifyObject({ spec: { z: 1, a: 2 }, metadata: { labels: { b: 'x', a: 'y' }, name: 'job' }, kind: 'Job', apiVersion: 'batch/v1' });
    expect(text).toBe('apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\n  labels:\n    a: "y"\n    b: x\nspec:\n  a: 2\n  z: 1\n');
  });

  test('strings a YAML 1.1 reader would take for something else are quoted', () => {
    const text = stringifyObject({ data: { a: 'on', b: 'yes', c: '0644', d: 'true', e: '1.5', f: 'null' } });
    expect(parse(text, { version: '1.1' })).toEqual({ data: { a: 'on', b: 'yes', c: '0644', d: 'true', e: '1.5', f: 'null' } });
  });

  test('multi-line text is a literal block, byte for byte, never folded', () => {
    const content = '# a comment\nserver = "https://quay.io/v2"\n\n[host."https://m.example/v2/' + 'x'.repeat(200) + '"]\n  capabilities = ["pull"]\n';
    const text = stringifyObject({ data: { 'quay.io_2fhosts.toml': content } });
    expect(text).toContain('quay.io_2fhosts.toml: |\n');
    expect(parse(text).data['quay.io_2fhosts.toml']).toBe(content);
  });

  test('a stream separates documents with ---', () => {
    expect(stringifyStream([{ kind: 'A' }, { kind: 'B' }])).toBe('kind: A\n---\nkind: B\n');
  });
});

describe('the emitter reads back exactly', () => {
  // Strings built to hit every quoting rule: indicators, reserved words, numbers, line breaks,
  // trailing newlines and spaces, control and non-ASCII characters.
  const tricky = fc.oneof(
    fc.constantFrom('', ' ', '-', '- a', '--flag', '?', ':', 'a: b', 'a:b', 'a #b', 'a#b', '#', '~', 'y', 'N', 'yes', 'Off', 'null', '<<', '=', '0', '0644', '1e5', '.5', '+1', '-1', '.inf', '-.Inf', '.NaN', '0x1F', '1_000', '2024-01-01', '12:30:00', '@x', '`x', '!x', '&x', '*x', '|', '>', '%x', '"x"', "'x'", 'a\\b', '[a]', '{a}', 'a,b', '\t', 'a\tb', 'é', '\u2028', '\ufeff', '\u0000', '\u0085'),
    fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\t', ':', '#', '-', '0', '.', '"', "'", '\\', 'é', '\r', '|', '[', '\u2028') , maxLength: 12 }),
    fc.string({ maxLength: 20 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
  );
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, tie('scalar'), tie('list'), tie('map')),
    scalar: fc.oneof(tricky, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null)),
    list: fc.array(tie('node'), { maxLength: 4 }),
    map: fc.dictionary(tricky, tie('node'), { maxKeys: 4 }),
  })).node;

  test('as YAML 1.1 and 1.2, for any JSON-shaped value', () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = stringifyAsIs(v);
        const expected = JSON.parse(JSON.stringify(v));
        expect(JSON.parse(JSON.stringify(parse(text, { version: '1.1' })))).toEqual(expected);
        expect(JSON.parse(JSON.stringify(parse(text)))).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  test('writes what the yaml library writes for Kubernetes-shaped objects, or quotes more', () => {
    const object = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'mirrors-0123456789', labels: { 'app.kubernetes.io/name': 'mirrorset-hosts' }, annotations: { 'argocd.argoproj.io/sync-wave': '1' } },
      spec: { template: { spec: { containers: [{ args: ['apply', '--bundle', '/etc/mirrorset-hosts/bundle'], image: 'registry.example.com/mirrorset-hosts:0.1.0' }] } } },
      data: { 'quay.io_2fhosts.toml': 'server = "https://quay.io/v2"\n\n[host."https://m/v2"]\n  capabilities = ["pull"]\n' },
    };
    expect(stringifyObject(object)).toBe(stringifyWithLibrary(canonicalObject(object)));
  });
});
