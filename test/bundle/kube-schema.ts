// Generated objects checked against the Kubernetes OpenAPI schemas (kubernetes-models), plus the
// API server rules those schemas leave out: object names, ConfigMap/Secret keys and data size.
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'v1/ConfigMap': ConfigMap as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/Namespace': Namespace as unknown as Model,
  'v1/ServiceAccount': ServiceAccount as unknown as Model,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as unknown as Model,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as unknown as Model,
  'batch/v1/Job': Job as unknown as Model,
  'batch/v1/CronJob': CronJob as unknown as Model,
};
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Every problem found in `object`; empty when the API server would accept it. */
export function kubernetesProblems(object: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const gvk = `${String(object['apiVersion'])}/${String(object['kind'])}`;
  const Model = MODELS[gvk];
  if (!Model) return [`no schema for ${gvk} in this test`];
  try {
    new Model(object as never).validate();
  } catch (err) {
    problems.push(`${gvk}: ${(err as Error).message}`);
  }
  const metadata = object['metadata'] as { name?: string } | undefined;
  const name = metadata?.name ?? '';
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) problems.push(`${gvk}: name ${JSON.stringify(name)} is not a DNS-1123 subdomain`);
  // Pods of a Job carry its name in a label: at most 63 characters.
  if ((object['kind'] === 'Job' || object['kind'] === 'CronJob') && name.length > 63) problems.push(`${gvk}: name longer than 63`);
  if (object['kind'] === 'ConfigMap' || object['kind'] === 'Secret') {
    const data = (object['data'] ?? {}) as Record<string, string>;
    let size = 0;
    for (const [key, value] of Object.entries(data)) {
      if (!CONFIG_MAP_KEY.test(key) || key.length > 253) problems.push(`${gvk}: key ${JSON.stringify(key)} is not a valid key`);
      size += object['kind'] === 'Secret' ? Buffer.from(value, 'base64').length : key.length + Buffer.byteLength(value);
    }
    if (size > 1024 * 1024) problems.push(`${gvk}: ${size} bytes of data, over the 1 MiB limit`);
  }
  return problems;
}
