// Flags and values are parsed one way for every command, and a near miss names what was meant.
import { UsageError } from '../../src/errors.js';
import { enumOption, intOption, parseCommandArgs, profileOf } from '../../src/adapters/options.js';
import { closestMatch, editDistance } from '../../src/vocabulary.js';
import { runCli, tempDir } from '../helpers/cli.js';

test.each([
  ['profile', 'profile', 0],
  ['porfile', 'profile', 1],
  ['NeverContactSorce', 'NeverContactSource', 1],
  ['wmc', 'wmco', 1],
  ['kitten', 'sitting', 3],
  ['', 'abc', 3],
])('editDistance(%j, %j) is %d, an adjacent swap counting as one edit', (a, b, distance) => {
  expect(editDistance(a, b)).toBe(distance);
  expect(editDistance(b, a)).toBe(distance);
});

test.each([
  ['NeverContactSorce', ['AllowContactingSource', 'NeverContactSource'], 'NeverContactSource'],
  ['nevercontactsource', ['AllowContactingSource', 'NeverContactSource'], 'NeverContactSource'],
  ['WMCO', ['containerd', 'wmco'], 'wmco'],
  ['jsn', ['text', 'json', 'github', 'sarif'], 'json'],
  ['docker', ['containerd', 'wmco'], undefined],
  ['x', ['h', 'o'], undefined],
  ['frobnicate', ['render', 'lint', 'check', 'plan', 'build', 'apply'], undefined],
])('closestMatch(%j, %j) is %j: the same word in another case, or two edits at most', (value, candidates, expected) => {
  expect(closestMatch(value, candidates)).toBe(expected);
});

describe('enumOption', () => {
  test('absent is the fallback; an allowed value is returned as is', () => {
    expect(enumOption('format', undefined, ['text', 'json'], 'text')).toBe('text');
    expect(enumOption('format', 'json', ['text', 'json'], 'text')).toBe('json');
    expect(profileOf(undefined)).toBe('containerd');
  });

  test('a near miss names the flag, the values, what was found and the closest value', () => {
    expect(() => profileOf('wmc')).toThrow(new UsageError('--profile must be one of containerd, wmco, found "wmc"; did you mean "wmco"?'));
    expect(() => profileOf('docker')).toThrow(new UsageError('--profile must be one of containerd, wmco, found "docker"'));
  });
});

describe('intOption', () => {
  test('absent or empty is the fallback; a decimal integer in range is returned', () => {
    expect(intOption('ssh-port', undefined, { min: 1, max: 65535 }, 22)).toBe(22);
    expect(intOption('ssh-port', '', { min: 1, max: 65535 }, 22)).toBe(22);
    expect(intOption('ssh-port', '2222', { min: 1, max: 65535 }, 22)).toBe(2222);
  });

  test.each(['0', '65536', '1e3', '-1', '22.0', ' 22'])('%j is refused with the range', (value) => {
    expect(() => intOption('ssh-port', value, { min: 1, max: 65535 }, 22)).toThrow(
      new UsageError(`--ssh-port must be an integer from 1 to 65535, found ${JSON.stringify(value)}`),
    );
  });
});

describe('parseCommandArgs', () => {
  const options = { profile: { type: 'string' }, strict: { type: 'boolean' } } as const;

  test('an unknown flag close to a known one names it', () => {
    expect(() => parseCommandArgs(['--porfile', 'wmco'], options)).toThrow(new UsageError("Unknown option '--porfile'; did you mean --profile?"));
    expect(() => parseCommandArgs(['--strcit'], options)).toThrow(new UsageError("Unknown option '--strcit'; did you mean --strict?"));
  });

  test('an unknown flag close to none keeps the message of node:util parseArgs', () => {
    expect(() => parseCommandArgs(['--bogus'], options)).toThrow(/^Unknown option '--bogus'\. To specify a positional argument/);
    expect(() => parseCommandArgs(['--strict=yes'], options)).toThrow(UsageError);
  });
});

describe('the command line', () => {
  let work: ReturnType<typeof tempDir>;
  beforeEach(() => (work = tempDir()));
  afterEach(() => work.cleanup());

  test.each([
    [['rendr', '--out', 'out', 'in'], 'unknown command "rendr"; expected render, lint, check, plan, build or apply; did you mean render?'],
    [['Lint'], 'unknown command "Lint"; expected render, lint, check, plan, build or apply; did you mean lint?'],
    [['render', '--ouut', 'out', 'in'], "Unknown option '--ouut'; did you mean --out?"],
    [['lint', '--format', 'sarf', 'in'], '--format must be one of text, json, github, sarif, found "sarf"; did you mean "sarif"?'],
    [['plan', '--base', 'HEAD', '--format', 'markdwn', 'in'], '--format must be one of text, markdown, json, found "markdwn"; did you mean "markdown"?'],
    [['check', '--profile', 'WMCO', '--out', 'out', 'in'], '--profile must be one of containerd, wmco, found "WMCO"; did you mean "wmco"?'],
  ])('%j is a usage error that names what was meant', async (argv, message) => {
    const result = await runCli(argv, { cwd: work.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`mirrorset-hosts: ${message}\nRun 'mirrorset-hosts --help' for usage.\n`);
  });
});
