// What the package holds, shared by pack.test.ts (npm's own list) and install.test.ts (what lands on disk).

/** The package's whole content. A LICENSE file, once the repository has one, belongs here too (npm always packs it). */
export const PACKED_FILES = [
  'README.md',
  'dist/mirrorset-hosts.cjs',
  'dist/mirrorset-hosts.code-cache',
  'package.json',
  'plugins/mirrorset-hosts.io/v1alpha1/mirrorsethosts/MirrorSetHosts',
  'schema/function-config.schema.json',
];

/** The bound README.md's Install section states ("under 2.5 MB unpacked"); about 1.3 MB today. */
export const MAX_UNPACKED_BYTES = 2_500_000;
