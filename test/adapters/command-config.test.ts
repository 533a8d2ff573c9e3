// `.mirrorset-hosts.yaml` comes with the repository (a clone, a pull request in CI), so the paths it
// names (`inputs`, `out`) must stay inside the directory that holds it: an absolute path, `..` out of
// it, or a symbolic link leading out is refused with file:line:column and the field; PATH arguments
// and flags, the user's own choice, are not restricted.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { UsageError } from '../../src/errors.js';
import { loadCommandConfig } from '../../src/adapters/command-config.js';
import { idms, runCli, tempDir } from '../helpers/cli.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_2026);

// The repository `repo/` (settings inside), a directory `outside/` next to it, and links:
//   repo/sub/            a directory
//   repo/link-in   -> sub            stays inside
//   repo/link-out  -> ../outside     leads out
//   repo/abs-out   -> <tmp>/outside  leads out, absolute target
//   repo/dangling  -> nowhere        cannot be resolved
let work: ReturnType<typeof tempDir>;
let repo: string;
let outside: string;
beforeAll(() => {
  work = tempDir({ 'repo/sub/a.yaml': idms('a', 'quay.io', ['mirror.example/quay']), 'outside/b.yaml': idms('b', 'docker.io', ['mirror.example/docker']) });
  repo = path.join(work.dir, 'repo');
  outside = path.join(work.dir, 'outside');
  symlinkSync('sub', path.join(repo, 'link-in'));
  symlinkSync('../outside', path.join(repo, 'link-out'));
  symlinkSync(outside, path.join(repo, 'abs-out'));
  symlinkSync('nowhere', path.join(repo, 'dangling'));
});
afterAll(() => work.cleanup());

const SEGMENTS = ['sub', 'link-in', 'link-out', 'abs-out', 'dangling', '..', '.', 'x', 'a.yaml'] as const;
type Segment = (typeof SEGMENTS)[number];

/**
 * The oracle, from the layout above rather than from the file system: the path is normalized
 * lexically first (as path.resolve does before any file is opened), then walked link by link.
 */
function leavesRepository(absolute: boolean, segments: readonly Segment[]): boolean {
  if (absolute) return true;
  const normalized: Segment[] = [];
  for (const segment of segments) {
    if (segment === '.') continue;
    if (segment === '..') {
      if (normalized.length === 0) return true;
      normalized.pop();
    } else normalized.push(segment);
  }
  // The links live in repo/ only; below sub/ or below a name that does not exist, names are plain.
  let where: 'repo' | 'sub' | 'elsewhere' = 'repo';
  for (const segment of normalized) {
    if (where === 'repo' && (segment === 'link-out' || segment === 'abs-out' || segment === 'dangling')) return true;
    where = where === 'repo' && (segment === 'sub' || segment === 'link-in') ? 'sub' : 'elsewhere';
  }
  return false;
}

const pathArb = fc.record({ absolute: fc.boolean(), segments: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 5 }) }).map(({ absolute, segments }) => ({
  absolute,
  segments,
  text: absolute ? path.join(repo, ...segments) : segments.join('/'),
}));

async function load(settings: string): Promise<string | undefined> {
  writeFileSync(path.join(repo, '.mirrorset-hosts.yaml'), settings);
  try {
    await loadCommandConfig(undefined, repo);
    return undefined;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return err.message;
  }
}

