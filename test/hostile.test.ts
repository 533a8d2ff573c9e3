// Hostile input (issue 7). Three parts:
// 1. fixtures/hostile/<case>/: committed small inputs, each run through the CLI in-process with the
//    exit code (expected-exit-code, default 1) and diagnostics (expected-diagnostics.txt, the golden
//    line format, paths relative to the case) it must give, over a previous output that must survive.
// 2. Inputs too big or too regular to commit, generated here: a 50 MB file, deep nesting, shapes that
//    were quadratic, a pipe that never ends.
// 3. The file system: symbolic links and loops, pipes and devices, unreadable files and directories,
//    output directories that overlap the input, a read-only and a full file system (tmpfs; we run as
//    root in CI, so mount works there and these tests never skip under CI=true).
// Every case checks what a user relies on: a clear error naming the file, the right exit code, no
// stack trace, nothing written outside the output directory, the previous output left intact.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { mergePriorityLists } from '../src/model/topo-merge.js';
import { MAX_INPUT_BYTES } from '../src/parse/parse-manifests.js';
import { runCli, tempDir, idms, type CliRun } from './helpers/cli.js';
import { readTree, updating, writeTree } from './helpers/golden.js';
import { OUTPUT_MARKER } from '../src/io/output-tree.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const hostileDir = path.join(root, 'fixtures', 'hostile');
const cases = existsSync(hostileDir) ? readdirSync(hostileDir).filter((n) => lstatSync(path.join(hostileDir, n)).isDirectory()).sort() : [];

const VALID = idms('valid', 'quay.io', ['mirror.example/quay']);

/** Every path below `dir` with a hash of its content or link target: what "nothing changed" compares. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (sub: string): void => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = sub ? `${sub}/${name}` : name;
      const full = path.join(dir, rel);
      const info = lstatSync(full);
      if (info.isSymbolicLink()) out[rel] = `-> ${readlinkSync(full)}`;
      else if (info.isDirectory()) {
        out[`${rel}/`] = 'dir';
        walk(rel);
      } else if (info.isFile()) out[rel] = createHash('sha256').update(readFileSync(full)).digest('hex');
      else out[rel] = 'special';
    }
  };
  walk('');
  return out;
}

/** Diagnostic lines only: the CLI's own summary lines start with "mirrorset-hosts: ". */
const diagnosticLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l && !l.startsWith('mirrorset-hosts: '));

function expectNoCrash(result: CliRun): void {
  expect(result.stderr).not.toMatch(/internal error|^\s+at |\bTypeError\b|\bRangeError\b/m);
  expect([0, 1, 2]).toContain(result.code);
}

let baseline: Map<string, string>;
beforeAll(async () => {
  const work = tempDir({ 'in/valid.yaml': VALID, 'in/k8s.yaml': idms('k8s', 'registry.k8s.io', ['mirror.example/k8s']) });
  const result = await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir });
  expect(result.code).toBe(0);
  baseline = readTree(path.join(work.dir, 'out'));
  work.cleanup();
});

