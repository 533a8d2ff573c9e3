// The functionConfig kind `MirrorSetHosts`, as a JSON Schema (draft 2020-12 subset). This constant is
// the source of truth: ./function-config.ts validates against it, and schema/function-config.schema.json
// is this object as published (test/bundle/function-config.test.ts fails when they differ, and
// rewrites the file with UPDATE_GOLDEN=1).
import { CONFIG_MAP_KEY_PATTERN, CONTAINERD_RELEASES, DNS1123_LABEL_PATTERN, GITOPS_STRATEGIES, PLATFORMS, PROFILES, SSH_BECOME, TARGET_OSES, UNAVAILABLE_NODE_POLICIES } from '../vocabulary.js';
import { DIAGNOSTIC_CODES } from '../diagnostics.js';
import type { JsonSchema } from './json-schema.js';
import { EXCLUDE_PATTERN, EXCLUDE_PATTERN_EXPECTED } from '../parse/exclude-patterns.js';
import { DEFAULT_POD_RESOURCES, MEMORY_NEED_MIB, MIN_MEMORY_LIMIT_MIB } from './pod-resources.js';

export const FUNCTION_CONFIG_API_VERSION = 'mirrorset-hosts.io/v1alpha1';
export const FUNCTION_CONFIG_KIND = 'MirrorSetHosts';

/** Our functionConfig schema uses the same schema language and walker as the CRDs (json-schema.ts). */
export type ConfigSchema = JsonSchema;

// A Kubernetes node name (DNS-1123 subdomain), and a host name or IP literal for SSH.
const NODE_NAME = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';
const ADDRESS = '^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\\[?[0-9A-Fa-f:.]+\\]?)$';
const USER = '^[A-Za-z0-9_][A-Za-z0-9._\\\\-]*$';
// One label selector term list, `key=value` or `key!=value` or `key`, comma-separated (kubectl -l).
const SELECTOR = '^[A-Za-z0-9][-A-Za-z0-9_./]*(?:(?:=|==|!=)[-A-Za-z0-9_.]*)?(?:,[A-Za-z0-9][-A-Za-z0-9_./]*(?:(?:=|==|!=)[-A-Za-z0-9_.]*)?)*$';
// An image reference without spaces or shell metacharacters: registry/path[:tag][@digest].
const IMAGE = '^[a-z0-9][a-z0-9._:/-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$';
// A path on the node, on one line, absolute (`/etc/...` or `C:\...`).
const NODE_PATH = '^(?:/|[A-Za-z]:\\\\)[^\\u0000\\r\\n]*$';
// The same, or '' (skip what the path is for).
const NODE_PATH_OR_EMPTY = '^(?:|(?:/|[A-Za-z]:\\\\)[^\\u0000\\r\\n]*)$';

const stringMap = (description: string): ConfigSchema => ({ description, type: 'object', additionalProperties: { type: 'string' } });

// A resource quantity (k8s.io/apimachinery resource.Quantity) written as a string: "100m", "1Gi", "2".
const QUANTITY = '^[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$';
const quantities = (description: string): ConfigSchema => ({
  description,
  type: 'object',
  additionalProperties: { type: 'string', pattern: QUANTITY, 'x-expected': 'a quantity as a string, such as "100m" or "256Mi"' },
});
// A label key or value, as a nodeSelector or a toleration holds it (k8s.io/apimachinery IsQualifiedName, IsValidLabelValue).
const LABEL_KEY = '^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';
const LABEL_VALUE = '^(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$';
// A DNS-1123 subdomain: a PriorityClass name.
const DNS1123_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** One node of an inventory (spec.nodes.inventory, and the file `apply --inventory` reads). */
export const INVENTORY_ENTRY_SCHEMA: ConfigSchema = {
  type: 'object',
  required: ['name', 'address'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: NODE_NAME, maxLength: 253, 'x-expected': 'a Kubernetes node name' },
    address: { type: 'string', pattern: ADDRESS, 'x-expected': 'a host name or an IP address' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    user: { type: 'string', pattern: USER, 'x-expected': "letters, digits, '.', '_', '-' or DOMAIN\\user" },
    os: { type: 'string', enum: [...TARGET_OSES] },
    configDir: { type: 'string', pattern: NODE_PATH, 'x-expected': 'an absolute path on one line' },
    containerdConfig: { type: 'string', pattern: NODE_PATH_OR_EMPTY, 'x-expected': "an absolute path on one line, or ''" },
  },
};

