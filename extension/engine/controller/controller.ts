// The stack controller: a level-based reconcile loop in the manner of
// controller-runtime. Work items are deployment names only; every pass re-reads
// the desired state (the loaded stack) and the observed state (labelled Docker
// containers), so a missed event can never leave the stack wrong. Docker events,
// probe results and intents only enqueue keys; a periodic resync is the net.
// This class wires the pieces: the work queue, the reconciler (reconciler.ts),
// the intents (intents.ts), the event stream, and the plug-ins of hooks.ts.
import { EventEmitter } from 'node:events';
import type Docker from 'dockerode';
import type { EngineEvent, StackStatus } from '../api/protocol';
import type { DockerApi } from '../docker/api';
import { StackEvents } from '../docker/events';
import { withMutationHook } from '../docker/mutations';
import { ensureNetwork } from '../docker/network';
import type { ObservedPod } from '../docker/observe';
import type { DeploymentSpec, RestartPolicy, StackSpec } from '../model/types';
import { systemClock, type Clock } from '../util/clock';
import { downStack } from './down';
import type {
  Autoscaling,
  ClusterNetwork,
  ControllerEvents,
  ControllerOptions,
  EndpointSink,
  HealthMonitor,
  PodLifecycle,
} from './hooks';
import { exitEvent } from './exit-events';
import { Intents } from './intents';
import { DEFAULT_RATE_LIMITS, controllerRateLimiter } from './rate-limiter';
import { isPodReady } from './readiness';
import { Reconciler } from './reconciler';
import { ReplicaError, stopReplica } from './replica-ops';
import { RuntimeTable } from './runtime';
import { StateStore } from './state-store';
import { buildStatus, serviceEndpoints } from './status';
import { WorkQueue } from './workqueue';
import type { LiveFiles } from '../sync/live-files';
import { decorateLive, liveImageIds } from '../sync/live-status';

export { downStack } from './down';

export type {
  Autoscaling,
  ClusterNetwork,
  ControllerEvents,
  ControllerOptions,
  EndpointSink,
  HealthMonitor,
  PodLifecycle,
} from './hooks';

/** `D` is the Docker client: dockerode in production, an in-memory engine in unit tests. */
export class StackController<D extends DockerApi = Docker> extends EventEmitter<ControllerEvents> {
  readonly docker: D;
  stack: StackSpec;
  private imageIds: Record<string, string>;
  private nodes: StackSpec['nodes'];
  private readonly clock: Clock;
  readonly store: StateStore;
  readonly runtime: RuntimeTable;
  private readonly queue: WorkQueue;
  private readonly events: StackEvents;
  private readonly reconciler: Reconciler;
  private readonly intents: Intents;
  private resync?: NodeJS.Timeout;
  private stopped = false;
  private lastEndpoints = '';
  health?: HealthMonitor;
  endpointSink?: EndpointSink;
  /** How pods find Services (ClusterIPs and cluster DNS); unset: the alias layout. */
  clusterNetwork?: ClusterNetwork;
  autoscaling?: Autoscaling;
  pods?: PodLifecycle;
  /** Live update's synced files (sync/live-files.ts): replicas created from a synced image get them. */
  live?: LiveFiles;
  dockerConnected = true;
  lastError?: string;
  readonly startedAt = new Date().toISOString();

