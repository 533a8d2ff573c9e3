// Library API: re-exports only.
export { run, type RunOptions, type RunResult } from './pipeline.js';
export { PROFILES, type Profile } from './vocabulary.js';
export {
  DIAGNOSTIC_CODES,
  exitCodeFor,
  formatDiagnostic,
  sortDiagnostics,
  type Diagnostic,
  type DiagnosticCode,
  type Severity,
  type SourceLocation,
} from './diagnostics.js';
export type { ManifestInput, ManifestObject, ParsedFile, SourceFile } from './parse/parse-manifests.js';
export type { RenderedFile } from './render/rendered-file.js';
