// What the applier runs on a node, per OS. Every exchange is one ssh session: a fixed bootstrap
// command reads a whole program from stdin and runs it only if it arrived up to PROGRAM_END, so a
// connection cut mid-transfer runs nothing at all (never half a program).
import type { NodePlan } from './plan-node.js';
import type { TargetOs } from '../vocabulary.js';
import type { NodeTarget } from './node-target.js';
import { linuxCommands } from './linux-commands.js';
import { windowsCommands } from './windows-commands.js';

export interface NodeCommandSet {
  os: TargetOs;
  /** The command line handed to ssh (the node's login shell runs it). */
  remoteCommand: string;
  /** Reports the node's state (see node-state.ts `parseProbeOutput`); changes nothing. */
  probeProgram(target: NodeTarget, markers: readonly string[]): string;
  /** Carries out a plan under the node's lock and prints the sha256 of every desired file read back. */
  applyProgram(target: NodeTarget, plan: NodePlan, desiredPaths: readonly string[], lockTimeoutSeconds: number): string;
  /** Absolute path on the node of a bundle path such as `quay.io/hosts.toml`. */
  nodePath(configDir: string, relative: string): string;
}

export function commandSetFor(os: TargetOs): NodeCommandSet {
  return os === 'windows' ? windowsCommands : linuxCommands;
}
