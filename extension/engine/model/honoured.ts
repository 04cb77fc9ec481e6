// What Flotilla honours, per kind and field: the one table behind "nothing is dropped
// silently". `up` prints every field or kind of a manifest that is not honoured as a warning
// with file:line and the reason, and the language server shows the same warning (same code,
// same text), both from this table.
//
// HOW TO MARK A FIELD HONOURED (do it in the commit that makes the engine honour it):
//   - find the kind in KINDS (or the shared part it uses: POD_SPEC, CONTAINER, PROBE, ...);
//   - add the field with `Y` (honoured, including everything under it), or with a nested
//     object of its own fields when only some of them are honoured;
//   - a field that is read but deliberately not applied keeps a reason string: `'why'`.
//   A field absent from its object is reported with the object's '*' reason if it has one,
//   else with the generic reason (DEFAULT_REASON).
//   Lists of objects (containers, ports, volumes) use the object's fields for every item.
// test/unit/honoured.test.ts reads every manifest of the corpus with a tracing Reader and
// fails, naming the field, when the engine reads a field this table calls not honoured.
// HOW TO ADD A KIND THE ENGINE RUNS: add it to KINDS with its apiVersions and fields, and
// remove it from IGNORED_KINDS. A kind not in KINDS is reported once (FK3002) and never
// blocks `up`, whatever it contains.
import type { Document, Node, Pair } from 'yaml';
import { isMap, isSeq } from 'yaml';
import { deref, effectivePairs, getIn, isUnset, items, keyOf, offsetsOf, str, type AnyNode } from './yaml-nodes';

/** Honoured, with everything below it. */
export const Y = true;
/** A field's rule: honoured, honoured in part (its own fields), or not honoured for a reason. */
export type FieldRule = true | string | Fields;
export interface Fields {
  [field: string]: FieldRule;
}

export interface KindRule {
  /** apiVersions the engine reads (older HPA versions are converted to autoscaling/v2). */
  apiVersions: string[];
  fields: Fields;
}

export const DEFAULT_REASON = 'the local engine does not apply it yet';

const METADATA: Fields = {
  name: Y,
  namespace: Y,
  labels: Y,
  annotations: Y,
  generateName: 'names must be given: Flotilla does not generate them',
  uid: Y,
  resourceVersion: Y,
  generation: Y,
  creationTimestamp: Y,
  managedFields: Y,
  ownerReferences: 'no garbage collection between objects: each object of the stack lives as long as the stack',
  finalizers: 'objects are removed with the stack; finalizers are not run',
};

const LIFECYCLE_HANDLER: Fields = {
  exec: Y,
  httpGet: Y,
  sleep: Y,
  tcpSocket: 'the kubelet does not run tcpSocket hooks (up refuses them)',
};

const PROBE: Fields = {
  httpGet: { path: Y, port: Y, scheme: Y, httpHeaders: Y, host: 'probes always go to the replica itself' },
  tcpSocket: { port: Y, host: 'probes always go to the replica itself' },
  exec: Y,
  grpc: Y,
  initialDelaySeconds: Y,
  periodSeconds: Y,
  timeoutSeconds: Y,
  successThreshold: Y,
  failureThreshold: Y,
  terminationGracePeriodSeconds: 'the pod grace period applies',
};

const CONTAINER: Fields = {
  name: Y,
  image: Y,
  command: Y,
  args: Y,
  workingDir: Y,
  env: { name: Y, value: Y, valueFrom: { configMapKeyRef: Y, secretKeyRef: Y, fieldRef: Y, resourceFieldRef: Y } },
  envFrom: Y,
  ports: { name: Y, containerPort: Y, protocol: Y, hostPort: Y, hostIP: Y },
  resources: { requests: { cpu: Y, memory: Y }, limits: { cpu: Y, memory: Y } },
  livenessProbe: PROBE,
  readinessProbe: PROBE,
  startupProbe: PROBE,
  volumeMounts: {
    name: Y,
    mountPath: Y,
    readOnly: Y,
    subPath: Y,
    subPathExpr: Y,
    mountPropagation: 'mounts are private to the container',
  },
  securityContext: {
    privileged: Y,
    capabilities: Y,
    runAsUser: Y,
    runAsGroup: Y,
    runAsNonRoot: Y,
    readOnlyRootFilesystem: Y,
  },
  lifecycle: { postStart: LIFECYCLE_HANDLER, preStop: LIFECYCLE_HANDLER },
  imagePullPolicy: Y,
  terminationMessagePath: 'Docker keeps the logs; no termination message file is read',
  terminationMessagePolicy: 'Docker keeps the logs; no termination message file is read',
  stdin: 'containers run without an attached stdin; use `flotilla logs` and Shell into Replica',
  tty: 'containers run without an attached stdin; use `flotilla logs` and Shell into Replica',
};