/** The fields of the flat settings form, each the spec field of the same name. */
export const SETTINGS_KEYS = ['profile', 'inputs', 'exclude', 'out', 'strict', 'accept'] as const;

/** The codes a setting may accept: warnings only (an error is never fine). */
const WARNING_CODES = Object.entries(DIAGNOSTIC_CODES)
  .filter(([, info]) => info.severity === 'warning')
  .map(([code]) => code)
  .sort();
// A source registry as the findings name it: host[:port], lower case as the CRD pattern requires.
const REGISTRY = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?$';

/** A CronJob every 15 minutes when nodes are discovered: nodes that join later get the files without a Git change. */
export const DEFAULT_DISCOVERY_SCHEDULE = '*/15 * * * *';
/**
 * Data bytes per bundle object. Client-side apply stores the whole object as JSON in the
 * last-applied-configuration annotation, and all annotations together may hold 262144 bytes
 * (k8s.io/apimachinery TotalAnnotationSizeLimitB); JSON escaping of TOML and PEM text
 * (quotes, newlines) adds a few percent, so this leaves room for it and the metadata.
 */
export const DEFAULT_MAX_OBJECT_BYTES = 200000;

/** Longest metadata.name: the Job name `<name>-<10 hex>` plus a role suffix must stay within 63. */
export const MAX_CONFIG_NAME_LENGTH = 40;

