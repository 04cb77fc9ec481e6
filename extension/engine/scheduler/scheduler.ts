// Places replicas on virtual nodes the way kube-scheduler's default profile
// does, restricted to what a local stack can express: filter (NodeUnschedulable,
// NodeAffinity via nodeSelector, NodePorts, NodeResourcesFit), then score
// (NodeResourcesFit least-allocated ×1, PodTopologySpread's default hostname
// spreading ×2) and take the best node. Pure: same inputs, same placements.

import type { NodeSpec } from '../model/types';

export interface PodRequest {
  replica: string;
  deployment: string;
  /** Requested millicores; 0 when unset. */
  cpuMilli: number;
  /** Requested bytes; 0 when unset. */
  memoryBytes: number;
  nodeSelector: Record<string, string>;
  /**
   * hostPorts as `ip:port/PROTOCOL`. Every virtual node is a slice of the one Docker host, so a
   * host port taken on any node is taken on all of them.
   */
  hostPorts?: string[];
}

export interface BoundPod extends PodRequest {
  node: string;
}

export type Placement = { replica: string; node: string } | { replica: string; pending: string };

/** Label every node carries implicitly, as the kubelet sets it on real nodes. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

// kube-scheduler's reason strings, verbatim, so users can search for them.
export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_SELECTOR = "node(s) didn't match Pod's node affinity/selector";
export const REASON_CPU = 'Insufficient cpu';
export const REASON_MEMORY = 'Insufficient memory';
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const NO_NODES = 'no nodes available to schedule pods';

// Scoring counts a pod without requests as this much (schedutil.DefaultMilliCPURequest
// and DefaultMemoryRequest), so zero-request pods still spread by load.
export const NON_ZERO_CPU_MILLI = 100;
export const NON_ZERO_MEMORY_BYTES = 200 * 1024 * 1024;

export const WEIGHT_RESOURCES_FIT = 1;
export const WEIGHT_TOPOLOGY_SPREAD = 2;
const MAX_NODE_SCORE = 100;
/** The default cluster-level constraint: maxSkew 3 on hostname, ScheduleAnyway. */
const DEFAULT_MAX_SKEW = 3;

interface NodeState {
  spec: NodeSpec;
  labels: Record<string, string>;
  cpuRequested: number;
  memoryRequested: number;
  cpuNonZero: number;
  memoryNonZero: number;
  /** Replicas per deployment on this node. */
  perDeployment: Map<string, number>;
}

/**
 * Schedules `pods` in order onto `nodes`, given the pods already `bound`.
 * Each placement consumes capacity for the pods after it in the same call.
 */
export function schedule(nodes: NodeSpec[], bound: BoundPod[], pods: PodRequest[]): Placement[] {
  const states = [...nodes]
    .sort((a, b) => compareNames(a.name, b.name))
    .map<NodeState>((spec) => ({
      spec,
      labels: { ...spec.labels, [HOSTNAME_LABEL]: spec.name },
      cpuRequested: 0,
      memoryRequested: 0,
      cpuNonZero: 0,
      memoryNonZero: 0,
      perDeployment: new Map(),
    }));
  const byName = new Map(states.map((s) => [s.spec.name, s]));
  const usedPorts: string[] = [];
  // Pods bound to a node that no longer exists take no capacity anywhere (their ports are still held).
  for (const pod of bound) {
    const state = byName.get(pod.node);
    if (state) assume(state, pod);
    usedPorts.push(...(pod.hostPorts ?? []));
  }

  const placements: Placement[] = [];
  for (const pod of pods) {
    const result = scheduleOne(states, pod, usedPorts);
    if ('node' in result) {
      assume(byName.get(result.node)!, pod);
      usedPorts.push(...(pod.hostPorts ?? []));
    }
    placements.push(result);
  }
  return placements;
}

