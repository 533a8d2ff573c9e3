import { extractMirrorURL, extractRegistryHostname, extractRegistryOrgPath } from '../../src/model/build-wmco-model.js';
import { mirrorPrefix } from '../../src/validate/locations.js';

// WMCO's own TestExtractMirrorURL cases (pkg/registries/registries_test.go, docs/design/wmco.md "What WMCO writes").
test.each([
  ['E1 identical', 'example.com/path/to/resource', 'example.com/path/to/resource', ''],
  ['E2 same path, other host', 'example.com/path/to/resource', 'example.org/path/to/resource', 'example.org'],
  ['E3 compared by element', 'example.com/path/to/resource/x', 'example.com/path/to/resourceax', 'example.com/path/to/resourceax'],
  ['E4 a tag is part of the last element', 'mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022', 'quay.io/powershell:23', 'quay.io/powershell:23'],
  ['E5 the same tag', 'mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022', 'quay.io/powershell:lts-nanoserver-ltsc2022', 'quay.io'],
  ['E6 one extra namespace', 'mcr.microsoft.com/powershell', 'quay.io/random_namespace/powershell', 'quay.io/random_namespace'],
  ['E7 nested namespaces', 'mcr.microsoft.com/windows/servercore:ltsc2022', 'quay.io/mohashai/random_namespace/windows/servercore:ltsc2022', 'quay.io/mohashai/random_namespace'],
  ['E8 only the trailing run is dropped', 'foo1/fah/different/foo2', 'foo1/fah/something/foo2', 'foo1/fah/something'],
  ['E9 longer source', 'foo1/fah/something/different/foo2', 'foo1/fah/something/foo2', 'foo1/fah/something'],
  ['E10 longer mirror', 'foo1/fah/different/foo2', 'foo1/fah/hello/something/foo2', 'foo1/fah/hello/something'],
  ['WC-18 the source host takes part', 'quay.io', 'mirror.example/quay.io', 'mirror.example'],
])('extractMirrorURL %s', (_name, source, mirror, expected) => {
  expect(extractMirrorURL(source, mirror)).toBe(expected);
});

// TestExtractOrgPath and extractRegistryHostname.
test.each([
  ['registry.local/org', 'registry.local', 'org'],
  ['registry.local/org/sub_org', 'registry.local', 'org/sub_org'],
  ['registry.local', 'registry.local', ''],
  ['registry.local:5000/org', 'registry.local:5000', 'org'],
  ['https://source1.local:5000/x', 'source1.local:5000', 'x'],
])('%s splits into host %s and org path %s', (location, host, orgPath) => {
  expect(extractRegistryHostname(location)).toBe(host);
  expect(extractRegistryOrgPath(location)).toBe(orgPath);
});

// The containerd profile's rule (docs/design/rendering.md "Mirror path"); undefined = a rename, left out.
test.each([
  ['', 'quay', 'quay'],
  ['', '', ''],
  ['org/app', 'org/app', ''],
  ['org/app', 'team/org/app', 'team'],
  ['org/app', 'x/yorg/app', undefined],
  ['remote-org/image', 'my-org/image', undefined],
  ['org/app', 'quay.io/org/app', 'quay.io'],
  ['oss/kubernetes/pause', 'windows/oss/kubernetes/pause', 'windows'],
])('source path %j, mirror path %j -> prefix %j', (sourcePath, mirrorPath, expected) => {
  expect(mirrorPrefix(sourcePath, mirrorPath)).toBe(expected);
});
