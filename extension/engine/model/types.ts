// The typed desired state of a stack, as read from the stack file and manifests.
// Every decision module (scheduler, reconciler, health, rollout, scaler, balancer)
// consumes these types; none of them sees raw YAML.
import type {
  FieldRef,
  ImagePullPolicy,
  Lifecycle,
  PodSecurity,
  ResourceFieldRef,
  VolumeMount,
  VolumeSpec,
} from './pod-types';

/** Where a value came from, so every message can name file and line (1-based). */
export interface SourceRef {
  file: string;
  line: number;
  column: number;
  /** End of the node (1-based, exclusive), when the reader knows it. */
  endLine?: number;
  endColumn?: number;
}

/** cpu in millicores, memory in bytes; undefined means "not set". */
export interface Resources {
  cpuMilli?: number;
  memoryBytes?: number;
}

export type IntOrString = number | string;

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: 'TCP' | 'UDP';
  /** Published on the stack's bind address (hostIP overrides it); a clash keeps the pod Pending. */
  hostPort?: number;
  hostIP?: string;
}

export interface HttpGetAction {
  path: string;
  port: IntOrString;
  scheme: 'HTTP' | 'HTTPS';
  httpHeaders: { name: string; value: string }[];
}

export interface Probe {
  httpGet?: HttpGetAction;
  tcpSocket?: { port: IntOrString };
  exec?: { command: string[] };
  /** grpc.health.v1 Check on the pod's address; `service` '' asks about the server as a whole. */
  grpc?: { port: number; service: string };
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: FieldRef;
    resourceFieldRef?: ResourceFieldRef;
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface ContainerSpec {
  name: string;
  image: string;
  /** Where `image:` is written, for messages about the image (pull policy, missing image). */
  imageSource?: SourceRef;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env: EnvVar[];
  envFrom: EnvFromSource[];
  ports: ContainerPort[];
  requests: Resources;
  limits: Resources;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: VolumeMount[];
  lifecycle?: Lifecycle;
  /** Kubernetes' default: Always for `:latest` or untagged images, else IfNotPresent. */
  imagePullPolicy?: ImagePullPolicy;
  /** The parts of securityContext a local engine can honour. */
  security?: {
    privileged: boolean;
    capAdd: string[];
    capDrop: string[];
    runAsUser?: number;
    runAsGroup?: number;
    /** Refuse to start the container if it would run as uid 0 (the pod's value unless set here). */
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem: boolean;
  };
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface PodTemplate {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: ContainerSpec[];
  nodeSelector: Record<string, string>;
  restartPolicy: RestartPolicy;
  terminationGracePeriodSeconds: number;
  /** Share the host's PID namespace (only when the stack allows hostPID). */
  hostPID?: boolean;
  volumes?: VolumeSpec[];
  /** Run in order, each to completion, before the containers start. */
  initContainers?: ContainerSpec[];
  /** spec.securityContext (the container's own securityContext overrides user and group). */
  security?: PodSecurity;
  /** spec.serviceAccountName (Kubernetes' default: "default"). */
  serviceAccountName?: string;
  /** The owner's metadata.namespace (default "default"). */
  namespace?: string;
  /** spec.hostname (default: the pod's name). */
  hostname?: string;
  /**
   * spec.subdomain: with a headless Service of that name, `HOSTNAME.SUBDOMAIN.NS.svc.cluster.local`
   * resolves to the pod (a StatefulSet's pods get their serviceName here).
   */
  subdomain?: string;
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values: string[] }[];
}

export interface DeploymentStrategy {
  type: 'RollingUpdate' | 'Recreate';
  maxSurge: IntOrString;
  maxUnavailable: IntOrString;
}

/**
 * A workload with a pod template. Deployment unless `kind` says otherwise; the other kinds add
 * their fields (statefulSet, daemonSet, job). Every module that makes, probes or lists a replica
 * takes this one shape, whatever owns the replica.
 */
export interface DeploymentSpec {
  name: string;
  source: SourceRef;
  /** undefined means Deployment. */
  kind?: WorkloadKind;
  /** undefined when the manifest leaves replicas out (Kubernetes then uses 1, or the HPA decides). */
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplate;
  strategy: DeploymentStrategy;
  minReadySeconds: number;
  progressDeadlineSeconds: number;
  statefulSet?: StatefulSetFields;
  daemonSet?: DaemonSetFields;
  job?: JobFields;
}

/** The kinds whose pods Flotilla runs. */
export type WorkloadKind =
  'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'ReplicationController' | 'Pod' | 'Job';

/** A StatefulSet's volumeClaimTemplates entry: one claim (and one Docker volume) per ordinal. */
export interface ClaimTemplate {
  name: string;
  source: SourceRef;
  /** resources.requests.storage (a local volume has no size; recorded). */
  storageBytes: number;
  accessModes: string[];
  storageClassName?: string;
}

export interface StatefulSetFields {
  /** The governing (headless) Service: pods get the subdomain <serviceName>.<namespace>.svc.cluster.local. */
  serviceName: string;
  podManagementPolicy: 'OrderedReady' | 'Parallel';
  updateStrategy: 'RollingUpdate' | 'OnDelete';
  /** RollingUpdate updates only ordinals ≥ partition. */
  partition: number;
  volumeClaimTemplates: ClaimTemplate[];
}

export interface DaemonSetFields {
  updateStrategy: 'RollingUpdate' | 'OnDelete';
  maxUnavailable: IntOrString;
}

export interface JobFields {
  /** undefined: a work queue (done once one pod succeeds and none runs). */
  completions?: number;
  parallelism: number;
  backoffLimit: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  /** The CronJob that created this Job. */
  cronJob?: string;
}

export interface JobSpec extends DeploymentSpec {
  kind: 'Job';
  job: JobFields;
}

export interface CronJobSpec {
  name: string;
  source: SourceRef;
  schedule: string;
  concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  suspend: boolean;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  startingDeadlineSeconds?: number;
  /** spec.jobTemplate, named after the CronJob; each run is a copy named <cronjob>-<scheduled minute>. */
  job: JobSpec;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort: IntOrString;
  nodePort?: number;
  protocol: 'TCP' | 'UDP';
}

export interface ServiceSpec {
  name: string;
  /** metadata.namespace; undefined means "default". */
  namespace?: string;
  source: SourceRef;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** spec.clusterIP as written: 'None' makes the Service headless; an address is not honoured (one is allocated). */
  clusterIP?: string;
  selector: Record<string, string>;
  ports: ServicePort[];
  publishNotReadyAddresses: boolean;
}

export interface MetricTarget {
  type: 'Utilization' | 'AverageValue' | 'Value';
  averageUtilization?: number;
  /** For AverageValue/Value: a plain number (cpu in millicores, memory in bytes, counts as-is). */
  averageValue?: number;
  value?: number;
}

export interface MetricSpec {
  type: 'Resource' | 'Pods';
  /** Resource: 'cpu' | 'memory'; Pods: a balancer metric name. */
  name: string;
  target: MetricTarget;
}

export interface HpaScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HpaScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HpaScalingPolicy[];
}

