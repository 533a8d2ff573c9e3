// Blobs at a revision (`plan --base REV`) are bounded like files in the work tree: a blob is read only
// when the tree listing says it is at most MAX_INPUT_BYTES; a larger one is a READ_FAILED finding
// naming the file, never read into memory (a committed multi-gigabyte file would exhaust it).
import { MAX_INPUT_BYTES } from '../../src/parse/parse-manifests.js';
import { readInputsAtRevision } from '../../src/io/git.js';
import { idms, runCli } from '../helpers/cli.js';
import { createGitRepo, describeWith, type GitRepo } from './git-fixture.js';

const VALID = idms('valid', 'quay.io', ['mirror.example/quay']);
/** A manifest of exactly `size` bytes: the valid one, padded with a comment. */
const sized = (size: number): string => `${VALID}#${'x'.repeat(size - VALID.length - 2)}\n`;

describeWith('git')('blob sizes at a revision', () => {
  let repo: GitRepo;
  let commit: string;
  beforeAll(() => {
    repo = createGitRepo({
      'ms/a-at-limit.yaml': sized(MAX_INPUT_BYTES),
      'ms/b-over-limit.yaml': sized(MAX_INPUT_BYTES + 1),
      'ms/c-small.yaml': VALID.replace('name: valid', 'name: small'),
    });
    commit = repo.commitAll('sizes');
  });
  afterAll(() => repo.cleanup());

  test('a blob is read when it is at most the limit, refused by size otherwise, never both', async () => {
    const read = await readInputsAtRevision(repo.dir, commit, ['ms'], repo.dir);
    expect(read.files.map((f) => [f.path, f.content.length])).toEqual([
      ['ms/a-at-limit.yaml', MAX_INPUT_BYTES],
      ['ms/c-small.yaml', VALID.length],
    ]);
    expect(read.diagnostics).toEqual([
      expect.objectContaining({ code: 'READ_FAILED', severity: 'error', location: { file: 'ms/b-over-limit.yaml', line: 1, column: 1 }, message: expect.stringMatching(/^expected a manifest file of at most 4\.0 MiB, found more than 4\.0 MiB;/) }),
    ]);
  });

  test('plan --head at a revision with a blob over the limit: exit 1 naming the file, no plan', async () => {
    const result = await runCli(['plan', '--base', 'HEAD', '--head', 'HEAD', 'ms'], { cwd: repo.dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('ms/b-over-limit.yaml:1:1: error READ_FAILED: expected a manifest file of at most 4.0 MiB');
    expect(result.stderr).toContain('the mirror sets at --head HEAD do not render, so there is no plan');
  }, 60_000);
});
