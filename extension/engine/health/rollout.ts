// Rolling-update planner: one pure reconcile step of a Deployment's replicas.
//
// API
//   resolveFenceposts(strategy, desired) → { maxSurge, maxUnavailable } as replica counts
//   planRollout({ deployment, desiredReplicas?, currentHash, replicas, now, progress? }) → RolloutPlan
//     plan.create          new-hash replicas to create now
//     plan.remove          ids of replicas to stop now (they then report terminating: true)
//     plan.status          RolloutStatus for protocol.ts
//     plan.progress        feed back into the next call (progress-deadline bookkeeping)
//     plan.requeueAfterMs  call again after this long even without events (minReadySeconds, deadline)
//
// It follows kubernetes/kubernetes pkg/controller/deployment (rolling.go, recreate.go,
// util.ResolveFenceposts), working on replicas instead of ReplicaSets:
//  - maxSurge rounds up, maxUnavailable rounds down; if both resolve to 0, maxUnavailable
//    becomes 1 (what ResolveFenceposts does; validation refuses both explicitly 0).
//  - A replica is available once it has been Ready for minReadySeconds.
//  - Terminating replicas do not count towards the surge bound: a replacement starts as soon
//    as the old replica starts terminating, as the deployment controller does by default
//    (podReplacementPolicy TerminationStarted, KEP-3973/5882). The scheduler still holds a
//    terminating replica's requests and host ports until it is gone (controller/placement.ts).
//  - Old replicas: unhealthy ones go first, bounded like cleanupUnhealthyReplicas; then
//    available ones only while availability stays ≥ replicas − maxUnavailable.
//  - No progress (more updated or newly available replicas, fewer old ones) within
//    progressDeadlineSeconds → Failed ("has timed out progressing"). While Failed, the
//    planner stops removing old replicas that still serve; it keeps the new ones trying.
//  - A replica-count change without a template change goes through the same bounds, which is
//    the deployment controller's straight scale to the target.
//  - Proportional scaling of several ReplicaSets mid-rollout is not modelled: a count change
//    during a rollout simply moves the target.

import type { DeploymentSpec, DeploymentStrategy, IntOrString } from '../model/types';
import type { RolloutStatus } from '../api/protocol';

export interface ObservedReplica {
  /** Whatever the caller removes replicas by (replica name or container id). */
  id: string;
  /** Pod template hash the replica was created from. */
  hash: string;
  ready: boolean;
  /** Epoch ms since which the replica has been continuously Ready. */
  readySince?: number;
  terminating: boolean;
  /** Epoch ms of creation: newer replicas are removed first. */
  createdAt: number;
}

export interface RolloutProgress {
  hash: string;
  lastProgressAt: number;
  /** High-water marks since the last progress: flapping readiness is not progress. */
  updated: number;
  newAvailable: number;
  old: number;
}

export interface RolloutInput {
  deployment: Pick<DeploymentSpec, 'name' | 'replicas' | 'strategy' | 'minReadySeconds' | 'progressDeadlineSeconds'>;
  /** The target count when something else decides it (HPA, manual scale). Default: spec replicas ?? 1. */
  desiredReplicas?: number;
  currentHash: string;
  replicas: ObservedReplica[];
  now: number;
  progress?: RolloutProgress;
}

export interface RolloutPlan {
  create: number;
  remove: string[];
  status: RolloutStatus;
  progress: RolloutProgress;
  requeueAfterMs?: number;
}

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