const VOLUME: Fields = {
  name: Y,
  emptyDir: Y,
  hostPath: { path: Y, type: 'the path is bound as it is, without checking its type' },
  persistentVolumeClaim: Y,
  configMap: Y,
  secret: Y,
  downwardAPI: Y,
  projected: {
    defaultMode: Y,
    sources: {
      configMap: Y,
      secret: Y,
      downwardAPI: Y,
      serviceAccountToken: Y,
      '*': 'this projected source is not supported by the local engine',
    },
  },
  '*': 'this volume type is not mounted (the local engine mounts emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected volumes)',
};

/** Init containers run to completion before the app: no probes, no hooks (the API refuses them there). */
const INIT_CONTAINER: Fields = { ...CONTAINER };

const POD_SECURITY: Fields = {
  runAsUser: Y,
  runAsGroup: Y,
  runAsNonRoot: Y,
  fsGroup: Y,
  supplementalGroups: Y,
  fsGroupChangePolicy: "a volume's root gets fsGroup on every start; its files are not re-owned",
};

const POD_SPEC: Fields = {
  containers: CONTAINER,
  initContainers: INIT_CONTAINER,
  volumes: VOLUME,
  securityContext: POD_SECURITY,
  nodeSelector: Y,
  restartPolicy: Y,
  terminationGracePeriodSeconds: Y,
  hostPID: Y,
  hostNetwork: Y,
  // Read by the downward API and named in the projected token (a local stand-in, not a real token).
  serviceAccountName: Y,
  serviceAccount: Y,
  automountServiceAccountToken: 'no API server runs locally: there are no service accounts or tokens',
  imagePullSecrets: 'images are built or used locally; nothing is pulled with credentials',
  affinity: 'the scheduler places replicas by requests and nodeSelector only',
  tolerations: 'virtual nodes have no taints',
  topologySpreadConstraints: 'the scheduler spreads by hostname with its default constraint only',
  priorityClassName: 'no preemption locally',
  hostname: Y,
  subdomain: Y,
  dnsPolicy: "pods always use the stack's cluster DNS (ClusterFirst)",
  dnsConfig: "pods always use the stack's cluster DNS (ClusterFirst)",
};

const POD_TEMPLATE: Fields = { metadata: METADATA, spec: POD_SPEC };

const NO_METRIC_SOURCE = 'no metrics server runs locally: only Resource (cpu, memory) and Pods metrics are measured';
const HPA_METRIC: Fields = {
  type: Y,
  resource: Y,
  pods: Y,
  object: NO_METRIC_SOURCE,
  external: NO_METRIC_SOURCE,
  containerResource: NO_METRIC_SOURCE,
};

const HPA_SPEC: Fields = {
  scaleTargetRef: Y,
  minReplicas: Y,
  maxReplicas: Y,
  metrics: HPA_METRIC,
  behavior: Y,
  targetCPUUtilizationPercentage: Y, // autoscaling/v1, converted
};

const NO_HISTORY = 'Flotilla keeps no old revisions to roll back to';

const JOB_SPEC: Fields = {
  completions: Y,
  parallelism: Y,
  backoffLimit: Y,
  activeDeadlineSeconds: Y,
  ttlSecondsAfterFinished: Y,
  selector: Y,
  manualSelector: Y,
  template: POD_TEMPLATE,
  completionMode: Y, // NonIndexed runs; Indexed is refused with its line
  suspend: 'a Job starts when up applies it',
  podFailurePolicy: 'every failed pod counts against backoffLimit',
  backoffLimitPerIndex: 'Indexed Jobs do not run locally',
  maxFailedIndexes: 'Indexed Jobs do not run locally',
  podReplacementPolicy: 'a failed pod is replaced once it has exited',
};

