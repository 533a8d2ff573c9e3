// Tiny inputs for the trust tests, in the shapes OpenShift defines: the `Image` named cluster
// (spec.registrySources.insecureRegistries, spec.additionalTrustedCA.name) and the ConfigMap in
// openshift-config whose keys are `host` or `host..port`.
import { run, type RunResult } from '../../src/pipeline.js';
import { type Profile } from '../../src/vocabulary.js';

/** Self-signed EC P-256 test CAs (openssl req -x509, CN "mirrorset-hosts test CA" / "... registry CA"). No key anywhere. */
export const CA_A = `-----BEGIN CERTIFICATE-----
MIIBhzCCAS6gAwIBAgIBATAKBggqhkjOPQQDAjAiMSAwHgYDVQQDDBdtaXJyb3Jz
ZXQtaG9zdHMgdGVzdCBDQTAgFw0yNjExMjEyMDU1MzVaGA8yMTI2MTAyODIwNTUz
NVowIjEgMB4GA1UEAwwXbWlycm9yc2V0LWhvc3RzIHRlc3QgQ0EwWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAAS1ErOYMRUgIRfxAgqRM9WlRsKfHhwRgRMEQ7YdEg+x
Y11FjIMTWf6iHI2AnEnUUDmuEyAcVc2EPAxVdSmPU66fo1MwUTAdBgNVHQ4EFgQU
nnBOpwHomgmjfM3nHS+vzogwn5wwHwYDVR0jBBgwFoAUnnBOpwHomgmjfM3nHS+v
zogwn5wwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiApr4FFMpPt
CjAbeOjcz5pJKNiX4q6EhLKD0pfYPAnGFAIgboCP6lj1to5YtE8U/1MxCvvffZ21
EnhKE5eX0WnQHdU=
-----END CERTIFICATE-----
`;

export const CA_B = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIBAjAKBggqhkjOPQQDAjAmMSQwIgYDVQQDDBttaXJyb3Jz
ZXQtaG9zdHMgcmVnaXN0cnkgQ0EwIBcNMjYxMTIxMjA1NTM4WhgPMjEyNjEwMjgy
MDU1MzhaMCYxJDAiBgNVBAMMG21pcnJvcnNldC1ob3N0cyByZWdpc3RyeSBDQTBZ
MBMGByqGSM49AgEGCCqGSM49AwEHA0IABDoiE7BVFpZ3S4jqcW+732PaVUMSis8s
ojv8IUGerxQyZPGrFrECrFv3iiNco0mPoxwcdWZnfLgHMGb3MqZ/5qujUzBRMB0G
A1UdDgQWBBRNTOzlXwBov5gwVRbpb7q2paYMRjAfBgNVHSMEGDAWgBRNTOzlXwBo
v5gwVRbpb7q2paYMRjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUC
IBHGeoB42874YfzzwWtNuxIcyHL4Jy+mfSCZmDpFNfROAiEAsuiJ1BnFflIoSH1L
G5PrK2cbiNnsOX+Hk2QPznVXPUk=
-----END CERTIFICATE-----
`;

export interface Entry {
  source: string;
  mirrors: string[];
  policy?: 'NeverContactSource' | 'AllowContactingSource';
}

export function idms(name: string, ...entries: Entry[]): string {
  const lines = ['apiVersion: config.openshift.io/v1', 'kind: ImageDigestMirrorSet', 'metadata:', `  name: ${name}`, 'spec:', '  imageDigestMirrors:'];
  for (const e of entries) {
    lines.push(`  - source: ${e.source}`);
    if (e.policy) lines.push(`    mirrorSourcePolicy: ${e.policy}`);
    lines.push('    mirrors:', ...e.mirrors.map((m) => `    - ${m}`));
  }
  return [...lines, ''].join('\n');
}

export interface ImageSpec {
  name?: string;
  insecureRegistries?: string[];
  additionalTrustedCA?: string;
}

/** Line 6 is `registrySources:`, the first insecure registry is on line 8, column 7. */
export function image(spec: ImageSpec): string {
  const empty = !spec.insecureRegistries && spec.additionalTrustedCA === undefined;
  const lines = ['apiVersion: config.openshift.io/v1', 'kind: Image', 'metadata:', `  name: ${spec.name ?? 'cluster'}`, empty ? 'spec: {}' : 'spec:'];
  if (spec.insecureRegistries) lines.push('  registrySources:', '    insecureRegistries:', ...spec.insecureRegistries.map((r) => `    - ${JSON.stringify(r)}`));
  if (spec.additionalTrustedCA !== undefined) lines.push('  additionalTrustedCA:', `    name: ${JSON.stringify(spec.additionalTrustedCA)}`);
  return [...lines, ''].join('\n');
}

/** The first data key is on line 7, column 3. */
export function caConfigMap(name: string, data: Record<string, string>, namespace = 'openshift-config'): string {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`, 'data:'];
  for (const [key, pem] of Object.entries(data)) {
    lines.push(`  ${JSON.stringify(key)}: |`, ...pem.trimEnd().split('\n').map((l) => `    ${l}`));
  }
  return [...lines, ''].join('\n');
}

/** Runs the real pipeline over `in0.yaml`, `in1.yaml`, ... */
export function render(docs: string[], profile: Profile = 'containerd'): RunResult {
  return run(docs.map((content, i) => ({ path: `in${i}.yaml`, content })), { profile });
}

export function fileText(result: RunResult, path: string): string | undefined {
  return result.files.find((f) => f.path === path)?.content;
}

/** `code severity field @ file:line:col`: what the tables assert on. */
export function summary(result: RunResult): string[] {
  return result.diagnostics.map((d) => `${d.code} ${d.severity} ${d.field ?? '-'} @ ${d.location ? `${d.location.file}:${d.location.line}:${d.location.column}` : '-'}`);
}
