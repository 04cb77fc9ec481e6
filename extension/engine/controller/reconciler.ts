// One reconcile pass for one workload: read the observed replicas, restart
// exited ones in place when their backoff allows (restart-in-place.ts), let the workload's planner
// (workload-plan.ts; job-runner.ts for Jobs and CronJobs) say what to create
// and what to remove, and do it. Level-based: every pass starts from a fresh
// Docker listing, so a missed event never leaves the stack wrong. Graceful
// stops outlive the pass (a grace period can be 30 s); they are handed to the
// work queue, which retries them on failure and waits for them on stop.
import type { EngineEvent, PendingStatus, RolloutStatus } from '../api/protocol';
import type { DockerApi } from '../docker/api';
import { observeStack, podPhase, type ObservedPod } from '../docker/observe';
import type { RolloutProgress } from '../health/rollout';
import type { DeploymentSpec, NodeSpec, RestartPolicy, StackSpec } from '../model/types';
import type { BoundPod } from '../scheduler';
import { errorMessage } from '../util/errors';
import { PodSetupError } from '../docker/volume-writer';
import type { HealthMonitor, PodLifecycle } from './hooks';
import { JobRunner } from './job-runner';
import { placeReplicas, podFinished } from './placement';
import type { PodNetwork } from './pod-network';
import { containerOptions, podTemplateHash, type LiveStart, type PodContext } from './pod-spec';
import { isPodReady } from './readiness';
import { createReplica, removeReplica, ReplicaError, stopReplica } from './replica-ops';
import { restartWhenDue } from './restart-in-place';
import type { ReplicaRuntime, RuntimeTable } from './runtime';
import type { StateStore } from './state-store';
import { ordinalOf } from './stateful-set';
import { kindOf, planWorkload, type ReplicaView, type Slot } from './workload-plan';
import { ordinalClaimName } from '../model/workloads';
import type { ReconcileResult, WorkQueue } from './workqueue';

/** What the reconciler reads and calls on the controller that owns it. */
export interface ReconcilerHost {
  readonly docker: DockerApi;
  readonly store: StateStore;
  readonly runtime: RuntimeTable;
  readonly queue: Pick<WorkQueue, 'add' | 'track'>;
  now(): number;
  /** The desired state, read on every pass: a reload swaps it. */
  desired(): { stack: StackSpec; imageIds: Record<string, string>; nodes: NodeSpec[] };
  health(): HealthMonitor | undefined;
  /** Volumes, sandbox, init containers and hooks, when wired (runner.ts). */
  pods(): PodLifecycle | undefined;
  /** How pods find Services; undefined: the alias layout. */
  podNetwork(): PodNetwork | undefined;
  /** Live update's synced files, when wired (runner.ts). */
  live?(): LiveStart | undefined;
  desiredReplicas(d: DeploymentSpec): number;
  graceSeconds(deployment: string): number;
  /** Of a workload's pods (a Job's included); undefined for a workload no longer in the stack. */
  restartPolicyOf(workload: string): RestartPolicy | undefined;
  emitEvent(type: EngineEvent['type'], reason: string, object: string, message: string): void;
  publishEndpoints(): void;
  changed(): void;
}

/**
 * How long one listing of the stack's containers may serve the passes that follow it while
 * nothing changed: a resync enqueues every workload at once, and a 100-workload stack then
 * costs Docker one listing, not a hundred.
 */
export const LISTING_REUSE_MS = 2000;

export class Reconciler {
  /** The pods seen by the last listing (any workload's pass refreshes it). */
  pods: ObservedPod[] = [];
  private listing?: { generation: number; at: number; pods: Promise<ObservedPod[]> };
  private generation = 0;
  readonly pending = new Map<string, PendingStatus[]>();
  readonly rollouts = new Map<string, { status: RolloutStatus; progress?: RolloutProgress }>();
  readonly jobs: JobRunner;
  private readonly inflight = new Map<string, BoundPod>();

  constructor(readonly host: ReconcilerHost) {
    this.jobs = new JobRunner(this);
  }

