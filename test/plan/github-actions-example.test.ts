// examples/github-actions/plan.yml, run as far as it can be without GitHub: its `run:` scripts in a
// clone whose origin has the base branch (npx replaced by the built CLI), and its github-script step
// against a fake API: it posts the plan once, then updates that same comment on the next push.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PLAN_COMMENT_MARKER } from '../../src/adapters/formats/plan.js';
import { mirrorSet } from '../lint/manifests.js';
import { createGitRepo, describeWith, type GitRepo } from './git-fixture.js';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workflow = parse(readFileSync(path.join(root, 'examples/github-actions/plan.yml'), 'utf8'));
const steps = workflow.jobs.plan.steps as { name?: string; id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }[];
const step = (name: string) => steps.find((s) => s.name === name) as (typeof steps)[number];
const cli = path.join(root, 'dist/mirrorset-hosts.cjs');

test('the workflow runs on pull requests with the rights it needs and the full history', () => {
  expect(Object.keys(workflow.on)).toEqual(['pull_request']);
  expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
  expect(steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
  expect(step('Plan').run).toContain('plan --base "origin/$BASE_REF" --head HEAD --format markdown');
  expect(step('Plan').env).toEqual({ BASE_REF: '${{ github.base_ref }}' });
});

describeWith('git')('the workflow scripts', () => {
  let upstream: GitRepo;
  let checkout: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
    upstream = createGitRepo({ 'mirrorsets/quay.yaml': mirrorSet('IDMS', 'quay', [{ source: 'quay.io', mirrors: ['mirror.example/quay'] }]) });
    upstream.commitAll('base');
    checkout = path.join(path.dirname(upstream.dir), 'checkout');
    execFileSync('git', ['clone', '-q', upstream.dir, checkout], { env: upstream.env });
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: checkout, env: upstream.env, encoding: 'utf8' });
    git('checkout', '-q', '-b', 'pr');
    writeFileSync(path.join(checkout, 'mirrorsets/tags.yaml'), mirrorSet('ITMS', 'tags', [{ source: 'docker.io/library/busybox', mirrors: ['mirror.example/docker/library/busybox'] }]));
    git('add', '-A');
    git('commit', '-q', '-m', 'add an ITMS');
    // `npx --yes <package> ARGS` -> the CLI built from this repository.
    const bin = path.join(path.dirname(upstream.dir), 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'npx'), `#!/bin/sh\n[ "$1" = "--yes" ] && shift\nshift\nexec node ${JSON.stringify(cli)} "$@"\n`);
    chmodSync(path.join(bin, 'npx'), 0o755);
    env = {
      ...upstream.env,
      PATH: `${bin}${path.delimiter}${process.env['PATH']}`,
      ...workflow.env,
      BASE_REF: 'main',
      GITHUB_STEP_SUMMARY: path.join(path.dirname(upstream.dir), 'summary.md'),
    };
  });
  afterAll(() => upstream?.cleanup());

  test('Plan writes the Markdown plan of the pull request to plan.md and the job summary', () => {
    execFileSync('bash', ['-e', '-c', step('Plan').run as string], { cwd: checkout, env, stdio: 'pipe' });
    const planned = readFileSync(path.join(checkout, 'plan.md'), 'utf8');
    expect(planned.startsWith(`${PLAN_COMMENT_MARKER}\n`)).toBe(true);
    expect(planned).toContain('#### `docker.io`: added');
    expect(planned).toContain('| Linux nodes (OpenShift MCO) | **every node is drained and rebooted** |');
    expect(readFileSync(env['GITHUB_STEP_SUMMARY'] as string, 'utf8')).toBe(planned);
  });

  test('Lint prints GitHub annotations', () => {
    const out = execFileSync('bash', ['-e', '-c', step('Lint').run as string], { cwd: checkout, env, encoding: 'utf8', stdio: 'pipe' });
    expect(out).toContain('::warning file=mirrorsets/tags.yaml,line=7,col=13,title=ITMS_REGISTRY_WIDE::');
  });

  test('Comment posts the plan once, then updates its own comment and leaves others alone', async () => {
    writeFileSync(path.join(checkout, 'plan.md'), `${PLAN_COMMENT_MARKER}\nfirst\n`);
    const comments: { id: number; body: string }[] = [{ id: 1, body: `a reviewer quoting ${PLAN_COMMENT_MARKER}` }];
    const calls: string[] = [];
    const github = {
      paginate: async (method: (args: unknown) => Promise<unknown>, args: unknown) => method(args),
      rest: {
        issues: {
          listComments: async () => comments.map((c) => ({ ...c })),
          createComment: async ({ body }: { body: string }) => {
            calls.push('create');
            comments.push({ id: comments.length + 1, body });
          },
          updateComment: async ({ comment_id, body }: { comment_id: number; body: string }) => {
            calls.push(`update ${comment_id}`);
            (comments.find((c) => c.id === comment_id) as { body: string }).body = body;
          },
        },
      },
    };
    const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } };
    const script = step('Comment').with?.['script'] as string;
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
    const runScript = (): Promise<void> => {
      const cwd = process.cwd();
      process.chdir(checkout);
      const requireFs = (name: string): unknown => (name === 'fs' ? { readFileSync } : undefined);
      return new AsyncFunction('require', 'github', 'context', script)(requireFs, github, context).finally(() => process.chdir(cwd));
    };
    await runScript();
    writeFileSync(path.join(checkout, 'plan.md'), `${PLAN_COMMENT_MARKER}\nsecond\n`);
    await runScript();
    expect(calls).toEqual(['create', 'update 2']);
    expect(comments).toEqual([
      { id: 1, body: `a reviewer quoting ${PLAN_COMMENT_MARKER}` },
      { id: 2, body: `${PLAN_COMMENT_MARKER}\nsecond\n` },
    ]);
  });
});
