// `exclude:` globs: files beside the mirror sets that are not manifests of ours (a Helm chart's
// templates, a broken JSON, a vendored package) are never read. One matcher for every way inputs
// arrive: a directory or a glob on disk, a directory at a Git revision, the items of a ResourceList.
//
// A pattern is matched against a path relative to the directory it is written for (the settings
// file's directory, the working directory for --exclude, the package root for ResourceList items),
// `/`-separated, with .gitignore's rules for where it applies (gitignore(5) "PATTERN FORMAT"):
// - a pattern with no `/` but a trailing one matches a name at any depth (`*.tpl.yaml`, `templates/`);
//   one with a `/` at the start or in the middle is anchored to the directory (`/other.json`,
//   `charts/*/templates`);
// - a trailing `/` matches directories only;
// - a pattern that matches a directory excludes everything below it.
// Within a pattern, globby's syntax (the one PATH globs use): `*` and `?` within one name, `**` across
// names, `[abc]`/`[!abc]`, `{a,b}`. No negation (`!pattern`): a file is either read or not, and an
// exception to an exclusion is written as a narrower pattern.

// One name of a pattern, anything but `..` (a pattern is relative and stays inside its directory).
const NAME = '(?:[^/.\\n\\r][^/\\n\\r]*|\\.[^/.\\n\\r][^/\\n\\r]*|\\.\\.[^/\\n\\r]+|\\.)';
/**
 * What a pattern must look like; the schema's `pattern` for every exclude entry (in the linear-time
 * subset the schema walker runs, so no lookahead): no `!` first (no negation), no `..` name.
 */
export const EXCLUDE_PATTERN = `^(?:[^!/.\\n\\r][^/\\n\\r]*|\\.[^/.\\n\\r][^/\\n\\r]*|\\.\\.[^/\\n\\r]+|\\.)?(?:/${NAME}?)*$`;
export const EXCLUDE_PATTERN_EXPECTED = "a glob relative to this file, not starting with '!' (no negation), without a '..' part";

/** Whether a `/`-separated relative path, or a directory above it, is excluded by any of `patterns`. */
export type ExcludeMatcher = (relative: string, isDirectory?: boolean) => boolean;

export function compileExcludes(patterns: readonly string[]): ExcludeMatcher {
  const compiled = patterns.flatMap(compileOne);
  if (compiled.length === 0) return () => false;
  return (relative, isDirectory = false) => {
    const names = relative.split('/').filter((name) => name !== '' && name !== '.');
    // The path itself, then each directory above it (a matched directory excludes what it holds).
    for (let end = names.length; end > 0; end--) {
      const candidate = names.slice(0, end);
      const asDirectory = end < names.length || isDirectory;
      if (compiled.some((p) => (asDirectory || !p.directoryOnly) && matchNames(p.names, candidate))) return true;
    }
    return false;
  };
}

interface CompiledPattern {
  /** One entry per name of the pattern; `**` matches any number of names. */
  names: string[];
  directoryOnly: boolean;
}

// Brace alternatives a pattern may expand to; past it the rest is taken literally (a pattern of
// twenty `{a,b}` must not cost a million matchers).
const MAX_ALTERNATIVES = 256;

function compileOne(pattern: string): CompiledPattern[] {
  let body = pattern.startsWith('./') ? pattern.slice(2) : pattern;
  const directoryOnly = body.endsWith('/');
  body = body.replace(/\/+$/, '');
  return expandBraces(body).map((alternative) => {
    // gitignore: a separator at the start or in the middle anchors the pattern to its directory;
    // without one it matches at any depth.
    const anchored = alternative.includes('/');
    const names = alternative.split('/').filter((name) => name !== '');
    return { names: anchored ? names : ['**', ...names], directoryOnly };
  });
}

/** `a{b,c}d` -> `abd`, `acd`; nested braces too; an unmatched brace is literal. */
function expandBraces(glob: string): string[] {
  let results = [''];
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\' && i + 1 < glob.length) {
      results = results.map((r) => r + c + (glob[i + 1] as string));
      i++;
      continue;
    }
    const close = c === '{' ? matchingBrace(glob, i) : -1;
    if (close === -1) {
      results = results.map((r) => r + c);
      continue;
    }
    const options = splitTopLevel(glob.slice(i + 1, close)).flatMap(expandBraces);
    if (results.length * options.length > MAX_ALTERNATIVES) {
      results = results.map((r) => r + c);
      continue;
    }
    results = results.flatMap((r) => options.map((o) => r + o));
    i = close;
  }
  return results;
}

function matchingBrace(glob: string, open: number): number {
  let depth = 0;
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === '\\') i++;
    else if (glob[i] === '{') depth++;
    else if (glob[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    if (inner[i] === '\\') i++;
    else if (inner[i] === '{') depth++;
    else if (inner[i] === '}') depth--;
    else if (inner[i] === ',' && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts;
}

/**
 * Pattern names against path names, `**` spanning any number of them. Memoised over (pattern index,
 * path index), so a pattern of many `**` costs pattern length x path length, never more: no regular
 * expression, whose backtracking a hostile pattern could make exponential.
 */
function matchNames(pattern: readonly string[], names: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const at = (p: number, n: number): boolean => {
    const key = p * (names.length + 1) + n;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === pattern.length) result = n === names.length;
    // A final `**` is everything below, not the directory itself (gitignore: `abc/**`).
    else if (pattern[p] === '**') result = (p + 1 < pattern.length && at(p + 1, n)) || (n < names.length && (p + 1 === pattern.length || at(p, n + 1)));
    else result = n < names.length && matchName(pattern[p] as string, names[n] as string) && at(p + 1, n + 1);
    memo.set(key, result);
    return result;
  };
  return at(0, 0);
}

/**
 * One name against one pattern name: `*` any run, `?` one character, `[abc]`, `[a-z]`, `[!abc]`, `\x`
 * a literal. Wildcard matching that returns to the last `*` only (linear in practice, pattern x name
 * at worst), as fnmatch implementations do.
 */
function matchName(pattern: string, name: string): boolean {
  const tokens = tokenize(pattern);
  const chars = [...name];
  let t = 0;
  let c = 0;
  let starT = -1;
  let starC = 0;
  while (c < chars.length) {
    const token = tokens[t];
    if (token !== undefined && token.kind === 'star') {
      starT = t++;
      starC = c;
    } else if (token !== undefined && token.test(chars[c] as string)) {
      t++;
      c++;
    } else if (starT !== -1) {
      t = starT + 1;
      c = ++starC;
    } else return false;
  }
  return tokens.slice(t).every((token) => token.kind === 'star');
}

type Token = { kind: 'star' } | { kind: 'char'; test(c: string): boolean };

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'char', test: () => true });
    else if (c === '[' && chars.indexOf(']', i + 2) !== -1) {
      const close = chars.indexOf(']', i + 2);
      let set = chars.slice(i + 1, close);
      const negated = set[0] === '!' || set[0] === '^';
      if (negated) set = set.slice(1);
      const ranges: [string, string][] = [];
      for (let j = 0; j < set.length; j++) {
        if (set[j + 1] === '-' && j + 2 < set.length) {
          ranges.push([set[j] as string, set[j + 2] as string]);
          j += 2;
        } else ranges.push([set[j] as string, set[j] as string]);
      }
      tokens.push({ kind: 'char', test: (x) => ranges.some(([lo, hi]) => x >= lo && x <= hi) !== negated });
      i = close;
    } else {
      const literal = c === '\\' && i + 1 < chars.length ? (chars[++i] as string) : c;
      tokens.push({ kind: 'char', test: (x) => x === literal });
    }
  }
  return tokens;
}
