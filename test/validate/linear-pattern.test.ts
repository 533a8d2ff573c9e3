// The linear-time pattern matcher on its own: every construct of its subset gives RegExp's verdict
// (the `u` flag: code points, as Go's runes), and every construct outside it is refused when the
// pattern is compiled, so a new schema pattern cannot quietly match differently from the cluster.
import fc from 'fast-check';
import { compileLinearPattern } from '../../src/validate/linear-pattern.js';

const SEED = Number(process.env['FC_SEED'] ?? 7_2024);

// One or more patterns per construct of the subset, the corner cases included: empty
// alternatives, nullable loops, anchors inside alternations and in odd places, counted bounds.
const CONSTRUCTS = [
  'abc', '^abc$', 'b', '^$', '$^', '^', '$', 'a|^b', 'x$|^y', '^(?:a|)+$', '^(a?)*b$', '(?:)', '^(?:a*)*$', '^(?:a|ab)(?:c|bcd)$',
  '^a{2,4}$', '^(?:ab){3}$', 'a{2,}$', '^a{0,1}b{0}c$', '^[a-c]{1,3}x?$', '^(?:a{2}){2}$',
  '[^a-c]', '^[^a-c]+$', '^[-a]+$', '^[a-]+$', '^[a\\-z]+$', '^[\\]\\[]+$', '^[\\^a]+$', '[\\u0000-\\u001f]', '^[^\\u0000\\r\\n]*$',
  '^\\d+\\W?$', '^\\w+$', '^\\D\\w*$', '^\\s+$', '^\\S+(\\s+\\S+){2}$', '[\\s-]', '^\\.\\*\\+\\?\\(\\)\\{\\}\\|\\$\\/\\\\$',
  '^é+$', '^😀$', '^[😀-😂]+$', '^[^😀]$', '^\\t\\n\\v\\f\\r$',
];
// Characters of those patterns, their neighbours, and what a backtracker or a UTF-16 reader trips on.
const ALPHABET = ['a', 'b', 'c', 'd', 'x', 'y', 'z', 'A', '0', '9', '_', '-', '.', '*', '[', ']', '^', '\\', '$', ' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u0000', '\u001f',
  '\u00a0', '\u2028', '\ufeff', 'é', 'e\u0301', '\u{1F600}', '\u{1F601}', '\u{1F603}', '\uD83D', '\uDE00', '\uD800', 'K'];
const strings = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 10 }).map((parts) => parts.join(''));

test.each(CONSTRUCTS)('%s gives the verdict of RegExp with the u flag', (pattern) => {
  const linear = compileLinearPattern(pattern);
  const oracle = new RegExp(pattern, 'u');
  fc.assert(
    fc.property(strings, (input) => linear.test(input) === oracle.test(input)),
    { seed: SEED, numRuns: 400, examples: [[''], ['a'], ['aaaa'], ['\u{1F600}'], ['\uD83D'], ['ab\n'], ['\n']] },
  );
});

test('a matcher whose state cache overflows starts it again and still answers the same', () => {
  // Two cached states at most: every few characters the cache is dropped and rebuilt.
  for (const pattern of ['^(?:a|ab)(?:c|bcd)*$', '^[a-c]{1,3}x?$', 'a{2,}$', '^\\S+(\\s+\\S+){2}$']) {
    const linear = compileLinearPattern(pattern, 2);
    const oracle = new RegExp(pattern, 'u');
    fc.assert(fc.property(strings, (input) => linear.test(input) === oracle.test(input)), { seed: SEED, numRuns: 300 });
  }
});

test.each([
  ['.', '"."'],
  ['a.b', '"."'],
  ['a*?', 'lazy'],
  ['a+?', 'lazy'],
  ['a{1,2}?', 'lazy'],
  ['a**', 'quantifier on a quantifier'],
  ['a{2}*', 'quantifier on a quantifier'],
  ['^*', 'anchor'],
  ['$+', 'anchor'],
  ['*a', 'nothing to repeat'],
  ['a|?', 'nothing to repeat'],
  ['{2}', 'nothing to repeat'],
  ['a{', 'counted repetition'],
  ['a{,2}', 'counted repetition'],
  ['a{3,2}', 'repetition'],
  ['a{1001}', 'repetition'],
  ['a}', 'unescaped'],
  ['a]', 'unescaped'],
  ['a)', 'unbalanced'],
  ['(a', 'unclosed group'],
  ['[a', 'unclosed class'],
  ['[]a]', 'first in a class'],
  ['[^]', 'first in a class'],
  ['[[:alpha:]]', 'inside a class'],
  ['[z-a]', 'out of order'],
  ['[\\d-z]', 'class escape'],
  ['(?=a)', 'group'],
  ['(?!a)', 'group'],
  ['(?<=a)b', 'group'],
  ['(?<name>a)', 'group'],
  ['(?i)a', 'group'],
  ['(a)\\1', 'escape \\1'],
  ['\\bword', 'escape \\b'],
  ['[\\b]', 'escape \\b'],
  ['\\p{L}', 'escape \\p'],
  ['\\x41', 'escape \\x'],
  ['\\0', 'escape \\0'],
  ['\\-', 'escape \\-'],
  ['\\u12', 'four hex digits'],
  ['\\uD800', 'surrogate'],
  ['a\\', 'trailing backslash'],
  ['(?:a{1000}){1000}', 'too large'],
])('refuses %s when compiled (%s)', (pattern, words) => {
  expect(() => compileLinearPattern(pattern)).toThrow(words);
});
