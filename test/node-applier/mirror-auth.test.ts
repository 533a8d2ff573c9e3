// spec.auth: the authorization header as WMCO's pkg/registries generateConfig writes it.
import { describe, expect, test } from '@jest/globals';
import { parse } from 'smol-toml';
import { parseDockerConfigJson, withAuthorization } from '../../src/node-applier/mirror-auth.js';

const FILE = [
  '# managed by mirrorset-hosts',
  'server = "https://quay.io/v2"',
  'override_path = true',
  '',
  '[host."https://mirror.example.com:5000/v2/quay"]',
  '  capabilities = ["pull"]',
  '  override_path = true',
  '',
  '[host."http://insecure.example.com/v2/quay"]',
  '  capabilities = ["pull"]',
  '  skip_verify = true',
  '',
  '[host."https://other.example.com/v2/quay"]',
  '  capabilities = ["pull", "resolve"]',
  '',
].join('\n');

describe('the header', () => {
  const credentials = new Map([['mirror.example.com:5000', 'dXNlcjpwYXNz'], ['insecure.example.com', 'aW5zZWN1cmU6eA==']]);
  test('goes after its https mirror table, in WMCO\'s form; a plain-http mirror and a mirror without credentials get none', () => {
    const { text, hosts } = withAuthorization(FILE, credentials);
    expect(hosts).toEqual(['mirror.example.com:5000']);
    expect(text).toBe(FILE.replace('  override_path = true\n\n[host."http:', '  override_path = true\n  [host."https://mirror.example.com:5000/v2/quay".header]\n    authorization = "Basic dXNlcjpwYXNz"\n\n[host."http:'));
    const toml = parse(text) as { host: Record<string, { header?: { authorization?: string } }> };
    expect(toml.host['https://mirror.example.com:5000/v2/quay']?.header).toEqual({ authorization: 'Basic dXNlcjpwYXNz' });
  });

  test('the last table of the file gets it too; a file without a credentialed mirror is unchanged', () => {
    expect(withAuthorization(FILE, new Map([['other.example.com', 'b3RoZXI6eA==']])).text.endsWith('  capabilities = ["pull", "resolve"]\n  [host."https://other.example.com/v2/quay".header]\n    authorization = "Basic b3RoZXI6eA=="\n')).toBe(true);
    expect(withAuthorization(FILE, new Map([['quay.io', 'eA==']]))).toEqual({ text: FILE, hosts: [] });
  });
});

describe('the dockerconfigjson', () => {
  test('auth, or username and password, become base64("user:password"); every secret is returned for redaction', () => {
    const parsed = parseDockerConfigJson(JSON.stringify({ auths: { 'a.example.com': { auth: btoa('robot:pw1') }, 'b.example.com': { username: 'u', password: 'pw2' }, 'c.example.com': {} } }), 'f');
    if ('problem' in parsed) throw new Error(parsed.problem);
    expect([...parsed.credentials]).toEqual([['a.example.com', btoa('robot:pw1')], ['b.example.com', btoa('u:pw2')]]);
    expect(parsed.secrets).toEqual(expect.arrayContaining([btoa('robot:pw1'), 'pw1', btoa('u:pw2'), 'pw2']));
  });

  test.each([
    ['not JSON', 'hunter2-not-json', 'is not JSON'],
    ['no auths', '{"credsStore": "hunter2"}', 'has no "auths" object'],
    ['auth not base64', '{"auths": {"a": {"auth": "hunter2!"}}}', 'is not base64'],
    ['auth without a colon', `{"auths": {"a": {"auth": "${btoa('hunter2')}"}}}`, 'is not base64 of "user:password"'],
  ])('%s: a problem that names the file and never quotes it', (_why, text, expected) => {
    const parsed = parseDockerConfigJson(text, '--auth /etc/auth.json');
    expect('problem' in parsed && parsed.problem).toContain(expected);
    expect('problem' in parsed && parsed.problem).not.toContain('hunter2');
  });
});
