// Invariant 4 (issue 10): a CA bundle counts only certificates that containerd, a Go program, would
// load: encoding/pem Decode strips only " " and "\t" (and base64 skips "\r" and "\n"), and
// x509.ParseCertificate must accept the DER. Before, any JavaScript white space (a no-break space,
// an em space) was stripped from the base64, and a 14-byte DER "outline" passed as a certificate:
// both were written to the node, where containerd fails every pull through that host.
import fc from 'fast-check';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { checkPemBundle } from '../../src/validate/image-config.js';
import { CA_A, CA_B, caConfigMap, idms, image, render } from './inputs.js';

const SEED = Number(process.env['FC_SEED'] ?? 10_4_4);

const lines = CA_A.trimEnd().split('\n');
const [beginLine, ...rest] = lines;
const endLine = rest.pop() as string;
const body = rest.join('\n');

/** CA_A with `text` inserted into its base64 body at `offset`. */
const withInBody = (offset: number, text: string): string => `${beginLine}\n${body.slice(0, offset)}${text}${body.slice(offset)}\n${endLine}\n`;

// White space that JavaScript's \s matches but Go's pem and base64 packages do not skip.
const UNICODE_SPACES = ['\u00a0', '\u2003', '\u2028', '\u2029', '\u3000', '\u1680', '\ufeff', '\u000b', '\u000c', '\u0085', '\u202f', '\u205f'];

test('white space Go does not skip, anywhere in the base64, makes the block unloadable', () => {
  fc.assert(
    fc.property(fc.nat({ max: body.length }), fc.constantFrom(...UNICODE_SPACES), (offset, space) => {
      const result = checkPemBundle(withInBody(offset, space));
      expect(result.certificates).toEqual([]);
      expect(result.skipped).toEqual([expect.stringMatching(/^block 1 \(CERTIFICATE\) is not valid base64 \(U\+[0-9A-F]{4} on line \d+ of the base64 is white space Go does not skip/)]);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

test('spaces, tabs, CR and LF, which Go skips, anywhere in the base64 leave the certificate loadable', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: body.length }), fc.constantFrom(' ', '\t', '\r', '\n', '  \t')), { maxLength: 8 }), (inserts) => {
      let text = body;
      for (const [offset, ws] of inserts.sort((a, b) => b[0] - a[0])) text = text.slice(0, offset) + ws + text.slice(offset);
      const result = checkPemBundle(`${beginLine}\n${text}\n${endLine}\n`);
      expect(result.skipped).toEqual([]);
      expect(result.certificates).toHaveLength(1);
      // What is written to the node decodes to the same certificate.
      expect(checkPemBundle(result.certificates[0] as string).certificates).toHaveLength(1);
    }),
    { seed: SEED, numRuns: 300 },
  );
});

// SEQUENCE { SEQUENCE { INTEGER 1, SEQUENCE {} }, SEQUENCE {}, BIT STRING {} }: the outline of a
// certificate, 14 bytes, and nothing a TLS library can load.
const OUTLINE = Buffer.from([0x30, 0x0c, 0x30, 0x05, 0x02, 0x01, 0x01, 0x30, 0x00, 0x30, 0x00, 0x03, 0x01, 0x00]).toString('base64');
const FAKE = `-----BEGIN CERTIFICATE-----\n${OUTLINE}\n-----END CERTIFICATE-----\n`;

test.each([
  ['a 14-byte DER outline that is no certificate', FAKE, 0, ['block 1 (CERTIFICATE) does not hold a DER X.509 certificate']],
  ['a real certificate with a byte of trailing data (Go: "x509: trailing data")', `-----BEGIN CERTIFICATE-----\n${Buffer.concat([Buffer.from(body.replace(/\s/g, ''), 'base64'), Buffer.from([0])]).toString('base64')}\n-----END CERTIFICATE-----\n`, 0, ['block 1 (CERTIFICATE) does not hold a DER X.509 certificate']],
  ['the test CAs themselves', CA_A + CA_B, 2, []],
  ['an END line with the wrong type', CA_A.replace('-----END CERTIFICATE-----', '-----END CERTIFICATES-----'), 0, ['block 1 (CERTIFICATE) has no "-----END CERTIFICATE-----" line']],
  ['text after the END dashes on its line', CA_A.replace('-----END CERTIFICATE-----', '-----END CERTIFICATE----- x'), 0, ['block 1 (CERTIFICATE) has no "-----END CERTIFICATE-----" line']],
])('%s', (_name, text, count, skipped) => {
  const result = checkPemBundle(text);
  expect(result.certificates).toHaveLength(count);
  expect(result.skipped).toEqual(skipped);
});

test.each([
  ['a no-break space in the base64', withInBody(10, '\u00a0'), /found none that containerd can load \(block 1 \(CERTIFICATE\) is not valid base64 \(U\+00A0 on line 1 of the base64 is white space Go does not skip/],
  ['a 14-byte non-certificate', FAKE, /found none that containerd can load \(block 1 \(CERTIFICATE\) does not hold a DER X\.509 certificate\)/],
])('a used CA with %s is an error at its ConfigMap key, and nothing is written', (_name, pem, message) => {
  const result = render([
    idms('m', { source: 'quay.io', mirrors: ['mirror.corp.example:5000/q'] }),
    image({ additionalTrustedCA: 'cas' }),
    caConfigMap('cas', { 'mirror.corp.example..5000': pem }),
  ]);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  expect(errors.map(formatDiagnostic)).toEqual([expect.stringMatching(/^in2\.yaml:7:3: error CA_BUNDLE_INVALID data\[mirror\.corp\.example\.\.5000\]: /)]);
  expect(errors[0]?.message).toMatch(message);
  expect(result.files).toEqual([]);
});
