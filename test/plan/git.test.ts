// src/io/git.ts on real temporary repositories: each question answered from Git objects, never by
// checking out, so the work tree, the index and HEAD stay as they were.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../src/errors.js';
import { readInputsAtRevision, repositoryRoot, resolveCommit } from '../../src/io/git.js';
import { createGitRepo, describeWith, type GitRepo } from './git-fixture.js';

const text = (content: Uint8Array | string): string => (typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));

describeWith('git')('git questions', () => {
  let repo: GitRepo;
  let first: string;
  beforeEach(() => {
    repo = createGitRepo({
      'ms/a.yaml': 'a: 1\n',
      'ms/nested/b.yml': 'b: 1\n',
      'ms/c.json': '{}\n',
      'ms/README.md': 'not a manifest\n',
      'ms/.hidden/d.yaml': 'hidden: 1\n',
      'ms/.e.yaml': 'hidden: 1\n',
      'other/kustomization.txt': 'x\n',
    });
    symlinkSync('a.yaml', path.join(repo.dir, 'ms/link.yaml'));
    first = repo.commitAll('first');
  });
  afterEach(() => repo.cleanup());

  test('repositoryRoot finds the top of the work tree from a subdirectory', async () => {
    expect(await repositoryRoot(path.join(repo.dir, 'ms/nested'))).toBe(repo.dir);
  });

  test('repositoryRoot outside a repository is a usage error that says what to do', async () => {
    await expect(repositoryRoot(path.dirname(repo.dir))).rejects.toThrow(/is not inside a Git work tree.*run the command in the repository/);
  });

  test('resolveCommit names the commit of a branch, a relative revision and a hash', async () => {
    repo.write({ 'ms/a.yaml': 'a: 2\n' });
    const second = repo.commitAll('second');
    expect(await resolveCommit(repo.dir, 'main')).toBe(second);
    expect(await resolveCommit(repo.dir, 'HEAD~1')).toBe(first);
    expect(await resolveCommit(repo.dir, first.slice(0, 10))).toBe(first);
  });

  test.each([['no-such-branch'], ['-p'], ['']])('resolveCommit(%j) is a usage error', async (revision) => {
    const result = resolveCommit(repo.dir, revision);
    await expect(result).rejects.toBeInstanceOf(UsageError);
    if (revision === 'no-such-branch') await expect(result).rejects.toThrow(/unknown revision "no-such-branch".*fetch-depth: 0/);
  });

  test('a directory at a revision: manifests only, hidden entries and symbolic links skipped, paths relative to cwd', async () => {
    const read = await readInputsAtRevision(repo.dir, first, ['ms'], repo.dir);
    expect(read.files.map((f) => f.path)).toEqual(['ms/a.yaml', 'ms/c.json', 'ms/nested/b.yml']);
    expect(read.missing).toEqual([]);
    const fromSubdir = await readInputsAtRevision(repo.dir, first, ['.'], path.join(repo.dir, 'ms'));
    expect(fromSubdir.files.map((f) => f.path)).toEqual(['a.yaml', 'c.json', 'nested/b.yml']);
  });

  test('a file named explicitly is read whatever its extension; a path absent at the revision is reported missing', async () => {
    const read = await readInputsAtRevision(repo.dir, first, ['other/kustomization.txt', 'new-dir'], repo.dir);
    expect(read.files.map((f) => [f.path, text(f.content)])).toEqual([['other/kustomization.txt', 'x\n']]);
    expect(read.missing).toEqual(['new-dir']);
  });

  test('a path outside the repository is a usage error', async () => {
    await expect(readInputsAtRevision(repo.dir, first, ['../elsewhere'], repo.dir)).rejects.toThrow(/is outside the repository/);
  });

  test('reads the committed bytes in a dirty tree without touching the work tree, the index or HEAD', async () => {
    repo.write({ 'ms/a.yaml': 'a: staged\n' });
    repo.git('add', 'ms/a.yaml');
    repo.write({ 'ms/a.yaml': 'a: unstaged\n', 'ms/new.yaml': 'new: 1\n' });
    const status = repo.git('status', '--porcelain=v1', '--branch');
    const head = repo.git('rev-parse', 'HEAD');
    const read = await readInputsAtRevision(repo.dir, first, ['ms/a.yaml', 'ms'], repo.dir);
    expect(read.files.map((f) => [f.path, text(f.content)])).toEqual([
      ['ms/a.yaml', 'a: 1\n'],
      ['ms/c.json', '{}\n'],
      ['ms/nested/b.yml', 'b: 1\n'],
    ]);
    expect(repo.git('status', '--porcelain=v1', '--branch')).toBe(status);
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
    expect(repo.git('diff', '--cached', '--name-only')).toBe('ms/a.yaml\n');
  });
});
