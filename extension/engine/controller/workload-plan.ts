// What one reconcile pass does to a long-running workload's replicas, by kind:
// Deployment (the rollout planner), ReplicaSet and ReplicationController (a
// count, no rollout), StatefulSet (ordinals), DaemonSet (one per node) and a
// bare Pod (started once). Pure: the reconciler observes, this decides, the
// reconciler acts.
import type { RolloutStatus } from '../api/protocol';
import { isAvailable, planRollout, removalOrder, type ObservedReplica, type RolloutProgress } from '../health/rollout';
import type { DeploymentSpec, NodeSpec } from '../model/types';
import { planDaemonSet } from './daemon-set';
import { ordinalOf, planStatefulSet, statefulPodName } from './stateful-set';

export interface ReplicaView extends ObservedReplica {
  node: string;
  running: boolean;
}

/** A replica to create: its fixed name (StatefulSet ordinal, bare Pod) and the node it is pinned to (DaemonSet). */
export interface Slot {
  replica?: string;
  node?: string;
}

export interface PlanInput {
  d: DeploymentSpec;
  desired: number;
  hash: string;
  replicas: ReplicaView[];
  nodes: NodeSpec[];
  now: number;
  progress?: RolloutProgress;
  /** Bare Pod: the template hash it was started with, if it ever was. */
  started?: string;
}

export interface WorkloadPlan {
  create: Slot[];
  remove: { replica: string; why: string }[];
  status?: RolloutStatus;
  progress?: RolloutProgress;
  requeueAfterMs?: number;
  /** Bare Pod: record that it was started with this hash. */
  started?: string;
}

export function kindOf(d: Pick<DeploymentSpec, 'kind'>): NonNullable<DeploymentSpec['kind']> {
  return d.kind ?? 'Deployment';
}

export function planWorkload(input: PlanInput): WorkloadPlan {
  const { d, desired, hash, replicas, now } = input;
  switch (kindOf(d)) {
    case 'StatefulSet': {
      const set = d.statefulSet;
      const pods = replicas.flatMap((r) => {
        const ordinal = ordinalOf(d.name, r.id);
        return ordinal === undefined ? [] : [{ ...r, replica: r.id, ordinal }];
      });
      const plan = planStatefulSet({
        name: d.name,
        fields: set ?? { podManagementPolicy: 'OrderedReady', updateStrategy: 'RollingUpdate', partition: 0 },
        replicas: desired,
        currentHash: hash,
        pods,
      });
      // A replica of the set whose name is not an ordinal (made by hand?) is not one of its pods.
      const strays = replicas.filter((r) => ordinalOf(d.name, r.id) === undefined && !r.terminating);
      return {
        create: plan.create.map((o) => ({ replica: statefulPodName(d.name, o) })),
        remove: [...plan.remove, ...strays.map((r) => ({ replica: r.id, why: 'not one of the ordinals' }))],
        status: plan.status,
      };
    }
    case 'DaemonSet': {
      const plan = planDaemonSet({
        name: d.name,
        fields: d.daemonSet ?? { updateStrategy: 'RollingUpdate', maxUnavailable: 1 },
        nodeSelector: d.template.nodeSelector,
        nodes: input.nodes,
        currentHash: hash,
        pods: replicas.map((r) => ({
          replica: r.id,
          node: r.node,
          hash: r.hash,
          available: isAvailable(r, d.minReadySeconds, now),
          terminating: r.terminating,
          createdAt: r.createdAt,
        })),
      });
      return { create: plan.create.map((node) => ({ node })), remove: plan.remove, status: plan.status };
    }
    case 'ReplicaSet':
    case 'ReplicationController': {
      const live = replicas.filter((r) => !r.terminating);
      if (live.length < desired) {
        return { create: Array.from({ length: desired - live.length }, () => ({})), remove: [] };
      }
      const surplus = removalOrder(live, d.minReadySeconds, now).slice(0, live.length - desired);
      return { create: [], remove: surplus.map((r) => ({ replica: r.id, why: `scaled down to ${desired}` })) };
    }
    case 'Pod':
      return planBarePod(input);
    default: {
      const plan = planRollout({
        deployment: d,
        desiredReplicas: desired,
        currentHash: hash,
        replicas,
        now,
        progress: input.progress,
      });
      return {
        create: Array.from({ length: plan.create }, () => ({})),
        remove: plan.remove.map((replica) => ({ replica, why: 'scaled down or replaced by the rollout' })),
        status: plan.status,
        progress: plan.progress,
        requeueAfterMs: plan.requeueAfterMs,
      };
    }
  }
}

/**
 * A bare Pod is started once. Deleted, it is not started again (as in a cluster);
 * a changed manifest replaces it, as re-creating the Pod would.
 */
function planBarePod(input: PlanInput): WorkloadPlan {
  const { d, hash, replicas } = input;
  const live = replicas.filter((r) => !r.terminating);
  const remove = live
    .filter((r) => r.hash !== hash || r.id !== d.name)
    .map((r) => ({ replica: r.id, why: 'the Pod manifest changed' }));
  if (live.some((r) => r.hash === hash && r.id === d.name) || replicas.some((r) => r.terminating)) {
    return { create: [], remove };
  }
  if (input.started === hash) return { create: [], remove };
  return { create: [{ replica: d.name }], remove, started: hash };
}
