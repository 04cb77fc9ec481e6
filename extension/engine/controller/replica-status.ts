// One workload's replicas as StatusInputs describe them: each observed pod's
// state, readiness, restarts and backoff, then the replicas still Pending.
// Shared by the status of long-running workloads (status.ts) and of Jobs
// (job-status.ts).
import type { DeploymentStatus, PendingStatus, ReplicaStatus, RolloutStatus } from '../api/protocol';
import { podPhase, type ObservedPod } from '../docker/observe';
import type { DeploymentSpec } from '../model/types';
import { podReason } from './pod-lifecycle';
import { isPodReady } from './readiness';
import { restartCount, type RuntimeTable } from './runtime';
import type { StackState } from './state-store';
import { ordinalOf } from './stateful-set';

export interface StatusInputs {
  runtime?: RuntimeTable;
  now: number;
  desired: (d: DeploymentSpec) => number;
  /** The hand scale in force, if any (see hand-scale.ts). */
  scaledByHand?: (d: DeploymentSpec) => DeploymentStatus['scaledByHand'];
  pending: PendingStatus[];
  rollouts?: Map<string, RolloutStatus>;
  /** Restart counts from the state store, when no runtime is available. */
  restarts?: Record<string, number>;
  /** The pending replicas of one workload (the controller knows them per workload). */
  pendingFor?: (workload: string) => PendingStatus[];
  /** What Jobs and CronJobs have recorded (the state store). */
  records?: Pick<StackState, 'jobs' | 'cronJobs'>;
}

/** A workload's replicas, oldest first (a StatefulSet's by ordinal), then those still Pending. */
export function workloadReplicas(d: DeploymentSpec, pods: ObservedPod[], inputs: StatusInputs): ReplicaStatus[] {
  const mine = pods.filter((p) => p.deployment === d.name);
  const ordinal = (p: ObservedPod) => ordinalOf(d.name, p.replica) ?? Infinity;
  mine.sort((a, b) => (d.kind === 'StatefulSet' ? ordinal(a) - ordinal(b) : 0) || a.createdAt - b.createdAt);
  const replicas = mine.map((p) => replicaStatus(p, d, inputs));
  const pendingHere = inputs.pendingFor
    ? inputs.pendingFor(d.name)
    : inputs.pending.filter((x) => x.replica.startsWith(`${d.name}-`));
  for (const x of pendingHere) {
    replicas.push({
      name: x.replica,
      container: '',
      node: '',
      state: 'Pending',
      ready: false,
      restarts: 0,
      pendingReason: x.reason,
    });
  }
  return replicas;
}

export function replicaStatus(p: ObservedPod, d: DeploymentSpec, inputs: StatusInputs): ReplicaStatus {
  const rt = inputs.runtime?.peek(p.replica);
  const phase = podPhase(p);
  const backoff = rt?.backoff.status(inputs.now);
  const exitCode = p.containers.find((c) => c.exitCode !== undefined)?.exitCode;
  const state: ReplicaStatus['state'] = rt?.terminating
    ? 'Terminating'
    : phase === 'running'
      ? 'Running'
      : phase === 'exited'
        ? backoff
          ? 'Waiting'
          : exitCode === 0 && d.template.restartPolicy !== 'Always'
            ? 'Completed'
            : 'Exited'
        : 'Creating';
  const out: ReplicaStatus = {
    name: p.replica,
    container: p.containers[0]?.id ?? '',
    node: p.node,
    state,
    ready: isPodReady(p, d, inputs.runtime),
    restarts: rt ? restartCount(rt) : (inputs.restarts?.[p.replica] ?? 0),
    templateHash: p.hash,
    address: p.containers[0]?.ip,
  };
  if (backoff) out.backoff = backoff;
  if (rt?.runningSince) out.startedAt = new Date(rt.runningSince).toISOString();
  const reason = podReason(p, d, undefined, inputs.now);
  if (reason) out.reason = reason;
  return out;
}
