// spec.exclude under the real kpt: a package that keeps a chart's rendered leftovers (a mirror set
// that would not validate) next to its mirror sets fails `kpt fn eval --exec` until `exclude=`
// names them; then kpt's items from those files are passed through unread (their files unchanged).
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BAD_MIRROR_SET, cliPath, describeWithTool, repoRoot, run, workspace, type Workspace } from '../kustomize/gitops-harness.js';

let ws: Workspace;
beforeEach(() => {
  ws = workspace('kpt-exclude');
});
afterEach(() => ws.cleanup());

describeWithTool('kpt', 'kpt fn eval --exec with exclude', () => {
  test('an item from an excluded directory blocks nothing and is left as it was', () => {
    const pkg = path.join(ws.dir, 'pkg');
    cpSync(path.join(repoRoot, 'fixtures', 'example-repo', 'mirror-sets'), pkg, { recursive: true });
    mkdirSync(path.join(pkg, 'charts', 'legacy'), { recursive: true });
    writeFileSync(path.join(pkg, 'charts', 'legacy', 'idms.yaml'), BAD_MIRROR_SET);
    const eval_ = (...args: string[]) => run('kpt', ['fn', 'eval', pkg, '--exec', cliPath, '--', 'name=mirrors', 'namespace=infra', ...args], { cwd: ws.dir, env: ws.env });

    const blocked = eval_();
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('charts/legacy/idms.yaml');

    const passed = eval_('exclude=charts');
    expect(passed.stderr).toContain('[PASS]');
    expect(passed.code).toBe(0);
    expect(readFileSync(path.join(pkg, 'charts', 'legacy', 'idms.yaml'), 'utf8')).toBe(BAD_MIRROR_SET);
    expect(readFileSync(path.join(pkg, 'mirrors.generated.yaml'), 'utf8')).toContain('kind: ConfigMap');
  });
});