describe('.mirrorset-hosts.yaml paths', () => {
  test('inputs and out are refused exactly when they lead outside the directory of the file, with file:line:column and field (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pathArb, { minLength: 1, maxLength: 3 }), pathArb, async (inputs, out) => {
        const settings = `profile: containerd\ninputs:\n${inputs.map((p) => `  - ${JSON.stringify(p.text)}\n`).join('')}out: ${JSON.stringify(out.text)}\n`;
        const refused = await load(settings);
        const firstBad = inputs.findIndex((p) => leavesRepository(p.absolute, p.segments));
        if (firstBad >= 0) {
          // The first offending entry is named, on its own line (entries start on line 3).
          expect(refused).toMatch(new RegExp(`^\\.mirrorset-hosts\\.yaml:${3 + firstBad}:5: error INPUT_OUTSIDE_ROOT inputs\\[${firstBad}\\]: expected a path inside \\. `));
        } else if (leavesRepository(out.absolute, out.segments)) {
          expect(refused).toMatch(new RegExp(`^\\.mirrorset-hosts\\.yaml:${3 + inputs.length}:6: error INPUT_OUTSIDE_ROOT out: expected a path inside \\. `));
        } else {
          expect(refused).toBeUndefined();
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  test.each([
    ['an absolute path', 'inputs: /etc\n', '.mirrorset-hosts.yaml:1:9: error INPUT_OUTSIDE_ROOT inputs: expected a path inside . (the directory of the settings file'],
    ['.. out', 'out: ../rendered\n', '.mirrorset-hosts.yaml:1:6: error INPUT_OUTSIDE_ROOT out: expected a path inside . (the directory of the settings file'],
    ['a link out', 'inputs: [sub, link-out/b.yaml]\n', '.mirrorset-hosts.yaml:1:15: error INPUT_OUTSIDE_ROOT inputs[1]: expected a path inside . (the directory of the settings file'],
    ['a pattern that goes up', 'inputs: ["{..,sub}/*.yaml"]\n', '.mirrorset-hosts.yaml:1:10: error INPUT_OUTSIDE_ROOT inputs[0]: expected a path inside . (the directory of the settings file'],
  ])('%s: lint exits 2 naming the file, line, column and field', async (_name, settings, expected) => {
    writeFileSync(path.join(repo, '.mirrorset-hosts.yaml'), settings);
    const result = await runCli(['lint'], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`mirrorset-hosts: ${expected}`);
  });

  test('--config elsewhere: its paths are held to its own directory, shown relative to the working directory', async () => {
    mkdirSync(path.join(work.dir, 'settings'), { recursive: true });
    writeFileSync(path.join(work.dir, 'settings', 'hosts.yaml'), 'inputs: [../repo/sub]\n');
    const result = await runCli(['lint', '--config', 'settings/hosts.yaml'], { cwd: work.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mirrorset-hosts: settings/hosts.yaml:1:10: error INPUT_OUTSIDE_ROOT inputs[0]: expected a path inside settings (the directory of the settings file');
  });

  test('paths inside (also through a link that stays inside, or not created yet) are accepted', async () => {
    writeFileSync(path.join(repo, '.mirrorset-hosts.yaml'), 'inputs: [sub, link-in/a.yaml, ./sub/../sub]\nout: rendered/new\n');
    const config = await loadCommandConfig(undefined, repo);
    expect(config?.inputs).toEqual(['sub', 'link-in/a.yaml', 'sub']);
    expect(config?.out).toBe('rendered/new');
  });

  test.each([['/dev/zero, which never ends', '/dev/zero'], ['a file over 64 KiB', 'big.yaml']])('--config %s is read no further than 64 KiB: exit 2', async (_name, file) => {
    writeFileSync(path.join(repo, 'big.yaml'), `# ${'x'.repeat(70 * 1024)}\ninputs: [sub]\n`);
    const result = await runCli(['lint', '--config', file], { cwd: repo });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`mirrorset-hosts: ${file}: expected a settings file of at most 64 KiB, found more`);
  });

  test('PATH arguments are the user\'s: lint reads outside the repository when told to, the settings notwithstanding', async () => {
    writeFileSync(path.join(repo, '.mirrorset-hosts.yaml'), 'inputs: [sub]\n');
    const viaLink = await runCli(['lint', 'link-out/b.yaml'], { cwd: repo });
    expect(viaLink.code).toBe(0);
    const result = await runCli(['lint', '../outside'], { cwd: repo });
    expect(result.stderr).not.toContain('INPUT_OUTSIDE_ROOT');
    expect(result.code).toBe(0);
  });
});
