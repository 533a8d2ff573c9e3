// The single-file executable (Node SEA, Node 20: --experimental-sea-config + postject) for runners
// without Node.js, such as Argo CD's repo server (docs/design/gitops.md "Argo CD's repo server"):
//
//   npm run build && node scripts/build-sea.mjs      -> dist/mirrorset-hosts-sea
//
// It is the node binary running this script with the CLI bundle injected, so it needs the same libc
// (glibc: the Ubuntu-based argocd image, not Alpine or distroless-static). The bundle is the one
// behind dist/mirrorset-hosts.cjs, with V8's code cache made by Node itself (useCodeCache).
// postject (npm) injects the blob; Node 20 has no built-in way to. Run it from a package that has it:
//   npm install --no-save postject@1.0.0-alpha.6   (or have `postject` on PATH)
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(repo, 'dist');
const bundle = path.join(dist, 'mirrorset-hosts.bundle.cjs');
const main = path.join(dist, 'sea-main.cjs');
const blob = path.join(dist, 'sea-prep.blob');
const config = path.join(dist, 'sea-config.json');
const output = path.join(dist, 'mirrorset-hosts-sea');
// The sentinel Node's SEA support looks for (doc/api/single-executable-applications.md).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function fail(message) {
  console.error(`build-sea: ${message}`);
  process.exit(2);
}

if (!existsSync(bundle)) fail(`${path.relative(repo, bundle)} is missing: run npm run build first`);
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) fail(`Node ${process.version} has no single executable applications; use Node 20 or later`);

function findPostject() {
  const local = path.join(repo, 'node_modules', '.bin', 'postject');
  if (existsSync(local)) return [local];
  const onPath = spawnSync('sh', ['-c', 'command -v postject'], { encoding: 'utf8' });
  if (onPath.status === 0) return [onPath.stdout.trim()];
  return undefined;
}
const postject = findPostject();
if (!postject) {
  fail('postject is not installed; it injects the bundle into the node binary (Node 20 has no built-in way).\n' +
    '  npm install --no-save postject@1.0.0-alpha.6, or put postject on PATH, then run this again.');
}

// SEA compiles the main script as a CommonJS function body, where a "#!" line is no JavaScript.
writeFileSync(main, readFileSync(bundle, 'utf8').replace(/^#!/, '//'));
writeFileSync(config, JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2) + '\n');
const prep = spawnSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'inherit' });
if (prep.status !== 0) fail('node --experimental-sea-config failed');

rmSync(output, { force: true });
copyFileSync(process.execPath, output);
chmodSync(output, 0o755);
const inject = spawnSync(postject[0], [output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', FUSE], { stdio: 'inherit' });
if (inject.status !== 0) fail('postject failed');
for (const file of [main, blob, config]) rmSync(file, { force: true });

// A smoke test: the executable answers without any node on PATH.
const check = spawnSync(output, ['--version'], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
if (check.status !== 0) fail(`the executable does not run: ${check.stderr}`);
console.log(`build-sea: wrote ${path.relative(repo, output)} (mirrorset-hosts ${check.stdout.trim()}, ${process.version})`);