export const FUNCTION_CONFIG_SCHEMA: ConfigSchema = {
  description:
    'mirrorset-hosts functionConfig: which mirror sets to render, for which nodes, and how the bundle (ConfigMap or Secret with the hosts.toml files, and the node-applier Job) is generated. Used by `mirrorset-hosts build --config`, the KRM function (kpt, kustomize) and the legacy kustomize exec plugin.',
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  additionalProperties: false,
  properties: {
    apiVersion: { type: 'string', enum: [FUNCTION_CONFIG_API_VERSION] },
    kind: { type: 'string', enum: [FUNCTION_CONFIG_KIND] },
    metadata: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: {
          description: `Base of every generated name (\`<name>-hosts-<hash>\`, the Job's name). A DNS-1123 label of at most ${MAX_CONFIG_NAME_LENGTH} characters, so that generated names stay within 63.`,
          type: 'string',
          pattern: DNS1123_LABEL_PATTERN,
          maxLength: MAX_CONFIG_NAME_LENGTH,
          'x-expected': 'a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit',
        },
        namespace: {
          description: 'Namespace of the generated objects. kustomize `namespace:` and Flux `targetNamespace` override it.',
          type: 'string',
          pattern: DNS1123_LABEL_PATTERN,
          maxLength: 63,
          'x-expected': 'a DNS-1123 label',
        },
        labels: stringMap('Ignored by the tool.'),
        annotations: stringMap('Ignored by the tool, except that kustomize and kpt read config.kubernetes.io/function here.'),
        // Fields kustomize and kpt may carry along on a local-config object; never read.
        generateName: { type: 'string' },
        uid: { type: 'string' },
        resourceVersion: { type: 'string' },
        generation: { type: 'integer' },
        creationTimestamp: { description: 'Ignored.' },
        finalizers: { type: 'array', items: { type: 'string' } },
      },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        inputs: {
          description:
            'Files, directories (recursively *.yaml, *.yml, *.json) and globs holding the mirror sets, relative to the directory of this config (kustomize: the kustomization directory; kpt: the directory of the config file in the package). When set, the function is a generator and reads only these; when absent, it takes the mirror sets from the ResourceList items (transformer, kpt).',
          type: 'array',
          items: { type: 'string', minLength: 1 },
          minItems: 1,
        },
        exclude: {
          description:
            "Globs of files that are never read as inputs, relative to the directory of this config, with .gitignore's rules for where a pattern applies (one without a '/' matches a name at any depth, a trailing '/' matches directories, a matched directory excludes all below it): a Helm chart's templates, other tools' JSON. Applies to what directories and globs in the inputs find, at a Git revision too, and to ResourceList items by their path annotation. A file named as PATH on the command line is always read.",
          type: 'array',
          items: { type: 'string', minLength: 1, pattern: EXCLUDE_PATTERN, 'x-expected': EXCLUDE_PATTERN_EXPECTED },
        },
        allowOutsideRoot: {
          description:
            'Allow inputs outside the directory of this config (`../`, absolute paths, symbolic links leading out). Off by default, as kustomize refuses files outside the kustomization root (LoadRestrictionsRootOnly).',
          type: 'boolean',
          default: false,
        },
        profile: {
          description: 'containerd: correct, portable files for containerd 1.6+; wmco: exactly what OpenShift WMCO writes.',
          type: 'string',
          enum: [...PROFILES],
          default: 'containerd',
        },
        strict: { description: 'Treat every warning as an error, except those accepted (accept).', type: 'boolean', default: false },
        accept: {
          description:
            'Warnings that are understood and fine here, each with its reason: still reported (marked accepted; suppressed in SARIF), never made errors by strict. `registry` limits a rule to the findings about one source registry (host[:port]); without it the code is accepted everywhere.',
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'reason'],
            additionalProperties: false,
            properties: {
              code: { type: 'string', enum: WARNING_CODES },
              registry: { type: 'string', pattern: REGISTRY, 'x-expected': 'a source registry, host[:port] in lower case' },
              reason: { type: 'string', minLength: 1 },
            },
          },
        },
        out: {
          description:
            'The directory `render` writes the hosts.toml files to and `check` compares with, relative to the directory of this config and inside it (as the inputs, whatever allowOutsideRoot says). Read by render and check; build (whose --out holds manifests), the KRM function and the exec plugin ignore it.',
          type: 'string',
          minLength: 1,
        },
        platform: {
          description:
            'The platform the nodes run on; picks the SSH user, the containerd paths per node OS and the pod security settings (docs/platforms.md). generic: WMCO\'s Windows paths, root on Linux, a fixed non-root uid; openshift: no fixed uid/gid/fsGroup (restricted-v2 assigns them), a dedicated ServiceAccount always; aks: azureuser and C:\\Program Files\\containerd\\config.toml; eks: Administrator/ec2-user and the same Windows paths. spec.ssh.user, spec.target.* and inventory fields override it.',
          type: 'string',
          enum: [...PLATFORMS],
          default: 'generic',
        },
        namespace: {
          description: 'The Namespace of the generated objects (metadata.namespace).',
          type: 'object',
          additionalProperties: false,
          properties: {
            create: {
              description:
                'Also generate the Namespace, labelled for Pod Security "restricted" (enforce, audit, warn), so the first sync does not fail on a missing namespace. Off by default: a namespace that already exists keeps its own labels.',
              type: 'boolean',
              default: false,
            },
          },
        },
        pod: {
          description:
            'Settings of the node-applier pod. Part of the Job hash: never patch the generated Job (kustomize patches or images: change the pod without renaming the Job, and the next change fails with "field is immutable"); set them here.',
          type: 'object',
          additionalProperties: false,
          properties: {
            nodeSelector: {
              description: 'Added to the pod\'s nodeSelector (kubernetes.io/os: linux and kubernetes.io/arch: amd64 are always there unless set here).',
              type: 'object',
              additionalProperties: { type: 'string', pattern: LABEL_VALUE, 'x-expected': 'a label value' },
            },
            tolerations: {
              description: 'The pod\'s tolerations (core/v1 Toleration).',
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  key: { type: 'string', pattern: LABEL_KEY, 'x-expected': 'a taint key such as node-role.kubernetes.io/infra' },
                  operator: { type: 'string', enum: ['Exists', 'Equal'] },
                  value: { type: 'string', pattern: LABEL_VALUE, 'x-expected': 'a taint value' },
                  effect: { type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
                  tolerationSeconds: { type: 'integer', minimum: 0 },
                },
              },
            },
            affinity: {
              description: 'The pod\'s affinity (core/v1 Affinity), passed through as written.',
              type: 'object',
              additionalProperties: false,
              properties: {
                nodeAffinity: { type: 'object' },
                podAffinity: { type: 'object' },
                podAntiAffinity: { type: 'object' },
              },
            },
            imagePullSecrets: {
              description: 'Secrets (type kubernetes.io/dockerconfigjson) to pull spec.image with.',
              type: 'array',
              items: {
                type: 'object',
                required: ['name'],
                additionalProperties: false,
                properties: { name: { type: 'string', pattern: DNS1123_SUBDOMAIN, maxLength: 253, 'x-expected': 'a Secret name' } },
              },
            },
            priorityClassName: { type: 'string', pattern: DNS1123_SUBDOMAIN, maxLength: 253, 'x-expected': 'a PriorityClass name (DNS-1123 subdomain)' },
            resources: {
              description: `The container's requests and limits; a part given (requests or limits) replaces its default whole. Default requests cpu ${DEFAULT_POD_RESOURCES.requests.cpu}, memory ${DEFAULT_POD_RESOURCES.requests.memory}; limits cpu ${DEFAULT_POD_RESOURCES.limits.cpu}, memory ${DEFAULT_POD_RESOURCES.limits.memory}. A memory limit below ${MIN_MEMORY_LIMIT_MIB}Mi is refused (the applier cannot start on a node under it), a request above its limit too; a memory request or limit below ${MEMORY_NEED_MIB}Mi (measured for 10 nodes at a time) is a warning (docs/platforms.md "Pod resources").`,
              type: 'object',
              additionalProperties: false,
              properties: {
                requests: quantities('Replaces the default requests.'),
                limits: quantities('Replaces the default limits.'),
              },
            },
          },
        },
        target: {
          type: 'object',
          additionalProperties: false,
          properties: {
            os: { description: 'Operating system of the nodes; picks the defaults below (as `mirrorset-hosts apply --target`).', type: 'string', enum: [...TARGET_OSES], default: 'windows' },
            configDir: {
              description: 'containerd config_path on the nodes. Default /etc/containerd/certs.d (linux), C:\\k\\containerd\\registries (windows, as WMCO).',
              type: 'string',
              pattern: NODE_PATH,
              'x-expected': 'an absolute path on one line (/etc/... or C:\\...)',
            },
            containerdConfig: {
              description: "containerd's config file, read on each node to check that config_path points at configDir; '' skips the check. Default /etc/containerd/config.toml (linux), C:\\k\\containerd\\containerd_conf.toml (windows).",
              type: 'string',
              pattern: NODE_PATH_OR_EMPTY,
              'x-expected': "an absolute path on one line, or '' to skip the check",
            },
            assumeContainerdDefaults: {
              description:
                'Declares that the nodes run containerd of this release WITHOUT a config file, so its built-in defaults decide config_path (containerdConfig is then expected to be absent). Without it an absent config file is refused. No release\'s defaults read a directory for CRI pulls on Linux (1.6 to 2.1: config_path is ""; 2.2+: a two-directory list that the transfer-service pull does not split), so this turns the refusal into one that says why. As `apply --assume-containerd-defaults`.',
              type: 'string',
              enum: [...CONTAINERD_RELEASES],
            },
          },
        },
        nodes: {
          description: 'Which nodes the applier updates: those matching selector (read from the API by the Job), plus the static inventory.',
          type: 'object',
          additionalProperties: false,
          properties: {
            selector: {
              description: 'Label selector, as `kubectl get nodes -l` takes it. Default kubernetes.io/os=<target.os>.',
              type: 'string',
              pattern: SELECTOR,
              'x-expected': 'a label selector such as kubernetes.io/os=windows or node-role.kubernetes.io/worker',
            },
            windowsInstances: {
              description:
                "OpenShift BYOH's windows-instances ConfigMap as the inventory: each data entry `<address>: username=<user>` (WMCO pkg/wiparser/wiparser.go) is a Windows node reached at that address as that user, named after the Node that has the address. The Job reads the ConfigMap and lists Windows Nodes (a Role for this one ConfigMap is generated).",
              type: 'object',
              required: ['namespace', 'name'],
              additionalProperties: false,
              properties: {
                namespace: { type: 'string', pattern: DNS1123_LABEL_PATTERN, maxLength: 63, 'x-expected': 'a namespace (DNS-1123 label), e.g. openshift-windows-machine-config-operator' },
                name: { type: 'string', pattern: DNS1123_LABEL_PATTERN, maxLength: 253, 'x-expected': 'a ConfigMap name, e.g. windows-instances' },
              },
            },
            inventory: {
              description: 'Nodes listed by hand (reached over SSH at their address).',
              type: 'array',
              items: INVENTORY_ENTRY_SCHEMA,
            },
          },
        },
        ssh: {
          description: 'How the node-applier Job reaches the nodes. Only names Secrets and ConfigMaps: this tool never reads key material.',
          type: 'object',
          additionalProperties: false,
          properties: {
            secretName: {
              description: 'Secret (type kubernetes.io/ssh-auth, in the namespace of the generated objects) holding the SSH private key.',
              type: 'string',
              pattern: DNS1123_LABEL_PATTERN,
              maxLength: 63,
              'x-expected': 'a Secret name (DNS-1123 label)',
            },
            secretKey: { description: 'Key of the private key in that Secret. Default ssh-privatekey.', type: 'string', pattern: CONFIG_MAP_KEY_PATTERN, 'x-expected': 'a Secret key ([-._a-zA-Z0-9]+)' },
            user: { description: 'SSH user. Default root (linux), Administrator (windows).', type: 'string', pattern: USER, 'x-expected': "letters, digits, '.', '_', '-' or DOMAIN\\user" },
            port: { type: 'integer', minimum: 1, maximum: 65535, default: 22 },
            knownHosts: {
              description:
                "Where every node's host key comes from: {kind, name, key?}, a known_hosts in a ConfigMap or Secret (host keys are public: a ConfigMap will do), or {fromNodeAnnotations: true}, built at run time from the key WMCO pins on each discovered Node (annotation windowsmachineconfig.openshift.io/ssh-host-key); a node without one is refused. Required unless insecureIgnoreHostKeys.",
              type: 'object',
              additionalProperties: false,
              properties: {
                fromNodeAnnotations: {
                  description: "Build known_hosts from each discovered Node's windowsmachineconfig.openshift.io/ssh-host-key annotation (WMCO pkg/windows/hostkey.go). Needs node discovery; not together with kind/name.",
                  type: 'boolean',
                },
                kind: { type: 'string', enum: ['Secret', 'ConfigMap'] },
                name: { type: 'string', pattern: DNS1123_LABEL_PATTERN, maxLength: 253, 'x-expected': 'an object name (DNS-1123 label)' },
                key: { description: 'Default known_hosts.', type: 'string', pattern: CONFIG_MAP_KEY_PATTERN, 'x-expected': 'a key ([-._a-zA-Z0-9]+)' },
              },
            },
            insecureIgnoreHostKeys: { description: 'Accept any host key: anyone on the network path can impersonate a node. Labs only.', type: 'boolean', default: false },
            become: {
              description:
                "sudo: on Linux nodes, run the node program as root with non-interactive `sudo -n` (one `sudo -n /bin/sh` per session), for images that forbid root SSH. The user needs a NOPASSWD rule for /bin/sh; without it the node fails with the rule to add. Windows nodes are refused with it. Default none.",
              type: 'string',
              enum: [...SSH_BECOME],
              default: 'none',
            },
          },
        },
        auth: {
          description:
            "Mirror credentials: a kubernetes.io/dockerconfigjson Secret (in the namespace of the generated objects) mounted into the Job. For each https mirror whose host[:port] is a key of its auths, the applier adds WMCO's `[host.\"...\".header] authorization = \"Basic ...\"` to hosts.toml on the node, at run time: the credentials never enter Git, the bundle, a ConfigMap, a log line or the plan. The header is plaintext on the node, as WMCO's is.",
          type: 'object',
          required: ['secretName'],
          additionalProperties: false,
          properties: {
            secretName: { type: 'string', pattern: DNS1123_LABEL_PATTERN, maxLength: 63, 'x-expected': 'a Secret name (DNS-1123 label)' },
            key: { description: 'Default .dockerconfigjson.', type: 'string', pattern: CONFIG_MAP_KEY_PATTERN, 'x-expected': 'a Secret key ([-._a-zA-Z0-9]+)' },
          },
        },
        wmco: {
          description:
            "Nodes managed by OpenShift's Windows Machine Config Operator (Node annotation windowsmachineconfig.openshift.io/version). WMCO 10.16+ writes C:\\k\\containerd\\registries itself from the cluster's IDMS/ITMS and replaces the whole directory, so such nodes are refused unless coexist is set.",
          type: 'object',
          additionalProperties: false,
          properties: {
            coexist: {
              description:
                "true: write WMCO-managed nodes too, with spec.profile: wmco only (byte-for-byte what WMCO writes, so the two writers agree); the files WMCO already wrote are taken over as with --adopt. Default false: such nodes fail with a message (use plan/lint --profile wmco there).",
              type: 'boolean',
              default: false,
            },
          },
        },
        image: {
          description: 'Image of the node-applier Job (holds mirrorset-hosts and an SSH client). Setting it asks for the Job (and then spec.ssh is required); without it only the bundle is generated. Part of the Job hash: changing it rolls a new Job.',
          type: 'string',
          pattern: IMAGE,
          maxLength: 512,
          'x-expected': 'an image reference such as registry.example.com/mirrorset-hosts:0.1.0',
        },
        imagePullPolicy: { type: 'string', enum: ['Always', 'IfNotPresent', 'Never'], default: 'IfNotPresent' },
        gitops: {
          type: 'object',
          additionalProperties: false,
          properties: {
            strategy: {
              description:
                'How the Job survives "field is immutable": hashed-name (default: the name changes with the content; prune removes the old Job), argocd-hook (Sync hook, BeforeHookCreation: runs on every sync), force-recreate (Argo CD Force/Replace and Flux force annotations).',
              type: 'string',
              enum: [...GITOPS_STRATEGIES],
              default: 'hashed-name',
            },
            syncWave: { description: 'Argo CD sync wave of the Job (the bundle is wave 0). Default 1.', type: 'integer', minimum: -1000, maximum: 1000 },
          },
        },
        rollout: {
          description: 'How the Job walks the nodes (see docs/node-applier.md).',
          type: 'object',
          additionalProperties: false,
          properties: {
            canary: { description: 'Node updated alone first: a node name, auto (first by name) or none. Default auto.', type: 'string', pattern: NODE_NAME, 'x-expected': 'a node name, auto or none' },
            maxParallel: { description: 'Nodes at a time after the canary. Default 10.', type: 'integer', minimum: 1, maximum: 1000 },
            maxFailures: { description: 'Start no new node after this many failures. Default 3.', type: 'integer', minimum: 1, maximum: 100000 },
            shards: { description: 'More than 1: an Indexed Job, one pod per shard of the nodes.', type: 'integer', minimum: 1, maximum: 1000 },
            schedule: {
              description: `A CronJob with the same pod (cron syntax), so nodes that join later get the files. Default "${DEFAULT_DISCOVERY_SCHEDULE}" with node discovery (a converged node costs one read-only probe), none with an inventory only; "none" turns it off.`,
              type: 'string',
              pattern: '^(?:none|\\S+(\\s+\\S+){4})$',
              'x-expected': 'a five-field cron expression such as "0 * * * *", or none',
            },
            minNodes: {
              description: 'Fewer target nodes than this fails the run, naming the selector (a typo in nodes.selector, or RBAC that lists nothing, is not a green Job). Default 1; 0 allows an empty run.',
              type: 'integer',
              minimum: 0,
              maximum: 100000,
              default: 1,
            },
            unavailableNodes: {
              description: 'Discovered nodes that are NotReady, cordoned (spec.unschedulable) or being deleted: skip (default: reported as skipped-unavailable, the run does not fail for them) or fail.',
              type: 'string',
              enum: [...UNAVAILABLE_NODE_POLICIES],
              default: 'skip',
            },
            backoffLimit: { description: 'Retries of a failed pod (per index with shards). Default 2.', type: 'integer', minimum: 0, maximum: 100, default: 2 },
            activeDeadlineSeconds: { description: 'The Job\'s deadline in seconds. Default 1800.', type: 'integer', minimum: 60, maximum: 604800, default: 1800 },
          },
        },
        bundle: {
          type: 'object',
          additionalProperties: false,
          properties: {
            sensitive: { description: 'Carry the files in a Secret instead of a ConfigMap.', type: 'boolean', default: false },
            maxObjectBytes: {
              description: `Data bytes per ConfigMap/Secret before the files are split over several objects. The default ${DEFAULT_MAX_OBJECT_BYTES} keeps each object, escaped as JSON, under the 262144 bytes client-side apply can store in last-applied-configuration (kubectl apply, Argo CD's default); up to 1048576 (the API server's limit) needs server-side apply.`,
              type: 'integer',
              minimum: 4096,
              maximum: 1048576,
              default: DEFAULT_MAX_OBJECT_BYTES,
            },
          },
        },
      },
    },
  },
};

const SPEC_PROPERTIES = (FUNCTION_CONFIG_SCHEMA.properties?.['spec']?.properties ?? {}) as Record<string, ConfigSchema>;

/**
 * The flat settings form of `.mirrorset-hosts.yaml` (profile, inputs, exclude, out, strict, accept at the top, no
 * apiVersion nor kind): each field is its spec field above, so both forms mean the same. `inputs` may
 * also be one string (command-config.ts reads it as a list of one).
 */
export const SETTINGS_SCHEMA: ConfigSchema = {
  description: 'mirrorset-hosts settings (.mirrorset-hosts.yaml): the spec fields of a MirrorSetHosts that render, lint, check and plan read.',
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(SETTINGS_KEYS.map((key) => [key, SPEC_PROPERTIES[key] as ConfigSchema])),
};

/** The document published as schema/function-config.schema.json. */
export function publishedFunctionConfigSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://mirrorset-hosts.io/schema/function-config.schema.json',
    title: `${FUNCTION_CONFIG_KIND} (${FUNCTION_CONFIG_API_VERSION})`,
    ...FUNCTION_CONFIG_SCHEMA,
  };
}
