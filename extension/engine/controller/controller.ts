// The stack controller: a level-based reconcile loop in the manner of
// controller-runtime. Work items are deployment names only; every pass re-reads
// the desired state (the loaded stack) and the observed state (labelled Docker
// containers), so a missed event can never leave the stack wrong. Docker events,
// probe results and intents only enqueue keys; a periodic resync is the net.
import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import type { EngineEvent, PendingStatus, RolloutStatus, StackStatus } from '../api/protocol';
import { StackEvents } from '../docker/events';
import { ensureNetwork } from '../docker/network';
import { observeStack, podPhase, type ObservedPod } from '../docker/observe';
import { planRollout, type RolloutProgress } from '../health/rollout';
import type { DeploymentSpec, StackSpec } from '../model/types';
import type { BoundPod } from '../scheduler';
import { placeReplicas } from './placement';
import { downStack } from './down';
import { containerOptions, podTemplateHash, type PodContext } from './pod-spec';
import { createReplica, killReplica, removeReplica, restartReplica, stopReplica } from './replica-ops';
import { restartCount, RuntimeTable, type ReplicaRuntime } from './runtime';
import { StateStore } from './state-store';
import type { Autoscaling, ControllerEvents, ControllerOptions, EndpointSink, HealthMonitor } from './hooks';
import { buildStatus, serviceEndpoints } from './status';
import { WorkQueue, type ReconcileResult } from './workqueue';

export { downStack } from './down';

export type { Autoscaling, ControllerEvents, ControllerOptions, EndpointSink, HealthMonitor } from './hooks';

export class StackController extends EventEmitter<ControllerEvents> {
  readonly docker: Docker;
  stack: StackSpec;
  private imageIds: Record<string, string>;
  private nodes: StackSpec['nodes'];
  private readonly now: () => number;
  readonly store: StateStore;
  readonly runtime: RuntimeTable;
  private readonly queue: WorkQueue;
  private readonly events: StackEvents;
  private readonly inflight = new Map<string, BoundPod>();
  private readonly pending = new Map<string, PendingStatus[]>();
  private readonly rollouts = new Map<string, { status: RolloutStatus; progress: RolloutProgress }>();
  private readonly hpaReplicas = new Map<string, number>();
  private pods: ObservedPod[] = [];
  private resync?: NodeJS.Timeout;
  private lastEndpoints = '';
  health?: HealthMonitor;
  endpointSink?: EndpointSink;
  autoscaling?: Autoscaling;
  dockerConnected = true;
  lastError?: string;
  readonly startedAt = new Date().toISOString();

  constructor(opts: ControllerOptions) {
    super();
    this.docker = opts.docker;
    this.stack = opts.stack;
    this.imageIds = opts.imageIds ?? {};
    this.nodes = opts.nodes;
    this.now = opts.now ?? Date.now;
    this.store = new StateStore(opts.stack.dir);
    this.runtime = new RuntimeTable(opts.stack.settings, (r) => this.store.get().restarts[r] ?? 0);
    this.queue = new WorkQueue(
      (key) => this.reconcile(key),
      (key, err) => this.onReconcileError(key, err),
    );
    this.events = new StackEvents(this.docker, this.stack.name);
  }

  async start(): Promise<void> {
    await ensureNetwork(this.docker, this.stack.name, this.stack.dir);
    await this.endpointSink?.applyServices?.(this.stack);
    this.events.on('container', (e) => {
      if (e.action === 'die' && e.replica) {
        const rt = this.runtime.peek(e.replica);
        if (rt && !rt.terminating) {
          this.emitEvent(
            'Warning',
            'Exited',
            `replica/${e.replica}`,
            `container exited with code ${e.exitCode ?? '?'}`,
          );
        }
      }
      if (!e.deployment || !['die', 'start', 'destroy', 'oom'].includes(e.action)) return;
      const dep = e.deployment;
      // Docker logs `die` before it records the stopped state that `list` reads; inspect
      // waits on the container's lock, so once it answers the next list is current.
      if (e.action === 'die') {
        void this.docker
          .getContainer(e.id)
          .inspect()
          .catch(() => undefined)
          .finally(() => this.queue.add(dep));
      } else this.queue.add(dep);
    });
    this.events.on('disconnected', (err) => {
      this.dockerConnected = false;
      this.lastError = `Docker engine unreachable: ${err.message}`;
      this.emitEvent('Warning', 'DockerDisconnected', `stack/${this.stack.name}`, `${this.lastError}; reconnecting`);
    });
    this.events.on('connected', () => {
      if (!this.dockerConnected) {
        this.emitEvent('Normal', 'DockerReconnected', `stack/${this.stack.name}`, 'Docker engine is back; reconciling');
      }
      this.dockerConnected = true;
      this.lastError = undefined;
      void ensureNetwork(this.docker, this.stack.name, this.stack.dir)
        .catch(() => undefined)
        .then(() => this.enqueueAll());
    });
    this.events.start();
    this.queue.start();
    this.autoscaling?.start();
    this.enqueueAll();
    this.resync = setInterval(() => this.enqueueAll(), this.stack.settings.resyncSeconds * 1000);
  }

