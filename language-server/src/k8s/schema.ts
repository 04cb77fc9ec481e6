// The bundled Kubernetes 1.30 schema (generated from kubernetes-types by
// scripts/gen-k8s-schema.ts) plus what the declarations cannot express: enums and the few
// fields the API server requires although the Go types mark them optional.
import schemaJson from './schema.generated.json';

export type TypeRef =
  | { k: 'string' | 'number' | 'boolean' | 'quantity' | 'intOrString' | 'any' }
  | { k: 'const'; v: string }
  | { k: 'array' | 'map'; of: TypeRef }
  | { k: 'ref'; n: string };

export interface Prop {
  t: TypeRef;
  d: string;
  /** required */
  r?: 1;
  /** read-only: set by the API server */
  ro?: 1;
}

export interface TypeDef {
  d: string;
  p: Record<string, Prop>;
}

interface Schema {
  kubernetes: string;
  kinds: Record<string, string>;
  types: Record<string, TypeDef>;
}

function isSchema(v: unknown): v is Schema {
  if (typeof v !== 'object' || v === null) return false;
  const o: Record<string, unknown> = { ...v };
  return typeof o.kubernetes === 'string' && typeof o.kinds === 'object' && typeof o.types === 'object';
}

const raw: unknown = schemaJson;
if (!isSchema(raw)) {
  throw new Error('schema.generated.json is not a schema: regenerate it with scripts/gen-k8s-schema.ts');
}
export const SCHEMA: Schema = raw;
export const K8S_VERSION = SCHEMA.kubernetes;

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const SELECTOR_OPS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** "type.field" → allowed values (from the API reference; the Go types only say "string"). */
export const ENUMS: Record<string, string[]> = {
  'core.v1.Container.imagePullPolicy': ['Always', 'IfNotPresent', 'Never'],
  'core.v1.Container.terminationMessagePolicy': ['File', 'FallbackToLogsOnError'],
  'core.v1.ContainerPort.protocol': PROTOCOLS,
  'core.v1.ServicePort.protocol': PROTOCOLS,
  'core.v1.ServiceSpec.type': ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
  'core.v1.ServiceSpec.sessionAffinity': ['ClientIP', 'None'],
  'core.v1.ServiceSpec.externalTrafficPolicy': ['Cluster', 'Local'],
  'core.v1.ServiceSpec.internalTrafficPolicy': ['Cluster', 'Local'],
  'core.v1.ServiceSpec.ipFamilyPolicy': ['SingleStack', 'PreferDualStack', 'RequireDualStack'],
  'core.v1.PodSpec.restartPolicy': ['Always', 'OnFailure', 'Never'],
  'core.v1.PodSpec.dnsPolicy': ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
  'core.v1.PodSpec.preemptionPolicy': ['Never', 'PreemptLowerPriority'],
  'core.v1.HTTPGetAction.scheme': ['HTTP', 'HTTPS'],
  'core.v1.Toleration.operator': ['Exists', 'Equal'],
  'core.v1.Toleration.effect': ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
  'core.v1.NodeSelectorRequirement.operator': [...SELECTOR_OPS, 'Gt', 'Lt'],
  'meta.v1.LabelSelectorRequirement.operator': SELECTOR_OPS,
  'core.v1.PersistentVolumeClaimSpec.accessModes': [
    'ReadWriteOnce',
    'ReadOnlyMany',
    'ReadWriteMany',
    'ReadWriteOncePod',
  ],
  'core.v1.PersistentVolumeClaimSpec.volumeMode': ['Filesystem', 'Block'],
  'core.v1.HostPathVolumeSource.type': [
    '',
    'DirectoryOrCreate',
    'Directory',
    'FileOrCreate',
    'File',
    'Socket',
    'CharDevice',
    'BlockDevice',
  ],
  'apps.v1.DeploymentStrategy.type': ['RollingUpdate', 'Recreate'],
  'apps.v1.StatefulSetSpec.podManagementPolicy': ['OrderedReady', 'Parallel'],
  'apps.v1.DaemonSetUpdateStrategy.type': ['RollingUpdate', 'OnDelete'],
  'autoscaling.v2.MetricSpec.type': ['Resource', 'Pods', 'Object', 'External', 'ContainerResource'],
  'autoscaling.v2.MetricTarget.type': ['Utilization', 'Value', 'AverageValue'],
  'autoscaling.v2.HPAScalingRules.selectPolicy': ['Max', 'Min', 'Disabled'],
  'autoscaling.v2.HPAScalingPolicy.type': ['Pods', 'Percent'],
  'batch.v1.CronJobSpec.concurrencyPolicy': ['Allow', 'Forbid', 'Replace'],
  'batch.v1.JobSpec.completionMode': ['NonIndexed', 'Indexed'],
  'networking.v1.HTTPIngressPath.pathType': ['Exact', 'Prefix', 'ImplementationSpecific'],
};

/** Fields optional in the Go types but required by the API server for these kinds. */
export const EXTRA_REQUIRED: Record<string, string[]> = {
  'core.v1.Container': ['image'],
};

/** Integer fields that hold a port number (1–65535). */
export const PORT_FIELDS = new Set([
  'core.v1.ContainerPort.containerPort',
  'core.v1.ContainerPort.hostPort',
  'core.v1.ServicePort.port',
  'core.v1.ServicePort.nodePort',
  'core.v1.ServicePort.targetPort',
  'core.v1.HTTPGetAction.port',
  'core.v1.TCPSocketAction.port',
  'core.v1.GRPCAction.port',
]);

export function kindType(apiVersion: string, kind: string): string | undefined {
  return SCHEMA.kinds[`${apiVersion}/${kind}`];
}

/** The apiVersions under which a kind is known (for "wrong apiVersion" hints). */
export function versionsOfKind(kind: string): string[] {
  return Object.keys(SCHEMA.kinds)
    .filter((k) => k.endsWith('/' + kind))
    .map((k) => k.slice(0, -kind.length - 1));
}

export function typeDef(name: string): TypeDef | undefined {
  return SCHEMA.types[name];
}

export interface PathStep {
  typeName?: string;
  field?: string;
  prop?: Prop;
}

/** Walks a path (keys and indices) from a kind's root type; returns the last field reached. */
export function resolvePath(
  rootType: string,
  path: (string | number)[],
): { prop?: Prop; owner?: string; field?: string; type?: TypeRef } {
  let t: TypeRef = { k: 'ref', n: rootType };
  let last: { prop?: Prop; owner?: string; field?: string; type?: TypeRef } = { type: t };
  for (const seg of path) {
    while (t.k === 'array' || (t.k === 'map' && typeof seg === 'number')) t = t.of;
    if (typeof seg === 'number') continue;
    if (t.k === 'map') {
      t = t.of;
      last = { ...last, type: t };
      continue;
    }
    if (t.k !== 'ref') return {};
    const def: TypeDef | undefined = SCHEMA.types[t.n];
    const prop: Prop | undefined = def?.p[seg];
    if (!prop) return {};
    last = { prop, owner: t.n, field: seg, type: prop.t };
    t = prop.t;
  }
  return last;
}
