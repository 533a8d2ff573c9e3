// The words every stage shares: a type or constant defined once here, so that no stage re-declares
// it (the layer rule forbids stages importing later ones, so shared vocabulary needs its own home).

/** The two renderings: `containerd` (correct files, the default) and `wmco` (what WMCO writes). */
export const PROFILES = ['containerd', 'wmco'] as const;
export type Profile = (typeof PROFILES)[number];

/** Bytewise (UTF-8 code point) order, as Go's `<` on strings: the order WMCO and runtime-utils sort by. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