describe('committed corpus (fixtures/hostile)', () => {
  test('holds at least 40 cases, each with its expected diagnostics', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    for (const name of cases) expect(existsSync(path.join(hostileDir, name, 'expected-diagnostics.txt')) || updating).toBe(true);
  });

  describe.each(cases)('%s', (name) => {
    const dir = path.join(hostileDir, name);
    test('gives its exit code and diagnostics, each naming the file; the previous output survives a failure; nothing else is written', async () => {
      const before = snapshot(dir);
      const work = tempDir();
      try {
        const out = path.join(work.dir, 'out');
        writeTree(out, baseline);
        const result = await runCli(['render', '--out', out, 'input'], { cwd: dir });
        expectNoCrash(result);
        const lines = diagnosticLines(result.stderr);
        const exitFile = path.join(dir, 'expected-exit-code');
        const diagnosticsFile = path.join(dir, 'expected-diagnostics.txt');
        if (updating) {
          writeFileSync(diagnosticsFile, lines.map((l) => `${l}\n`).join(''));
          if (result.code !== 1) writeFileSync(exitFile, `${result.code}\n`);
          else rmSync(exitFile, { force: true });
          throw new Error(`UPDATE_GOLDEN=1 rewrote ${name}; read the diff, then run again without it`);
        }
        const expectedCode = existsSync(exitFile) ? Number(readFileSync(exitFile, 'utf8').trim()) : 1;
        expect({ code: result.code, diagnostics: lines }).toEqual({
          code: expectedCode,
          diagnostics: readFileSync(diagnosticsFile, 'utf8').split('\n').filter(Boolean),
        });
        // Every error names a file of the case and a position in it (NO_MIRROR_SETS is about all of them).
        for (const line of lines) {
          const [, where, severity, code] = /^(?:(\S+?:\d+:\d+): )?(error|warning|info) ([A-Z_]+)/.exec(line) ?? [];
          expect(severity).toBeDefined();
          if (severity === 'error' && code !== 'NO_MIRROR_SETS') expect(where).toMatch(/^input\/[^:]+:\d+:\d+$/);
        }
        if (result.code === 0) {
          for (const [file, text] of readTree(out)) {
            if (file === OUTPUT_MARKER) continue;
            expect(file).toMatch(/^[^/]+\/hosts\.toml$/);
            parseToml(text);
          }
        } else {
          expect(readTree(out)).toEqual(baseline);
          expect(result.stderr).toContain(`mirrorset-hosts: nothing written to ${out}`);
        }
        expect(readdirSync(work.dir)).toEqual(['out']);
        expect(snapshot(dir)).toEqual(before);
      } finally {
        work.cleanup();
      }
    });
  });
});

