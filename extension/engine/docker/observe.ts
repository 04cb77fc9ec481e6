// Observed state: what Docker says exists for one stack, grouped into replicas.
// Read fresh on every reconcile (one list call), so nothing the engine remembers
// can drift from what really runs.
import type { RestartPolicy } from '../model/types';
import type { DockerApi } from './api';
import { LABELS, networkName, stackFilter } from './labels';

export interface ObservedContainer {
  id: string;
  name: string; // Docker name without the leading '/'
  podContainer: string; // manifest container name
  state: string; // created | running | paused | restarting | removing | exited | dead
  exitCode?: number;
  ip?: string;
  image: string;
}

export interface ObservedPod {
  replica: string;
  /** The workload's name, whatever its kind. */
  deployment: string;
  /** The workload's kind; undefined (replicas made before kinds were labelled) is a Deployment. */
  kind?: string;
  /** A Job's pods: the CronJob that ran the Job. */
  cronJob?: string;
  hash: string;
  node: string;
  createdAt: number;
  cpuMilli: number;
  memoryBytes: number;
  /** The app containers, in creation order (the first owns the network unless there is a sandbox). */
  containers: ObservedContainer[];
  /** The pause container owning the pod's network and memory volumes, when the pod has one. */
  sandbox?: ObservedContainer;
  /** Init containers, by index in spec.initContainers. */
  initContainers?: (ObservedContainer & { index: number })[];
  /** hostPorts the pod holds, as `ip:port/PROTOCOL` (ip empty: the stack's bind address). */
  hostPorts?: string[];
}

export async function observeStack(docker: DockerApi, stack: string, signal?: AbortSignal): Promise<ObservedPod[]> {
  const list = await docker.listContainers({ all: true, filters: stackFilter(stack), abortSignal: signal });
  const pods = new Map<string, ObservedPod>();
  const created = new Map<string, number>();
  for (const c of list) {
    const l = c.Labels ?? {};
    if (l[LABELS.stack] !== stack || !l[LABELS.replica]) continue;
    const replica = l[LABELS.replica];
    let pod = pods.get(replica);
    if (!pod) {
      pod = {
        replica,
        deployment: l[LABELS.deployment] ?? '',
        kind: l[LABELS.kind],
        cronJob: l[LABELS.cronJob],
        hash: l[LABELS.podTemplateHash] ?? '',
        node: l[LABELS.node] ?? '',
        createdAt: Number(l[LABELS.createdAt]) || c.Created * 1000,
        cpuMilli: 0,
        memoryBytes: 0,
        containers: [],
      };
      pods.set(replica, pod);
    }
    pod.cpuMilli += Number(l[LABELS.cpuRequest]) || 0;
    pod.memoryBytes += Number(l[LABELS.memoryRequest]) || 0;
    if (l[LABELS.hostPorts]) pod.hostPorts = l[LABELS.hostPorts].split(',');
    const seen: ObservedContainer = {
      id: c.Id,
      name: (c.Names?.[0] ?? '').replace(/^\//, ''),
      podContainer: l[LABELS.container] ?? '',
      state: c.State,
      exitCode: exitCodeOf(c.Status),
      ip: c.NetworkSettings?.Networks?.[networkName(stack)]?.IPAddress || undefined,
      image: c.Image,
    };
    created.set(c.Id, c.Created);
    if (l[LABELS.role] === 'sandbox') pod.sandbox = seen;
    else if (l[LABELS.initContainer] !== undefined) {
      (pod.initContainers ??= []).push({ ...seen, index: Number(l[LABELS.initContainer]) });
    } else pod.containers.push(seen);
  }
  for (const pod of pods.values()) {
    // Docker lists newest first; the pod's first container is the one created first.
    pod.containers.sort((a, b) => created.get(a.id)! - created.get(b.id)! || (a.name < b.name ? -1 : 1));
    pod.initContainers?.sort((a, b) => a.index - b.index);
    // Containers that join the pod's network have no address of their own: they answer on the pod's.
    const ip = pod.sandbox?.ip ?? pod.containers.find((c) => c.ip)?.ip;
    if (ip) for (const c of pod.containers) c.ip ??= ip;
  }
  return [...pods.values()];
}

/** "Exited (137) 3 seconds ago" → 137. */
export function exitCodeOf(status: string | undefined): number | undefined {
  const m = /Exited \((-?\d+)\)/.exec(status ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * How a run-once pod ended (Kubernetes' Succeeded or Failed), as its Job counts it: exit 0 is
 * success; any other exit is a failure under restartPolicy Never, or once its controller gave up
 * restarting it (`stayDown`). Undefined while it runs or may run again.
 */
export function podOutcome(
  p: ObservedPod,
  restartPolicy: RestartPolicy | undefined,
  stayDown = false,
): 'succeeded' | 'failed' | undefined {
  if (restartPolicy === undefined || restartPolicy === 'Always' || podPhase(p) !== 'exited') return undefined;
  const exit = p.containers.find((c) => c.exitCode !== undefined)?.exitCode;
  if (exit === 0) return 'succeeded';
  return restartPolicy === 'Never' || stayDown ? 'failed' : undefined;
}

/** A pod runs when every container runs; it has exited when one has (or its sandbox has). */
export function podPhase(p: ObservedPod): 'running' | 'exited' | 'creating' {
  if (p.sandbox && p.sandbox.state !== 'running' && p.sandbox.state !== 'created') return 'exited';
  if (p.containers.length && p.containers.every((c) => c.state === 'running')) return 'running';
  if (p.containers.some((c) => c.state === 'exited' || c.state === 'dead')) return 'exited';
  return 'creating';
}
