// `exclude:` globs: .gitignore's rules for where a pattern applies, globby's syntax within it, and no
// input that can make matching slow.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { compileExcludes, EXCLUDE_PATTERN } from '../../src/parse/exclude-patterns.js';

// picomatch is what globby matches PATH globs with (through micromatch): the oracle for the syntax.
const picomatch = createRequire(import.meta.url)('picomatch') as (glob: string, options: { dot: boolean }) => (path: string) => boolean;

describe('where a pattern applies (gitignore(5))', () => {
  test.each([
    // pattern, path, excluded
    ['other.json', 'other.json', true],
    ['other.json', 'deep/down/other.json', true],
    ['*.json', 'a/b/c.json', true],
    ['*.json', 'a/b/c.yaml', false],
    ['templates/', 'charts/x/templates/cm.yaml', true],
    ['templates/', 'charts/x/templates', false], // a file named templates: `/` means directories only
    ['charts/*/templates', 'charts/x/templates/cm.yaml', true],
    ['charts/*/templates', 'vendor/charts/x/templates/cm.yaml', false], // anchored by its middle `/`
    ['/other.json', 'other.json', true],
    ['/other.json', 'sub/other.json', false], // anchored by its leading `/`
    ['vendor', 'vendor/a/b.yaml', true], // a matched directory excludes all below it
    ['**/vendor/**', 'x/vendor/y/z.yaml', true],
    ['vendor/**', 'vendor/x.yaml', true],
    ['vendor/**', 'vendor', false], // everything below, not the file itself (gitignore: `abc/**`)
    ['{vendor,third_party}/', 'third_party/idms.yaml', true],
    ['[!a]*.yaml', 'b.yaml', true],
    ['[!a]*.yaml', 'a.yaml', false],
    ['?.yaml', 'ab.yaml', false],
    ['./m/*.json', 'm/x.json', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
  ])('%s on %s: %s', (pattern, path, excluded) => {
    expect(compileExcludes([pattern])(path)).toBe(excluded);
  });

  test('no pattern excludes nothing', () => {
    expect(compileExcludes([])('anything.yaml')).toBe(false);
  });
});

describe('the syntax within a pattern is globby\'s', () => {
  const name = fc.constantFrom('a', 'b', 'ab', 'ba', '.a', 'a.json');
  // Not `[!a]`: picomatch reads it as the characters '!' or 'a'; gitignore (fnmatch) and we as "not a",
  // which the table above pins.
  const patternName = fc.constantFrom('a', 'b', '*', '**', '?', 'a*', '*a', '{a,b}', '[ab]', '[^a]*', '*.json', '.a');
  test('an anchored pattern excludes a file exactly when picomatch (dot: true) matches the file or a directory above it', () => {
    fc.assert(
      fc.property(fc.array(patternName, { minLength: 2, maxLength: 4 }), fc.array(name, { minLength: 1, maxLength: 5 }), (patternNames, names) => {
        // Not a final `**`: picomatch lets `a/**` match `a` itself but not `*/**` match `a`; gitignore
        // and we never (the table above pins it).
        fc.pre(patternNames[patternNames.length - 1] !== '**');
        const pattern = patternNames.join('/');
        const path = names.join('/');
        const oracle = picomatch(pattern, { dot: true });
        const expected = names.some((_, i) => oracle(names.slice(0, i + 1).join('/')));
        expect(compileExcludes([pattern])(path)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hostile patterns finish in bounded time', () => {
  // A regular expression with backtracking would take minutes here (jest's timeout fails the test).
  test('many ** and * against long paths and names', () => {
    const pattern = `${'**/'.repeat(40)}${'*a'.repeat(40)}b`;
    const path = `${'d/'.repeat(200)}${'a'.repeat(4000)}`;
    expect(compileExcludes([pattern])(path)).toBe(false);
  });
  test('braces that would multiply past any bound are taken literally beyond it', () => {
    const pattern = '{a,b}'.repeat(30);
    expect(compileExcludes([pattern])('ab'.repeat(15))).toBe(false);
    expect(compileExcludes([pattern])('a'.repeat(30))).toBe(false);
    expect(compileExcludes(['{a,b}'.repeat(8)])('abababab')).toBe(true);
  });
});

describe('what a pattern may be (the schema pattern)', () => {
  const rule = new RegExp(EXCLUDE_PATTERN, 'u');
  test.each(['charts/', '*.json', '/other.json', '**/templates/**', '.hidden/', 'a/./b', '..a', 'a/..b'])('%s is a pattern', (p) => expect(rule.test(p)).toBe(true));
  test.each(['!keep.yaml', '../outside', 'a/../../b', 'a/..', 'x\ny'])('%j is refused', (p) => expect(rule.test(p)).toBe(false));
});
