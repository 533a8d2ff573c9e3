// The pure pieces: the PEM check (what Go's x509.CertPool.AppendCertsFromPEM would load, without
// crypto), MCO's scope nesting, and the CA file name.
import { caFileName, scopeIsNestedInsideScope } from '../../src/model/apply-trust.js';
import { checkPemBundle } from '../../src/validate/image-config.js';
import { CA_A, CA_B } from './inputs.js';

const body = (pem: string): string => pem.split('\n').slice(1, -2).join('\n');
const block = (type: string, text: string): string => `-----BEGIN ${type}-----\n${text}\n-----END ${type}-----\n`;

test.each([
  ['one certificate', CA_A, 1, []],
  ['a bundle of two', CA_A + CA_B, 2, []],
  ['CRLF line endings and trailing blanks', CA_A.replaceAll('\n', ' \r\n'), 1, []],
  ['text around the blocks (openssl x509 -text output) is ignored', `Certificate:\n    Data: ...\n${CA_A}trailer\n`, 1, []],
  ['an empty value', '', 0, []],
  ['base64 without the PEM armour', body(CA_A), 0, []],
  ['another block type', block('TRUSTED CERTIFICATE', body(CA_A)), 0, ['block 1 (TRUSTED CERTIFICATE) is not a CERTIFICATE']],
  ['a certificate block with headers', block('CERTIFICATE', `Proc-Type: 4,ENCRYPTED\n\n${body(CA_A)}`), 0, ["block 1 (CERTIFICATE) carries PEM headers, which Go's certificate pool refuses"]],
  ['a body that is not base64', block('CERTIFICATE', 'not base64!'), 0, ['block 1 (CERTIFICATE) is not valid base64']],
  ['base64 without padding', block('CERTIFICATE', 'TUlJ'.repeat(3) + 'TU'), 0, ['block 1 (CERTIFICATE) is not valid base64']],
  ['base64 that is not DER', block('CERTIFICATE', 'aGVsbG8gd29ybGQh'), 0, ['block 1 (CERTIFICATE) does not hold a DER X.509 certificate']],
  ['a truncated certificate', block('CERTIFICATE', body(CA_A).slice(0, 64)), 0, ['block 1 (CERTIFICATE) does not hold a DER X.509 certificate']],
  ['no END line', CA_A.replace('-----END CERTIFICATE-----\n', ''), 0, ['block 1 (CERTIFICATE) has no "-----END CERTIFICATE-----" line']],
  ['a good certificate after a bad block', block('X509 CRL', 'AAAA') + CA_B, 1, ['block 1 (X509 CRL) is not a CERTIFICATE']],
])('%s: %d certificate(s)', (_name, text, count, skipped) => {
  const result = checkPemBundle(text);
  expect(result.certificates).toHaveLength(count);
  expect(result.skipped).toEqual(skipped);
  for (const cert of result.certificates) expect(cert).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+\n-----END CERTIFICATE-----$/);
});

test.each([
  // [location as written in a mirror set, insecureRegistries entry, covered?]
  ['mirror.example', 'mirror.example', true],
  ['mirror.example/ns/repo', 'mirror.example', true],
  ['mirror.example/ns/repo', 'mirror.example/ns', true],
  ['mirror.example/ns', 'mirror.example/ns/repo', false],
  ['mirror.example/nsx', 'mirror.example/ns', false],
  ['mirror.example:5000/ns', 'mirror.example', false],
  ['mirror.example/ns', 'mirror.example:5000', false],
  ['mirror.example:5000/ns', 'mirror.example:5000', true],
  ['a.corp.example', '*.corp.example', true],
  ['a.b.corp.example:5000/ns', '*.corp.example', true],
  ['corp.example', '*.corp.example', false],
  ['acorp.example', '*.corp.example', false],
  ['quay.io/a.corp.example', '*.corp.example', false],
])('%s is inside %s: %s', (location, entry, covered) => {
  expect(scopeIsNestedInsideScope(location, entry)).toBe(covered);
});

test.each([
  ['mirror.example', 'ca-mirror.example.pem'],
  ['mirror.example:5000', 'ca-mirror.example_5000_.pem'],
  ['127.0.0.1:5000', 'ca-127.0.0.1_5000_.pem'],
])('the CA for %s is written as %s (no ":", legal on Windows; not *.crt)', (registry, name) => {
  expect(caFileName(registry)).toBe(name);
  expect(name).toMatch(/^[-._a-zA-Z0-9]+$/);
});