  /** `release` frees the pass's worker once its new replicas wait only on their postStart hooks (createReplicas). */
  async reconcile(key: string, signal: AbortSignal, release: () => void = () => undefined): Promise<ReconcileResult> {
    const { stack } = this.host.desired();
    const now = this.host.now();
    this.host.store.reload();
    const { pods, listedAt } = await this.listPods(stack.name, signal);
    this.pods = pods;
    const mine = this.pods.filter((p) => p.deployment === key);
    const d = stack.deployments.find((x) => x.name === key);
    if (d) return this.reconcileWorkload(d, mine, now, listedAt, signal, release);
    const job = this.jobs.find(stack, key);
    if (job) return this.jobs.reconcileJob(job, mine, now, listedAt, signal, release);
    const cron = stack.cronJobs.find((c) => c.name === key);
    if (cron) return this.jobs.reconcileCron(cron, now);
    for (const p of mine) this.terminate(p, 'its workload was removed from the manifests');
    this.jobs.forget(key);
    this.pending.delete(key);
    this.rollouts.delete(key);
    return;
  }

  /**
   * Something may have changed in Docker (an event, a call of ours that changed a container):
   * the next pass lists afresh.
   */
  invalidate(): void {
    this.generation++;
  }

  /**
   * The stack's pods: the last listing when it was taken after the last change and moments
   * ago (or is still on its way), else a new one. `listedAt` is when that listing was asked
   * for: state changed after it is not in it.
   */
  private async listPods(stack: string, signal: AbortSignal): Promise<{ pods: ObservedPod[]; listedAt: number }> {
    const now = this.host.now();
    let l = this.listing;
    if (!l || l.generation !== this.generation || now - l.at >= LISTING_REUSE_MS) {
      const entry = { generation: this.generation, at: now, pods: observeStack(this.host.docker, stack, signal) };
      this.listing = l = entry;
      // A failed listing is not reused; its own pass reports the error.
      entry.pods.catch(() => {
        if (this.listing === entry) this.listing = undefined;
      });
    }
    return { pods: await l.pods, listedAt: l.at };
  }

  /** The pod context of a workload: the stack, its images and its restart annotation. */
  context(d: DeploymentSpec): PodContext {
    const { stack, imageIds } = this.host.desired();
    return {
      stack,
      imageIds,
      restartedAt: this.host.store.get().restartedAt[d.name],
      network: this.host.podNetwork(),
      live: this.host.live?.(),
    };
  }

  private async reconcileWorkload(
    d: DeploymentSpec,
    mine: ObservedPod[],
    now: number,
    listedAt: number,
    signal: AbortSignal,
    release: () => void,
  ): Promise<ReconcileResult> {
    const ctx = this.context(d);
    const hash = podTemplateHash(ctx, d);
    const observed = this.observeReplicas(d, mine, now, listedAt, true);
    this.host.pods()?.sync(mine, d, ctx, hash);
    let requeue = observed.requeueAfterMs;
    const previous = this.rollouts.get(d.name);
    const plan = planWorkload({
      d,
      desired: this.host.desiredReplicas(d),
      hash,
      replicas: observed.views,
      nodes: this.host.desired().nodes,
      now,
      progress: previous?.progress,
      started: this.host.store.get().pods[d.name],
    });
    if (plan.status?.state === 'Failed' && previous?.status.state !== 'Failed') {
      this.host.emitEvent(
        'Warning',
        'ProgressDeadlineExceeded',
        `deployment/${d.name}`,
        plan.status.message ?? 'rollout has timed out progressing',
      );
    }
    if (plan.status) this.rollouts.set(d.name, { status: plan.status, progress: plan.progress });
    for (const r of plan.remove) {
      const p = mine.find((x) => x.replica === r.replica);
      if (p) this.terminate(p, r.why);
    }
    const started = plan.started;
    if (started !== undefined) {
      this.host.store.update((s) => {
        s.pods[d.name] = started;
      });
    }
    if (plan.create.length > 0) await this.createReplicas(d, ctx, hash, plan.create, now, signal, release);
    else this.pending.delete(d.name);
    this.host.publishEndpoints();
    this.host.changed();
    if (plan.requeueAfterMs !== undefined) requeue = Math.min(requeue ?? Infinity, plan.requeueAfterMs);
    if (this.pending.get(d.name)?.length) requeue = Math.min(requeue ?? Infinity, 5000);
    return requeue === undefined ? undefined : { requeueAfterMs: Math.max(50, requeue) };
  }

