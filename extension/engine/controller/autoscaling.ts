// The HPA controller loop and the usage figures behind it: container CPU and memory,
// read only where something uses them (an HPA's targets with a CPU or memory metric,
// once per hpaSyncSeconds; the replicas an open view shows, every 2 s while it asks), and
// the balancer's per-replica connection metrics, fed every hpaSyncSeconds into one
// Autoscaler per HorizontalPodAutoscaler. Decisions go to the controller as the target's
// replica count, exactly like the HPA writing the scale subresource. A stack without an
// HPA and without a view asking reads nothing at all.
import type { HpaStatus } from '../api/protocol';
import { podPhase } from '../docker/observe';
import { Autoscaler, podSamples, type ObservedReplica } from '../scaler/autoscaler';
import { UsageSampler } from '../scaler/usage-sampler';
import type { DeploymentSpec, HpaSpec, StackSpec } from '../model/types';
import type { BalancerSink } from './balancer-sink';
import type { StackController } from './controller';
import { SCALABLE } from './intents';
import { isPodReady } from './readiness';

/** How often replicas shown in a view are read, and how long a view's request lasts unless renewed. */
export const VIEW_SAMPLE_MS = 2000;
export const VIEW_LEASE_MS = 60_000;

export class AutoscalingLoop {
  readonly sampler: UsageSampler;
  private readonly scalers = new Map<string, Autoscaler>();
  private readonly statuses = new Map<string, HpaStatus>();
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private viewTimer?: NodeJS.Timeout;
  /** Replicas an open view shows, with when the request lapses. */
  private readonly viewed = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly ctl: StackController,
    private readonly balancers?: BalancerSink,
  ) {
    this.sampler = new UsageSampler(ctl.docker);
  }

  start(): void {
    this.adoptTargets();
    this.schedule();
    // A first reading now and a first look soon after start, so status shows the HPA (with a
    // CPU rate over those 2 s) before a full period passes.
    if (!this.ctl.stack.hpas.length) return;
    void this.sampleTargets(); // never rejects
    // (A sync period of 2 s or less brings the first look as soon.)
    if (this.ctl.stack.settings.hpaSyncSeconds > 2) this.first = setTimeout(() => void this.tick(), 2000); // never rejects
  }

  /** A reload may change HPAs and the sync period. */
  reload(): void {
    this.adoptTargets();
    clearInterval(this.timer);
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.first);
    clearInterval(this.viewTimer);
    this.viewTimer = undefined;
  }

  /**
   * A view shows these replicas: read their usage every 2 s for the next minute (a view renews
   * its request while it stays open). Replaces what was asked before.
   */
  requestUsage(replicas: readonly string[], leaseMs = VIEW_LEASE_MS): void {
    if (this.stopped) return;
    const until = Date.now() + leaseMs;
    this.viewed.clear();
    for (const r of replicas) this.viewed.set(r, until);
    if (this.viewed.size && !this.viewTimer) {
      this.viewTimer = setInterval(() => void this.sampleViewed(), VIEW_SAMPLE_MS); // never rejects
      void this.sampleViewed(); // never rejects
    }
  }

  /** One HPA period: read the targets' usage, then decide. */
  private async tick(): Promise<void> {
    await this.sampleTargets();
    if (!this.stopped) this.sync();
  }

  /** Running containers of the targets of HPAs with a CPU or memory metric. */
  private targetContainers(): string[] {
    const stack = this.ctl.stack;
    const names = new Set(
      stack.hpas
        .filter((h) => h.metrics.some((m) => m.type === 'Resource'))
        .flatMap((h) => hpaTarget(stack, h)?.name ?? []),
    );
    if (!names.size) return [];
    return this.ctl
      .observedPods()
      .filter((p) => names.has(p.deployment))
      .flatMap((p) => p.containers.filter((c) => c.state === 'running').map((c) => c.id));
  }

  private viewedContainers(): string[] {
    const now = Date.now();
    for (const [r, until] of this.viewed) if (until < now) this.viewed.delete(r);
    return this.ctl
      .observedPods()
      .filter((p) => this.viewed.has(p.replica))
      .flatMap((p) => p.containers.filter((c) => c.state === 'running').map((c) => c.id));
  }

  private async sampleTargets(): Promise<void> {
    const targets = this.targetContainers();
    this.sampler.retain([...targets, ...this.viewedContainers()]);
    await this.sampler.sample(targets);
  }

  private async sampleViewed(): Promise<void> {
    const ids = this.viewedContainers();
    if (!this.viewed.size) {
      clearInterval(this.viewTimer);
      this.viewTimer = undefined;
    }
    this.sampler.retain([...ids, ...this.targetContainers()]);
    await this.sampler.sample(ids);
    if (!this.stopped) this.ctl.emit('changed');
  }

  status(deployment: string): HpaStatus | undefined {
    const hpa = this.hpaFor(deployment);
    return hpa ? this.statuses.get(hpa.name) : undefined;
  }

  usage(containerId: string): { cpuPercent: number; memoryBytes: number } | undefined {
    return this.sampler.get(containerId);
  }

  /** Runs one HPA sync now (the timer calls this every hpaSyncSeconds). */
  sync(now = Date.now()): void {
    const stack = this.ctl.stack;
    const pods = this.ctl.observedPods();
    const metrics = this.balancers?.set.podMetrics(now) ?? new Map<string, Record<string, number>>();
    for (const hpa of stack.hpas) {
      const d = hpaTarget(stack, hpa);
      if (!d) continue;
      const scaler = this.scalerFor(hpa);
      const replicas: ObservedReplica[] = pods
        .filter((p) => p.deployment === d.name)
        .map((p) => ({
          name: p.replica,
          phase: this.ctl.runtime.peek(p.replica)?.terminating
            ? 'Terminating'
            : podPhase(p) === 'running'
              ? 'Running'
              : podPhase(p) === 'exited'
                ? 'Failed'
                : 'Pending',
          ready: isPodReady(p, d, this.ctl.runtime),
          containerIds: p.containers.map((c) => c.id),
        }));
      // Replicas the scheduler could not place count as Pending, which damps a scale-up as in Kubernetes.
      for (const pending of this.ctl.pendingReplicas(d.name)) {
        replicas.push({ name: pending, phase: 'Pending', ready: false, containerIds: [] });
      }
      const current = this.ctl.desiredReplicas(d);
      const r = scaler.sync(now, {
        specReplicas: current,
        pods: podSamples(d.template, replicas, this.sampler.usage(), metrics),
      });
      this.statuses.set(hpa.name, r.status);
      if (r.rescale && r.desiredReplicas !== current) {
        this.ctl.emitEvent('Normal', 'SuccessfulRescale', `hpa/${hpa.name}`, r.reason);
        this.ctl.setAutoscaled(d.name, r.desiredReplicas);
      }
    }
    this.ctl.emit('changed');
  }

  private schedule(): void {
    // Without an HPA there is nothing to sync: no timer at all.
    if (this.stopped || !this.ctl.stack.hpas.length) return;
    // tick() never rejects: a container that cannot be read just has no figure.
    this.timer = setInterval(() => void this.tick(), this.ctl.stack.settings.hpaSyncSeconds * 1000);
  }

  /** An HPA owns its target's replica count from the start, clamped to its bounds. */
  private adoptTargets(): void {
    for (const d of this.ctl.stack.deployments) {
      const hpa = this.hpaFor(d.name);
      if (!hpa) {
        this.ctl.setAutoscaled(d.name, undefined);
        continue;
      }
      const current = this.ctl.desiredReplicas(d);
      // Replicas 0 pauses the HPA, as in Kubernetes.
      if (current === 0) continue;
      this.ctl.setAutoscaled(d.name, Math.min(hpa.maxReplicas, Math.max(hpa.minReplicas, current)));
    }
    for (const name of [...this.scalers.keys()]) {
      if (!this.ctl.stack.hpas.some((h) => h.name === name)) this.scalers.delete(name);
    }
  }

  private scalerFor(hpa: HpaSpec): Autoscaler {
    let s = this.scalers.get(hpa.name);
    if (!s) {
      s = new Autoscaler(hpa, {
        downscaleStabilizationSeconds: this.ctl.stack.settings.hpaDownscaleStabilizationSeconds,
      });
      this.scalers.set(hpa.name, s);
    } else {
      s.updateSpec(hpa, { downscaleStabilizationSeconds: this.ctl.stack.settings.hpaDownscaleStabilizationSeconds });
    }
    return s;
  }

  private hpaFor(deployment: string): HpaSpec | undefined {
    const d = this.ctl.stack.deployments.find((x) => x.name === deployment);
    return this.ctl.stack.hpas.find((h) => h.target.kind === (d?.kind ?? 'Deployment') && h.target.name === deployment);
  }
}

/** The workload an HPA scales: scaleTargetRef names a Deployment, StatefulSet, ReplicaSet or ReplicationController by kind and name. */
export function hpaTarget(stack: StackSpec, hpa: HpaSpec): DeploymentSpec | undefined {
  if (!SCALABLE.some((k) => k === hpa.target.kind)) return undefined;
  return stack.deployments.find((x) => x.name === hpa.target.name && hpa.target.kind === (x.kind ?? 'Deployment'));
}
