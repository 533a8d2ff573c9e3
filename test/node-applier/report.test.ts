import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { formatLogLine, formatSummary, redact, REDACTED } from '../../src/node-applier/report.js';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBn0p3dJcX8lBBg7vfb1nB3pVYhDT7r0XjE3u4T0n9YkwAAAJjYl0BS2JdA',
  '-----END OPENSSH PRIVATE KEY-----',
  '',
].join('\n');
const TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('redact', () => {
  test.each([
    ['a whole PEM block quoted in an error', `Load key "x": ${KEY}`, `Load key "x": ${REDACTED}\n`],
    ['one line of the key, out of context', `bad line ${KEY.split('\n')[2]} here`, `bad line ${REDACTED} here`],
    ['a PEM block cut short', `-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA`, REDACTED],
    ['a bearer token in any header dump', `Authorization: Bearer ${TOKEN}`, `Authorization: Bearer ${REDACTED}`],
    ['the token as a known secret, anywhere', `token=${TOKEN}`, `token=${REDACTED}`],
    ['ordinary text', 'connection refused by 10.0.0.5:22', 'connection refused by 10.0.0.5:22'],
  ])('%s', (_name, text, expected) => {
    expect(redact(text, [KEY, TOKEN])).toBe(expected);
  });

  test('short or empty secrets never redact ordinary words', () => {
    expect(redact('root at node-a', ['', 'root', '   '])).toBe('root at node-a');
  });
});

describe('log lines', () => {
  test('logfmt with quoting only where needed, undefined fields left out, secrets redacted', () => {
    const line = formatLogLine(
      [
        ['level', 'error'],
        ['node', 'win-a'],
        ['address', '10.0.0.5:2222'],
        ['step', 'connect'],
        ['result', 'failed'],
        ['host_key', undefined],
        ['files', 3],
        ['msg', `ssh failed: "Load key": ${KEY.split('\n')[1]}`],
      ],
      [KEY],
    );
    expect(line).toBe(`level=error node=win-a address=10.0.0.5:2222 step=connect result=failed files=3 msg="ssh failed: \\"Load key\\": ${REDACTED}"\n`);
  });

  test('a value with a newline stays on one line', () => {
    expect(formatLogLine([['msg', 'a\nb']], [])).toBe('msg="a\\nb"\n');
  });
});

describe('summary table', () => {
  test('sorted by node, aligned, counts and effects at the end, no timings', () => {
    const table = formatSummary(
      [
        { name: 'win-b', address: '10.0.0.6', status: 'failed', step: 'connect', detail: 'connection refused by 10.0.0.6: nothing listens on port 22', written: 0, removed: 0 },
        { name: 'win-a', address: '10.0.0.5', status: 'changed', detail: '', written: 2, removed: 1, effect: 'effective' },
        { name: 'win-c', address: '10.0.0.7', status: 'unchanged', detail: 'effect not verifiable: no crictl', written: 0, removed: 0, effect: 'written-not-verifiable' },
        { name: 'win-d', address: '10.0.0.8', status: 'skipped', detail: 'not started: canary node win-a failed', written: 0, removed: 0 },
      ],
      [],
    );
    expect(table).toBe(
      [
        'NODE   ADDRESS   RESULT     EFFECT                  WRITTEN  REMOVED  DETAIL',
        'win-a  10.0.0.5  changed    effective               2        1',
        'win-b  10.0.0.6  failed     -                       -        -        connect: connection refused by 10.0.0.6: nothing listens on port 22',
        'win-c  10.0.0.7  unchanged  written-not-verifiable  0        0        effect not verifiable: no crictl',
        'win-d  10.0.0.8  skipped    -                       -        -        not started: canary node win-a failed',
        '4 node(s): 1 changed, 1 unchanged, 1 failed, 1 skipped',
        'effect: 1 effective, 1 written-not-verifiable',
        '',
      ].join('\n'),
    );
  });

  test('unavailable nodes have their own result and count, apart from nodes skipped by the rollout', () => {
    const table = formatSummary(
      [
        { name: 'win-a', address: '10.0.0.5', status: 'unchanged', detail: '', written: 0, removed: 0 },
        { name: 'win-e', address: '10.0.0.9', status: 'skipped-unavailable', detail: 'the Node is cordoned (spec.unschedulable)', written: 0, removed: 0 },
      ],
      [],
    );
    expect(table.split('\n').slice(1)).toEqual([
      'win-a  10.0.0.5  unchanged            -       0        0',
      'win-e  10.0.0.9  skipped-unavailable  -       -        -        the Node is cordoned (spec.unschedulable)',
      '2 node(s): 0 changed, 1 unchanged, 0 failed, 0 skipped, 1 unavailable (skipped)',
      '',
    ]);
  });
});

// What a node prints (an error message, a file name) can hold ESC sequences, CR, bidi overrides:
// nothing of it reaches the terminal raw, and every report stays one line per node.
describe('node text never reaches the terminal raw', () => {
  const INVISIBLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
  const hostile = fc.array(fc.oneof(fc.constantFrom('\u001b[2J', '\r', '\n', '\u202e', '\u2066', '\u0085', '\u2028', '\u200b', '\t', '\u0000', '\u009b'), fc.string()), { maxLength: 6 }).map((p) => p.join(''));

  test('the summary table: no control or bidi character, one line per node', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ detail: hostile, step: fc.option(hostile, { nil: undefined }) }), { minLength: 1, maxLength: 4 }), (rows) => {
        const table = formatSummary(
          rows.map((r, i) => ({ name: `node-${i}`, address: '10.0.0.1', status: 'failed' as const, ...(r.step !== undefined ? { step: r.step } : {}), detail: r.detail, written: 0, removed: 0 })),
          [],
        );
        expect(table).not.toMatch(INVISIBLE);
        expect(table.split('\n')).toHaveLength(rows.length + 3);
      }),
    );
  });

  test('a log line: no control or bidi character, exactly one line', () => {
    fc.assert(
      fc.property(hostile, hostile, (msg, files) => {
        const line = formatLogLine([['level', 'warn'], ['msg', msg], ['files', files]], []);
        expect(line.slice(0, -1)).not.toMatch(/[\n]/);
        expect(line).not.toMatch(INVISIBLE);
      }),
    );
  });
});

describe('the effect column says whether the running containerd reads the files', () => {
  test('a not-effective node is a failure with its reason', () => {
    const table = formatSummary([{ name: 'n', address: 'a', status: 'failed', step: 'effect', detail: 'the files are written, but the running containerd has config_path = ""', written: 0, removed: 0, effect: 'not-effective' }], []);
    expect(table.split('\n')[1]).toBe('n     a        failed  not-effective  -        -        effect: the files are written, but the running containerd has config_path = ""');
    expect(table).toContain('effect: 1 not-effective\n');
  });
});
