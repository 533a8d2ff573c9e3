// Every source registry becomes a directory on every node: `host` or `host_port_` (containerd's
// hostDirectory; WMCO keeps `host:port`, which is 1 byte shorter). A name the node's file system
// cannot hold fails the copy, or containerd reads something else:
// - Two registries that differ only in case (`Quay.io`, `quay.io`) are one directory on Windows (NTFS
//   is case-insensitive) and on a macOS or Windows checkout of the output: one hosts.toml silently
//   replaces the other. DNS names are case-insensitive, so they name the same registry anyway, but
//   containerd picks the directory by the host exactly as the image reference spells it.
// - A Windows device name (CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, any case) before the first dot
//   makes the whole name the device (`nul.example.com` is NUL: Win32 path parsing ignores what follows
//   the first dot); the directory cannot be created. COM0 and LPT0 are not devices.
// - A name over 255 bytes (NAME_MAX on Linux file systems, 255 UTF-16 units on NTFS): the host is at
//   most 253 characters, but the CRD allows any number of port digits and `_port_` adds to it.
// Errors for both profiles: one rendered bundle goes to every node of the cluster, and containerd on
// Windows nodes reads the same tree (config_windows.go), so what a Windows node cannot write is never
// safe to render; a registry truly named like a DOS device is rare, a failed apply on each Windows node certain.
import { diagnostic, type Diagnostic } from '../../diagnostics.js';
import { hostDirectory, splitLocation } from '../locations.js';
import type { MirrorEntry, MirrorSetObject } from '../mirror-set.js';

export const MAX_NAME_BYTES = 255;
const WINDOWS_DEVICES = new Set(['con', 'prn', 'aux', 'nul', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`com${n}`, `lpt${n}`])]);

export function checkNodeDirectoryNames(mirrorSets: readonly MirrorSetObject[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  /** Lower-cased directory name -> the first registry written to it and the entry that named it. */
  const byFolded = new Map<string, { registry: string; entry: MirrorEntry }>();
  const reported = new Set<string>();
  for (const entry of mirrorSets.flatMap((set) => set.entries)) {
    const registry = splitLocation(entry.source.value).host;
    if (reported.has(registry)) continue;
    const directory = hostDirectory(registry);
    const bytes = new TextEncoder().encode(directory).length;
    if (bytes > MAX_NAME_BYTES) {
      reported.add(registry);
      diagnostics.push(diagnostic(
        'NODE_NAME_TOO_LONG',
        `registry ${registry.length > 80 ? `${registry.slice(0, 60)}...` : registry} becomes the directory name ${directory.length > 80 ? `${directory.slice(0, 60)}...` : directory} of ${bytes} bytes on every node, where a name has at most ${MAX_NAME_BYTES}; write the registry as it really is (a port has at most 5 digits)`,
        entry.source,
        entry.object,
      ));
      continue;
    }
    // (Windows also ignores trailing spaces there; the CRD pattern allows none in a host.)
    const device = (directory.split('.')[0] as string).toLowerCase();
    if (WINDOWS_DEVICES.has(device)) {
      reported.add(registry);
      diagnostics.push(diagnostic(
        'WINDOWS_DEVICE_NAME',
        `registry ${registry} becomes the directory ${directory}, which Windows reads as the device ${device.toUpperCase()} (a device name before the first dot, in any case); the directory cannot be created on Windows nodes: use another name for the registry host (a CNAME) if this is its real name`,
        entry.source,
        entry.object,
      ));
      continue;
    }
    const folded = directory.toLowerCase();
    const first = byFolded.get(folded);
    if (!first) {
      byFolded.set(folded, { registry, entry });
      continue;
    }
    if (first.registry === registry) continue;
    reported.add(registry);
    diagnostics.push(diagnostic(
      'REGISTRY_CASE_COLLISION',
      `registry ${registry} differs from ${first.registry} (${first.entry.source.location.file}:${first.entry.source.location.line}) only in case: DNS reads them as one host, ` +
        `but they are two directories, which Windows nodes (NTFS) and macOS keep as one, so one hosts.toml would replace the other; ` +
        `containerd looks up the directory by the host exactly as the image reference writes it (almost always lower case): write both in lower case`,
      entry.source,
      entry.object,
    ));
  }
  return diagnostics;
}