  constructor(opts: ControllerOptions<D>) {
    super();
    // Every change made through this client tells the reconciler its last listing is stale.
    this.docker = withMutationHook(opts.docker, () => this.reconciler.invalidate());
    this.stack = opts.stack;
    this.imageIds = opts.imageIds ?? {};
    this.nodes = opts.nodes;
    const now = opts.now;
    this.clock = opts.clock ?? (now ? { ...systemClock, now } : systemClock);
    this.store = new StateStore(opts.stack.dir);
    this.runtime = new RuntimeTable(opts.stack.settings, (r) => this.store.get().restarts[r] ?? 0);
    this.queue = new WorkQueue(
      (key, signal, release) => this.reconciler.reconcile(key, signal, release),
      (key, err) => this.onReconcileError(key, err),
      {
        clock: this.clock,
        rateLimiter: controllerRateLimiter({ ...DEFAULT_RATE_LIMITS, ...opts.rateLimits }, () => this.clock.now()),
        // Reconciles run 8 at a time (each creates its replicas at once): an up of 60 Deployments reached
        // every Service 15% sooner than with 4 and no sooner with 16, on 2 cores. A pass waiting only on
        // postStart hooks frees its worker (Reconciler.createReplicas).
        workers: 8,
      },
    );
    this.events = new StackEvents(this.docker, this.stack.name);
    const host = {
      docker: this.docker,
      store: this.store,
      runtime: this.runtime,
      queue: this.queue,
      now: () => this.clock.now(),
      stack: () => this.stack,
      nodes: () => this.nodes,
      desired: () => ({ stack: this.stack, imageIds: this.imageIds, nodes: this.nodes }),
      health: () => this.health,
      pods: () => this.pods,
      podNetwork: () => this.clusterNetwork?.podNetwork(),
      live: () => this.live,
      desiredReplicas: (d: DeploymentSpec) => this.desiredReplicas(d),
      graceSeconds: (deployment: string) => this.graceSeconds(deployment),
      restartPolicyOf: (workload: string) => this.restartPolicyOf(workload),
      emitEvent: (type: EngineEvent['type'], reason: string, object: string, message: string) =>
        this.emitEvent(type, reason, object, message),
      publishEndpoints: () => this.publishEndpoints(),
      changed: () => this.emit('changed'),
    };
    this.reconciler = new Reconciler(host);
    this.intents = new Intents(host);
  }

