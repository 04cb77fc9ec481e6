// Every Docker object the engine creates carries these labels. They are how the
// engine recognises its own objects after a restart, and why it never touches
// anything else: a container without `dev.flotilla.stack=<name>` is not ours.

export const LABEL_PREFIX = 'dev.flotilla.';
export const LABELS = {
  stack: 'dev.flotilla.stack',
  /** On the stack network: the folder whose stack file owns the name. */
  stackDir: 'dev.flotilla.stack-dir',
  /** The workload the replica belongs to (any kind; the name is historical). */
  deployment: 'dev.flotilla.deployment',
  /** Its kind: Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Pod or Job. */
  kind: 'dev.flotilla.kind',
  /** On a Job's pods: the CronJob that ran the Job. */
  cronJob: 'dev.flotilla.cronjob',
  replica: 'dev.flotilla.replica',
  podTemplateHash: 'dev.flotilla.pod-template-hash',
  node: 'dev.flotilla.node',
  /** Which manifest container of the pod this Docker container runs. */
  container: 'dev.flotilla.container',
  /** Content hash of a build context, on images the stack built. */
  contextHash: 'dev.flotilla.context-hash',
  /** Requests recorded at creation, so scheduling accounts for replicas of an older template. */
  cpuRequest: 'dev.flotilla.cpu-request',
  memoryRequest: 'dev.flotilla.memory-request',
  /** Epoch ms the replica was created; all containers of a replica share it. */
  createdAt: 'dev.flotilla.created-at',
  /** On a claim volume: the PersistentVolumeClaim it backs (see volumes.ts). */
  claim: 'dev.flotilla.claim',
  /** On a pod volume: the pod's volume name (the replica label says whose). */
  podVolume: 'dev.flotilla.pod-volume',
  /** On an init container: its index in spec.initContainers. */
  initContainer: 'dev.flotilla.init-container',
  /** On a pod's network owner: its hostPorts as `ip:port/PROTOCOL,...` (ip empty: the bind address). */
  hostPorts: 'dev.flotilla.host-ports',
  /** Helper objects that are no replica: `volume-writer` containers, the `pause` image, a pod's `sandbox`. */
  role: 'dev.flotilla.role',
  /** On the stack's Service proxy container: a hash of its settings (a change recreates it). */
  proxy: 'dev.flotilla.proxy',
} as const;

/** Docker list filter selecting only one stack's objects. */
export function stackFilter(stack: string, extra: Record<string, string> = {}): { label: string[] } {
  const label = [`${LABELS.stack}=${stack}`];
  for (const [k, v] of Object.entries(extra)) label.push(`${k}=${v}`);
  return { label };
}

export function networkName(stack: string): string {
  return `flotilla_${stack}`;
}
