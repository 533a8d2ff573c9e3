// What `check` decides: the committed output directory against what the inputs render, file by
// file and byte for byte, as the changes that would bring it up to date and one unified diff that
// `git apply` accepts.
import { compareStrings } from '../vocabulary.js';
import { unifiedDiff } from './unified-diff.js';

/** An entry of the committed directory: a regular file's bytes, or anything else (a link, a pipe). */
export type CommittedEntry = { kind: 'file'; bytes: Uint8Array } | { kind: 'other' };

export interface TreeChange {
  /** `replace`: the entry is not a regular file, so no diff can say how to change it. */
  action: 'change' | 'add' | 'delete' | 'replace';
  /** `<shownDir>/<relative path>`. */
  path: string;
}

export interface TreeComparison {
  /** In path order; empty when the directory is up to date. */
  changes: TreeChange[];
  diff: string;
}

/** `expected` and `committed` are keyed by `/`-separated path relative to the directory. */
export function compareTree(expected: ReadonlyMap<string, string>, committed: ReadonlyMap<string, CommittedEntry>, shownDir: string): TreeComparison {
  const changes: TreeChange[] = [];
  let diff = '';
  const encoder = new TextEncoder();
  // ignoreBOM: a committed file's byte order mark is a difference to show, not to drop.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  for (const file of [...new Set([...expected.keys(), ...committed.keys()])].sort(compareStrings)) {
    const want = expected.get(file);
    const have = committed.get(file);
    const shown = `${shownDir}/${file}`;
    if (have?.kind === 'other') {
      changes.push({ action: 'replace', path: shown });
      continue;
    }
    if (want !== undefined && have && sameBytes(have.bytes, encoder.encode(want))) continue;
    changes.push({ action: want === undefined ? 'delete' : have ? 'change' : 'add', path: shown });
    diff += unifiedDiff(have ? decoder.decode(have.bytes) : '', want ?? '', {
      oldLabel: have ? `a/${shown}` : '/dev/null',
      newLabel: want !== undefined ? `b/${shown}` : '/dev/null',
    });
  }
  return { changes, diff };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