  /** Applies a newly loaded stack (manifest edit, rebuilt image): level-based, so just swap and enqueue. */
  apply(stack: StackSpec, imageIds: Record<string, string>, nodes: StackSpec['nodes']): void {
    const gone = this.stack.deployments
      .filter((d) => !stack.deployments.some((n) => n.name === d.name))
      .map((d) => d.name);
    this.stack = stack;
    this.imageIds = { ...imageIds };
    this.nodes = nodes;
    this.runtime.setSettings(stack.settings);
    void this.endpointSink?.applyServices?.(stack).then(() => this.publishEndpoints(true));
    this.autoscaling?.reload();
    this.enqueueAll();
    gone.forEach((g) => this.queue.add(g));
  }

  enqueueAll(): void {
    for (const d of this.stack.deployments) this.queue.add(d.name);
    // Deployments removed from the manifests still have containers: reconcile those too.
    for (const p of this.pods) {
      if (!this.stack.deployments.some((d) => d.name === p.deployment)) this.queue.add(p.deployment);
    }
  }

  /** Waits until no reconcile is queued or running (tests, `down`). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  // ---- intents -------------------------------------------------------------

  scale(deployment: string, replicas: number): string {
    const d = this.requireDeployment(deployment);
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new Error(`replicas must be a whole number ≥ 0, got ${replicas}`);
    }
    this.store.update((s) => {
      s.scale[d.name] = replicas;
    });
    this.emitEvent('Normal', 'ScalingReplicaSet', `deployment/${d.name}`, `scaled to ${replicas}`);
    const hpa = this.stack.hpas.find((h) => h.target.kind === 'Deployment' && h.target.name === d.name);
    // As `kubectl scale` on an HPA target: applied now, overridden at the HPA's next sync.
    if (hpa && this.hpaReplicas.has(d.name)) this.hpaReplicas.set(d.name, replicas);
    this.queue.add(d.name);
    return hpa
      ? `deployment/${d.name} scaled to ${replicas}, but it is managed by HorizontalPodAutoscaler ${hpa.name}: the HPA overrides a manual scale on its next sync, as in Kubernetes`
      : `deployment/${d.name} scaled to ${replicas}`;
  }

  restart(deployment: string): string {
    const d = this.requireDeployment(deployment);
    const at = new Date(this.now()).toISOString();
    this.store.update((s) => {
      s.restartedAt[d.name] = at;
    });
    this.emitEvent('Normal', 'RolloutRestart', `deployment/${d.name}`, `rolling restart at ${at}`);
    this.queue.add(d.name);
    return `deployment/${d.name} restarting`;
  }

  /** Sets the HPA's decision for a deployment (undefined hands control back to spec/scale). */
  setAutoscaled(deployment: string, replicas: number | undefined): void {
    if (replicas === undefined) this.hpaReplicas.delete(deployment);
    else if (this.hpaReplicas.get(deployment) !== replicas) this.hpaReplicas.set(deployment, replicas);
    else return;
    this.queue.add(deployment);
  }

  async restartReplica(name: string): Promise<string> {
    const pod = await this.findPod(name);
    await stopReplica(this.docker, pod, this.graceSeconds(pod.deployment));
    return `replica/${name} restarted`;
  }

  async killReplica(name: string): Promise<string> {
    const pod = await this.findPod(name);
    await killReplica(this.docker, pod);
    this.emitEvent('Warning', 'Killing', `replica/${name}`, 'killed on request (SIGKILL)');
    return `replica/${name} killed`;
  }

