// One pure reconcile step of a StatefulSet, after Kubernetes' StatefulSet
// controller (stateful_set_control.go): pods named <set>-<ordinal> for ordinals
// 0..replicas-1. OrderedReady creates one pod at a time, each Running and Ready
// before the next, and removes the highest ordinal first, one at a time once
// the others are healthy; Parallel creates and removes all at once.
// RollingUpdate replaces pods from the highest ordinal down to `partition`, one
// at a time, each only once every pod is Running and Ready; OnDelete never
// replaces a pod (a deleted one comes back with the current template).
import type { RolloutStatus } from '../api/protocol';
import type { StatefulSetFields } from '../model/types';

export interface OrdinalPod {
  replica: string;
  ordinal: number;
  hash: string;
  /** All containers run (a crashed pod is restarted in place, not replaced). */
  running: boolean;
  ready: boolean;
  terminating: boolean;
}

export interface StatefulSetInput {
  name: string;
  fields: Pick<StatefulSetFields, 'podManagementPolicy' | 'updateStrategy' | 'partition'>;
  replicas: number;
  currentHash: string;
  pods: OrdinalPod[];
}

export interface StatefulSetPlan {
  /** Ordinals to create now. */
  create: number[];
  /** Pods to terminate now, with why. */
  remove: { replica: string; why: string }[];
  status: RolloutStatus;
}

export function statefulPodName(set: string, ordinal: number): string {
  return `${set}-${ordinal}`;
}

/** The ordinal of `<set>-<n>`, or undefined for a name that is not one of the set's. */
export function ordinalOf(set: string, replica: string): number | undefined {
  if (!replica.startsWith(`${set}-`)) return undefined;
  const rest = replica.slice(set.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function planStatefulSet(input: StatefulSetInput): StatefulSetPlan {
  const { fields, replicas, currentHash } = input;
  const ordered = fields.podManagementPolicy === 'OrderedReady';
  const byOrdinal = new Map<number, OrdinalPod>();
  const duplicates: OrdinalPod[] = [];
  for (const p of [...input.pods].sort((a, b) => a.ordinal - b.ordinal)) {
    if (byOrdinal.has(p.ordinal)) duplicates.push(p);
    else byOrdinal.set(p.ordinal, p);
  }
  const healthy = (p: OrdinalPod | undefined): boolean => !!p && p.running && p.ready && !p.terminating;
  const plan: StatefulSetPlan = { create: [], remove: [], status: status(input) };
  for (const d of duplicates) {
    if (!d.terminating) plan.remove.push({ replica: d.replica, why: 'a second pod with the same ordinal' });
  }

  // Scale up, lowest ordinal first; OrderedReady waits for each predecessor.
  for (let i = 0; i < replicas; i++) {
    const p = byOrdinal.get(i);
    if (!p) {
      plan.create.push(i);
      if (ordered) return plan;
      continue;
    }
    if (ordered && !healthy(p)) return plan;
  }

  // Scale down, highest ordinal first; OrderedReady one at a time, once the rest are healthy.
  const condemned = [...byOrdinal.values()].filter((p) => p.ordinal >= replicas).sort((a, b) => b.ordinal - a.ordinal);
  for (const p of condemned) {
    if (p.terminating) {
      if (ordered) return plan;
      continue;
    }
    if (ordered) {
      const unhealthy = [...byOrdinal.values()].find((x) => x !== p && x.ordinal < p.ordinal && !healthy(x));
      if (unhealthy) return plan;
    }
    plan.remove.push({ replica: p.replica, why: `scaled down to ${replicas}` });
    if (ordered) return plan;
  }
  if (condemned.length && ordered) return plan;

  // Rolling update: highest ordinal down to the partition, one pod at a time.
  if (fields.updateStrategy !== 'RollingUpdate') return plan;
  const kept = [...byOrdinal.values()].filter((p) => p.ordinal < replicas);
  if (kept.length < replicas || kept.some((p) => !healthy(p))) return plan;
  for (const p of kept.sort((a, b) => b.ordinal - a.ordinal)) {
    if (p.ordinal < fields.partition) break;
    if (p.hash !== currentHash) {
      plan.remove.push({ replica: p.replica, why: 'replaced by the rolling update' });
      return plan;
    }
  }
  return plan;
}

function status(input: StatefulSetInput): RolloutStatus {
  const { name, replicas, currentHash, fields } = input;
  const live = input.pods.filter((p) => !p.terminating && p.ordinal < replicas);
  const updated = live.filter((p) => p.hash === currentHash).length;
  const ready = live.filter((p) => p.running && p.ready).length;
  const target = fields.updateStrategy === 'RollingUpdate' ? Math.max(0, replicas - fields.partition) : 0;
  const extra = input.pods.filter((p) => p.ordinal >= replicas).length;
  const complete = ready === replicas && updated >= target && extra === 0;
  let message: string;
  if (complete) {
    message =
      fields.partition > 0 && fields.updateStrategy === 'RollingUpdate'
        ? `partitioned roll out complete: ${updated} new pods have been updated...`
        : `statefulset rolling update complete ${replicas} pods at revision ${name}-${currentHash}...`;
  } else if (ready < replicas) {
    message = `Waiting for ${replicas - ready} pods to be ready...`;
  } else if (extra > 0) {
    message = `Waiting for ${extra} pods to be deleted...`;
  } else {
    message = `Waiting for partitioned roll out to finish: ${updated} out of ${target} new pods have been updated...`;
  }
  return {
    state: complete ? 'Complete' : 'Progressing',
    strategy: fields.updateStrategy,
    currentHash,
    updated,
    available: ready,
    message,
  };
}