  async start(): Promise<void> {
    this.intents.applyManifests(this.stack);
    await ensureNetwork(this.docker, this.stack.name, this.stack.dir);
    await this.endpointSink?.applyServices?.(this.stack);
    this.events.on('container', (e) => {
      this.reconciler.invalidate();
      const rt = e.replica ? this.runtime.peek(e.replica) : undefined;
      const said = exitEvent(
        e,
        rt && { terminating: rt.terminating || !!rt.restarting },
        this.restartPolicyOf(e.deployment),
      );
      if (said) this.emitEvent(said.type, said.reason, said.object, said.message);
      if (e.action === 'destroy') this.health?.containerGone(e.id);
      if (!e.deployment || !['die', 'start', 'destroy', 'oom'].includes(e.action)) return;
      const dep = e.deployment;
      // Docker logs `die` before it records the stopped state that `list` reads; inspect
      // waits on the container's lock, so once it answers the next list is current.
      if (e.action === 'die') {
        const settled = this.docker
          .getContainer(e.id)
          .inspect()
          .catch(() => undefined) // removed meanwhile: the list is current either way
          .finally(() => this.queue.add(dep));
        this.queue.track(settled);
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
      // A restarted engine keeps user-defined networks; if it lost ours, creates fail and say so.
      const network = ensureNetwork(this.docker, this.stack.name, this.stack.dir).finally(() => this.enqueueAll());
      this.queue.track(network);
    });
    this.events.start();
    this.queue.start();
    this.autoscaling?.start();
    this.enqueueAll();
    this.resync = setInterval(() => this.enqueueAll(), this.stack.settings.resyncSeconds * 1000);
  }

  /** Applies a newly loaded stack (manifest edit, rebuilt image): level-based, so just swap and enqueue. */
  apply(stack: StackSpec, imageIds: Record<string, string>, nodes: StackSpec['nodes']): void {
    // A reload finishing after stop() must not reopen listeners or restart the HPA timer.
    if (this.stopped) throw new Error('the controller has stopped; the change was not applied');
    const next = new Set(this.workloadKeys(stack));
    const gone = this.workloadKeys(this.stack).filter((k) => !next.has(k));
    this.stack = stack;
    this.imageIds = { ...imageIds };
    this.nodes = nodes;
    this.runtime.setSettings(stack.settings);
    this.intents.applyManifests(stack);
    const applied = this.endpointSink?.applyServices?.(stack).then(() => this.publishEndpoints(true));
    if (applied) this.queue.track(applied);
    this.autoscaling?.reload();
    this.enqueueAll();
    gone.forEach((g) => this.queue.add(g));
  }

  enqueueAll(): void {
    const keys = this.workloadKeys(this.stack);
    for (const k of keys) this.queue.add(k);
    // Workloads removed from the manifests still have containers: reconcile those too.
    const known = new Set(keys);
    for (const p of this.reconciler.pods) if (!known.has(p.deployment)) this.queue.add(p.deployment);
  }

  /** Every work-queue key of a stack: its long-running workloads, Jobs, CronJobs and their runs. */
  private workloadKeys(stack: StackSpec): string[] {
    return [...stack.deployments.map((d) => d.name), ...this.reconciler.jobs.keys(stack)];
  }

  /** The image ids the running stack uses (image reference → id). */
  currentImageIds(): Readonly<Record<string, string>> {
    return this.imageIds;
  }

  /**
   * Live update restarts a replica's process in place: while it does, the replica is out of its
   * Services' endpoints and its exit is no crash; afterwards it is Ready when its probes say so.
   */
  restartingInPlace(replica: string, restarting: boolean): void {
    const rt = this.runtime.peek(replica);
    if (!rt) return;
    rt.restarting = restarting;
    rt.probeReady = restarting ? false : undefined;
    rt.readySince = undefined;
    // Probes start afresh once it runs again: a prober a pass started meanwhile saw the old process.
    this.health?.unwatch(replica);
    if (!restarting) rt.restartedAt = this.clock.now();
    this.publishEndpoints();
    this.queue.add(rt.deployment);
  }

  /** Waits until no reconcile is queued or running (tests, `down`). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  // ---- intents (intents.ts) ------------------------------------------------

  scale(deployment: string, replicas: number): string {
    return this.intents.scale(deployment, replicas);
  }

  /** +1 / −1: applied from the count in force, in the order requests arrive. */
  scaleBy(deployment: string, delta: number): string {
    return this.intents.scaleBy(deployment, delta);
  }

  /** Drops a hand scale: back to the manifest's replicas. */
  resetScale(deployment: string): string {
    return this.intents.resetScale(deployment);
  }

  restart(deployment: string): string {
    return this.intents.restart(deployment);
  }

  /** A view shows these replicas: their CPU and memory are read while it keeps asking. */
  requestUsage(replicas: readonly string[]): void {
    this.autoscaling?.requestUsage?.(replicas);
  }

  /** Sets the HPA's decision for a deployment (undefined hands control back to spec/scale). */
  setAutoscaled(deployment: string, replicas: number | undefined): void {
    this.intents.setAutoscaled(deployment, replicas);
  }

  restartReplica(name: string): Promise<string> {
    return this.intents.restartReplica(name);
  }

  killReplica(name: string): Promise<string> {
    return this.intents.killReplica(name);
  }

  desiredReplicas(d: DeploymentSpec): number {
    return this.intents.desiredReplicas(d);
  }

  /** Work that outlives a reconcile pass (a pod initializing): reported, retried, awaited on stop. */
  track(work: Promise<unknown>, deployment?: string): void {
    this.queue.track(work, deployment);
  }

  /** The virtual nodes replicas are placed on now. */
  nodesNow(): StackSpec['nodes'] {
    return this.nodes;
  }

  // ---- probe results (the health monitor calls these) ---------------------

  onReadiness(replica: string, ready: boolean): void {
    const rt = this.runtime.peek(replica);
    // A process being restarted in place (live update) is judged by probes started after it.
    if (!rt || rt.probeReady === ready || rt.restarting) return;
    rt.probeReady = ready;
    rt.readySince = ready ? this.clock.now() : undefined;
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

  /** After failureThreshold liveness/startup failures: stop the container; the backoff restarts it. */
  onLivenessFailure(replica: string, message: string): Promise<void> {
    const rt = this.runtime.peek(replica);
    const pod = this.reconciler.pods.find((p) => p.replica === replica);
    if (!rt || !pod || rt.terminating) return Promise.resolve();
    rt.lastProbeFailure = message;
    this.emitEvent('Warning', 'Unhealthy', `replica/${replica}`, `${message}; container will be restarted`);
    const stopped = stopReplica(this.docker, pod, this.graceSeconds(pod.deployment), this.pods?.preStop(pod));
    this.queue.track(stopped, pod.deployment);
    return stopped.catch(() => undefined); // reported and retried by the queue (track)
  }

  // ---- status --------------------------------------------------------------

  /** Replicas of a deployment the scheduler could not place. */
  pendingReplicas(deployment: string): string[] {
    return (this.reconciler.pending.get(deployment) ?? []).map((p) => p.replica);
  }

  /** The pods seen by the last reconcile. */
  observedPods(): readonly ObservedPod[] {
    return this.reconciler.pods;
  }

  status(): StackStatus {
    const status = buildStatus(this.stack, this.reconciler.pods, {
      runtime: this.runtime,
      now: this.clock.now(),
      desired: (d) => this.desiredReplicas(d),
      scaledByHand: (d) => this.intents.handScale(d),
      pending: [...this.reconciler.pending.values()].flat(),
      pendingFor: (w) => this.reconciler.pending.get(w) ?? [],
      rollouts: new Map([...this.reconciler.rollouts].map(([k, v]) => [k, v.status])),
      records: this.store.get(),
    });
    if (this.endpointSink?.decorate) this.endpointSink.decorate(this.stack, status);
    this.pods?.decorate(status, this.reconciler.pods, this.clock.now());
    if (this.live) decorateLive(status, this.reconciler.pods, this.live, liveImageIds(this.stack, this.imageIds));
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
      dockerHost: process.env.DOCKER_HOST ?? '',
      startedAt: this.startedAt,
      lastError: this.lastError,
    };
    return status;
  }

  private publishEndpoints(force = false): void {
    const eps = serviceEndpoints(this.stack, this.reconciler.pods, (p) =>
      isPodReady(
        p,
        this.stack.deployments.find((x) => x.name === p.deployment),
        this.runtime,
      ),
    );
    const key = JSON.stringify([...eps]);
    if (key === this.lastEndpoints && !force) return;
    this.lastEndpoints = key;
    this.endpointSink?.update(this.stack, eps);
    this.emit('changed');
  }

  // ---- shutdown ------------------------------------------------------------

  /**
   * Stops the loop: no new work, the running reconciles' signal aborted, and
   * resolves once they and every graceful stop they started have finished, so
   * `down` never races a replica being created. With down, it then removes every
   * container and the network the stack labelled.
   */
  async stop(down: boolean): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    this.events.stop();
    this.health?.stop();
    this.autoscaling?.stop();
    await this.queue.stop();
    await this.endpointSink?.close?.(1000);
    if (!down) return;
    await downStack(
      this.docker,
      this.stack.name,
      (p) => this.graceSeconds(p.deployment),
      this.stack.dir,
      (p) => this.pods?.preStop(p),
    );
  }

