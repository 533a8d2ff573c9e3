// The API server serves a kind only in the groups and versions its CRD names; any other apiVersion
// is "no matches for kind" (k8s.io/apimachinery meta.NoKindMatchError), and kubectl applies nothing.
// For the kinds this tool reads, that is an error here too: silently skipping the object would
// render a config without its mirrors.
import type { Diagnostic } from '../diagnostics.js';
import { isPlainObject, type ManifestObject } from '../parse/parse-manifests.js';
import { diagnosticsFor } from './diagnostics-for.js';

/** UNSUPPORTED_API_VERSION at `apiVersion`, naming the object. */
export function wrongApiVersion(object: ManifestObject, kind: string, expected: string): Diagnostic {
  const slash = object.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : object.apiVersion.slice(0, slash);
  const version = object.apiVersion.slice(slash + 1);
  const expectedGroup = expected.slice(0, expected.indexOf('/'));
  const metadata = object.value['metadata'];
  const name = isPlainObject(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : undefined;
  const what = `${kind}${name === undefined ? '' : ` ${JSON.stringify(name)}`}`;
  const shown = /^[\w./-]+$/.test(object.apiVersion) ? object.apiVersion : JSON.stringify(object.apiVersion);
  const served = group === expectedGroup
    ? `the API server serves ${kind} only in version ${expected.split('/')[1]}, not in ${JSON.stringify(version).slice(1, -1)}`
    : `the API server has no ${kind} in ${group === '' ? 'the core group' : `group ${group}`} ("no matches for kind")`;
  return diagnosticsFor(object, name === undefined ? undefined : { apiVersion: object.apiVersion, kind, name }).report(
    'UNSUPPORTED_API_VERSION',
    ['apiVersion'],
    `expected apiVersion ${expected} for ${what}, found ${shown}: ${served}, so the object would not be applied and nothing in it takes effect; write apiVersion: ${expected}`,
  );
}