/** An int or a percentage of `total`; invalid strings give undefined. */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)%\s*$/.exec(value);
  if (m) {
    const exact = (Number(m[1]) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  // Kubernetes also accepts an int written as a string.
  return /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

export function resolveFenceposts(
  strategy: Pick<DeploymentStrategy, 'maxSurge' | 'maxUnavailable'>,
  desired: number,
): { maxSurge: number; maxUnavailable: number } {
  // The defaults are percentages, which always scale to a number.
  const maxSurge = scaledValue(strategy.maxSurge, desired, true) ?? scaledValue(DEFAULT_MAX_SURGE, desired, true) ?? 0;
  let maxUnavailable =
    scaledValue(strategy.maxUnavailable, desired, false) ?? scaledValue(DEFAULT_MAX_UNAVAILABLE, desired, false) ?? 0;
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

export function isAvailable(r: ObservedReplica, minReadySeconds: number, now: number): boolean {
  if (!r.ready || r.terminating) return false;
  if (minReadySeconds <= 0) return true;
  return r.readySince !== undefined && now - r.readySince >= minReadySeconds * 1000;
}

/** Removal order, best victim first: not Ready, then not yet available, then the newest. */
export function removalOrder(replicas: ObservedReplica[], minReadySeconds: number, now: number): ObservedReplica[] {
  const rank = (r: ObservedReplica): number => (!r.ready ? 0 : isAvailable(r, minReadySeconds, now) ? 2 : 1);
  return [...replicas].sort(
    (a, b) => rank(a) - rank(b) || b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export function planRollout(input: RolloutInput): RolloutPlan {
  const { deployment: d, currentHash, now } = input;
  const desired = Math.max(0, input.desiredReplicas ?? d.replicas ?? 1);
  const minReady = Math.max(0, d.minReadySeconds);
  const live = input.replicas.filter((r) => !r.terminating);
  const newLive = live.filter((r) => r.hash === currentHash);
  const oldLive = live.filter((r) => r.hash !== currentHash);
  const oldTerminating = input.replicas.some((r) => r.terminating && r.hash !== currentHash);
  const avail = (r: ObservedReplica): boolean => isAvailable(r, minReady, now);
  const newAvailable = newLive.filter(avail).length;

  const progress = trackProgress(input.progress, currentHash, now, newLive.length, newAvailable, oldLive.length);
  const complete = newLive.length === desired && oldLive.length === 0 && newAvailable === desired;
  if (complete) Object.assign(progress, { lastProgressAt: now, updated: newLive.length, newAvailable, old: 0 });
  const deadlineMs = Math.max(0, d.progressDeadlineSeconds) * 1000;
  const failed = !complete && now - progress.lastProgressAt > deadlineMs;

  let create = 0;
  const remove: ObservedReplica[] = [];
  const scaleNewTo = (target: number): void => {
    if (newLive.length < target) create = target - newLive.length;
    else remove.push(...removalOrder(newLive, minReady, now).slice(0, newLive.length - target));
  };

  if (d.strategy.type === 'Recreate') {
    // All old replicas go, and the new ones start only once the old are gone.
    if (oldLive.length > 0) remove.push(...oldLive);
    else if (!oldTerminating) scaleNewTo(desired);
  } else {
    const { maxSurge, maxUnavailable } = resolveFenceposts(d.strategy, desired);
    // Scale up the new replicas within the surge bound (rolling.go NewRSNewReplicas).
    if (newLive.length < desired) {
      create = Math.max(0, Math.min(desired + maxSurge - live.length, desired - newLive.length));
    } else if (newLive.length > desired) {
      remove.push(...removalOrder(newLive, minReady, now).slice(0, newLive.length - desired));
    }
    // Scale down old replicas (rolling.go reconcileOldReplicaSets).
    const minAvailable = desired - maxUnavailable;
    const liveAfter = live.length + create - remove.length;
    const newUnavailable = newLive.length + create - remove.length - newAvailable;
    const maxScaledDown = liveAfter - minAvailable - newUnavailable;
    if (maxScaledDown > 0) {
      const ordered = removalOrder(oldLive, minReady, now);
      remove.push(...ordered.filter((r) => !avail(r)).slice(0, maxScaledDown));
      if (!failed) {
        const availableNow = live.filter(avail).length;
        const healthyOld = ordered.filter(avail);
        remove.push(...healthyOld.slice(0, Math.max(0, availableNow - minAvailable)));
      }
    }
  }

  const status: RolloutStatus = {
    state: complete ? 'Complete' : failed ? 'Failed' : 'Progressing',
    strategy: d.strategy.type,
    currentHash,
    updated: newLive.length,
    available: live.filter(avail).length,
    message: rolloutMessage(
      d.name,
      currentHash,
      desired,
      complete,
      failed,
      newLive.length,
      newAvailable,
      oldLive.length,
    ),
  };

  const plan: RolloutPlan = { create, remove: remove.map((r) => r.id), status, progress };
  const requeue = requeueAfter(
    live,
    minReady,
    now,
    complete || failed ? undefined : progress.lastProgressAt + deadlineMs + 1,
  );
  if (requeue !== undefined) plan.requeueAfterMs = requeue;
  return plan;
}

function trackProgress(
  prev: RolloutProgress | undefined,
  hash: string,
  now: number,
  updated: number,
  newAvailable: number,
  old: number,
): RolloutProgress {
  if (!prev || prev.hash !== hash) return { hash, lastProgressAt: now, updated, newAvailable, old };
  const next = { ...prev };
  if (updated > prev.updated || newAvailable > prev.newAvailable || old < prev.old) next.lastProgressAt = now;
  next.updated = Math.max(prev.updated, updated);
  next.newAvailable = Math.max(prev.newAvailable, newAvailable);
  next.old = Math.min(prev.old, old);
  return next;
}

/** Wording of `kubectl rollout status` and the Progressing condition. */
function rolloutMessage(
  name: string,
  hash: string,
  desired: number,
  complete: boolean,
  failed: boolean,
  updated: number,
  newAvailable: number,
  old: number,
): string {
  if (complete) return `deployment "${name}" successfully rolled out`;
  if (failed) return `ReplicaSet "${name}-${hash}" has timed out progressing`;
  if (updated < desired) {
    return `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${desired} new replicas have been updated...`;
  }
  if (old > 0) {
    return `Waiting for deployment "${name}" rollout to finish: ${old} old replicas are pending termination...`;
  }
  return `Waiting for deployment "${name}" rollout to finish: ${newAvailable} of ${desired} updated replicas are available...`;
}

/** When a Ready replica matures into available, or the deadline passes, the plan may change. */
function requeueAfter(
  live: ObservedReplica[],
  minReady: number,
  now: number,
  deadlineAt: number | undefined,
): number | undefined {
  let at = deadlineAt;
  if (minReady > 0) {
    for (const r of live) {
      if (!r.ready || r.readySince === undefined) continue;
      const matures = r.readySince + minReady * 1000;
      if (matures > now && (at === undefined || matures < at)) at = matures;
    }
  }
  return at === undefined ? undefined : Math.max(0, at - now);
}
