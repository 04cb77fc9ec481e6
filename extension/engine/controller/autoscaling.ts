// The HPA controller loop and the usage figures behind it: streamed container
// stats (one open stream per running container, no polling) and the balancer's
// per-replica connection metrics, fed every hpaSyncSeconds into one Autoscaler
// per HorizontalPodAutoscaler. Decisions go to the controller as the target's
// replica count, exactly like the HPA writing the scale subresource.
import type { HpaStatus } from '../api/protocol';
import { podPhase } from '../docker/observe';
import { Autoscaler, podSamples, type ObservedReplica } from '../scaler/autoscaler';
import { StatsSampler } from '../scaler/stats-sampler';
import type { DeploymentSpec, HpaSpec, StackSpec } from '../model/types';
import type { BalancerSink } from './balancer-sink';
import type { StackController } from './controller';
import { SCALABLE } from './intents';
import { isPodReady } from './readiness';

export class AutoscalingLoop {
  readonly sampler: StatsSampler;
  private readonly scalers = new Map<string, Autoscaler>();
  private readonly statuses = new Map<string, HpaStatus>();
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;

  constructor(
    private readonly ctl: StackController,
    private readonly balancers?: BalancerSink,
  ) {
    this.sampler = new StatsSampler(ctl.docker);
  }

  private readonly onChanged = (): void => this.trackContainers();

  start(): void {
    this.ctl.on('changed', this.onChanged);
    this.adoptTargets();
    this.schedule();
    // A first look soon after start, so status shows the HPA before a full period passes.
    this.first = setTimeout(() => this.sync(), 2000);
  }

  /** A reload may change HPAs and the sync period. */
  reload(): void {
    this.adoptTargets();
    clearInterval(this.timer);
    this.schedule();
  }

  stop(): void {
    // A reconcile finishing after the stop must not reopen stats streams.
    this.ctl.off('changed', this.onChanged);
    clearInterval(this.timer);
    clearTimeout(this.first);
    this.sampler.stop();
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
    this.timer = setInterval(() => this.sync(), this.ctl.stack.settings.hpaSyncSeconds * 1000);
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

  private trackContainers(): void {
    const ids: string[] = [];
    for (const p of this.ctl.observedPods()) for (const c of p.containers) if (c.state === 'running') ids.push(c.id);
    this.sampler.track(ids);
  }
}

/** The workload an HPA scales: scaleTargetRef names a Deployment, StatefulSet, ReplicaSet or ReplicationController by kind and name. */
export function hpaTarget(stack: StackSpec, hpa: HpaSpec): DeploymentSpec | undefined {
  if (!SCALABLE.some((k) => k === hpa.target.kind)) return undefined;
  return stack.deployments.find((x) => x.name === hpa.target.name && hpa.target.kind === (x.kind ?? 'Deployment'));
}
