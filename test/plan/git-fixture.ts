// Real temporary Git repositories for tests (np test/_helpers/integration-test.js): pinned identity and
// dates, no user or system config, no signing, branch main. Never touches the project's own .git.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `git` (or another tool) is on PATH. Under CI=true a missing tool must fail the suite, never skip it. */
export function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

export const REQUIRE_TOOLS = process.env['CI'] === 'true';

/** `describe` when the tool is present or CI=true (then the tests fail loudly), `describe.skip` otherwise. */
export function describeWith(tool: string): jest.Describe {
  return hasTool(tool) || REQUIRE_TOOLS ? describe : describe.skip;
}

export interface GitRepo {
  dir: string;
  /** Environment for git and for programs that run git hooks (isolated HOME, pinned identity). */
  env: NodeJS.ProcessEnv;
  git(...args: string[]): string;
  write(files: Record<string, string>): void;
  remove(...relative: string[]): void;
  /** Stage everything and commit; returns the commit hash. */
  commitAll(message: string): string;
  cleanup(): void;
}

export function createGitRepo(files: Record<string, string> = {}): GitRepo {
  const root = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-git-'));
  const dir = path.join(root, 'repo');
  const home = path.join(root, 'home');
  mkdirSync(dir);
  mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
  };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q', '-b', 'main');
  git('config', 'commit.gpgsign', 'false');
  git('config', 'core.autocrlf', 'false');
  const write = (entries: Record<string, string>): void => {
    for (const [relative, content] of Object.entries(entries)) {
      mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
      writeFileSync(path.join(dir, relative), content);
    }
  };
  write(files);
  return {
    dir,
    env,
    git,
    write,
    remove: (...relative) => relative.forEach((r) => rmSync(path.join(dir, r), { recursive: true, force: true })),
    commitAll(message) {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD').trim();
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
