// apiVersions that Kubernetes no longer serves, with the release that removed them and the
// replacement (from the Kubernetes deprecation guide). Lint reports them as errors (FK1005)
// and `up` refuses them in the kinds it runs, with the same text; where moving to the
// replacement only means changing the apiVersion, the language server offers that edit.

export interface RemovedApi {
  /** The Kubernetes minor release that stopped serving it. */
  removedIn: string;
  /** The apiVersion to use instead (undefined: the kind itself is gone). */
  replacement?: string;
  /** True when changing the apiVersion line is all a user has to do. */
  mechanical: boolean;
  /** What else changes, when it is not mechanical. */
  note?: string;
}

const apps = (kind: string): [string, string][] => [
  [`extensions/v1beta1/${kind}`, '1.16'],
  [`apps/v1beta1/${kind}`, '1.16'],
  [`apps/v1beta2/${kind}`, '1.16'],
];

const TABLE: [string, RemovedApi][] = [
  ...['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'].flatMap((k) =>
    apps(k).map(([key, removedIn]): [string, RemovedApi] => [
      key,
      {
        removedIn,
        replacement: 'apps/v1',
        // apps/v1 requires spec.selector; the fix is offered when it is there (checked by the caller)
        mechanical: true,
      },
    ]),
  ),
  ['extensions/v1beta1/NetworkPolicy', { removedIn: '1.16', replacement: 'networking.k8s.io/v1', mechanical: true }],
  [
    'extensions/v1beta1/PodSecurityPolicy',
    {
      removedIn: '1.16',
      mechanical: false,
      note: 'PodSecurityPolicy itself was removed in 1.25: use Pod Security Admission labels on the namespace',
    },
  ],
  [
    'policy/v1beta1/PodSecurityPolicy',
    {
      removedIn: '1.25',
      mechanical: false,
      note: 'PodSecurityPolicy itself was removed: use Pod Security Admission labels on the namespace',
    },
  ],
  [
    'extensions/v1beta1/Ingress',
    {
      removedIn: '1.22',
      replacement: 'networking.k8s.io/v1',
      mechanical: false,
      note: 'backends become service.name/service.port and each path needs a pathType',
    },
  ],
  [
    'networking.k8s.io/v1beta1/Ingress',
    {
      removedIn: '1.22',
      replacement: 'networking.k8s.io/v1',
      mechanical: false,
      note: 'backends become service.name/service.port and each path needs a pathType',
    },
  ],
  [
    'networking.k8s.io/v1beta1/IngressClass',
    { removedIn: '1.22', replacement: 'networking.k8s.io/v1', mechanical: true },
  ],
  ...['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'].map((k): [string, RemovedApi] => [
    `rbac.authorization.k8s.io/v1beta1/${k}`,
    { removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1', mechanical: true },
  ]),
  [
    'apiextensions.k8s.io/v1beta1/CustomResourceDefinition',
    {
      removedIn: '1.22',
      replacement: 'apiextensions.k8s.io/v1',
      mechanical: false,
      note: 'the schema moves under each version and becomes required',
    },
  ],
  ...['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map((k): [string, RemovedApi] => [
    `admissionregistration.k8s.io/v1beta1/${k}`,
    {
      removedIn: '1.22',
      replacement: 'admissionregistration.k8s.io/v1',
      mechanical: false,
      note: 'sideEffects and admissionReviewVersions become required',
    },
  ]),
  [
    'apiregistration.k8s.io/v1beta1/APIService',
    { removedIn: '1.22', replacement: 'apiregistration.k8s.io/v1', mechanical: true },
  ],
  [
    'certificates.k8s.io/v1beta1/CertificateSigningRequest',
    {
      removedIn: '1.22',
      replacement: 'certificates.k8s.io/v1',
      mechanical: false,
      note: 'signerName becomes required',
    },
  ],
  ['coordination.k8s.io/v1beta1/Lease', { removedIn: '1.22', replacement: 'coordination.k8s.io/v1', mechanical: true }],
  [
    'scheduling.k8s.io/v1beta1/PriorityClass',
    { removedIn: '1.22', replacement: 'scheduling.k8s.io/v1', mechanical: true },
  ],
  [
    'scheduling.k8s.io/v1alpha1/PriorityClass',
    { removedIn: '1.17', replacement: 'scheduling.k8s.io/v1', mechanical: true },
  ],
  ...['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'].map((k): [string, RemovedApi] => [
    `storage.k8s.io/v1beta1/${k}`,
    { removedIn: '1.22', replacement: 'storage.k8s.io/v1', mechanical: true },
  ]),
  [
    'storage.k8s.io/v1beta1/CSIStorageCapacity',
    { removedIn: '1.27', replacement: 'storage.k8s.io/v1', mechanical: true },
  ],
  ['batch/v1beta1/CronJob', { removedIn: '1.25', replacement: 'batch/v1', mechanical: true }],
  ['batch/v2alpha1/CronJob', { removedIn: '1.21', replacement: 'batch/v1', mechanical: true }],
  [
    'discovery.k8s.io/v1beta1/EndpointSlice',
    {
      removedIn: '1.25',
      replacement: 'discovery.k8s.io/v1',
      mechanical: false,
      note: 'topology becomes nodeName and zone',
    },
  ],
  ['events.k8s.io/v1beta1/Event', { removedIn: '1.25', replacement: 'events.k8s.io/v1', mechanical: true }],
  ['policy/v1beta1/PodDisruptionBudget', { removedIn: '1.25', replacement: 'policy/v1', mechanical: true }],
  ['node.k8s.io/v1beta1/RuntimeClass', { removedIn: '1.25', replacement: 'node.k8s.io/v1', mechanical: true }],
  [
    'autoscaling/v2beta1/HorizontalPodAutoscaler',
    {
      removedIn: '1.25',
      replacement: 'autoscaling/v2',
      mechanical: false,
      note: 'metric targets become target: {type, averageUtilization}',
    },
  ],
  [
    'autoscaling/v2beta2/HorizontalPodAutoscaler',
    { removedIn: '1.26', replacement: 'autoscaling/v2', mechanical: true },
  ],
  ...['FlowSchema', 'PriorityLevelConfiguration'].flatMap((k): [string, RemovedApi][] => [
    [
      `flowcontrol.apiserver.k8s.io/v1beta1/${k}`,
      { removedIn: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1', mechanical: true },
    ],
    [
      `flowcontrol.apiserver.k8s.io/v1beta2/${k}`,
      { removedIn: '1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1', mechanical: true },
    ],
  ]),
];

const REMOVED = new Map(TABLE);

export function removedApi(apiVersion: string, kind: string): RemovedApi | undefined {
  return REMOVED.get(`${apiVersion}/${kind}`);
}

/** The message shared by lint (FK1005) and `up`. */
export function removedApiMessage(apiVersion: string, kind: string, r: RemovedApi): string {
  const instead = r.replacement
    ? `use apiVersion ${r.replacement}${r.note ? ` (${r.note})` : ''}`
    : (r.note ?? 'it has no replacement');
  return `${kind} ${apiVersion} was removed in Kubernetes ${r.removedIn}: ${instead}.`;
}
