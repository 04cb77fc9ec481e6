// The contract between the engine and its clients (CLI, VS Code extension, tests).
// `flotilla status --json` prints StackStatus; a running controller serves the same
// object and an event stream over a token-protected HTTP port on 127.0.0.1.

export type ReplicaState =
  | 'Pending' // not scheduled (see pending[].reason) or not yet created
  | 'Creating'
  | 'Running'
  | 'Waiting' // restart backoff (CrashLoopBackOff) or waiting for an image
  | 'Terminating'
  | 'Exited'
  | 'Completed'; // exited 0 and left down by its restartPolicy (a Job's pod, a run-once Pod)

export interface BackoffStatus {
  reason: string; // e.g. "CrashLoopBackOff"
  /** Seconds until the next restart attempt, at the time the status was made. */
  nextRetrySeconds: number;
  /** Wall-clock time of the next attempt, for live countdowns. */
  nextRetryAt: string;
  lastExitCode?: number;
  lastProbeFailure?: string;
}

export interface ReplicaStatus {
  name: string;
  container: string; // Docker container id ('' while Pending)
  node: string; // virtual node ('' while Pending)
  state: ReplicaState;
  ready: boolean;
  restarts: number;
  templateHash?: string;
  address?: string; // IP on the stack network
  startedAt?: string;
  cpuPercent?: number;
  memoryBytes?: number;
  backoff?: BackoffStatus;
  pendingReason?: string;
  /** kubectl's STATUS when it says more than `state`: Init:1/2, Init:Error, Init:CrashLoopBackOff, PodInitializing. */
  reason?: string;
  /**
   * Set for replicas of an image with live update (a build with sync rules): `built` runs the image
   * as built; `synced` runs it plus the files live update copied in since, `hash` naming that set.
   */
  liveUpdate?: ReplicaLiveUpdate;
}

export interface ReplicaLiveUpdate {
  state: 'built' | 'synced';
  /** sha256 of the synced files' paths and contents (state synced). */
  hash?: string;
  /** How many paths were synced (deletions included). */
  files?: number;
}

export interface RolloutStatus {
  state: 'Complete' | 'Progressing' | 'Failed';
  /** Recreate for Deployments only; OnDelete for StatefulSets and DaemonSets. */
  strategy: 'RollingUpdate' | 'Recreate' | 'OnDelete';
  currentHash: string;
  updated: number;
  available: number;
  message?: string;
}

export interface HpaStatus {
  name: string;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
  currentMetrics: { name: string; current: number; target: number; unit: string }[];
  lastScaleTime?: string;
  lastReason?: string;
  /** Why the HPA cannot act, when it cannot (e.g. no CPU requests). */
  unableReason?: string;
}

export interface DeploymentStatus {
  name: string;
  /** Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController or Pod. */
  kind?: string;
  desired: number;
  ready: number;
  /**
   * Set while a hand scale (`flotilla scale`, +1/−1) overrides the manifest's replicas. It is
   * dropped on `down` and when the manifest's replicas change, as `kubectl apply` would.
   */
  scaledByHand?: { replicas: number; manifestReplicas: number };
  available?: number;
  updated?: number;
  manifest?: { file: string; line: number };
  images?: string[];
  rollout?: RolloutStatus;
  hpa?: HpaStatus;
  replicas: ReplicaStatus[];
}

export interface EndpointStatus {
  replica: string;
  address: string; // ip:port
  ready: boolean;
  activeConnections?: number;
  totalConnections?: number;
  bytesIn?: number;
  bytesOut?: number;
  connectErrors?: number;
}

export interface ServicePortStatus {
  name?: string;
  port: number;
  targetPort: number | string;
  hostPort?: number;
  url?: string;
  error?: string;
}

export interface ServiceStatus {
  name: string;
  /** The Service's address inside the stack network ('None' for a headless Service), while a controller runs. */
  clusterIP?: string;
  selector: Record<string, string>;
  manifest?: { file: string; line: number };
  urls: string[];
  ports: ServicePortStatus[];
  endpoints: EndpointStatus[];
}

export interface PendingStatus {
  replica: string;
  reason: string;
}

export interface ControllerInfo {
  running: boolean;
  pid?: number;
  /** false while the Docker engine cannot be reached. */
  dockerConnected?: boolean;
  /** The Docker engine the controller uses: its DOCKER_HOST, '' for the default local socket. */
  dockerHost?: string;
  startedAt?: string;
  lastError?: string;
}