/** Kinds the engine runs (or reads, for ConfigMaps and Secrets), with the fields it honours. */
export const KINDS: Record<string, KindRule> = {
  StatefulSet: {
    apiVersions: ['apps/v1'],
    fields: {
      metadata: METADATA,
      spec: {
        replicas: Y,
        selector: Y,
        template: POD_TEMPLATE,
        serviceName: Y,
        podManagementPolicy: Y,
        updateStrategy: {
          type: Y,
          rollingUpdate: { partition: Y, maxUnavailable: 'a StatefulSet updates one pod at a time' },
        },
        volumeClaimTemplates: {
          metadata: { name: Y, labels: Y, annotations: Y },
          spec: {
            accessModes: Y,
            resources: Y,
            storageClassName: 'a claim is a local Docker volume: there are no storage classes',
            volumeMode: 'a claim is a local Docker volume (a filesystem)',
            selector: 'a claim is a local Docker volume: there are no PersistentVolumes to select',
          },
        },
        minReadySeconds: Y,
        revisionHistoryLimit: NO_HISTORY,
        persistentVolumeClaimRetentionPolicy: 'claims are kept until flotilla down --volumes',
        ordinals: 'ordinals start at 0',
      },
    },
  },
  DaemonSet: {
    apiVersions: ['apps/v1'],
    fields: {
      metadata: METADATA,
      spec: {
        selector: Y,
        template: POD_TEMPLATE,
        updateStrategy: {
          type: Y,
          rollingUpdate: { maxUnavailable: Y, maxSurge: 'the old pod stops before its replacement starts' },
        },
        minReadySeconds: Y,
        revisionHistoryLimit: NO_HISTORY,
      },
    },
  },
  ReplicaSet: {
    apiVersions: ['apps/v1'],
    fields: { metadata: METADATA, spec: { replicas: Y, selector: Y, template: POD_TEMPLATE, minReadySeconds: Y } },
  },
  ReplicationController: {
    apiVersions: ['v1'],
    fields: { metadata: METADATA, spec: { replicas: Y, selector: Y, template: POD_TEMPLATE, minReadySeconds: Y } },
  },
  Pod: { apiVersions: ['v1'], fields: { metadata: METADATA, spec: POD_SPEC } },
  Job: { apiVersions: ['batch/v1'], fields: { metadata: METADATA, spec: JOB_SPEC } },
  CronJob: {
    apiVersions: ['batch/v1'],
    fields: {
      metadata: METADATA,
      spec: {
        schedule: Y,
        timeZone: Y, // UTC runs; another zone is refused with its line
        concurrencyPolicy: Y,
        suspend: Y,
        successfulJobsHistoryLimit: Y,
        failedJobsHistoryLimit: Y,
        startingDeadlineSeconds: Y,
        jobTemplate: { metadata: METADATA, spec: JOB_SPEC },
      },
    },
  },
  Deployment: {
    apiVersions: ['apps/v1'],
    fields: {
      metadata: METADATA,
      spec: {
        replicas: Y,
        selector: Y,
        template: POD_TEMPLATE,
        strategy: Y,
        minReadySeconds: Y,
        progressDeadlineSeconds: Y,
        revisionHistoryLimit: 'Flotilla keeps no old ReplicaSets to roll back to',
        paused: 'a rollout is never paused locally',
      },
    },
  },
  Service: {
    apiVersions: ['v1'],
    fields: {
      metadata: METADATA,
      spec: {
        type: Y,
        selector: Y,
        ports: { name: Y, port: Y, targetPort: Y, nodePort: Y, protocol: Y },
        publishNotReadyAddresses: Y,
        // None (headless) is honoured; an address written here is replaced by one of the stack network's (load-stack warns).
        clusterIP: Y,
        sessionAffinity: 'the balancer does not pin clients to replicas',
        externalTrafficPolicy: 'every Service is local to this machine',
        loadBalancerIP: 'LoadBalancer Services get a 127.0.0.1 port',
        externalIPs: 'Services listen on the bind address only',
      },
    },
  },
  HorizontalPodAutoscaler: {
    apiVersions: ['autoscaling/v2', 'autoscaling/v2beta2', 'autoscaling/v2beta1', 'autoscaling/v1'],
    fields: { metadata: METADATA, spec: HPA_SPEC },
  },
  ConfigMap: {
    apiVersions: ['v1'],
    fields: { metadata: METADATA, data: Y, binaryData: 'only text data is passed to env', immutable: Y },
  },
  Secret: {
    apiVersions: ['v1'],
    fields: { metadata: METADATA, data: Y, stringData: Y, type: Y, immutable: Y },
  },
  PersistentVolumeClaim: {
    apiVersions: ['v1'],
    fields: {
      metadata: METADATA,
      spec: {
        accessModes: Y,
        resources: Y, // storage is required and recorded; a Docker volume has no size
        volumeMode: Y,
        storageClassName: 'a claim is a Docker volume on the local engine: there are no storage classes',
        volumeName: 'a claim is its own Docker volume: it binds no PersistentVolume',
        selector: 'a claim is its own Docker volume: it binds no PersistentVolume',
        dataSource: 'a claim starts empty: it is not cloned or restored',
        dataSourceRef: 'a claim starts empty: it is not cloned or restored',
      },
    },
  },
};

