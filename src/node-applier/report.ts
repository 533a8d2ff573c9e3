// What the applier prints: one logfmt line per node and step (stderr), and a summary table (stdout).
// Every line passes through redact(): the private key, the service-account token and anything that
// looks like either never reach a log, whatever a remote error message quotes back. And through
// escapeInvisible(): a node's error text, file names or banner can hold control characters (ESC
// drives the terminal, CR rewrites the line) or bidi overrides; they are shown as \uXXXX, never raw.
import { escapeInvisible } from '../diagnostics.js';
import { compareStrings } from '../vocabulary.js';

/**
 * attention: updated where it could be, but a file the bundle wants was written by someone else and left alone.
 * skipped-unavailable: a discovered node that is NotReady, cordoned or being deleted; not contacted, and no failure.
 */
export type NodeStatus = 'changed' | 'unchanged' | 'would-change' | 'attention' | 'failed' | 'skipped' | 'skipped-unavailable';

/**
 * Whether the running containerd reads what was written (containerd-config.ts effectAfterWrite):
 * `effective`, `written-not-verifiable` (the node cannot tell; DETAIL says why) or `not-effective`
 * (a failure). Unset when nothing was written or checked (dry run, failure before writing, skipped).
 */
export type NodeEffect = 'effective' | 'written-not-verifiable' | 'not-effective';

export interface NodeReport {
  name: string;
  address: string;
  status: NodeStatus;
  /** The step that failed, for status failed. */
  step?: string;
  /** One line: why it failed, or what was kept. */
  detail: string;
  written: number;
  removed: number;
  effect?: NodeEffect;
}

export type LogLevel = 'info' | 'warn' | 'error';
export type LogValue = string | number | boolean | undefined;

const BARE = /^[A-Za-z0-9._:/@+,[\]-]+$/;

/** logfmt: `key=value`, values quoted as JSON strings when they hold anything but plain characters. */
export function formatLogLine(fields: ReadonlyArray<readonly [string, LogValue]>, secrets: readonly string[]): string {
  const parts: string[] = [];
  for (const [key, value] of fields) {
    if (value === undefined) continue;
    const text = redact(String(value), secrets);
    // JSON escapes C0 controls; what it leaves raw (DEL, C1, bidi, U+2028) becomes \uXXXX inside the quotes.
    parts.push(`${key}=${BARE.test(text) ? text : escapeInvisible(JSON.stringify(text))}`);
  }
  return parts.join(' ') + '\n';
}

const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
export const REDACTED = '[REDACTED]';

/**
 * Removes secrets from text: every known secret value, every line of a multi-line secret (a key
 * file quoted line by line in an error is still the key), PEM private key blocks and bearer tokens.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text.replace(PEM_PRIVATE_KEY, REDACTED).replace(BEARER, `$1${REDACTED}`);
  const needles = new Set<string>();
  for (const secret of secrets) {
    const whole = secret.trim();
    if (whole.length >= 8) needles.add(whole);
    for (const line of whole.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= 16 && !/^-----(BEGIN|END) /.test(trimmed)) needles.add(trimmed);
    }
  }
  // Longest first, so a line inside a whole secret is not replaced before the whole.
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) out = out.split(needle).join(REDACTED);
  return out;
}

/** The table printed when the run ends: one row per node, sorted by name, no timings (deterministic). */
export function formatSummary(reports: readonly NodeReport[], secrets: readonly string[]): string {
  const rows = [...reports].sort((a, b) => compareStrings(a.name, b.name));
  const header = ['NODE', 'ADDRESS', 'RESULT', 'EFFECT', 'WRITTEN', 'REMOVED', 'DETAIL'];
  const cells = rows.map((r) =>
    [
      r.name,
      r.address,
      r.status,
      r.effect ?? '-',
      r.status === 'failed' || r.status.startsWith('skipped') ? '-' : String(r.written),
      r.status === 'failed' || r.status.startsWith('skipped') ? '-' : String(r.removed),
      redact(r.step ? `${r.step}: ${r.detail}` : r.detail, secrets).replace(/\s*\n\s*/g, ' '),
    ].map(escapeInvisible),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd() + '\n';
  const count = (s: NodeStatus): number => rows.filter((r) => r.status === s).length;
  const totals =
    `${rows.length} node(s): ${count('changed')} changed, ${count('unchanged')} unchanged, ` +
    (count('would-change') > 0 ? `${count('would-change')} would change, ` : '') +
    (count('attention') > 0 ? `${count('attention')} need attention, ` : '') +
    `${count('failed')} failed, ${count('skipped')} skipped` +
    (count('skipped-unavailable') > 0 ? `, ${count('skipped-unavailable')} unavailable (skipped)` : '') +
    '\n';
  const effects = (['effective', 'written-not-verifiable', 'not-effective'] as const).map((e) => [e, rows.filter((r) => r.effect === e).length] as const).filter(([, n]) => n > 0);
  const effectLine = effects.length > 0 ? `effect: ${effects.map(([e, n]) => `${n} ${e}`).join(', ')}\n` : '';
  return line(header) + cells.map(line).join('') + totals + effectLine;
}
