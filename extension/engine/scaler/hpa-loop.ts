// HpaLoop: runs every HorizontalPodAutoscaler of a stack each hpaSyncSeconds against a
// controller, as kube-controller-manager's HPA controller does against a cluster.
//
//   const loop = new HpaLoop(ctl, { metrics: balancerSet });   // ctl: a StackController fits as is
//   loop.start();                       // first sync at once (enforces min/max), then every hpaSyncSeconds
//   loop.decorate(status);              // deployments[].hpa and replicas' cpuPercent/memoryBytes
//   loop.stop();                        // closes the stats streams
//
// Per sync and HPA: observe the target's replicas (Docker list), stream stats of their
// containers (StatsSampler), read the balancer's per-replica connection metrics, call
// Autoscaler.sync and hand a rescale to ctl.setAutoscaled(), with a
// "SuccessfulRescale" event. An HPA removed from the manifests hands the deployment
// back to its spec/scale (setAutoscaled(undefined)).

import type Docker from 'dockerode';
import type { EngineEvent, ReplicaState, StackStatus } from '../api/protocol';
import { observeStack } from '../docker/observe';
import type { DeploymentSpec, StackSpec } from '../model/types';
import { Autoscaler, podSamples, type ObservedReplica } from './autoscaler';
import type { PodPhase } from './replica-calculator';
import { StatsSampler } from './stats-sampler';

/** What the loop needs from the controller. */
export interface ScaleTarget {
  readonly docker: Docker;
  /** Read on every sync, so a reloaded stack is picked up. */
  readonly stack: StackSpec;
  desiredReplicas(d: DeploymentSpec): number;
  setAutoscaled(deployment: string, replicas: number | undefined): void;
  /** Readiness and pending replicas as the controller sees them. */
  status(): StackStatus;
  emitEvent?(type: EngineEvent['type'], reason: string, object: string, message: string): void;
}

export interface PodMetricsSource {
  podMetrics(now?: number): Map<string, Record<string, number>>;
}

export interface HpaLoopOptions {
  metrics?: PodMetricsSource;
  sampler?: StatsSampler;
  now?: () => number;
}

export class HpaLoop {
  private readonly scalers = new Map<string, Autoscaler>();
  private readonly sampler: StatsSampler;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Last replica → container ids of HPA targets, for decorate(). */
  private containers = new Map<string, string[]>();

  constructor(
    private readonly target: ScaleTarget,
    private readonly opts: HpaLoopOptions = {},
  ) {
    this.sampler = opts.sampler ?? new StatsSampler(target.docker);
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.sampler.stop();
  }

  /** One pass over every HPA; concurrent calls share the pass in progress. */
  syncOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  decorate(status: StackStatus): StackStatus {
    for (const d of status.deployments) {
      const a = [...this.scalers.values()].find((x) => x.spec.target.name === d.name);
      const st = a?.status();
      if (st) d.hpa = st;
      for (const r of d.replicas) {
        const ids = this.containers.get(r.name);
        const usage = ids?.map((id) => this.sampler.get(id));
        if (!usage?.length || usage.some((u) => u === undefined)) continue;
        r.cpuPercent = Math.round(usage.reduce((s, u) => s + u!.cpuPercent, 0) * 10) / 10;
        r.memoryBytes = usage.reduce((s, u) => s + u!.memoryBytes, 0);
      }
    }
    return status;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.syncOnce()
        .catch((e: Error) => this.target.emitEvent?.('Warning', 'FailedComputeMetricsReplicas', `stack/${this.target.stack.name}`, e.message))
        .finally(() => this.schedule(this.target.stack.settings.hpaSyncSeconds * 1000));
    }, delayMs);
    this.timer.unref?.();
  }

  private async pass(): Promise<void> {
    const stack = this.target.stack;
    const hpas = stack.hpas.filter((h) => h.target.kind === 'Deployment' && stack.deployments.some((d) => d.name === h.target.name));
    for (const name of [...this.scalers.keys()]) {
      if (!hpas.some((h) => h.name === name)) {
        this.target.setAutoscaled(this.scalers.get(name)!.spec.target.name, undefined);
        this.scalers.delete(name);
      }
    }
    if (hpas.length === 0) {
      this.sampler.track([]);
      this.containers.clear();
      return;
    }
    const pods = await observeStack(this.target.docker, stack.name);
    const status = this.target.status();
    const containers = new Map<string, string[]>();
    for (const h of hpas) for (const p of pods) if (p.deployment === h.target.name) containers.set(p.replica, p.containers.filter((c) => c.state === 'running').map((c) => c.id));
    this.containers = containers;
    this.sampler.track([...containers.values()].flat());
    const podMetrics = this.opts.metrics?.podMetrics(this.now()) ?? new Map<string, Record<string, number>>();
    const now = this.now();
    for (const h of hpas) {
      let a = this.scalers.get(h.name);
      if (!a) this.scalers.set(h.name, (a = new Autoscaler(h, { downscaleStabilizationSeconds: stack.settings.hpaDownscaleStabilizationSeconds })));
      else a.updateSpec(h);
      const d = stack.deployments.find((x) => x.name === h.target.name)!;
      const ds = status.deployments.find((x) => x.name === d.name);
      const replicas: ObservedReplica[] = (ds?.replicas ?? []).map((r) => ({
        name: r.name,
        phase: phaseOf(r.state),
        ready: r.ready,
        containerIds: containers.get(r.name) ?? [],
      }));
      const r = a.sync(now, { specReplicas: this.target.desiredReplicas(d), pods: podSamples(d.template, replicas, this.sampler.usage(), podMetrics) });
      if (r.rescale) {
        this.target.setAutoscaled(d.name, r.desiredReplicas);
        this.target.emitEvent?.('Normal', 'SuccessfulRescale', `horizontalpodautoscaler/${h.name}`, r.reason);
      }
    }
  }
}

function phaseOf(state: ReplicaState): PodPhase {
  switch (state) {
    case 'Running':
      return 'Running';
    case 'Terminating':
      return 'Terminating';
    case 'Exited':
      return 'Failed';
    default:
      return 'Pending'; // Pending, Creating, Waiting (backoff): not serving, counted as unready
  }
}
