// Rendered files + functionConfig -> every Kubernetes object the tool generates: the bundle
// (ConfigMap/Secret parts) and the node-applier objects from ./job.ts. Pure.
//
// Names change with the content: the bundle parts carry the hash of their data, the Job (job.ts) the
// hash of the bundle and of every setting that lands in its pod template, so a changed config rolls a new Job
// instead of failing with "field is immutable" (docs/design/gitops.md "Jobs are immutable").
import type { Diagnostic } from '../diagnostics.js';
import type { RenderedFile } from '../render/rendered-file.js';
import type { MirrorSetHostsConfig } from '../validate/function-config.js';
import { FUNCTION_CONFIG_API_VERSION, FUNCTION_CONFIG_KIND } from '../validate/function-config-schema.js';
import { bundleLabels, buildBundle, type KubeObject } from '../bundle/bundle-files.js';
import { buildNodeApplierManifests, type BundleRefs } from './job.js';

// Flux postBuild substitution replaces every `${var}` in the final YAML, unset ones with an empty
// string (docs/design/gitops.md "Flux"): an object whose text holds `${` is opted out.
export const FLUX_SUBSTITUTE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/substitute';

export interface BuiltManifests {
  /** Bundle parts first (the first holds the manifest), then the node-applier objects. */
  objects: KubeObject[];
  diagnostics: Diagnostic[];
}

export function buildManifests(files: readonly RenderedFile[], config: MirrorSetHostsConfig): BuiltManifests {
  const object = { apiVersion: FUNCTION_CONFIG_API_VERSION, kind: FUNCTION_CONFIG_KIND, name: config.name };
  if (config.namespaceObject.create && config.namespace === undefined) {
    const missing: Diagnostic = {
      code: 'NODE_APPLIER_INCOMPLETE',
      severity: 'error',
      message: 'spec.namespace.create needs metadata.namespace: the name of the Namespace to generate',
      field: 'spec.namespace.create',
      object,
    };
    return { objects: [], diagnostics: [missing] };
  }
  const namespace = config.namespaceObject.create && config.namespace !== undefined ? [namespaceObject(config.namespace, config.name)] : [];
  const built = buildObjects(files, config, object);
  if (built.objects.length === 0) return built;
  return { objects: [...namespace, ...built.objects], diagnostics: built.diagnostics };
}

/**
 * The Namespace, first so that a plain `kubectl apply -f` creates it before what lives in it, labelled
 * for the Pod Security admission level the pod meets ("restricted": enforce, and audit and warn
 * so that a later change that breaks it is reported too). Argo CD wave -1: before the bundle (wave 0).
 */
function namespaceObject(namespace: string, configName: string): KubeObject {
  const labels: Record<string, string> = {
    ...bundleLabels(configName),
    'pod-security.kubernetes.io/audit': 'restricted',
    'pod-security.kubernetes.io/enforce': 'restricted',
    'pod-security.kubernetes.io/warn': 'restricted',
  };
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } } } as KubeObject;
}

function buildObjects(files: readonly RenderedFile[], config: MirrorSetHostsConfig, object: NonNullable<Diagnostic['object']>): BuiltManifests {
  const bundle = buildBundle(files, {
    name: config.name,
    ...(config.namespace ? { namespace: config.namespace } : {}),
    profile: config.profile,
    sensitive: config.bundle.sensitive,
    maxObjectBytes: config.bundle.maxObjectBytes,
  });
  if (bundle.objects.length === 0) return { objects: [], diagnostics: bundle.diagnostics };

  // The Job needs an image, and there is no default registry to pull one from: without spec.image
  // the bundle alone is generated (files delivered by other means), and the result says so.
  if (config.image === undefined) {
    const skipped: Diagnostic = {
      code: 'NODE_APPLIER_SKIPPED',
      severity: 'info',
      message: `no node-applier Job generated because spec.image is not set; the ${bundle.refs[0]?.kind ?? 'ConfigMap'} alone carries the files`,
      field: 'spec.image',
      object,
    };
    return { objects: bundle.objects, diagnostics: [...bundle.diagnostics, skipped] };
  }
  const refs: BundleRefs = { kind: bundle.refs[0]?.kind ?? 'ConfigMap', names: bundle.refs.map((r) => r.name) };
  const built = buildNodeApplierManifests({ ...config, image: config.image }, refs, bundle.manifest.contentHash);
  if (built.diagnostics.length > 0) return { objects: [], diagnostics: [...bundle.diagnostics, ...built.diagnostics] };
  const labels = bundleLabels(config.name);
  const applier = built.objects.map((made) => {
    const objectOut = made as KubeObject;
    return { ...objectOut, metadata: { ...objectOut.metadata, labels: { ...(objectOut.metadata.labels ?? {}), ...labels } } };
  });
  const objects = [...bundle.objects, ...applier].map(guardFluxSubstitution);
  return { objects, diagnostics: bundle.diagnostics };
}

function guardFluxSubstitution(object: KubeObject): KubeObject {
  if (!JSON.stringify(object).includes('${')) return object;
  const annotations = { ...(object.metadata.annotations ?? {}), [FLUX_SUBSTITUTE_ANNOTATION]: 'disabled' };
  return { ...object, metadata: { ...object.metadata, annotations } };
}