  /** The restartPolicy of a workload's pods (a Job or a CronJob's run included). */
  private restartPolicyOf(workload: string | undefined): RestartPolicy | undefined {
    if (!workload) return undefined;
    const d =
      this.stack.deployments.find((x) => x.name === workload) ?? this.reconciler.jobs.find(this.stack, workload);
    return d?.template.restartPolicy;
  }

  private graceSeconds(deployment: string): number {
    const d = this.stack.deployments.find((x) => x.name === deployment);
    return this.stack.settings.terminationGracePeriodSeconds ?? d?.template.terminationGracePeriodSeconds ?? 30;
  }

  private onReconcileError(key: string, err: Error): void {
    const docker = /ECONNREFUSED|ENOENT|socket hang up|EPIPE/.test(err.message);
    if (docker) this.dockerConnected = false;
    this.lastError = err.message;
    if (err instanceof ReplicaError) {
      this.emitEvent('Warning', err.reason, `replica/${err.replica}`, err.message);
      return;
    }
    const object = key ? `deployment/${key}` : `stack/${this.stack.name}`;
    this.emitEvent('Warning', docker ? 'DockerUnavailable' : 'ReconcileError', object, err.message);
  }

  emitEvent(type: EngineEvent['type'], reason: string, object: string, message: string): void {
    this.emit('event', { time: new Date(this.clock.now()).toISOString(), type, reason, object, message });
  }
}