function scheduleOne(states: NodeState[], pod: PodRequest, usedPorts: string[]): Placement {
  if (states.length === 0) return { replica: pod.replica, pending: NO_NODES };
  const feasible: NodeState[] = [];
  const reasons = new Map<string, number>();
  for (const state of states) {
    const failed = filter(state, pod, usedPorts);
    if (failed.length === 0) feasible.push(state);
    for (const r of failed) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  if (feasible.length === 0) return { replica: pod.replica, pending: fitErrorMessage(states.length, reasons) };

  const fit = feasible.map((s) => leastAllocatedScore(s, pod));
  const spread = topologySpreadScores(feasible, pod);
  let best = 0;
  let bestScore = -1;
  for (let i = 0; i < feasible.length; i++) {
    const score = fit[i] * WEIGHT_RESOURCES_FIT + spread[i] * WEIGHT_TOPOLOGY_SPREAD;
    // Strictly greater: on a tie the earlier node (by name) keeps the place.
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  }
  return { replica: pod.replica, node: feasible[best].spec.name };
}

/**
 * The reasons a node rejects the pod, in kube-scheduler's plugin order. As
 * there, the first failing plugin ends the check, but NodeResourcesFit
 * reports every insufficient resource.
 */
export function filter(
  state: Pick<NodeState, 'spec' | 'labels' | 'cpuRequested' | 'memoryRequested'>,
  pod: PodRequest,
  usedPorts: string[] = [],
): string[] {
  if (state.spec.unschedulable) return [REASON_UNSCHEDULABLE];
  for (const [k, v] of Object.entries(pod.nodeSelector)) {
    if (state.labels[k] !== v) return [REASON_SELECTOR];
  }
  if (pod.hostPorts?.some((p) => usedPorts.some((u) => portsConflict(p, u)))) return [REASON_PORTS];
  const reasons: string[] = [];
  // A zero request is never checked, as in fitsRequest: it fits even a full node.
  if (pod.cpuMilli > 0 && pod.cpuMilli > state.spec.cpuMilli - state.cpuRequested) reasons.push(REASON_CPU);
  if (pod.memoryBytes > 0 && pod.memoryBytes > state.spec.memoryBytes - state.memoryRequested) {
    reasons.push(REASON_MEMORY);
  }
  return reasons;
}

/** HostPortInfo.CheckConflict: same port and protocol, and the same address or either on 0.0.0.0. */
export function portsConflict(a: string, b: string): boolean {
  const parse = (s: string) => {
    const m = /^(.*):(\d+)\/(\w+)$/.exec(s);
    return m ? { ip: m[1] || '0.0.0.0', port: m[2], protocol: m[3] } : undefined;
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y || x.port !== y.port || x.protocol !== y.protocol) return false;
  return x.ip === y.ip || x.ip === '0.0.0.0' || y.ip === '0.0.0.0';
}

/** "0/3 nodes are available: 1 node(s) didn't match ..., 2 Insufficient cpu." — reasons sorted as strings, like sort.Strings. */
export function fitErrorMessage(nodeCount: number, reasons: Map<string, number>): string {
  const parts = [...reasons].map(([reason, n]) => `${n} ${reason}`).sort(compareNames);
  return `0/${nodeCount} nodes are available: ${parts.join(', ')}.`;
}

/** NodeResourcesFit LeastAllocated: mean over cpu and memory of (capacity − requested) × 100 / capacity. */
function leastAllocatedScore(state: NodeState, pod: PodRequest): number {
  const cpu = leastRequested(state.cpuNonZero + nonZeroCpu(pod), state.spec.cpuMilli);
  const memory = leastRequested(state.memoryNonZero + nonZeroMemory(pod), state.spec.memoryBytes);
  return Math.floor((cpu + memory) / 2);
}

function leastRequested(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * PodTopologySpread's default constraint on hostname: raw score is the count
 * of the deployment's replicas on the node (weighted, plus maxSkew − 1), then
 * normalised so the emptiest node gets 100.
 */
function topologySpreadScores(feasible: NodeState[], pod: PodRequest): number[] {
  const weight = Math.log(feasible.length + 2);
  const raw = feasible.map((s) =>
    Math.round((s.perDeployment.get(pod.deployment) ?? 0) * weight + (DEFAULT_MAX_SKEW - 1)),
  );
  const max = Math.max(...raw);
  const min = Math.min(...raw);
  if (max === 0) return raw.map(() => MAX_NODE_SCORE);
  return raw.map((s) => Math.floor((MAX_NODE_SCORE * (max + min - s)) / max));
}

function assume(state: NodeState, pod: PodRequest): void {
  state.cpuRequested += pod.cpuMilli;
  state.memoryRequested += pod.memoryBytes;
  state.cpuNonZero += nonZeroCpu(pod);
  state.memoryNonZero += nonZeroMemory(pod);
  state.perDeployment.set(pod.deployment, (state.perDeployment.get(pod.deployment) ?? 0) + 1);
}

function nonZeroCpu(pod: PodRequest): number {
  return pod.cpuMilli > 0 ? pod.cpuMilli : NON_ZERO_CPU_MILLI;
}

function nonZeroMemory(pod: PodRequest): number {
  return pod.memoryBytes > 0 ? pod.memoryBytes : NON_ZERO_MEMORY_BYTES;
}

// Byte order, like Go's string comparison, independent of the locale.
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
