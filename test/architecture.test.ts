// The pure core may not reach outward: a boundary that lives only in prose drifts.
// Core stages import earlier stages, the shared root modules (diagnostics, kinds, vocabulary,
// errors), yaml and smol-toml; never a later stage, node built-ins, the I/O packages, the adapters,
// or Node's globals (Buffer, process). io/ may use the core, never the adapters.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');
const STAGES = ['parse', 'validate', 'model', 'render', 'bundle', 'node-applier', 'plan'] as const;
// Later stages may use earlier ones. node-applier (the Job that delivers a bundle and the `apply`
// it runs: settings, node programs, rollout) comes after bundle, whose manifest and hashes it reads;
// plan (pure change plans) sits after render.
const ALLOWED_STAGES: Record<(typeof STAGES)[number], string[]> = {
  parse: ['parse'],
  validate: ['parse', 'validate'],
  model: ['parse', 'validate', 'model'],
  render: ['parse', 'validate', 'model', 'render'],
  bundle: ['parse', 'validate', 'model', 'render', 'bundle'],
  'node-applier': ['parse', 'validate', 'model', 'render', 'bundle', 'node-applier'],
  plan: ['parse', 'validate', 'model', 'render', 'plan'],
};
// node:crypto only hashes (sha256 names and manifests): deterministic, no I/O.
const ALLOWED_PACKAGES = new Set(['yaml', 'smol-toml', 'node:crypto']);
const ALLOWED_ROOT_FILES = new Set(['diagnostics.ts', 'kinds.ts', 'pipeline.ts', 'vocabulary.ts', 'errors.ts']);

function filesUnder(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => (m[1] ?? m[2]) as string,
  );
}

const coreFiles = STAGES.flatMap((stage) => filesUnder(path.join(src, stage)).map((file) => ({ stage, file })));

test('the core stages exist', () => {
  expect(coreFiles.length).toBeGreaterThan(10);
});

test.each(coreFiles.map(({ stage, file }) => [path.relative(src, file), stage, file] as const))(
  '%s does no I/O and imports only earlier stages',
  (_name, stage, file) => {
    const text = readFileSync(file, 'utf8');
    // Node's globals are I/O or Node-only: process in any form, Buffer (vocabulary.ts has base64).
    expect(text).not.toMatch(/\bprocess\.[A-Za-z]/);
    expect(text).not.toMatch(/\bBuffer\b/);
    expect(text).not.toMatch(/\brequire\(/);
    for (const specifier of importsOf(file)) {
      if (specifier.startsWith('.')) {
        const target = path.relative(src, path.resolve(path.dirname(file), specifier));
        const [top, ...rest] = target.split(path.sep);
        if (rest.length === 0) {
          expect(ALLOWED_ROOT_FILES).toContain((top as string).replace(/\.js$/, '.ts'));
          expect(top).not.toBe('pipeline.js');
        } else {
          expect(ALLOWED_STAGES[stage]).toContain(top);
        }
      } else {
        expect(ALLOWED_PACKAGES).toContain(specifier);
      }
    }
  },
);

const ioFiles = filesUnder(path.join(src, 'io'));

test.each(ioFiles.map((file) => [path.relative(src, file), file] as const))('%s does not import the adapters', (_name, file) => {
  for (const specifier of importsOf(file)) {
    if (specifier.startsWith('.')) expect(path.relative(src, path.resolve(path.dirname(file), specifier)).split(path.sep)[0]).not.toBe('adapters');
  }
});

test('bin.ts stays a few lines', () => {
  const lines = readFileSync(path.join(src, 'bin.ts'), 'utf8').trim().split('\n');
  expect(lines.length).toBeLessThanOrEqual(15);
});

// --- krm/ (the KRM wire format, pure) and app/ (the use cases adapters call)
// krm/ sits after bundle/ (it writes generated objects into a ResourceList); app/ composes the
// stages and reads inputs only through readers its callers inject, so neither reaches for io/,
// adapters/ or the process.
const KRM_ALLOWED = new Set(['parse', 'validate', 'bundle', 'krm']);
const APP_ALLOWED = new Set(['parse', 'validate', 'model', 'render', 'bundle', 'node-applier', 'plan', 'krm', 'app']);
const APP_ROOT_FILES = new Set(['diagnostics.ts', 'kinds.ts', 'pipeline.ts', 'vocabulary.ts', 'errors.ts']);
const layerFiles = [
  ...filesUnder(path.join(src, 'krm')).map((file) => ({ layer: 'krm', file, allowed: KRM_ALLOWED, packages: new Set(['yaml']) })),
  ...filesUnder(path.join(src, 'app')).map((file) => ({ layer: 'app', file, allowed: APP_ALLOWED, packages: new Set(['yaml', 'node:path']) })),
];

test('the krm and app layers exist', () => {
  expect(layerFiles.filter((f) => f.layer === 'krm').length).toBeGreaterThan(0);
  expect(layerFiles.filter((f) => f.layer === 'app').length).toBeGreaterThan(0);
});

test.each(layerFiles.map((f) => [path.relative(src, f.file), f] as const))('%s reads nothing itself and imports neither io/ nor adapters/', (_name, { file, allowed, packages }) => {
  const text = readFileSync(file, 'utf8');
  expect(text).not.toMatch(/\bprocess\.(env|exit|stdout|stderr|stdin|argv|cwd)\b/);
  for (const specifier of importsOf(file)) {
    if (specifier.startsWith('.')) {
      const [top, ...rest] = path.relative(src, path.resolve(path.dirname(file), specifier)).split(path.sep);
      if (rest.length === 0) expect(APP_ROOT_FILES).toContain((top as string).replace(/\.js$/, '.ts'));
      else expect(allowed).toContain(top);
    } else {
      expect(packages).toContain(specifier);
    }
  }
});
