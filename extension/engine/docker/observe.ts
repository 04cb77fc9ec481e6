// Observed state: what Docker says exists for one stack, grouped into replicas.
// Read fresh on every reconcile (one list call), so nothing the engine remembers
// can drift from what really runs.
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
  deployment: string;
  hash: string;
  node: string;
  createdAt: number;
  cpuMilli: number;
  memoryBytes: number;
  containers: ObservedContainer[];
}

export async function observeStack(docker: DockerApi, stack: string, signal?: AbortSignal): Promise<ObservedPod[]> {
  const list = await docker.listContainers({ all: true, filters: stackFilter(stack), abortSignal: signal });
  const pods = new Map<string, ObservedPod>();
  for (const c of list) {
    const l = c.Labels ?? {};
    if (l[LABELS.stack] !== stack || !l[LABELS.replica]) continue;
    const replica = l[LABELS.replica];
    let pod = pods.get(replica);
    if (!pod) {
      pod = {
        replica,
        deployment: l[LABELS.deployment] ?? '',
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
    pod.containers.push({
      id: c.Id,
      name: (c.Names?.[0] ?? '').replace(/^\//, ''),
      podContainer: l[LABELS.container] ?? '',
      state: c.State,
      exitCode: exitCodeOf(c.Status),
      ip: c.NetworkSettings?.Networks?.[networkName(stack)]?.IPAddress || undefined,
      image: c.Image,
    });
  }
  return [...pods.values()];
}

/** "Exited (137) 3 seconds ago" → 137. */
export function exitCodeOf(status: string | undefined): number | undefined {
  const m = /Exited \((-?\d+)\)/.exec(status ?? '');
  return m ? Number(m[1]) : undefined;
}

/** A pod runs when every container runs; it has exited when its first (network-owning) container has. */
export function podPhase(p: ObservedPod): 'running' | 'exited' | 'creating' {
  if (p.containers.length && p.containers.every((c) => c.state === 'running')) return 'running';
  if (p.containers.some((c) => c.state === 'exited' || c.state === 'dead')) return 'exited';
  return 'creating';
}
