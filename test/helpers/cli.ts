// Run the CLI in-process through main(argv, io), as eemeli/yaml tests/cli.ts does.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../../src/adapters/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], options: { cwd: string; stdin?: string; env?: Record<string, string> }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => options.stdin ?? '',
    stdinIsTTY: options.stdin === undefined,
    cwd: options.cwd,
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

/** A temp directory filled with `files` (path -> content); removed by the returned cleanup. */
export function tempDir(files: Record<string, string | Uint8Array> = {}): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mirrorset-hosts-test-'));
  for (const [relative, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), content);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function idms(name: string, source: string, mirrors: string[], policy?: string): string {
  return [
    'apiVersion: config.openshift.io/v1',
    'kind: ImageDigestMirrorSet',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  imageDigestMirrors:',
    `  - source: ${source}`,
    ...(policy ? [`    mirrorSourcePolicy: ${policy}`] : []),
    '    mirrors:',
    ...mirrors.map((m) => `    - ${m}`),
    '',
  ].join('\n');
}