  /** Called by the health monitor. */
  onReadiness(replica: string, ready: boolean): void {
    const rt = this.runtime.peek(replica);
    if (!rt || rt.probeReady === ready) return;
    rt.probeReady = ready;
    rt.readySince = ready ? this.now() : undefined;
    this.emitEvent(
      ready ? 'Normal' : 'Warning',
      ready ? 'Ready' : 'NotReady',
      `replica/${replica}`,
      ready
        ? "replica is Ready: added to its Services' endpoints"
        : "replica is not Ready: removed from its Services' endpoints",
    );
    this.publishEndpoints();
    this.queue.add(rt.deployment);
  }

  /** Called by the health monitor after failureThreshold liveness/startup failures. */
  async onLivenessFailure(replica: string, message: string): Promise<void> {
    const rt = this.runtime.peek(replica);
    const pod = this.pods.find((p) => p.replica === replica);
    if (!rt || !pod || rt.terminating) return;
    rt.lastProbeFailure = message;
    this.emitEvent('Warning', 'Unhealthy', `replica/${replica}`, `${message}; container will be restarted`);
    await stopReplica(this.docker, pod, this.graceSeconds(pod.deployment));
  }

  // ---- reconcile -----------------------------------------------------------

  private async reconcile(name: string): Promise<ReconcileResult> {
    const now = this.now();
    this.store.reload();
    const listedAt = this.now();
    this.pods = await observeStack(this.docker, this.stack.name);
    const d = this.stack.deployments.find((x) => x.name === name);
    const mine = this.pods.filter((p) => p.deployment === name);
    if (!d) {
      await Promise.all(mine.map((p) => this.terminate(p, 'the deployment was removed from the manifests')));
      this.pending.delete(name);
      this.rollouts.delete(name);
      return;
    }
    const ctx: PodContext = {
      stack: this.stack,
      imageIds: this.imageIds,
      restartedAt: this.store.get().restartedAt[name],
    };
    const hash = podTemplateHash(ctx, d);
    let requeue: number | undefined;
    const replicas = [];
    for (const p of mine) {
      const rt = this.runtime.get(p.replica, name, d.template.restartPolicy);
      const phase = podPhase(p);
      if (phase === 'running') {
        if (rt.runningSince === undefined) rt.runningSince = now;
        this.health?.watch(p, d);
      } else if (
        phase === 'exited' &&
        !rt.terminating &&
        !rt.restarting &&
        !(rt.restartedAt !== undefined && rt.restartedAt >= listedAt)
      ) {
        const wait = this.handleExit(p, rt, now);
        if (wait !== undefined) requeue = Math.min(requeue ?? Infinity, wait);
      } else if (
        phase === 'creating' &&
        !rt.terminating &&
        !this.inflight.has(p.replica) &&
        p.containers.every((c) => c.state === 'created')
      ) {
        // A controller killed between create and start left this replica never started: replace it.
        void this.terminate(p, 'created but never started by an earlier controller');
      }
      const ready =
        phase === 'running' &&
        !rt.terminating &&
        (rt.probeReady ?? !d.template.containers.some((c) => c.readinessProbe));
      if (ready && rt.readySince === undefined) rt.readySince = now;
      if (!ready) rt.readySince = undefined;
      replicas.push({
        id: p.replica,
        hash: p.hash,
        ready,
        readySince: rt.readySince,
        terminating: rt.terminating,
        createdAt: p.createdAt,
      });
    }
    const desiredReplicas = this.desiredReplicas(d);
    const plan = planRollout({
      deployment: d,
      desiredReplicas,
      currentHash: hash,
      replicas,
      now,
      progress: this.rollouts.get(name)?.progress,
    });
    if (plan.status.state === 'Failed' && this.rollouts.get(name)?.status.state !== 'Failed') {
      this.emitEvent(
        'Warning',
        'ProgressDeadlineExceeded',
        `deployment/${name}`,
        plan.status.message ?? 'rollout has timed out progressing',
      );
    }
    this.rollouts.set(name, { status: plan.status, progress: plan.progress });
    for (const id of plan.remove) {
      const p = mine.find((x) => x.replica === id);
      if (p) void this.terminate(p, 'scaled down or replaced by the rollout');
    }
    if (plan.create > 0) await this.createReplicas(d, ctx, hash, plan.create, now);
    else this.pending.delete(name);
    this.publishEndpoints();
    this.emit('changed');
    if (plan.requeueAfterMs !== undefined) requeue = Math.min(requeue ?? Infinity, plan.requeueAfterMs);
    if (this.pending.get(name)?.length) requeue = Math.min(requeue ?? Infinity, 5000);
    return requeue === undefined ? undefined : { requeueAfterMs: Math.max(50, requeue) };
  }

