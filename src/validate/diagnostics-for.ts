// Findings about one parsed object, made one way: a field path inside the object becomes the field the
// user reads (`spec.imageDigestMirrors[0].source`, prefixed with the object's place in a List or a
// ResourceList) and the position the parser recorded for it (`locate`, `locateKey`), never a re-scan.
import { diagnostic, type Diagnostic, type DiagnosticCode, type ObjectRef, type Place } from '../diagnostics.js';
import type { FieldPath, ManifestObject } from '../parse/parse-manifests.js';

export interface PlaceOptions {
  /** Point at the key rather than its value (an unknown field, a key that is itself wrong). */
  atKey?: boolean;
  /** Point here instead of at `path`: the parent of a missing field. */
  at?: FieldPath;
  /** The field as shown, when it is not `path` formatted (a ConfigMap key shown as `data[host..5000]`). */
  field?: string;
}

export interface ObjectDiagnostics {
  /** Every finding made so far, in the order made. */
  readonly diagnostics: Diagnostic[];
  /** Adds a finding at `path` of the object; its severity is the code's. */
  report(code: DiagnosticCode, path: FieldPath, message: string, options?: PlaceOptions): Diagnostic;
  /** The field and position of `path`, for a finding made elsewhere (a helper shared by several checks). */
  place(path: FieldPath, options?: PlaceOptions): Place;
}

/** A builder of findings bound to `object`, naming `ref` as the object when given; adds to `into`. */
export function diagnosticsFor(object: ManifestObject, ref?: ObjectRef, into: Diagnostic[] = []): ObjectDiagnostics {
  const place = (path: FieldPath, options: PlaceOptions = {}): Place => {
    const at = options.at ?? path;
    return {
      field: options.field ?? formatFieldPath([...object.basePath, ...path]),
      location: options.atKey ? object.locateKey(at) : object.locate(at),
    };
  };
  return {
    diagnostics: into,
    place,
    report(code, path, message, options) {
      const found = diagnostic(code, message, place(path, options), ref);
      into.push(found);
      return found;
    },
  };
}

// A key that reads as a field name; anything else (a user's unknown key with spaces, ": ", a newline
// or a dot) is quoted, so the field stays one unambiguous token of the diagnostic line.
const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['spec', 'imageDigestMirrors', 0, 'source']` -> `spec.imageDigestMirrors[0].source`. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (!PLAIN_KEY.test(step)) out += `[${JSON.stringify(step)}]`;
    else out += out ? `.${step}` : step;
  }
  return out;
}
