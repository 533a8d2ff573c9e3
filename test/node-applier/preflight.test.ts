import { describe, expect, test } from '@jest/globals';
import { unknownNodeState, type NodeState } from '../../src/node-applier/node-state.js';
import { resolveTarget, type NodeTarget } from '../../src/node-applier/node-target.js';
import { preflightProblems } from '../../src/node-applier/preflight.js';

const linux = resolveTarget({ name: 'lin-a', address: '10.0.0.6' }, { os: 'linux', port: 22 });
const windows = resolveTarget({ name: 'win-a', address: '10.0.0.5' }, { os: 'windows', port: 22 });

function state(partial: Partial<NodeState> = {}): NodeState {
  return { ...unknownNodeState(), osId: 'debian', dir: 'exists', dirWritable: true, ...partial };
}
const config = (text: string): Partial<NodeState> => ({ containerdConfig: { state: 'read', text } });

// The decision itself is tested row by row in containerd-config.test.ts; here: what preflight makes of it.
describe('containerd config_path', () => {
  const v17 = { containerdVersion: 'containerd github.com/containerd/containerd 1.7.24', runtime: { containerd: true, crio: false } };
  test.each<[string, NodeTarget, Partial<NodeState>]>([
    ['containerd 1.x/2.x config version 2', linux, config('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/etc/containerd/certs.d"\n')],
    ['config version 3 (containerd 2.x)', linux, config('version = 3\n[plugins."io.containerd.cri.v1.images".registry]\nconfig_path = "/etc/containerd/certs.d/"\n')],
    ['a list of roots on containerd 1.7, ":"-separated on Linux', linux, { ...v17, ...config('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/etc/docker/certs.d:/etc/containerd/certs.d"\n') }],
    ['WMCO\'s containerd_conf.toml (any case, either slash)', windows, config('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "c:/K/containerd/registries"\n')],
    [
      'a config whose drop-in sets it',
      linux,
      {
        ...v17,
        ...config('version = 2\nimports = ["conf.d/*.toml"]\n'),
        containerdImports: [{ entry: 'conf.d/*.toml', path: '/etc/containerd/conf.d/a.toml', state: 'read', text: 'version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "/etc/containerd/certs.d"\n' }],
      },
    ],
    ['the check turned off', { ...linux, containerdConfig: '' }, { containerdConfig: { state: 'not-checked' } }],
  ])('accepted: %s', (_name, target, partial) => {
    expect(preflightProblems(target, state(partial))).toEqual([]);
  });

  test.each<[string, NodeTarget, Partial<NodeState>, string]>([
    [
      'config_path unset',
      linux,
      { ...v17, ...config('version = 2\n') },
      "containerd will not read /etc/containerd/certs.d for pod image pulls (decided from the config file): /etc/containerd/config.toml leaves config_path unset (containerd 1.7's default is \"\"), so containerd ignores /etc/containerd/certs.d; set config_path = \"/etc/containerd/certs.d\" under [plugins.\"io.containerd.grpc.v1.cri\".registry] in /etc/containerd/config.toml and restart containerd; or pass --containerd-config '' to skip this check",
    ],
    [
      'config_path elsewhere',
      windows,
      config('version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "C:\\\\etc\\\\containerd\\\\certs.d"\n'),
      "containerd will not read C:\\k\\containerd\\registries for pod image pulls (decided from the config file): C:\\k\\containerd\\containerd_conf.toml has config_path = \"C:\\\\etc\\\\containerd\\\\certs.d\", which does not include C:\\k\\containerd\\registries; pass --config-dir with that directory, or set config_path = \"C:\\\\k\\\\containerd\\\\registries\" under [plugins.\"io.containerd.grpc.v1.cri\".registry] in C:\\k\\containerd\\containerd_conf.toml and restart containerd; or pass --containerd-config '' to skip this check",
    ],
    [
      'an absent config (containerd 1.x default: config_path "")',
      linux,
      { containerdConfig: { state: 'absent' } },
      "cannot tell whether containerd reads /etc/containerd/certs.d for pod image pulls (config file): containerd's config /etc/containerd/config.toml does not exist, so it cannot be told which config_path containerd runs with; pass --containerd-config with the file containerd is started with, or, if containerd runs without a config file, declare its release with --assume-containerd-defaults (1.6, 1.7, 2.0, 2.1, 2.2, 2.3)",
    ],
    [
      'a CRI-O node',
      linux,
      { containerdConfig: { state: 'absent' }, runtime: { containerd: false, crio: true } },
      "containerd will not read /etc/containerd/certs.d for pod image pulls (decided from the runtime binaries and sockets): the node runs CRI-O, not containerd (no containerd binary or socket, a crio one), and CRI-O never reads /etc/containerd/certs.d; configure its mirrors in /etc/containers/registries.conf(.d) instead, or leave this node out; or pass --containerd-config '' to skip this check",
    ],
  ])('refused: %s', (_name, target, partial, message) => {
    expect(preflightProblems(target, state(partial))).toEqual([message]);
  });

  test('an unreadable config is refused, not accepted', () => {
    expect(preflightProblems(linux, state({ containerdConfig: { state: 'unreadable' } }))[0]).toMatch(/^cannot tell whether containerd reads .* exists but cannot be read/);
  });

  test('a config that is not TOML cannot be checked, and says how to skip the check', () => {
    expect(preflightProblems(linux, state(config('[plugins\n')))[0]).toMatch(/^cannot tell whether containerd reads \/etc\/containerd\/certs\.d for pod image pulls \(config file\): containerd's config \/etc\/containerd\/config\.toml is not valid TOML \(.*\), so config_path cannot be checked \(containerd itself does not start with it\); fix it, or pass --containerd-config '' to skip the check$/);
  });

  test('the declared defaults of a release judge a node without a config file', () => {
    const target = { ...linux, assumeContainerdDefaults: '1.7' as const };
    expect(preflightProblems(target, state({ containerdConfig: { state: 'absent' } }))[0]).toMatch(/^containerd will not read \/etc\/containerd\/certs\.d for pod image pulls \(decided from the built-in defaults \(declared\)\): containerd 1\.7's built-in defaults leaves config_path unset/);
  });
});

describe('other managers of the hosts directory', () => {
  test.each<[string, NodeTarget, Partial<NodeState>, string]>([
    ['k3s files (by their header)', linux, { firstLines: new Map([['docker.io/hosts.toml', '# File generated by k3s. DO NOT EDIT.']]) }, 'docker.io/hosts.toml starts with "# File generated by k3s"'],
    ['k3s running on the node', linux, { markers: ['/etc/rancher/k3s'] }, '/etc/rancher/k3s exists'],
    ['rke2 on Windows', windows, { markers: ['C:\\etc\\rancher\\rke2'] }, 'C:\\etc\\rancher\\rke2 exists'],
    ['a directory k3s generates', { ...linux, configDir: '/var/lib/rancher/k3s/agent/etc/containerd/certs.d' }, {}, 'the config directory /var/lib/rancher/k3s/agent/etc/containerd/certs.d is under /var/lib/rancher/k3s/'],
    ['Talos', linux, { osId: 'talos' }, 'the node runs talos'],
  ])('%s', (_name, target, partial, evidence) => {
    const problems = preflightProblems(target, state(partial));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`manages containerd's hosts directory on this node (${evidence}) and would overwrite or delete our files`);
  });

  test('a header that merely mentions k3s later in the file does not count', () => {
    expect(preflightProblems(linux, state({ firstLines: new Map([['docker.io/hosts.toml', '# managed by mirrorset-hosts']]) }))).toEqual([]);
  });
});

describe('the directory itself', () => {
  test.each<[string, Partial<NodeState>, string]>([
    ['not writable', { dirWritable: false }, 'user root cannot write /etc/containerd/certs.d; connect as a user who can (root on Linux, an administrator on Windows)'],
    ['absent and not creatable', { dir: 'absent', dirWritable: false }, '/etc/containerd/certs.d does not exist and user root cannot create it; create it or connect as a user who can'],
    ['a file, not a directory', { dir: 'not-a-directory' }, 'expected /etc/containerd/certs.d to be a directory, found another kind of file; move it away or pass --config-dir'],
    ['tools missing', { missingTools: ['flock', 'sha256sum'] }, 'the node lacks flock, sha256sum, which the Linux command set needs (coreutils and util-linux); install them or use another node image'],
  ])('%s', (_name, partial, message) => {
    expect(preflightProblems(linux, state(partial))).toEqual([message]);
  });

  test('absent but creatable is fine (the apply creates it)', () => {
    expect(preflightProblems(linux, state({ dir: 'absent', dirWritable: true }))).toEqual([]);
  });
});