  /** Restarts an exited replica in place when its backoff allows; returns ms to wait otherwise. */
  private handleExit(p: ObservedPod, rt: ReplicaRuntime, now: number): number | undefined {
    if (rt.restartDue === undefined) {
      const exitCode = p.containers.find((c) => c.exitCode !== undefined)?.exitCode ?? 0;
      const ranFor = rt.runningSince !== undefined ? now - rt.runningSince : 0;
      const delay = rt.backoff.onExit(now, exitCode, ranFor, rt.lastProbeFailure);
      rt.lastProbeFailure = undefined;
      rt.runningSince = undefined;
      rt.probeReady = undefined;
      this.health?.unwatch(p.replica);
      if (delay === null) return undefined; // restartPolicy says stay down
      rt.restartDue = now + delay;
      this.store.update((s) => {
        s.restarts[p.replica] = restartCount(rt);
      });
      if (delay > 0) {
        this.emitEvent(
          'Warning',
          'BackOff',
          `replica/${p.replica}`,
          `Back-off ${delay >= 1000 ? `${Math.round(delay / 1000)}s` : `${delay}ms`} restarting failed container (exit code ${exitCode})`,
        );
      }
    }
    if (now < rt.restartDue) return rt.restartDue - now;
    rt.restartDue = undefined;
    if (rt.terminating) return undefined;
    rt.restarting = true;
    void restartReplica(this.docker, p)
      .then(() =>
        this.emitEvent('Normal', 'Started', `replica/${p.replica}`, `restarted (restart ${restartCount(rt)})`),
      )
      .catch((e: Error) => this.emitEvent('Warning', 'Failed', `replica/${p.replica}`, `restart failed: ${e.message}`))
      .finally(() => {
        rt.restarting = false;
        rt.restartedAt = this.now();
        this.queue.add(p.deployment);
      });
    return undefined;
  }

