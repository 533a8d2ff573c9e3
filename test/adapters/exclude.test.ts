// `exclude:` (the settings, spec.exclude) and `--exclude`: files beside the mirror sets that are not
// ours are never read, whichever way the inputs arrive: a directory or a glob on disk, a directory at
// a Git revision (plan), spec.inputs of a MirrorSetHosts (build, the KRM generator), ResourceList
// items (the KRM transformer). The property every route keeps: with the junk excluded the result is
// exactly the result without the junk, and without the exclusion the junk is an error naming it.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { idms, runCli, tempDir } from '../helpers/cli.js';
import { createGitRepo, describeWith } from '../plan/git-fixture.js';

// What a real repository keeps beside its mirror sets: a Helm chart's template (not YAML until Helm
// renders it), another tool's broken JSON, and a vendored mirror set that must not be rendered.
const JUNK: Record<string, string> = {
  'mirror-sets/charts/web/templates/configmap.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n  labels: {{- toYaml .Values.labels | nindent 4 }}\n',
  'mirror-sets/renovate.json': '{"extends": [',
  'mirror-sets/vendor/upstream-idms.yaml': idms('upstream', 'ghcr.io', ['upstream-mirror.example/ghcr']),
};
const MIRROR_SETS: Record<string, string> = {
  'mirror-sets/quay.yaml': idms('quay', 'quay.io', ['mirror.example:5000/quay']),
  'mirror-sets/k8s.yaml': idms('k8s', 'registry.k8s.io', ['mirror.example:5000/k8s']),
};
const PATTERNS = ['templates/', '*.json', 'vendor/'];
const flags = PATTERNS.flatMap((p) => ['--exclude', p]);

let workspace: ReturnType<typeof tempDir>;
let clean: ReturnType<typeof tempDir>;
beforeEach(() => {
  workspace = tempDir({ ...MIRROR_SETS, ...JUNK });
  clean = tempDir(MIRROR_SETS);
});
afterEach(() => {
  workspace.cleanup();
  clean.cleanup();
});

const cli = (args: string[], cwd = workspace.dir, stdin?: string) => runCli(args, { cwd, ...(stdin === undefined ? {} : { stdin }) });
const tree = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const full = path.join(e.parentPath, e.name);
        return [path.relative(dir, full), readFileSync(full, 'utf8')];
      })
      .sort(),
  );