  /**
   * Acts on each observed replica's phase (probes for running ones, an in-place restart
   * for exited ones when `restart` allows) and says how each looks to a planner.
   */
  observeReplicas(
    d: DeploymentSpec,
    mine: ObservedPod[],
    now: number,
    listedAt: number,
    restart: boolean,
  ): { views: ReplicaView[]; requeueAfterMs?: number } {
    let requeue: number | undefined;
    const views: ReplicaView[] = [];
    for (const p of mine) {
      const rt = this.host.runtime.get(p.replica, d.name, d.template.restartPolicy);
      const wait = this.observe(p, rt, d, now, listedAt, restart);
      if (wait !== undefined) requeue = Math.min(requeue ?? Infinity, wait);
      const ready = isPodReady(p, d, this.host.runtime);
      if (ready && rt.readySince === undefined) rt.readySince = now;
      if (!ready) rt.readySince = undefined;
      views.push({
        id: p.replica,
        hash: p.hash,
        ready,
        readySince: rt.readySince,
        terminating: rt.terminating,
        createdAt: p.createdAt,
        node: p.node,
        running: podPhase(p) === 'running',
      });
    }
    return { views, requeueAfterMs: requeue };
  }

  /** Acts on one observed replica's phase; returns ms until it needs another look. */
  private observe(
    p: ObservedPod,
    rt: ReplicaRuntime,
    d: DeploymentSpec,
    now: number,
    listedAt: number,
    restart: boolean,
  ): number | undefined {
    const phase = podPhase(p);
    if (phase === 'running') {
      if (rt.runningSince === undefined) rt.runningSince = now;
      rt.stayDown = undefined;
      // Not while live update restarts it in place: its probes start once the new process runs.
      // Not while it stops: a prober started then would outlive it and probe its address after
      // another container takes it.
      if (!rt.restarting && !rt.terminating) this.host.health()?.watch(p, d);
    } else if (
      phase === 'exited' &&
      restart &&
      !rt.terminating &&
      !rt.restarting &&
      // A listing taken before an in-place restart finished still shows the old exit.
      !(rt.restartedAt !== undefined && rt.restartedAt >= listedAt)
    ) {
      return restartWhenDue(this.host, p, rt, now);
    } else if (
      phase === 'creating' &&
      !rt.terminating &&
      !this.inflight.has(p.replica) &&
      !this.host.pods()?.initializing(p.replica) &&
      p.containers.every((c) => c.state === 'created')
    ) {
      // A controller killed between create and start left this replica never started: replace it.
      this.terminate(p, 'created but never started by an earlier controller');
    }
    return undefined;
  }