  private async createReplicas(
    d: DeploymentSpec,
    ctx: PodContext,
    hash: string,
    count: number,
    now: number,
  ): Promise<void> {
    const { placed, pending } = placeReplicas({
      nodes: this.nodes,
      observed: this.pods,
      terminating: (r) => !!this.runtime.peek(r)?.terminating,
      inflight: this.inflight.values(),
      deployment: d,
      hash,
      count,
    });
    const creates = placed.map((pl) => {
      this.inflight.set(pl.replica, pl);
      const opts = containerOptions(ctx, d, { replica: pl.replica, node: pl.node, hash, createdAt: now });
      return createReplica(this.docker, opts)
        .then(() =>
          this.emitEvent('Normal', 'Scheduled', `replica/${pl.replica}`, `assigned to node ${pl.node}; started`),
        )
        .finally(() => this.inflight.delete(pl.replica));
    });
    const prev = this.pending
      .get(d.name)
      ?.map((p) => p.reason)
      .join();
    this.pending.set(d.name, pending);
    if (pending.length && prev !== pending.map((p) => p.reason).join()) {
      this.emitEvent(
        'Warning',
        'FailedScheduling',
        `deployment/${d.name}`,
        `${pending.length} replica(s) pending: ${pending[0].reason}`,
      );
    }
    const results = await Promise.allSettled(creates);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async terminate(p: ObservedPod, why: string): Promise<void> {
    const rt = this.runtime.get(p.replica, p.deployment, 'Always');
    if (rt.terminating) return;
    rt.terminating = true;
    this.health?.unwatch(p.replica);
    this.publishEndpoints(); // out of the endpoints first, then SIGTERM
    const grace = this.graceSeconds(p.deployment);
    this.emitEvent('Normal', 'Killing', `replica/${p.replica}`, `stopping (${why}); grace period ${grace}s`);
    try {
      await stopReplica(this.docker, p, grace);
      await removeReplica(this.docker, p);
    } finally {
      this.runtime.delete(p.replica);
      this.store.update((s) => {
        delete s.restarts[p.replica];
      });
      this.queue.add(p.deployment);
      // Freed capacity may let a pending replica of another deployment fit.
      for (const [dep, list] of this.pending) if (list.length) this.queue.add(dep);
    }
  }

  // ---- status --------------------------------------------------------------

  /** Replicas of a deployment the scheduler could not place. */
  pendingReplicas(deployment: string): string[] {
    return (this.pending.get(deployment) ?? []).map((p) => p.replica);
  }

  /** The pods seen by the last reconcile. */
  observedPods(): readonly ObservedPod[] {
    return this.pods;
  }

  desiredReplicas(d: DeploymentSpec): number {
    return this.hpaReplicas.get(d.name) ?? this.store.get().scale[d.name] ?? d.replicas ?? 1;
  }

  status(): StackStatus {
    const status = buildStatus(this.stack, this.pods, {
      runtime: this.runtime,
      now: this.now(),
      desired: (d) => this.desiredReplicas(d),
      pending: [...this.pending.values()].flat(),
      rollouts: new Map([...this.rollouts].map(([k, v]) => [k, v.status])),
    });
    if (this.endpointSink?.decorate) this.endpointSink.decorate(this.stack, status);
    for (const d of status.deployments) {
      const hpa = this.autoscaling?.status(d.name);
      if (hpa) d.hpa = hpa;
      for (const r of d.replicas) {
        const u = r.container ? this.autoscaling?.usage(r.container) : undefined;
        if (u) Object.assign(r, { cpuPercent: Math.round(u.cpuPercent * 10) / 10, memoryBytes: u.memoryBytes });
      }
    }
    status.controller = {
      running: true,
      pid: process.pid,
      dockerConnected: this.dockerConnected,
      startedAt: this.startedAt,
      lastError: this.lastError,
    };
    return status;
  }

  private publishEndpoints(force = false): void {
    const eps = serviceEndpoints(this.stack, this.pods, (p) => {
      const rt = this.runtime.peek(p.replica);
      const d = this.stack.deployments.find((x) => x.name === p.deployment);
      return (
        podPhase(p) === 'running' &&
        !!rt &&
        !rt.terminating &&
        (rt.probeReady ?? !d?.template.containers.some((c) => c.readinessProbe))
      );
    });
    const key = JSON.stringify([...eps]);
    if (key === this.lastEndpoints && !force) return;
    this.lastEndpoints = key;
    this.endpointSink?.update(this.stack, eps);
    this.emit('changed');
  }

  // ---- shutdown ------------------------------------------------------------

  /** Stops the loop. With down, removes every container and the network the stack labelled. */
  async stop(down: boolean): Promise<void> {
    clearInterval(this.resync);
    this.queue.stop();
    this.events.stop();
    this.health?.stop();
    this.autoscaling?.stop();
    await this.endpointSink?.close?.(1000);
    if (!down) return;
    await downStack(this.docker, this.stack.name, (p) => this.graceSeconds(p.deployment));
  }

  private graceSeconds(deployment: string): number {
    const d = this.stack.deployments.find((x) => x.name === deployment);
    return this.stack.settings.terminationGracePeriodSeconds ?? d?.template.terminationGracePeriodSeconds ?? 30;
  }

  private requireDeployment(name: string): DeploymentSpec {
    const d = this.stack.deployments.find((x) => x.name === name);
    if (!d) {
      throw new Error(
        `no deployment "${name}" in stack ${this.stack.name} (deployments: ${this.stack.deployments.map((x) => x.name).join(', ') || 'none'})`,
      );
    }
    return d;
  }

  private async findPod(name: string): Promise<ObservedPod> {
    this.pods = await observeStack(this.docker, this.stack.name);
    const pod = this.pods.find((p) => p.replica === name);
    if (!pod) throw new Error(`no replica "${name}" in stack ${this.stack.name}`);
    return pod;
  }

  private onReconcileError(key: string, err: Error): void {
    const docker = /ECONNREFUSED|ENOENT|socket hang up|EPIPE/.test(err.message);
    if (docker) this.dockerConnected = false;
    this.lastError = err.message;
    this.emitEvent('Warning', docker ? 'DockerUnavailable' : 'ReconcileError', `deployment/${key}`, err.message);
  }

  emitEvent(type: EngineEvent['type'], reason: string, object: string, message: string): void {
    this.emit('event', { time: new Date(this.now()).toISOString(), type, reason, object, message });
  }
}
