// The workload kinds beyond Deployment, as Swarm runs them:
//   StatefulSet → one service per ordinal (<name>-<i>), pinned to a node by a constraint so its named volume
//                 (one per claim template and ordinal) stays with it, answering to <name>-<i>.<service> names
//   DaemonSet   → a global service, constrained by its nodeSelector
//   Job         → a replicated-job service (completions, parallelism; backoffLimit as restart attempts)
//   ReplicaSet, ReplicationController, bare Pod → replicated services like a Deployment's
// The fields are read structurally, so this module works with the model whichever kinds it carries.
import type Dockerode from 'dockerode';
import { scaledValue } from '../../health/rollout';
import type { DeploymentSpec, IntOrString, StackSpec } from '../../model/types';
import { serviceDnsNames, swarmName } from './names';
import type { SwarmNode } from './plan-types';

const SECOND = 1e9;

export interface ClaimTemplateLike {
  name: string;
}

/** The kind-specific fields the model gives a workload (see model/types.ts). */
export interface KindFields {
  kind?: string;
  statefulSet?: { serviceName: string; volumeClaimTemplates: ClaimTemplateLike[] };
  daemonSet?: { maxUnavailable: IntOrString };
  job?: { completions?: number; parallelism: number; backoffLimit: number };
}

export type AnyWorkload = DeploymentSpec & KindFields;

/** Long-running workloads and Jobs of the stack, whichever the model has. */
export function stackWorkloads(stack: StackSpec & { jobs?: AnyWorkload[] }): AnyWorkload[] {
  const long: AnyWorkload[] = stack.deployments;
  return [...long, ...(stack.jobs ?? [])];
}

export function kindOf(w: AnyWorkload): string {
  return w.kind ?? 'Deployment';
}

/** A StatefulSet ordinal's swarm service. */
export function ordinalServiceName(stack: string, set: string, i: number): string {
  return swarmName(stack, `${set}-${i}`);
}

/** The Docker volume of one claim template for one ordinal: <claim>-<set>-<i>, as Kubernetes names the claim. */
export function claimVolumeName(stack: string, claim: string, set: string, i: number): string {
  return swarmName(stack, `${claim}-${set}-${i}`);
}

/** The names a StatefulSet pod answers to: <pod>, and <pod>.<governing service> in every form. */
export function ordinalDnsNames(set: string, i: number, governing: string | undefined): string[] {
  const pod = `${set}-${i}`;
  if (!governing) return [pod];
  return [pod, ...serviceDnsNames(governing).map((n) => `${pod}.${n}`)];
}

/**
 * The node an ordinal is pinned to: the one it already has (so its volume's data stays with it), else ordinals
 * go round the ready nodes in hostname order.
 */
export function pinOrdinal(i: number, nodes: SwarmNode[], current: string | undefined): SwarmNode | undefined {
  if (current) {
    const same = nodes.find((n) => n.id === current);
    if (same) return same;
  }
  const ready = nodes.filter((n) => n.ready).sort((a, b) => a.hostname.localeCompare(b.hostname));
  return ready.length ? ready[i % ready.length] : undefined;
}

/** The node id in a service's `node.id==…` constraint, if it has one. */
export function pinnedNode(spec: Dockerode.ServiceSpec | undefined): string | undefined {
  const t = spec?.TaskTemplate;
  const constraints = t && 'ContainerSpec' in t ? (t.Placement?.Constraints ?? []) : [];
  return constraints.map((c) => /^node\.id\s*==\s*(\S+)$/.exec(c)?.[1]).find((x) => x !== undefined);
}

/** A DaemonSet's update policy: stop-first, as many nodes at a time as may be unavailable. */
export function daemonSetUpdate(w: AnyWorkload, nodes: number): Dockerode.UpdateConfig {
  const n = scaledValue(w.daemonSet?.maxUnavailable ?? 1, Math.max(1, nodes), false) ?? 1;
  return { Parallelism: Math.max(1, n), Order: 'stop-first', FailureAction: 'rollback', Monitor: 5 * SECOND };
}

/** A Job as a replicated-job service; a failed task is retried up to backoffLimit times. */
export function jobMode(w: AnyWorkload): { mode: Dockerode.ServiceMode; restart: Dockerode.TaskRestartPolicy } {
  const job = w.job ?? { parallelism: 1, backoffLimit: 6 };
  const completions = job.completions ?? 1;
  return {
    mode: {
      ReplicatedJob: {
        MaxConcurrent: Math.max(1, Math.min(job.parallelism, completions)),
        TotalCompletions: completions,
      },
    },
    restart: { Condition: 'on-failure', MaxAttempts: job.backoffLimit, Delay: SECOND },
  };
}