export interface HpaSpec {
  name: string;
  source: SourceRef;
  target: { apiVersion: string; kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
  metrics: MetricSpec[];
  behavior: { scaleUp?: HpaScalingRules; scaleDown?: HpaScalingRules };
}

export interface ConfigMapSpec {
  name: string;
  source: SourceRef;
  data: Record<string, string>;
}

export interface SecretSpec {
  name: string;
  source: SourceRef;
  data: Record<string, string>;
}

/** A PersistentVolumeClaim: one named Docker volume, kept until `down --volumes`. */
export interface ClaimSpec {
  name: string;
  source: SourceRef;
  /** resources.requests.storage, recorded (a local volume has no size). */
  storageBytes: number;
  accessModes: string[];
  storageClassName?: string;
}

/** A virtual node: a slice of the Docker host that the scheduler fills by requests. */
export interface NodeSpec {
  name: string;
  cpuMilli: number;
  memoryBytes: number;
  labels: Record<string, string>;
  unschedulable: boolean;
}

/** One `sync` rule of a build: files matching `src` (relative to the context) are copied to `dest` in the container. */
export interface SyncRule {
  src: string;
  /** Absolute path in the container. */
  dest: string;
  source: SourceRef;
}

/** Live update of a built image: the stack file's `sync`, `restart` and `rebuildOn` (see sync/ in the engine). */
export interface LiveUpdateSpec {
  sync: SyncRule[];
  /** What runs after files were copied: a signal to the main process, a command in the container, or a restart of it. */
  restart?: { signal: string } | { exec: string[] } | { process: true };
  /** Globs (relative to the context) whose changes always rebuild and roll. */
  rebuildOn: string[];
}

export interface BuildSpec {
  /** The name manifests use in `image:` (a tag is optional there). */
  image: string;
  /** Absolute path of the build context. */
  context: string;
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  buildArgs: Record<string, string>;
  target?: string;
  source: SourceRef;
  /** Set when the build entry has sync rules: saves that match them are copied into running replicas. */
  liveUpdate?: LiveUpdateSpec;
}

/** Knobs for a fast local loop; every default is Kubernetes' own. */
export interface StackSettings {
  /** CrashLoopBackOff base delay (Kubernetes: 10 s) and cap (300 s). */
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  /** Overrides every pod's terminationGracePeriodSeconds when set. */
  terminationGracePeriodSeconds?: number;
  /** Periodic full reconcile, the safety net behind the events stream. */
  resyncSeconds: number;
  /** HPA sync period (Kubernetes: 15 s). */
  hpaSyncSeconds: number;
  /** Overrides the HPA scale-down stabilization window when set. */
  hpaDownscaleStabilizationSeconds?: number;
  /** Address the Service load balancers bind to. */
  bindAddress: string;
  /** Pod-spec features refused unless explicitly allowed. */
  allow: { privileged: boolean; hostNetwork: boolean; hostPID: boolean; hostPath: boolean; capabilities: boolean };
}

export interface IgnoredResource {
  kind: string;
  name: string;
  source: SourceRef;
}

export interface StackSpec {
  name: string;
  /** Absolute folder of the stack file; relative paths resolve against it. */
  dir: string;
  /** Absolute path of flotilla.yaml or skaffold.yaml. */
  file: string;
  manifestFiles: string[];
  builds: BuildSpec[];
  nodes: NodeSpec[];
  /** Every long-running workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Pod). */
  deployments: DeploymentSpec[];
  jobs: JobSpec[];
  cronJobs: CronJobSpec[];
  services: ServiceSpec[];
  hpas: HpaSpec[];
  configMaps: ConfigMapSpec[];
  secrets: SecretSpec[];
  /** Standalone PersistentVolumeClaims. */
  claims: ClaimSpec[];
  ignored: IgnoredResource[];
  /** What runs, but not quite as in a cluster (e.g. volumes not mounted); `up` prints them. */
  warnings: {
    file: string;
    line: number;
    column: number;
    message: string;
    /** information: a note (a file skipped on purpose), not something left undone. */
    severity: 'warning' | 'information';
    code?: string;
  }[];
  settings: StackSettings;
  /** Folders rendered by kustomize, with every file each render read (the watch loop follows them). */
  kustomize?: { dir: string; sources: string[] }[];
}
