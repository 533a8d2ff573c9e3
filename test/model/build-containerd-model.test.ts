import { run } from '../../src/pipeline.js';
import { idms } from '../helpers/cli.js';

const itms = (name: string, source: string, mirrors: string[]): string =>
  idms(name, source, mirrors).replace('ImageDigestMirrorSet', 'ImageTagMirrorSet').replace('imageDigestMirrors', 'imageTagMirrors');

const render = (...docs: string[]) => run(docs.map((content, i) => ({ path: `in${i}.yaml`, content })), { profile: 'containerd' });

test('a digest mirror may only pull; a tag mirror may resolve tags too', () => {
  const digest = render(idms('d', 'quay.io', ['m.example/quay'])).files[0]?.content ?? '';
  const tag = render(itms('t', 'quay.io', ['m.example/quay'])).files[0]?.content ?? '';
  expect(digest).toContain('[host."https://m.example/v2/quay"]\n  capabilities = ["pull"]\n');
  expect(tag).toContain('[host."https://m.example/v2/quay"]\n  capabilities = ["pull", "resolve"]\n');
});

test('every file has a [host] table, so containerd 1.6 and 1.7 < 1.7.32 accept it', () => {
  const result = render(idms('n', 'quay.io', ['m.example/quay'], 'NeverContactSource'));
  const text = result.files[0]?.content ?? '';
  expect(text).toMatch(/^server = "https:\/\/m\.example\/v2\/quay"$/m);
  expect(text).toMatch(/^\[host\."https:\/\/m\.example\/v2\/quay"\]$/m);
});

test('the source is never a host of its own file unless the user lists it', () => {
  const text = render(idms('x', 'quay.io/org', ['m.example/org'])).files[0]?.content ?? '';
  expect(text).not.toContain('[host."https://quay.io');
});

test('registries that lose every mirror to renames get no file at all', () => {
  const result = render(idms('r', 'quay.io/a/b', ['m.example/c/d']));
  expect(result.files).toEqual([]);
  expect(result.diagnostics.map((d) => d.code)).toEqual(['MIRROR_RENAMES_REPOSITORY']);
});

test('entries whose mirrors were all left out do not take part in the policy check', () => {
  const result = render(
    idms('a', 'quay.io/a/b', ['m.example/c/d'], 'NeverContactSource'),
    idms('b', 'quay.io/x', ['m.example/x']),
  );
  expect(result.diagnostics.map((d) => d.code)).not.toContain('REGISTRY_POLICY_CONFLICT');
  expect(result.files.map((f) => f.path)).toEqual(['quay.io/hosts.toml']);
});
