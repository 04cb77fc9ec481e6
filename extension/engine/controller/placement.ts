// Turning "create N replicas of this deployment" into scheduler input: the pods
// already bound (observed and still in flight) and one request per new replica.
// A terminating replica stays bound until it is gone, as a pod with a deletion
// timestamp keeps its node's resources and host ports in the Kubernetes scheduler:
// its replacement may be created at once (the rollout does not wait for it), and
// it then waits Pending only if the node has no room or the port is still held.
// Pure, so the controller's I/O stays thin.
import { podOutcome, type ObservedPod } from '../docker/observe';
import type { DeploymentSpec, NodeSpec, RestartPolicy } from '../model/types';
import { HOSTNAME_LABEL, schedule, type BoundPod, type PodRequest } from '../scheduler';
import { replicaName } from './pod-spec';

export interface PlacementInput {
  nodes: NodeSpec[];
  /** Where a hostPort without hostIP is published (the stack's bind address). */
  bindAddress?: string;
  observed: readonly ObservedPod[];
  inflight: Iterable<BoundPod>;
  deployment: DeploymentSpec;
  hash: string;
  count: number;
  /**
   * Instead of `count` fresh names: the replicas to place, each with its own name (a
   * StatefulSet ordinal, a bare Pod) and, for a DaemonSet, the one node it belongs on.
   */
  slots?: { replica?: string; node?: string }[];
  rand?: () => number;
}

export interface PlacementResult {
  placed: (PodRequest & { node: string })[];
  pending: { replica: string; reason: string }[];
}

/** The pod's hostPorts as the scheduler compares them (`ip:port/PROTOCOL`). */
function requestedHostPorts(d: DeploymentSpec): string[] {
  return d.template.containers.flatMap((c) =>
    c.ports.filter((p) => p.hostPort).map((p) => `${p.hostIP ?? ''}:${p.hostPort}/${p.protocol}`),
  );
}

/** A hostPort without hostIP is published on the bind address. */
function withAddress(ports: string[], bindAddress = '0.0.0.0'): string[] {
  return ports.map((p) => (p.startsWith(':') ? `${bindAddress}${p}` : p));
}

export function placeReplicas(input: PlacementInput): PlacementResult {
  const d = input.deployment;
  const bound: BoundPod[] = input.observed.map((p) => ({
    replica: p.replica,
    deployment: p.deployment,
    cpuMilli: p.cpuMilli,
    memoryBytes: p.memoryBytes,
    node: p.node,
    nodeSelector: {},
    hostPorts: withAddress(p.hostPorts ?? [], input.bindAddress),
  }));
  for (const b of input.inflight) if (!bound.some((x) => x.replica === b.replica)) bound.push(b);
  const cpuMilli = d.template.containers.reduce((s, c) => s + (c.requests.cpuMilli ?? 0), 0);
  const memoryBytes = d.template.containers.reduce((s, c) => s + (c.requests.memoryBytes ?? 0), 0);
  const slots: { replica?: string; node?: string }[] = input.slots ?? Array.from({ length: input.count }, () => ({}));
  const requests: PodRequest[] = slots.map((s) => ({
    replica: s.replica ?? replicaName(d.name, input.hash, input.rand),
    deployment: d.name,
    cpuMilli,
    memoryBytes,
    // A pinned replica may go to its node only (the node's hostname label, as the daemon controller pins).
    nodeSelector: s.node ? { ...d.template.nodeSelector, [HOSTNAME_LABEL]: s.node } : d.template.nodeSelector,
    hostPorts: withAddress(requestedHostPorts(d), input.bindAddress),
  }));
  const result: PlacementResult = { placed: [], pending: [] };
  for (const pl of schedule(input.nodes, bound, requests)) {
    if ('pending' in pl) result.pending.push({ replica: pl.replica, reason: pl.pending });
    else result.placed.push({ ...requests.find((r) => r.replica === pl.replica)!, node: pl.node });
  }
  return result;
}

/**
 * Whether a pod has run to completion (podOutcome: Succeeded or Failed) and holds nothing any
 * more. Such a pod stays listed, for its logs and its Job's count, but as in a cluster it holds
 * no node resources and no host ports (Docker freed those when it stopped).
 */
export function podFinished(p: ObservedPod, restartPolicy: RestartPolicy | undefined, stayDown = false): boolean {
  if (podOutcome(p, restartPolicy, stayDown) === undefined) return false;
  // A container still running (a sidecar), or a sandbox still holding the pod's ports, keeps it on its node.
  return p.sandbox?.state !== 'running' && p.containers.every((c) => c.state === 'exited' || c.state === 'dead');
}
