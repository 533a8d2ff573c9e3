// Will containerd read the hosts directory for pod pulls? One row per situation of issue 13's table,
// each on every containerd release line it differs on; the verdict and the message are asserted.
import { describe, expect, test } from '@jest/globals';
import { decideConfigPath, registryTableFor, releaseOf, type ContainerdFacts, type ImportedFile } from '../../src/node-applier/containerd-config.js';
import { CONTAINERD_RELEASES, type ContainerdRelease } from '../../src/vocabulary.js';

const DIR = '/etc/containerd/certs.d';
const FILE = '/etc/containerd/config.toml';
const VERSION: Record<ContainerdRelease, string> = {
  '1.6': 'containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3',
  '1.7': 'containerd github.com/containerd/containerd 1.7.24~ds1 1.7.24~ds1-6+deb13u1',
  '2.0': 'containerd github.com/containerd/containerd/v2 v2.0.5 fb4c30d4',
  '2.1': 'containerd github.com/containerd/containerd/v2 2.1.9+unknown',
  '2.2': 'containerd github.com/containerd/containerd/v2 v2.2.1 abcdef',
  '2.3': 'containerd github.com/containerd/containerd/v2 v2.3.4 abcdef',
};

function facts(partial: Partial<ContainerdFacts> & { text?: string; release?: ContainerdRelease | null }): ContainerdFacts {
  const { text, release, ...rest } = partial;
  return {
    os: 'linux',
    configDir: DIR,
    configFile: FILE,
    main: text === undefined ? { state: 'absent' } : { state: 'read', text },
    imports: [],
    runtime: { containerd: true, crio: false },
    version: release === undefined || release === null ? null : VERSION[release],
    dump: null,
    assumeDefaults: null,
    ...rest,
  };
}

const V2 = (body: string): string => `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n${body}`;
const V3 = (body: string): string => `version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n${body}`;
const LIST = 'config_path = "/etc/containerd/certs.d:/etc/docker/certs.d"\n';
const dropIn = (entry: string, path: string, text: string): ImportedFile => ({ entry, path, state: 'read', text });

const ALL = CONTAINERD_RELEASES;
const ONE_X = ['1.6', '1.7'] as const;
const TWO_X = ['2.0', '2.1', '2.2', '2.3'] as const;
const TRANSFER = ['2.1', '2.2', '2.3'] as const;
/** 2.0 to 2.2 load a version 0/1 file without moving its CRI registry settings (fixed in 2.3). */
const OLD_LOADER = ['2.0', '2.1', '2.2'] as const;

