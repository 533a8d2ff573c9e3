// DUPLICATE_OBJECT, said one way for every kind read: two objects the API server would store under one
// name, so applying both keeps only the one applied last.
import { diagnostic, type Diagnostic, type ObjectRef, type Place, type SourceLocation } from '../diagnostics.js';

/** `what` (`ImageDigestMirrorSet "a"`) at `at` repeats the one at `first`; `fix` says what to do. */
export function duplicateObject(what: string, first: SourceLocation, at: Place, object: ObjectRef, fix: 'rename or merge them' | 'merge them'): Diagnostic {
  return diagnostic('DUPLICATE_OBJECT', `${what} is also defined at ${first.file}:${first.line}; applying both keeps only one of them: ${fix}`, at, object);
}