/** A Job (a CronJob's runs included) or a CronJob, as `kubectl get jobs,cronjobs` shows them. */
export interface JobStatus {
  name: string;
  kind: 'Job' | 'CronJob';
  /** Job: running pods; CronJob: running Jobs. */
  active: number;
  /** Job: pods that succeeded; CronJob: successful runs kept in its history. */
  succeeded: number;
  /** Job: failed pods and restarts (what backoffLimit counts); CronJob: failed runs kept. */
  failed: number;
  completions?: number;
  parallelism?: number;
  condition?: 'Complete' | 'Failed';
  reason?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
  /** A Job a CronJob ran. */
  cronJob?: string;
  schedule?: string;
  suspend?: boolean;
  lastScheduleTime?: string;
  nextScheduleTime?: string;
  /** A CronJob's runs, oldest first. */
  jobs?: string[];
  manifest?: { file: string; line: number };
  replicas: ReplicaStatus[];
}

export interface StackStatus {
  stack: string;
  dir: string;
  controller: ControllerInfo;
  /** Every long-running workload, with its kind. */
  deployments: DeploymentStatus[];
  /** Jobs and CronJobs. */
  jobs?: JobStatus[];
  services: ServiceStatus[];
  pending: PendingStatus[];
}

export interface EngineEvent {
  time: string;
  type: 'Normal' | 'Warning';
  reason: string; // e.g. Scheduled, Created, Started, Killing, BackOff, ScalingReplicaSet
  object: string; // "deployment/web", "replica/web-7c9d-2", "service/api", "stack/shop"
  message: string;
  /** A live update (reason Synced, or LiveUpdateFailed when it fell back to rebuild and roll). */
  sync?: LiveSyncEvent;
}

/** What one live update of an image did, for the editor's status bar. */
export interface LiveSyncEvent {
  image: string;
  files: number;
  replicas: number;
  /** From the batch of saves being read to the last replica restarted. */
  ms: number;
  hash: string;
  /** Why it fell back to rebuild and roll. */
  failed?: string;
}

/** Progress of one image the stack builds, step by step as the Dockerfile runs. */
export interface BuildProgress {
  image: string; // as the stack file names it, e.g. "shop/api"
  state: 'building' | 'built' | 'cached' | 'failed';
  /** The Dockerfile step running now (1-based) and the number of steps. */
  step?: number;
  total?: number;
  instruction?: string; // e.g. "RUN npm ci"
  /** Why the build failed, in one line. */
  message?: string;
}

/**
 * One line of the NDJSON stream at GET /v1/watch. Clients ignore kinds they do not know.
 * `flotilla up` writes the same messages (builds included, before the controller serves)
 * to the file descriptor named by FLOTILLA_PROGRESS_FD, for the editor that started it.
 */
export type WatchMessage =
  | { kind: 'status'; status: StackStatus }
  | { kind: 'event'; event: EngineEvent }
  | { kind: 'build'; build: BuildProgress };

/** Requests a controller accepts (POST, JSON body). */
export interface ControlRequests {
  /**
   * Set the replica count, or change it by `delta` (+1, −1: applied in the order requests
   * arrive, so quick clicks add up), or `reset` the hand scale to the manifest's replicas.
   */
  '/v1/scale': ScaleRequest;
  '/v1/restart': { deployment: string };
  '/v1/replica/restart': { replica: string };
  '/v1/replica/kill': { replica: string };
  '/v1/reload': Record<string, never>;
  /**
   * A view shows these replicas' CPU and memory: the controller reads them every 2 s for the
   * next minute (renew while the view stays open; an empty list stops). Usage is read nowhere
   * else except for an HPA's targets.
   */
  '/v1/usage': { replicas: string[] };
  /** Stop the controller; with down=true also remove everything the stack labelled. */
  '/v1/shutdown': { down: boolean };
}

export type ScaleRequest =
  | { deployment: string; replicas: number }
  | { deployment: string; delta: number }
  | { deployment: string; reset: true };

export interface ControlResponse {
  ok: boolean;
  message?: string;
  /** After a scale: the deployment's desired replicas once it was applied. */
  replicas?: number;
}

/** Written to <stack dir>/.flotilla/controller.json while a controller runs. */
export interface ControllerHandle {
  pid: number;
  port: number;
  token: string;
  startedAt: string;
  stack: string;
}

export const CONTROLLER_HANDLE_FILE = 'controller.json';
export const STATE_DIR = '.flotilla';

/** Checks a controller handle read from disk (another process wrote it; it may be stale or torn). */
export function isControllerHandle(v: unknown): v is ControllerHandle {
  return (
    v !== null &&
    typeof v === 'object' &&
    typeof Reflect.get(v, 'pid') === 'number' &&
    typeof Reflect.get(v, 'port') === 'number' &&
    typeof Reflect.get(v, 'token') === 'string'
  );
}