/** Why a kind Flotilla does not run is left out; kinds not listed get the generic reason. */
export const IGNORED_KINDS: Record<string, string> = {
  Namespace: 'a stack is one namespace on one Docker network',
  ServiceAccount: 'no API server runs locally: there are no service accounts or tokens',
  Role: 'no API server runs locally: RBAC has nothing to guard',
  ClusterRole: 'no API server runs locally: RBAC has nothing to guard',
  RoleBinding: 'no API server runs locally: RBAC has nothing to guard',
  ClusterRoleBinding: 'no API server runs locally: RBAC has nothing to guard',
  Ingress: 'there is no ingress controller: each Service gets its own 127.0.0.1 port',
  IngressClass: 'there is no ingress controller: each Service gets its own 127.0.0.1 port',
  NetworkPolicy: 'the stack network is not policed',
  PodDisruptionBudget: 'there are no voluntary disruptions (node drains) to budget',
  PodSecurityPolicy: 'no admission control runs locally',
  LimitRange: 'no admission control runs locally',
  ResourceQuota: 'no admission control runs locally',
  StorageClass: 'volumes are Docker volumes; there is no provisioner',
  PersistentVolume: 'volumes are Docker volumes; there is no provisioner',
  CustomResourceDefinition: 'no API server runs locally: custom resources have no controller',
  PriorityClass: 'no preemption locally',
};

export const DEFAULT_KIND_REASON = 'the local engine does not run it yet';

/** A field or kind that is not honoured, at a source range (offsets into the file). */
export interface Unhonoured {
  code: 'FK3001' | 'FK3002';
  message: string;
  /** [start, end) offsets of the key (or of the kind's value). */
  range: [number, number];
  /** The field's path in the document, list indices included. */
  path: (string | number)[];
}

/** Whether `up` runs (or reads) objects of this kind and apiVersion. */
export function isRunKind(kind: string, apiVersion?: string): boolean {
  const k = KINDS[kind];
  return !!k && (apiVersion === undefined || k.apiVersions.includes(apiVersion));
}

/** The unhonoured kind of a manifest document, or its unhonoured fields; nothing for documents without a kind. */
export function unhonoured(doc: Document, root: AnyNode = deref(doc.contents, doc)): Unhonoured[] {
  const kind = str(getIn(doc, root, 'kind'));
  const kindNode = getIn(doc, root, 'kind');
  if (!kind || !isMap(root)) return [];
  const rule = KINDS[kind];
  if (!rule) {
    const at = offsetsOf(kindNode);
    if (!at) return [];
    const reason = IGNORED_KINDS[kind] ?? DEFAULT_KIND_REASON;
    return [
      {
        code: 'FK3002',
        message: `${kind} is not run by Flotilla (${reason}); \`up\` leaves it out.`,
        range: at,
        path: ['kind'],
      },
    ];
  }
  const out: Unhonoured[] = [];
  const top: Fields = { apiVersion: Y, kind: Y, status: 'status is written by the cluster, not read', ...rule.fields };
  walk({ doc, kind, out }, root, top, '', []);
  // an HPA whose every metric has no local source is left out as a whole (resources.ts)
  const metrics = items(doc, getIn(doc, root, 'spec', 'metrics'));
  const measurable = metrics.some((m) => ['Resource', 'Pods'].includes(str(getIn(doc, m, 'type')) ?? 'Resource'));
  const at = offsetsOf(getIn(doc, root, 'apiVersion')) ?? offsetsOf(root);
  if (kind === 'HorizontalPodAutoscaler' && metrics.length && !measurable && at) {
    const name = str(getIn(doc, root, 'metadata', 'name')) ?? '';
    const message = `HorizontalPodAutoscaler ${name} is not run: none of its metrics can be measured locally.`;
    out.push({ code: 'FK3001', message, range: at, path: [] });
  }
  return out;
}

interface Walk {
  doc: Document;
  kind: string;
  out: Unhonoured[];
}

function walk(w: Walk, node: Node, fields: Fields, dotted: string, path: (string | number)[]): void {
  for (const p of effectivePairs(node, w.doc)) {
    const k = keyOf(p);
    if (k === undefined) continue;
    const has = (f: string) => Object.prototype.hasOwnProperty.call(fields, f);
    const rule: FieldRule = has(k) ? fields[k] : has('*') ? fields['*'] : DEFAULT_REASON;
    const here = dotted ? `${dotted}.${k}` : k;
    const value = deref(p.value, w.doc);
    if (rule === true || isUnset(value) || isEmptyCollection(value)) continue;
    if (typeof rule === 'string') {
      report(w, p, here, [...path, k], rule);
      continue;
    }
    if (isMap(value)) walk(w, value, rule, here, [...path, k]);
    else if (isSeq(value)) {
      items(w.doc, value).forEach((item, i) => {
        if (isMap(item)) walk(w, item, rule, `${here}[]`, [...path, k, i]);
      });
    }
  }
}

function report(w: Walk, p: Pair<Node, Node | null>, dotted: string, path: (string | number)[], reason: string): void {
  const at = offsetsOf(p);
  if (at) {
    const message = `${w.kind} field ${dotted} is not honoured by Flotilla: ${reason}.`;
    w.out.push({ code: 'FK3001', message, range: at, path });
  }
}

function isEmptyCollection(v: AnyNode): boolean {
  return (isMap(v) || isSeq(v)) && v.items.length === 0;
}