describe('generated inputs', () => {
  let work: ReturnType<typeof tempDir>;
  beforeEach(() => {
    work = tempDir();
    writeTree(path.join(work.dir, 'out'), baseline);
  });
  afterEach(() => work.cleanup());

  /** Renders `args` in the work dir and checks the failure contract: code, no crash, previous output intact, nothing else written. */
  async function expectRefused(args: string[], code: number, options: { stdin?: string } = {}): Promise<string[]> {
    const before = readdirSync(work.dir).sort();
    const result = await runCli(['render', '--out', 'out', ...args], { cwd: work.dir, ...options });
    expectNoCrash(result);
    expect(result.code).toBe(code);
    expect(readTree(path.join(work.dir, 'out'))).toEqual(baseline);
    expect(readdirSync(work.dir).sort()).toEqual(before);
    return diagnosticLines(result.stderr);
  }

  test('a 50 MB file is refused by its size, before it is read, naming the file', async () => {
    const file = path.join(work.dir, 'in', 'huge.yaml');
    mkdirSync(path.dirname(file));
    writeFileSync(file, VALID + `# ${'x'.repeat(50 * 1024 * 1024)}\n`);
    writeFileSync(path.join(work.dir, 'in', 'valid.yaml'), VALID);
    const lines = await expectRefused(['in'], 1);
    expect(lines).toEqual([
      'in/huge.yaml:1:1: error READ_FAILED: expected a manifest file of at most 4.0 MiB, found 50.0 MiB; the API server stores objects of at most 1.5 MiB, so this is not a set of manifests: name the files that hold the mirror sets, or split this one',
    ]);
  });

  test('a file just under the size limit is still read', async () => {
    mkdirSync(path.join(work.dir, 'in'));
    writeFileSync(path.join(work.dir, 'in', 'big.yaml'), VALID + `# ${'x'.repeat(MAX_INPUT_BYTES - VALID.length - 4)}\n`);
    const result = await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir });
    expect(result.code).toBe(0);
  });

  test('an endless stream named on the command line (/dev/zero) is read up to the limit, then refused', async () => {
    const lines = await expectRefused(['/dev/zero'], 1);
    // Sorted as lint sorts: the finding without a position first.
    expect(lines).toEqual([
      expect.stringMatching(/^error NO_MIRROR_SETS: /),
      expect.stringMatching(/^\/dev\/zero:1:1: error READ_FAILED: expected a manifest file of at most 4\.0 MiB, found more than 4\.0 MiB;/),
    ]);
  });

  test('standard input over the limit is refused by the parser', async () => {
    const lines = await expectRefused(['-'], 1, { stdin: VALID + `# ${'x'.repeat(MAX_INPUT_BYTES)}\n` });
    expect(lines).toEqual([expect.stringMatching(/^<stdin>:1:1: error READ_FAILED: expected a manifest file of at most 4\.0 MiB/)]);
  });

  test.each([
    ['flow sequences 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`],
    ['flow mappings 50,000 deep', `${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}\n`],
    // Block nesting costs its depth in indentation on every line: 1,500 levels are a 1 MiB file.
    ['block sequences 1,500 deep', Array.from({ length: 1_500 }, (_, i) => `${' '.repeat(i)}-\n`).join('') + `${' '.repeat(1_500)}x\n`],
    ['block mappings 1,500 deep', Array.from({ length: 1_500 }, (_, i) => `${' '.repeat(i)}a:\n`).join('') + `${' '.repeat(1_500)}b: 1\n`],
  ])('a document nested %s is refused as too deep, with a position, not a stack overflow', async (_name, text) => {
    mkdirSync(path.join(work.dir, 'in'));
    writeFileSync(path.join(work.dir, 'in', 'deep.yaml'), text);
    writeFileSync(path.join(work.dir, 'in', 'valid.yaml'), VALID);
    const lines = await expectRefused(['in'], 1);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^in\/deep\.yaml:\d+:\d+: error YAML_SYNTAX: the document is nested too deeply/);
  }, 60_000);

  test('a mapping of 40,000 keys renders (the duplicate-key check was quadratic: it took minutes, past this test\'s timeout)', async () => {
    const annotations = Array.from({ length: 40_000 }, (_, i) => `    k${i}: v\n`).join('');
    mkdirSync(path.join(work.dir, 'in'));
    writeFileSync(path.join(work.dir, 'in', 'wide.yaml'), VALID.replace('  name: valid\n', `  name: valid\n  annotations:\n${annotations}`));
    const result = await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir });
    expect(result.code).toBe(0);
  }, 60_000);

  test('--profile wmco with 20,000 distinct mirror hosts for one registry renders (the merge was quadratic: past this test\'s timeout)', async () => {
    const entries = Array.from({ length: 20_000 }, (_, i) => `  - source: quay.io/p${i}\n    mirrors: [m${i}.example/p${i}]\n`).join('');
    mkdirSync(path.join(work.dir, 'in'));
    writeFileSync(path.join(work.dir, 'in', 'many.yaml'), VALID.replace(/  imageDigestMirrors:\n[\s\S]*$/, `  imageDigestMirrors:\n${entries}`));
    const result = await runCli(['render', '--profile', 'wmco', '--out', 'out', 'in'], { cwd: work.dir });
    expect(result.code).toBe(0);
    expect(readTree(path.join(work.dir, 'out')).get('quay.io/hosts.toml')?.split('[host.').length).toBe(20_001);
  }, 60_000);

  test('a registry whose mirror lists give one host 200,000 successors merges without overflowing the stack', () => {
    const lists = Array.from({ length: 200_000 }, (_, i) => ['https://first.example/v2', `https://m${i}.example/v2`]);
    const merged = mergePriorityLists(lists);
    expect(merged.length).toBe(200_001);
    expect(merged[0]).toBe('https://first.example/v2');
  }, 60_000);

  test('150,000 errors in one file (3 bytes each) are all reported, not a crash', async () => {
    mkdirSync(path.join(work.dir, 'in'));
    writeFileSync(path.join(work.dir, 'in', 'dups.yaml'), VALID.replace('    mirrors:\n    - mirror.example/quay\n', `    mirrors: [${Array.from({ length: 150_000 }, () => 'a').join(', ')}]\n`));
    const lines = await expectRefused(['in'], 1);
    expect(lines.length).toBe(149_999);
  }, 60_000);

  test('a registry host longer than a DNS name may be is refused with its position, exit 1, the previous output intact', async () => {
    const host = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`; // 263 characters
    mkdirSync(path.join(work.dir, 'in'));
    writeFileSync(path.join(work.dir, 'in', 'long.yaml'), idms('long', host, ['mirror.example']));
    const result = await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir });
    expectNoCrash(result);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('in/long.yaml:7:13: error INVALID_REGISTRY_HOST spec.imageDigestMirrors[0].source: expected a host name of at most 253 characters, found 263');
    expect(readTree(path.join(work.dir, 'out'))).toEqual(baseline);
    expect(readdirSync(work.dir).sort()).toEqual(['in', 'out']);
  });

  test('a label longer than 63 characters is refused too', async () => {
    mkdirSync(path.join(work.dir, 'in'));
    writeFileSync(path.join(work.dir, 'in', 'label.yaml'), idms('label', 'quay.io', [`${'m'.repeat(64)}.example/quay`]));
    const result = await runCli(['render', '--out', 'out', 'in'], { cwd: work.dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error INVALID_REGISTRY_HOST spec.imageDigestMirrors[0].mirrors[0]: expected a host name whose labels have at most 63 characters, found a label of 64');
  });
});

describe('the file system', () => {
  let work: ReturnType<typeof tempDir>;
  /** tmpfs mounts of the running test, unmounted before its work dir is removed. */
  const mounted: string[] = [];
  const unmountAll = (): void => {
    for (const dir of mounted.splice(0).reverse()) execFileSync('umount', [dir]);
  };
  beforeEach(() => {
    work = tempDir({ 'repo/valid.yaml': VALID });
    writeTree(path.join(work.dir, 'out'), baseline);
  });
  afterEach(() => {
    unmountAll();
    work.cleanup();
  });
  afterAll(unmountAll);

  async function render(args: string[], cwd = work.dir): Promise<CliRun> {
    const result = await runCli(['render', '--out', 'out', ...args], { cwd });
    expectNoCrash(result);
    return result;
  }
  const outIntact = (): void => expect(readTree(path.join(work.dir, 'out'))).toEqual(baseline);

  test.each([
    ['a dangling symbolic link', (dir: string) => symlinkSync('missing.yaml', path.join(dir, 'dangling.yaml')), 'repo/dangling.yaml:1:1: error READ_FAILED: cannot read the file: no such file or directory'],
    ['a symbolic link loop', (dir: string) => {
      symlinkSync('b.yaml', path.join(dir, 'a.yaml'));
      symlinkSync('a.yaml', path.join(dir, 'b.yaml'));
    }, 'repo/a.yaml:1:1: error READ_FAILED: cannot read the file: too many levels of symbolic links\nrepo/b.yaml:1:1: error READ_FAILED: cannot read the file: too many levels of symbolic links'],
    ['a named pipe (FIFO) that no one writes', (dir: string) => execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]), 'repo/pipe.yaml:1:1: error READ_FAILED: expected a regular file, found a named pipe (FIFO); only regular files are read from a directory or a glob (a pipe would block the render, a device would never end): remove it, or name it on the command line'],
    ['a symbolic link to a named pipe', (dir: string) => {
      execFileSync('mkfifo', [path.join(dir, '..', 'pipe')]);
      symlinkSync('../pipe', path.join(dir, 'pipe.yaml'));
    }, 'repo/pipe.yaml:1:1: error READ_FAILED: expected a regular file, found a named pipe (FIFO); only regular files are read from a directory or a glob (a pipe would block the render, a device would never end): remove it, or name it on the command line'],
    ['a symbolic link to /dev/zero', (dir: string) => symlinkSync('/dev/zero', path.join(dir, 'zero.yaml')), 'repo/zero.yaml:1:1: error READ_FAILED: expected a regular file, found a character device; only regular files are read from a directory or a glob (a pipe would block the render, a device would never end): remove it, or name it on the command line'],
  ])('%s in an input directory is reported by name, never waited on or skipped, and nothing is written', async (_name, make, expected) => {
    make(path.join(work.dir, 'repo'));
    const result = await render(['repo']);
    expect(result.code).toBe(1);
    expect(diagnosticLines(result.stderr)).toEqual(expected.split('\n'));
    outIntact();
  });

  test('a symbolic link to a directory, or a loop back up, is not descended; the files themselves render', async () => {
    symlinkSync('..', path.join(work.dir, 'repo', 'up'));
    symlinkSync('.', path.join(work.dir, 'repo', 'self.yaml'));
    mkdirSync(path.join(work.dir, 'other'));
    writeFileSync(path.join(work.dir, 'other', 'k8s.yaml'), idms('k8s', 'registry.k8s.io', ['mirror.example/k8s']));
    symlinkSync('../other', path.join(work.dir, 'repo', 'linked'));
    const result = await render(['repo']);
    expect(result.code).toBe(0);
    expect([...readTree(path.join(work.dir, 'out')).keys()]).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml']);
  });

  test('a symbolic link to a file elsewhere is read like the file (it names the link)', async () => {
    writeFileSync(path.join(work.dir, 'k8s.yaml'), idms('k8s', 'registry.k8s.io', ['mirror.example/k8s']).replace('mirror.example/k8s', 'mirror.example/K8S'));
    symlinkSync('../k8s.yaml', path.join(work.dir, 'repo', 'k8s.yaml'));
    const result = await render(['repo']);
    expect(result.code).toBe(1);
    expect(diagnosticLines(result.stderr)).toEqual([expect.stringMatching(/^repo\/k8s\.yaml:9:7: error SCHEMA_PATTERN /)]);
    outIntact();
  });

  test('a named pipe given on the command line is read (as from <(kustomize build ...))', async () => {
    const pipe = path.join(work.dir, 'stream.yaml');
    execFileSync('mkfifo', [pipe]);
    // The writer blocks in open() until the render opens the pipe for reading.
    const writer = spawn('sh', ['-c', 'cat "$0" > "$1"', path.join(work.dir, 'repo', 'valid.yaml'), pipe], { stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.on('exit', resolve));
    const result = await render(['stream.yaml']);
    expect(await exited).toBe(0);
    expect(result.code).toBe(0);
    expect([...readTree(path.join(work.dir, 'out')).keys()]).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml']);
  });

  // Root reads and writes whatever the permission bits say, so the permission cases run the built CLI
  // as "nobody" (uid 65534) when we are root; as anyone else, chmod alone is enough, in-process.
  const isRoot = process.getuid?.() === 0;
  const cliPath = path.join(root, 'dist', 'mirrorset-hosts.cjs');
  /** Lets "nobody" read and write everything in the work dir; call before taking permissions away. */
  const shareWork = (dir = work.dir): void => {
    chmodSync(dir, 0o777);
    for (const name of readdirSync(dir)) {
      const full = path.join(dir, name);
      if (lstatSync(full).isDirectory()) shareWork(full);
      else if (lstatSync(full).isFile()) chmodSync(full, 0o666);
    }
  };
  /**
   * A copy of the built CLI that "nobody" can read: the checkout itself may sit below a directory
   * only root may enter (a `mktemp -d` clone is mode 0700).
   */
  let sharedCli: string | undefined;
  const unprivilegedCli = (): string => {
    if (sharedCli) return sharedCli;
    expect(existsSync(cliPath)).toBe(true); // run `npm run build` first
    const dir = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-cli-'));
    chmodSync(dir, 0o755);
    sharedCli = path.join(dir, 'mirrorset-hosts.cjs');
    copyFileSync(cliPath, sharedCli);
    chmodSync(sharedCli, 0o755);
    return sharedCli;
  };
  afterAll(() => {
    if (sharedCli) rmSync(path.dirname(sharedCli), { recursive: true, force: true });
  });
  async function renderUnprivileged(args: string[]): Promise<CliRun> {
    if (!isRoot) return render(args);
    const child = spawnSync(process.execPath, [unprivilegedCli(), 'render', '--out', 'out', ...args], { cwd: work.dir, uid: 65534, gid: 65534, encoding: 'utf8' });
    return { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
  }

  test('an unreadable file is an error naming it, and nothing is written', async () => {
    writeFileSync(path.join(work.dir, 'repo', 'secret.yaml'), VALID.replace('name: valid', 'name: secret'));
    shareWork();
    chmodSync(path.join(work.dir, 'repo', 'secret.yaml'), 0o000);
    const result = await renderUnprivileged(['repo']);
    expect(result.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(result.code).toBe(1);
    expect(diagnosticLines(result.stderr)).toEqual(['repo/secret.yaml:1:1: error READ_FAILED: cannot read the file: permission denied']);
    outIntact();
  });

  test('an unreadable subdirectory is an error naming it: its mirror sets are never silently left out', async () => {
    mkdirSync(path.join(work.dir, 'repo', 'team'));
    writeFileSync(path.join(work.dir, 'repo', 'team', 'k8s.yaml'), idms('k8s', 'registry.k8s.io', ['mirror.example/k8s']));
    shareWork();
    chmodSync(path.join(work.dir, 'repo', 'team'), 0o000);
    const denied = await renderUnprivileged(['repo']);
    chmodSync(path.join(work.dir, 'repo', 'team'), 0o777);
    const result = await renderUnprivileged(['repo']);
    expect(result.code).toBe(0);
    expect(denied.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(denied.code).toBe(1);
    expect(diagnosticLines(denied.stderr)).toEqual(['repo/team:1:1: error READ_FAILED: cannot read the directory: permission denied; the manifests in it would be left out of the render']);
    expect([...readTree(path.join(work.dir, 'out')).keys()]).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml', 'registry.k8s.io/hosts.toml']);
  });

  // Only root can give a file to another user; CI runs as root.
  const asRootTest = isRoot || process.env['CI'] === 'true' ? test : test.skip;
  asRootTest('a previous output that cannot be removed (another user\'s files) is reported truthfully: the new output is in place, the leftover named', async () => {
    shareWork();
    chmodSync(path.join(work.dir, 'out', 'quay.io'), 0o755); // root's directory: nobody cannot delete its file
    const result = await renderUnprivileged(['repo']);
    expect(result.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(result.code).toBe(2);
    const leftover = readdirSync(work.dir).find((n) => n.startsWith('.out.mirrorset-hosts-')) as string;
    expect(result.stderr).toContain(`mirrorset-hosts: wrote out, but cannot remove its previous contents, moved to ${path.join(work.dir, leftover)}: permission denied; remove that directory`);
    expect(readTree(path.join(work.dir, leftover, 'old')).get('quay.io/hosts.toml')).toBe(baseline.get('quay.io/hosts.toml'));
    expect([...readTree(path.join(work.dir, 'out')).keys()]).toEqual([OUTPUT_MARKER, 'quay.io/hosts.toml']);
  });

  test('an output directory inside the input directory works, and is not read back as input on the next run', async () => {
    const first = await runCli(['render', '--out', 'repo/rendered', 'repo'], { cwd: work.dir });
    const firstTree = readTree(path.join(work.dir, 'repo', 'rendered'));
    const second = await runCli(['render', '--out', 'repo/rendered', 'repo'], { cwd: work.dir });
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(readTree(path.join(work.dir, 'repo', 'rendered'))).toEqual(firstTree);
    expect(readdirSync(path.join(work.dir, 'repo')).sort()).toEqual(['rendered', 'valid.yaml']);
  });

  test.each([
    ['the input directory itself', ['--out', 'repo', 'repo'], 'repo holds .gitkeep, valid.yaml and has no'],
    ['a directory that contains the input', ['--out', '.', 'repo'], '. holds out, repo and has no'],
  ])('an output directory that is %s is refused (exit 2): replacing it would delete the mirror sets', async (_name, args, holds) => {
    writeFileSync(path.join(work.dir, 'repo', '.gitkeep'), '');
    const before = snapshot(work.dir);
    const result = await runCli(['render', ...args], { cwd: work.dir });
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`mirrorset-hosts: --out ${holds} ${OUTPUT_MARKER}: mirrorset-hosts did not write it`);
    expect(snapshot(work.dir)).toEqual(before);
  });

  test('an output path that is a symbolic link (to the input, say) is refused, and the link and its target are kept', async () => {
    rmSync(path.join(work.dir, 'out'), { recursive: true });
    symlinkSync('repo', path.join(work.dir, 'out'));
    const before = snapshot(work.dir);
    const result = await render(['repo']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--out out exists and is not a directory');
    expect(snapshot(work.dir)).toEqual(before);
  });

  // tmpfs: a file system we can make read-only or full. Needs root (CI runs as root; under CI=true a
  // failure to mount fails the test instead of skipping it).
  const canMount = (() => {
    if (!isRoot) return false;
    const probe = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-mount-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
      execFileSync('umount', [probe], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  })();
  const mountTest = canMount || process.env['CI'] === 'true' ? test : test.skip;
  const mount = (dir: string, options: string): void => {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
    mounted.push(dir);
  };

  mountTest('a read-only file system under the output fails with exit 2 and a clear message; the previous output is untouched', async () => {
    const fs = path.join(work.dir, 'ro');
    mount(fs, 'size=1m');
    writeTree(path.join(fs, 'out'), baseline);
    execFileSync('mount', ['-o', 'remount,ro', fs]);
    const result = await runCli(['render', '--out', 'ro/out', 'repo'], { cwd: work.dir });
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mirrorset-hosts: cannot write ro/out: read-only file system; the previous contents are unchanged');
    expect(readTree(path.join(fs, 'out'))).toEqual(baseline);
    expect(readdirSync(fs)).toEqual(['out']);
  });

  mountTest('a disk that runs full mid-write fails with exit 2; the previous output is untouched and no temporary directory is left', async () => {
    const fs = path.join(work.dir, 'small');
    mount(fs, 'size=64k');
    writeTree(path.join(fs, 'out'), baseline);
    // 200 registries: 200 directories and files, far more than 64 KiB of tmpfs pages.
    for (let i = 0; i < 200; i++) writeFileSync(path.join(work.dir, 'repo', `r${i}.yaml`), idms(`r${i}`, `registry-${i}.example.com`, ['mirror.example/quay']));
    const result = await runCli(['render', '--out', 'small/out', 'repo'], { cwd: work.dir });
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mirrorset-hosts: cannot write small/out: no space left on the device; the previous contents are unchanged');
    expect(readTree(path.join(fs, 'out'))).toEqual(baseline);
    expect(readdirSync(fs)).toEqual(['out']);
  });

  mountTest('an output directory that is a mount point (a container volume) cannot be replaced: exit 2, a message saying so, contents untouched', async () => {
    const out = path.join(work.dir, 'vol');
    mount(out, 'size=1m');
    for (const [file, text] of baseline) {
      mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
      writeFileSync(path.join(out, file), text);
    }
    const result = await runCli(['render', '--out', 'vol', 'repo'], { cwd: work.dir });
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('mirrorset-hosts: cannot write vol: device or resource busy (a mount point cannot be replaced: name a directory inside it); the previous contents are unchanged');
    expect(readTree(out)).toEqual(baseline);
    expect(readdirSync(work.dir).sort()).toEqual(['out', 'repo', 'vol']);
  });
});
