// The kinds the tool reads; everything else in the inputs is ignored (oc-mirror writes CatalogSource,
// ClusterCatalog, UpdateService and signature ConfigMaps beside the mirror sets).
export const IDMS = 'ImageDigestMirrorSet';
export const ITMS = 'ImageTagMirrorSet';
export const ICSP = 'ImageContentSourcePolicy';

export type MirrorSetKind = typeof IDMS | typeof ITMS | typeof ICSP;

export const MIRROR_SET_API_VERSIONS: Readonly<Record<MirrorSetKind, string>> = {
  [IDMS]: 'config.openshift.io/v1',
  [ITMS]: 'config.openshift.io/v1',
  [ICSP]: 'operator.openshift.io/v1alpha1',
};

/** The spec field holding the entries, per kind. */
export const ENTRIES_FIELD: Readonly<Record<MirrorSetKind, string>> = {
  [IDMS]: 'imageDigestMirrors',
  [ITMS]: 'imageTagMirrors',
  [ICSP]: 'repositoryDigestMirrors',
};

/**
 * The fixed order objects are read in (docs/design/rendering.md "Order"): IDMS, ICSP, ITMS. It decides the order
 * of diagnostics and WMCO's policy merge, never the containerd profile's output.
 */
export const KIND_ORDER: readonly MirrorSetKind[] = [IDMS, ICSP, ITMS];

export function isMirrorSetKind(kind: string): kind is MirrorSetKind {
  return kind === IDMS || kind === ITMS || kind === ICSP;
}

/** Digest-only mirrors: IDMS and ICSP (MCO converts ICSP to IDMS, `convertICSPToIDMS`). */
export function resolvesTags(kind: MirrorSetKind): boolean {
  return kind === ITMS;
}