describe('issue 13 table: each node situation on each containerd release', () => {
  describe('config file absent', () => {
    test.each(ALL)('containerd %s without a declaration: refused, it cannot be told what containerd runs with', (release) => {
      const v = decideConfigPath(facts({ release }));
      expect(v).toEqual({
        verdict: 'unknown',
        source: 'config file',
        reason:
          "containerd's config /etc/containerd/config.toml does not exist, so it cannot be told which config_path containerd runs with; pass --containerd-config with the file containerd is started with, or, if containerd runs without a config file, declare its release with --assume-containerd-defaults (1.6, 1.7, 2.0, 2.1, 2.2, 2.3)",
      });
    });
    test.each(['1.6', '1.7', '2.0', '2.1'] as const)('declared containerd %s defaults: config_path "" ignores the directory', (release) => {
      const v = decideConfigPath(facts({ assumeDefaults: release }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.source).toBe('built-in defaults (declared)');
      expect(v.reason).toBe(
        `containerd ${release}'s built-in defaults leaves config_path unset (containerd ${release}'s default is ""), so containerd ignores ${DIR}; set config_path = "${DIR}" under ${registryTableFor(release.startsWith('2') ? 3 : 2)} in ${FILE} and restart containerd`,
      );
    });
    test.each(['2.2', '2.3'] as const)('declared containerd %s defaults: the default list is one literal directory to the transfer-service pull', (release) => {
      const v = decideConfigPath(facts({ assumeDefaults: release }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toContain(`config_path = "/etc/containerd/certs.d:/etc/docker/certs.d" (containerd ${release}'s default), a list, and containerd 2.1 and later pull through the transfer service`);
      expect(v.reason).toContain('#12415, #12636, #12808');
    });
    test('a Windows node declared on 2.2 defaults: config_path stays "" there', () => {
      const v = decideConfigPath(facts({ os: 'windows', configDir: 'C:\\k\\containerd\\registries', configFile: 'C:\\k\\containerd\\containerd_conf.toml', assumeDefaults: '2.2' }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toContain(`containerd 2.2's default is ""`);
    });
    test('config unreadable: refused, says to connect as root', () => {
      const v = decideConfigPath(facts({ main: { state: 'unreadable' }, release: '1.7' }));
      expect(v).toMatchObject({ verdict: 'unknown', source: 'config file' });
      expect(v.reason).toMatch(/exists but cannot be read.*connect as a user who can read it \(root\)/);
    });
  });

  describe('config_path = "/etc/containerd/certs.d:/etc/docker/certs.d" (the 2.x default list, EKS AL2023)', () => {
    test.each([...ONE_X, '2.0'] as const)('containerd %s splits the list and reads the directory', (release) => {
      const v = decideConfigPath(facts({ release, text: V2(LIST) }));
      expect(v).toEqual({ verdict: 'reads', source: 'config file', reason: `${FILE} has config_path = "/etc/containerd/certs.d:/etc/docker/certs.d", so containerd ${release} reads ${DIR}` });
    });
    test.each(TRANSFER)('containerd %s: the transfer-service pull takes the list as one directory, refused', (release) => {
      const v = decideConfigPath(facts({ release, text: V2(LIST) }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toBe(
        `${FILE} has config_path = "/etc/containerd/certs.d:/etc/docker/certs.d", a list, and containerd 2.1 and later pull through the transfer service, which takes the whole list as ONE directory name (containerd issues #12415, #12636, #12808), so ${DIR} is ignored; set config_path = "${DIR}" under [plugins."io.containerd.grpc.v1.cri".registry] in ${FILE} and restart containerd`,
      );
    });
    test.each<[string, string]>([
      ['use_local_image_pull = true', V3(LIST).replace('[plugins."io.containerd.cri.v1.images".registry]', '[plugins."io.containerd.cri.v1.images"]\nuse_local_image_pull = true\n[plugins."io.containerd.cri.v1.images".registry]')],
      ['discard_unpacked_layers (EKS), version 2 file', `version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\ndiscard_unpacked_layers = true\n[plugins."io.containerd.grpc.v1.cri".registry]\n${LIST}`],
      ['max_concurrent_downloads other than 3', `version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nmax_concurrent_downloads = 10\n[plugins."io.containerd.grpc.v1.cri".registry]\n${LIST}`],
    ])('containerd 2.1 falls back to the local pull (%s) and reads the list', (_name, text) => {
      expect(decideConfigPath(facts({ release: '2.1', text })).verdict).toBe('reads');
    });
    test('the release unknown (no containerd --version): the answer depends on it, refused as unknown', () => {
      const v = decideConfigPath(facts({ release: null, text: V2(LIST) }));
      expect(v.verdict).toBe('unknown');
      expect(v.reason).toMatch(/^the answer depends on the containerd release, which the node did not report \(no `containerd --version`\): containerd 1\.6: .* reads .*; containerd 2\.1: .*ONE directory/);
    });
    test('a directory after another root is read, and the message says the earlier root can win', () => {
      const v = decideConfigPath(facts({ release: '1.7', text: V2('config_path = "/etc/docker/certs.d:/etc/containerd/certs.d"\n') }));
      expect(v.verdict).toBe('reads');
      expect(v.reason).toContain('(after /etc/docker/certs.d: a registry directory or _default there wins)');
    });
  });

  describe('imports = [...] with config_path set only in a drop-in', () => {
    const main = 'version = 2\nimports = ["conf.d/*.toml"]\n';
    const at = (text: string): ImportedFile => dropIn('conf.d/*.toml', '/etc/containerd/conf.d/10-registry.toml', text);
    test.each(ALL.filter((r) => r !== '1.6'))('containerd %s reads the drop-in that sets config_path', (release) => {
      const v = decideConfigPath(facts({ release, text: main, imports: [at(V2(`config_path = "${DIR}"\n`))] }));
      expect(v).toEqual({ verdict: 'reads', source: 'config file', reason: `${FILE} with its imports has config_path = "${DIR}", so containerd ${release} reads ${DIR}` });
    });
    test('containerd 1.6 before 1.6.29 expands a relative glob against its working directory: unknown', () => {
      const v = decideConfigPath(facts({ release: '1.6', text: main, imports: [at(V2(`config_path = "${DIR}"\n`))] }));
      expect(v.verdict).toBe('unknown');
      expect(v.reason).toContain('a relative glob, which containerd 1.6 before 1.6.29 / 1.7.16 expands against its working directory');
      expect(decideConfigPath(facts({ version: 'containerd x 1.6.29', text: main, imports: [at(V2(`config_path = "${DIR}"\n`))] })).verdict).toBe('reads');
    });
    const sandbox = at('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\nsandbox_image = "pause:3.9"\n');
    test('containerd 1.7: a drop-in replaces the whole CRI plugin table, so the main file\'s config_path is lost', () => {
      const text = V2(`config_path = "${DIR}"\n`).replace('version = 2\n', main);
      const v = decideConfigPath(facts({ release: '1.7', text, imports: [sandbox] }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toContain('leaves config_path unset');
    });
    test.each(TWO_X)('containerd %s merges the drop-in key by key, so the main file\'s config_path stays', (release) => {
      const text = V2(`config_path = "${DIR}"\n`).replace('version = 2\n', main);
      expect(decideConfigPath(facts({ release, text, imports: [sandbox] })).verdict).toBe('reads');
    });
    test('a glob that matches nothing imports nothing', () => {
      const v = decideConfigPath(facts({ release: '1.7', text: main, imports: [{ entry: 'conf.d/*.toml', path: null, state: 'no-match', text: '' }] }));
      expect(v.verdict).toBe('does-not-read');
    });
    test('a plain import that does not exist: containerd does not start', () => {
      const v = decideConfigPath(facts({ release: '1.7', text: 'imports = ["/etc/containerd/extra.toml"]\n', imports: [{ entry: '/etc/containerd/extra.toml', path: '/etc/containerd/extra.toml', state: 'absent', text: '' }] }));
      expect(v).toMatchObject({ verdict: 'does-not-read' });
      expect(v.reason).toContain('which does not exist: containerd fails to start');
    });
    test('a probe that did not read the imports (Windows): refused as unknown, not accepted', () => {
      const v = decideConfigPath(facts({ release: '1.7', text: main, imports: null }));
      expect(v.verdict).toBe('unknown');
      expect(v.reason).toContain("imports conf.d/*.toml, and this node's probe does not read imported files");
    });
    test('an entry the probe did not report: unknown, never a guess', () => {
      expect(decideConfigPath(facts({ release: '1.7', text: main, imports: [] })).verdict).toBe('unknown');
    });
    test('a drop-in with its own imports: unknown', () => {
      const v = decideConfigPath(facts({ release: '1.7', text: main, imports: [at('imports = ["/x.toml"]\n')] }));
      expect(v.verdict).toBe('unknown');
    });
  });

  describe('a file without `version` that uses the version 2 table names', () => {
  const text = `[plugins."io.containerd.grpc.v1.cri".registry]\nconfig_path = "${DIR}"\n`;
  test.each(ONE_X)('containerd %s reads it as version 1 and never looks at that table', (release) => {
    const v = decideConfigPath(facts({ release, text }));
    expect(v.verdict).toBe('does-not-read');
    expect(v.reason).toBe(`${FILE} has no \`version = 2\`, so containerd ${release} reads it as version 1, where the CRI plugin is [plugins.cri] and [plugins."io.containerd.grpc.v1.cri"] is ignored; add version = 2 at the top and restart containerd`);
  });
  test.each(OLD_LOADER)('containerd %s takes it as version 1 and drops its CRI registry settings', (release) => {
    expect(decideConfigPath(facts({ release, text })).reason).toContain('never moves the CRI registry settings');
  });
  test('containerd 2.3 migrates it and reads the directory', () => {
    expect(decideConfigPath(facts({ release: '2.3', text })).verdict).toBe('reads');
  });
});

describe('registry.mirrors and config_path both set', () => {
    test.each(ALL)('containerd %s: the CRI plugin does not load', (release) => {
      const v = decideConfigPath(facts({ release, text: V2(`config_path = "${DIR}"\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\nendpoint = ["https://m"]\n`) }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toBe(
        `${FILE} sets both registry.mirrors and config_path under [plugins."io.containerd.grpc.v1.cri".registry]: containerd's CRI plugin does not load ("\`mirrors\` cannot be set when \`config_path\` is provided"), so no pod pulls at all; remove the mirrors table`,
      );
    });
  });

  describe('a CRI-O node', () => {
    test('no containerd binary or socket, a crio one: refused whatever the config directory allows', () => {
      const v = decideConfigPath(facts({ runtime: { containerd: false, crio: true } }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.source).toBe('runtime binaries and sockets');
      expect(v.reason).toMatch(/^the node runs CRI-O, not containerd .*\/etc\/containers\/registries\.conf/);
    });
    test('no runtime at all', () => {
      expect(decideConfigPath(facts({ runtime: { containerd: false, crio: false }, text: V2(`config_path = "${DIR}"\n`) })).reason).toMatch(/^the node has no containerd/);
    });
  });

  describe('version = 1 config, [plugins.cri.registry] config_path (AKS Windows template, EKS GPU AMI)', () => {
    const text = `version = 1\n[plugins.cri.registry]\nconfig_path = "${DIR}"\n`;
    test.each([...ONE_X, '2.3'] as const)('containerd %s reads it', (release) => {
      expect(decideConfigPath(facts({ release, text }))).toMatchObject({ verdict: 'reads' });
    });
    test.each(OLD_LOADER)('containerd %s renames the plugin but drops its registry settings: refused', (release) => {
      const v = decideConfigPath(facts({ release, text }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toBe(
        `${FILE} is a version 1 config (no \`version\` counts as 1): containerd ${release} renames its plugins but never moves the CRI registry settings to [plugins."io.containerd.cri.v1.images".registry] (only version 2 files get that; 2.3 fixed it), so its config_path is ignored; write the file as version 2 (or 3) and restart containerd`,
      );
    });
    test('with the release unknown: it depends, so unknown', () => {
      expect(decideConfigPath(facts({ release: null, text: text.replace('version = 1\n', '') })).verdict).toBe('unknown');
    });
    test('unset there: the refusal names the version 1 table', () => {
      const v = decideConfigPath(facts({ release: '1.7', text: 'version = 1\n[plugins.cri]\nsandbox_image = "p"\n' }));
      expect(v.reason).toContain('under [plugins.cri.registry] in');
    });
  });

  describe('containerd 2.2, version = 3 without a registry section (implicit default)', () => {
    const text = 'version = 3\n[plugins."io.containerd.cri.v1.images"]\nsnapshotter = "overlayfs"\n';
    test('the default list applies, the transfer-service pull ignores it, and the fix names the version 3 table', () => {
      const v = decideConfigPath(facts({ release: '2.2', text }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toContain(`(containerd 2.2's default), a list`);
      expect(v.reason).toContain(`set config_path = "${DIR}" under [plugins."io.containerd.cri.v1.images".registry] in ${FILE}`);
    });
    test('with use_local_image_pull the default list is split and the directory read', () => {
      expect(decideConfigPath(facts({ release: '2.2', text: text + 'use_local_image_pull = true\n' })).verdict).toBe('reads');
    });
    test('containerd 2.1 has no default: unset', () => {
      expect(decideConfigPath(facts({ release: '2.1', text })).reason).toContain(`containerd 2.1's default is ""`);
    });
    test.each(ONE_X)('containerd %s refuses to start with a version 3 file', (release) => {
      const v = decideConfigPath(facts({ release, text: V3(`config_path = "${DIR}"\n`) }));
      expect(v.verdict).toBe('does-not-read');
      expect(v.reason).toContain(`is a version 3 config, which containerd ${release} does not read`);
    });
    test.each(TWO_X)('containerd %s reads a version 3 file that sets it', (release) => {
      expect(decideConfigPath(facts({ release, text: V3(`config_path = "${DIR}/"\n`) })).verdict).toBe('reads');
    });
    test('a version 2 file with config_path = "" becomes the default list on 2.2 (migration)', () => {
      expect(decideConfigPath(facts({ release: '2.2', text: V2('config_path = ""\n') })).reason).toContain('a list');
    });
  });
});

describe('the effective configuration from `containerd config dump` decides when the node has it', () => {
  test('the dump wins over the file, and says so', () => {
    const v = decideConfigPath(facts({ release: '2.1', text: 'version = 2\n', dump: V3(`config_path = "${DIR}"\n`) }));
    expect(v).toEqual({ verdict: 'reads', source: 'config dump', reason: `the effective configuration (containerd config dump) has config_path = "${DIR}", so containerd 2.1 reads ${DIR}` });
  });
  test('a 1.x dump (version 2) with config_path ""', () => {
    const v = decideConfigPath(facts({ release: '1.6', text: 'x = 1\n', dump: V2('config_path = ""\n') }));
    expect(v).toMatchObject({ verdict: 'does-not-read', source: 'config dump' });
  });
  test('a dump that is not TOML is not trusted', () => {
    expect(decideConfigPath(facts({ release: '2.1', text: 'x = 1\n', dump: '[[' })).verdict).toBe('unknown');
  });
});

test('release lines from `containerd --version`', () => {
  expect(Object.entries(VERSION).map(([, text]) => releaseOf(text))).toEqual(['1.6', '1.7', '2.0', '2.1', '2.2', '2.3']);
  expect(releaseOf('containerd github.com/containerd/containerd/v2 v2.4.0 x')).toBe('2.3');
  expect(releaseOf('nonsense')).toBeNull();
});
