// Bundles the CLI into one CommonJS file: one file to read at start-up keeps the cold start that
// kustomize and Argo CD pay on every build small, and Node's single-executable (SEA) needs CommonJS.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// Both bundles: Node 20, CommonJS, the version baked in.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { __VERSION__: JSON.stringify(pkg.version) },
  legalComments: 'none',
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/bin.ts'], outfile: 'dist/mirrorset-hosts.cjs' });
chmodSync('dist/mirrorset-hosts.cjs', 0o755);

// The library API (src/index.ts) for programs and benchmarks that call the pipeline in-process.
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.cjs' });

// Cold start: dist/mirrorset-hosts.cjs becomes a loader that compiles the bundle with a V8 code cache
// (scripts/code-cache.mjs; bench/README.md "Cold start"). The bare bundle stays as mirrorset-hosts.bundle.cjs.
await import('./code-cache.mjs');