  /**
   * Places and creates one replica per slot; those that fit nowhere stay Pending with the scheduler's
   * reason. Once every replica is started or waits on its postStart hook (the pod's own code, which
   * may take minutes), `release` lets the queue run other workloads' passes meanwhile. This
   * workload's next pass still waits for this one, so it never sees a replica half made. Creates and
   * starts keep their worker: more of them at once only slowed Docker down (an up of 100
   * Deployments, 200 replicas, 5% slower with the worker freed at once) and held more memory.
   */
  async createReplicas(
    d: DeploymentSpec,
    ctx: PodContext,
    hash: string,
    slots: Slot[],
    now: number,
    signal: AbortSignal,
    release: () => void = () => undefined,
  ): Promise<void> {
    const nodes = this.host.desired().nodes;
    const { placed, pending } = placeReplicas({
      // A DaemonSet tolerates unschedulable nodes, as Kubernetes adds that toleration to its pods.
      nodes: kindOf(d) === 'DaemonSet' ? nodes.map((n) => ({ ...n, unschedulable: false })) : nodes,
      bindAddress: this.host.desired().stack.settings.bindAddress,
      // The workload lookup only for exited pods: a pass of a large stack places against all of them.
      observed: this.pods.filter(
        (p) =>
          podPhase(p) !== 'exited' ||
          !podFinished(p, this.host.restartPolicyOf(p.deployment), this.host.runtime.peek(p.replica)?.stayDown),
      ),
      inflight: this.inflight.values(),
      deployment: d,
      hash,
      count: slots.length,
      slots,
    });
    let unsettled = placed.length;
    const creates = placed.map((pl) => {
      let settled = false;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        if (--unsettled === 0) release();
      };
      this.inflight.set(pl.replica, pl);
      // A new pod has not restarted, even under a name an earlier pod had (a StatefulSet
      // ordinal, a bare Pod after down): what was counted for that one is not carried over.
      this.host.runtime.delete(pl.replica);
      // Rewritten only when there is a count to clear: a file write per created replica showed in up's profile.
      if (this.host.store.reload().restarts[pl.replica] !== undefined) {
        this.host.store.update((s) => {
          delete s.restarts[pl.replica];
        });
      }
      const placement = {
        replica: pl.replica,
        node: pl.node,
        hash,
        createdAt: now,
        claims: ordinalClaims(d, pl.replica),
      };
      const pods = this.host.pods();
      const started = pods
        ? pods.start(ctx, d, placement, signal, settle)
        : createReplica(this.host.docker, containerOptions(ctx, d, placement), signal);
      return started
        .then(() =>
          this.host.emitEvent('Normal', 'Scheduled', `replica/${pl.replica}`, `assigned to node ${pl.node}; started`),
        )
        .catch((e: unknown) => {
          // A pod that cannot be set up (a missing ConfigMap, runAsNonRoot) stays Pending with the
          // kubelet's reason, as in a cluster; the next pass tries again.
          if (!(e instanceof PodSetupError)) throw e;
          setupFailed.push({ replica: pl.replica, reason: `${e.reason}: ${e.message}` });
        })
        .finally(() => {
          this.inflight.delete(pl.replica);
          settle();
        });
    });
    const setupFailed: PendingStatus[] = [];
    const prev = this.pending
      .get(d.name)
      ?.map((p) => p.reason)
      .join();
    this.pending.set(d.name, pending);
    if (pending.length && prev !== pending.map((p) => p.reason).join()) {
      this.host.emitEvent(
        'Warning',
        'FailedScheduling',
        `${kindOf(d).toLowerCase()}/${d.name}`,
        `${pending.length} replica(s) pending: ${pending[0].reason}`,
      );
    }
    const results = await Promise.allSettled(creates);
    if (setupFailed.length) {
      const before = this.pending.get(d.name) ?? [];
      this.pending.set(d.name, [...pending, ...setupFailed]);
      const reason = setupFailed[0].reason;
      if (!before.some((p) => p.reason === reason)) {
        this.host.emitEvent(
          'Warning',
          reason.split(':')[0],
          `${kindOf(d).toLowerCase()}/${d.name}`,
          `${setupFailed.length} replica(s) cannot start: ${reason}`,
        );
      }
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * Takes a replica out of its Services' endpoints, then stops (SIGTERM, grace,
   * SIGKILL) and removes it. Returns at once: the stop runs on as work the queue
   * tracks for the workload, so a failure is reported and retried.
   */
  terminate(p: ObservedPod, why: string): void {
    const rt = this.host.runtime.get(p.replica, p.deployment, 'Always');
    if (rt.terminating) return;
    rt.terminating = true;
    this.host.health()?.unwatch(p.replica);
    this.host.publishEndpoints(); // out of the endpoints first, then SIGTERM
    // Its workload may now create its replacement (a rollout does not wait for the stop to end).
    this.host.queue.add(p.deployment);
    const grace = this.host.graceSeconds(p.deployment);
    this.host.emitEvent('Normal', 'Killing', `replica/${p.replica}`, `stopping (${why}); grace period ${grace}s`);
    const stopped = (async () => {
      try {
        await stopReplica(this.host.docker, p, grace, this.host.pods()?.preStop(p));
        await removeReplica(this.host.docker, p);
        await this.host.pods()?.removed(p);
      } catch (e) {
        throw new ReplicaError(p.replica, 'FailedKillPod', `stop failed: ${errorMessage(e)}`);
      } finally {
        this.host.health()?.unwatch(p.replica); // however it was watched meanwhile, it is gone
        this.host.runtime.delete(p.replica);
        this.host.store.update((s) => {
          delete s.restarts[p.replica];
        });
        this.host.queue.add(p.deployment);
        // Freed capacity may let a pending replica of another workload fit.
        for (const [dep, list] of this.pending) if (list.length) this.host.queue.add(dep);
      }
    })();
    this.host.queue.track(stopped, p.deployment);
  }
}

/**
 * A StatefulSet pod's own claims, one per claim template, named as Kubernetes names the
 * PVCs (<template>-<set>-<ordinal>): each binds the template's volume to that claim's
 * Docker volume, which outlives the pod, scale-down and `down`.
 */
export function ordinalClaims(d: DeploymentSpec, replica: string): Record<string, string> | undefined {
  const templates = d.statefulSet?.volumeClaimTemplates ?? [];
  const ordinal = ordinalOf(d.name, replica);
  if (!templates.length || ordinal === undefined) return undefined;
  return Object.fromEntries(templates.map((t) => [t.name, ordinalClaimName(t.name, d.name, ordinal)]));
}
