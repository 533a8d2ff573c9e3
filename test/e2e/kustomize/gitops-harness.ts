// Shared by the kustomize and kpt end-to-end suites: the real programs installed on this machine,
// the built CLI (dist/, `npm test` builds it first), temp directories, and a PATH holding
// `mirrorset-hosts` the way users install it. Under CI=true a missing kubectl or kpt fails the run:
// the examples are tested, not just written.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const cliPath = path.join(repoRoot, 'dist', 'mirrorset-hosts.cjs');
export const pluginHome = path.join(repoRoot, 'plugins');
export const gitops = path.join(repoRoot, 'fixtures', 'gitops');
export const inCi = process.env['CI'] === 'true';

export function findTool(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * `describe` when the tool is installed; otherwise skipped locally, and under CI=true a failing test
 * that says what is missing.
 */
export function describeWithTool(tool: string, name: string, body: () => void): void {
  if (findTool(tool)) {
    describe(name, body);
    return;
  }
  if (inCi) {
    test(`${name}: ${tool} is installed (required under CI=true)`, () => {
      throw new Error(`${tool} is not on PATH; the GitOps examples must run through the real ${tool} in CI`);
    });
    return;
  }
  describe.skip(`${name} (${tool} not installed)`, body);
}

export function requireBuiltCli(): void {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build first (npm test does)`);
}

export interface Workspace {
  dir: string;
  /** A directory for PATH holding `mirrorset-hosts`, as `npm install -g` would. */
  bin: string;
  env: NodeJS.ProcessEnv;
  cleanup(): void;
}

export function workspace(label: string): Workspace {
  requireBuiltCli();
  const dir = mkdtempSync(path.join(tmpdir(), `mh-gitops-${label}-`));
  const bin = path.join(dir, '.bin');
  mkdirSync(bin);
  const wrapper = path.join(bin, 'mirrorset-hosts');
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}${path.delimiter}${process.env['PATH'] ?? ''}` };
  // Nothing from the developer's own kustomize set-up may leak into the runs.
  delete env['KUSTOMIZE_PLUGIN_HOME'];
  delete env['XDG_CONFIG_HOME'];
  return {
    dir,
    bin,
    env,
    cleanup: () => {
      if (process.env['MIRRORSET_HOSTS_E2E_KEEP'] === '1') console.warn(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** fixtures/gitops/<name> and fixtures/example-repo copied side by side, so relative paths still hold. */
export function copyExample(ws: Workspace, name: string): string {
  cpSync(path.join(gitops, name), path.join(ws.dir, 'fixtures', 'gitops', name), { recursive: true });
  cpSync(path.join(repoRoot, 'fixtures', 'example-repo'), path.join(ws.dir, 'fixtures', 'example-repo'), { recursive: true });
  return path.join(ws.dir, 'fixtures', 'gitops', name);
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Run {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env,
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A bad mirror set (misspelt policy), as users get it wrong. */
export const BAD_MIRROR_SET = `apiVersion: config.openshift.io/v1
kind: ImageDigestMirrorSet
metadata:
  name: broken
spec:
  imageDigestMirrors:
  - source: quay.io/openshift-release-dev/ocp-release
    mirrorSourcePolicy: NeverContactSourc
    mirrors:
    - mirror.corp.example:8443/ocp/openshift-release-dev/ocp-release
`;