describe('on disk', () => {
  test('without exclude the junk blocks the render, each file named; with --exclude the output is that of the mirror sets alone', async () => {
    const blocked = await cli(['render', '--out', 'out', 'mirror-sets']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('mirror-sets/charts/web/templates/configmap.yaml:5');
    expect(blocked.stderr).toContain('mirror-sets/renovate.json:1');

    const excluded = await cli(['render', '--out', 'out', ...flags, 'mirror-sets']);
    expect(excluded.stderr).not.toMatch(/error|warning/);
    expect(excluded.code).toBe(0);
    expect((await cli(['render', '--out', 'out', 'mirror-sets'], clean.dir)).code).toBe(0);
    expect(tree(path.join(workspace.dir, 'out'))).toEqual(tree(path.join(clean.dir, 'out')));
    expect(JSON.stringify(tree(path.join(workspace.dir, 'out')))).not.toContain('ghcr.io');
  });

  test('the settings file: exclude relative to its own directory, read by render, lint, check; --exclude adds to it', async () => {
    const settings = `inputs: [mirror-sets]\nout: out\nexclude: ['templates/', '*.json']\n`;
    rmSync(path.join(workspace.dir, 'mirror-sets/vendor'), { recursive: true });
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(path.join(workspace.dir, 'repo'));
    const { renameSync } = await import('node:fs');
    renameSync(path.join(workspace.dir, 'mirror-sets'), path.join(workspace.dir, 'repo/mirror-sets'));
    writeFileSync(path.join(workspace.dir, 'repo/.mirrorset-hosts.yaml'), settings);
    const repo = path.join(workspace.dir, 'repo');
    expect(await cli(['lint', '--strict'], repo)).toMatchObject({ code: 0 });
    expect(await cli(['render'], repo)).toMatchObject({ code: 0 });
    expect(await cli(['check'], repo)).toMatchObject({ code: 0 });
    // From another directory, through --config: the patterns stay relative to the settings file.
    expect(await cli(['lint', '--config', 'repo/.mirrorset-hosts.yaml'], workspace.dir)).toMatchObject({ code: 0 });
    // A settings file without them: --exclude on the command line does the same.
    writeFileSync(path.join(repo, '.mirrorset-hosts.yaml'), 'inputs: [mirror-sets]\n');
    expect((await cli(['lint'], repo)).code).toBe(1);
    expect(await cli(['lint', '--exclude', 'templates/', '--exclude', '*.json'], repo)).toMatchObject({ code: 0 });
  });

  test('a glob input is filtered the same way', async () => {
    const result = await cli(['lint', ...flags, 'mirror-sets/**/*.{yaml,json}']);
    expect(result.stderr).not.toMatch(/error/);
    expect(result.code).toBe(0);
  });

  test('a file named on the command line is read even when a pattern matches it (the user asked for it)', async () => {
    const result = await cli(['lint', ...flags, 'mirror-sets/renovate.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('mirror-sets/renovate.json:1');
  });

  test('a bad pattern is refused with its position, and nothing is written', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(workspace.dir, '.mirrorset-hosts.yaml'), "inputs: [mirror-sets]\nout: out\nexclude:\n  - '*.json'\n  - '!keep.json'\n");
    const result = await cli(['render']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(".mirrorset-hosts.yaml:5:5: error SCHEMA_PATTERN exclude[1]: expected a glob relative to this file, not starting with '!' (no negation)");
    expect(readdirSync(workspace.dir)).not.toContain('out');
    rmSync(path.join(workspace.dir, '.mirrorset-hosts.yaml'));
    const flag = await cli(['render', '--out', 'out', '--exclude', '../x', 'mirror-sets']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--exclude: expected a glob relative to the working directory');
  });
});

describe('spec.exclude of a MirrorSetHosts', () => {
  const mirrorSetHosts = (spec: string) =>
    `apiVersion: mirrorset-hosts.io/v1alpha1\nkind: MirrorSetHosts\nmetadata:\n  name: mirrors\nspec:\n${spec}`;

  test('build reads spec.inputs without the excluded files; the bundle holds only the mirror sets', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(workspace.dir, 'mirrorset-hosts.yaml'), mirrorSetHosts(`  inputs: [mirror-sets]\n  exclude: [templates/, '*.json', vendor/]\n`));
    writeFileSync(path.join(clean.dir, 'mirrorset-hosts.yaml'), mirrorSetHosts('  inputs: [mirror-sets]\n'));
    const built = await cli(['build', '--config', 'mirrorset-hosts.yaml']);
    expect(built.code).toBe(0);
    const plain = await cli(['build', '--config', 'mirrorset-hosts.yaml'], clean.dir);
    expect(built.stderr).toBe(plain.stderr);
    expect(built.stdout).toBe(plain.stdout);
    expect(built.stdout).not.toContain('ghcr.io');
  });

  const resourceList = (items: string, fc: string) =>
    `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:${items ? `\n${items}` : ' []'}\nfunctionConfig:\n${fc.replace(/^/gm, '  ')}`;
  const item = (text: string, itemPath: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`))
      .join('\n')
      .replace('metadata:\n    name: ', `metadata:\n    annotations:\n      internal.config.kubernetes.io/path: '${itemPath}'\n      internal.config.kubernetes.io/index: '0'\n    name: `);

  test('the KRM generator (spec.inputs) reads like build', async () => {
    const fc = mirrorSetHosts(`  inputs: [mirror-sets]\n  exclude: [templates/, '*.json', vendor/]\n`);
    const result = await cli([], workspace.dir, resourceList('', fc));
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('ghcr.io');
  });

  test('the KRM transformer passes excluded items through unread, by their path annotation', async () => {
    const items = [
      item(MIRROR_SETS['mirror-sets/quay.yaml'] as string, 'mirror-sets/quay.yaml'),
      item(JUNK['mirror-sets/vendor/upstream-idms.yaml'] as string, 'mirror-sets/vendor/upstream-idms.yaml'),
    ].join('\n');
    const read = await cli([], workspace.dir, resourceList(items, mirrorSetHosts('  profile: containerd\n')));
    expect(read.code).toBe(0);
    expect(read.stdout).toContain('ghcr.io_2fhosts.toml');

    const result = await cli([], workspace.dir, resourceList(items, mirrorSetHosts('  exclude: [vendor/]\n')));
    expect(result.code).toBe(0);
    const out = parse(result.stdout) as { items: { kind: string; metadata: { name: string }; data?: Record<string, string> }[] };
    // The vendored IDMS is still an item (passed through as it came), but nothing was rendered from it.
    expect(out.items.filter((o) => o.kind === 'ImageDigestMirrorSet').map((o) => o.metadata.name)).toEqual(['quay', 'upstream']);
    const configMap = out.items.find((o) => o.kind === 'ConfigMap');
    expect(Object.keys(configMap?.data ?? {}).sort()).toEqual(['manifest.json', 'quay.io_2fhosts.toml']);
  });
});

describeWith('git')('at a Git revision (plan)', () => {
  test('the base and the head are read with the same exclusions: junk committed at both never reaches the plan', async () => {
    const repo = createGitRepo({ ...MIRROR_SETS, ...JUNK, '.mirrorset-hosts.yaml': "inputs: [mirror-sets]\nexclude: [templates/, '*.json', vendor/]\n" });
    try {
      repo.commitAll('base');
      repo.write({ 'mirror-sets/quay.yaml': idms('quay', 'quay.io', ['mirror2.example:5000/quay']), 'mirror-sets/vendor/upstream-idms.yaml': idms('upstream', 'ghcr.io', ['other.example/ghcr']) });
      const planned = await runCli(['plan', '--base', 'HEAD'], { cwd: repo.dir });
      expect(planned.stderr).toBe('');
      expect(planned.code).toBe(0);
      expect(planned.stdout).toContain('quay.io');
      expect(planned.stdout).not.toContain('ghcr.io');
      // Without the exclusions, the template committed at both revisions stops the plan.
      repo.write({ 'unfiltered.yaml': 'inputs: [mirror-sets]\n' });
      const unfiltered = await runCli(['plan', '--base', 'HEAD', '--config', 'unfiltered.yaml'], { cwd: repo.dir });
      expect(unfiltered.code).toBe(1);
      expect(unfiltered.stderr).toContain('mirror-sets/charts/web/templates/configmap.yaml:5');
    } finally {
      repo.cleanup();
    }
  });
});
