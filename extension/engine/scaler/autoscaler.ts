// Autoscaler: one HPA's memory between syncs (recommendations for the stabilization
// windows, scale events for the rate policies) around the pure decide().
//
//   const a = new Autoscaler(hpaSpec, { downscaleStabilizationSeconds: settings.hpaDownscaleStabilizationSeconds });
//   every settings.hpaSyncSeconds:
//     const r = a.sync(Date.now(), { specReplicas, pods: podSamples(...) });
//     if (r.rescale) scale the target to r.desiredReplicas (event reason "SuccessfulRescale", message r.reason)
//     deploymentStatus.hpa = r.status

import type { HpaStatus } from '../api/protocol';
import type { HpaSpec, PodTemplate } from '../model/types';
import { decide, emptyHistory, toStatus, type HpaDecision, type HpaHistory } from './hpa';
import type { PodPhase, PodSample } from './replica-calculator';

export interface AutoscalerOptions {
  downscaleStabilizationSeconds?: number;
  tolerance?: number;
}

export interface AutoscalerInputs {
  specReplicas: number;
  pods: readonly PodSample[];
}

export interface SyncResult {
  desiredReplicas: number;
  rescale: boolean;
  /** "New size: N; reason: …" when it rescales, else the limiting condition or why it cannot act. */
  reason: string;
  condition: HpaDecision['condition'];
  status: HpaStatus;
}

export class Autoscaler {
  private history: HpaHistory = emptyHistory();
  private last: HpaStatus | undefined;

  constructor(
    private hpa: HpaSpec,
    private opts: AutoscalerOptions = {},
  ) {}

  /**
   * A changed manifest keeps the history, as an HPA update does in Kubernetes. Pass the
   * options again when the stack settings may have changed too (a reload).
   */
  updateSpec(hpa: HpaSpec, opts?: AutoscalerOptions): void {
    this.hpa = hpa;
    if (opts) this.opts = { ...opts };
  }

  get spec(): HpaSpec {
    return this.hpa;
  }

  sync(now: number, inputs: AutoscalerInputs): SyncResult {
    const d = decide({
      hpa: this.hpa,
      specReplicas: inputs.specReplicas,
      pods: inputs.pods,
      now,
      history: this.history,
      downscaleStabilizationSeconds: this.opts.downscaleStabilizationSeconds,
      tolerance: this.opts.tolerance,
    });
    this.history = d.history;
    const status = toStatus(this.hpa, inputs.specReplicas, d);
    this.last = status;
    const reason = d.rescale
      ? (d.history.lastReason ?? '')
      : (d.unableReason ?? `${d.condition.reason}: ${d.condition.message}`);
    return { desiredReplicas: d.desiredReplicas, rescale: d.rescale, reason, condition: d.condition, status };
  }

  status(): HpaStatus | undefined {
    return this.last;
  }
}

/** One replica as the controller observes it, for podSamples(). */
export interface ObservedReplica {
  name: string;
  phase: PodPhase;
  ready: boolean;
  /** Docker container ids of the pod's containers (for stats lookup). */
  containerIds: string[];
}

/**
 * HPA inputs for a deployment's replicas: requests from the template, usage summed over
 * the pod's containers (missing if any container has no sample yet, as a pod without
 * metrics), and the balancer's per-replica metrics.
 */
export function podSamples(
  template: PodTemplate,
  replicas: readonly ObservedReplica[],
  usage: ReadonlyMap<string, { cpuMilli: number; memoryBytes: number }>,
  podMetrics: ReadonlyMap<string, Record<string, number>> = new Map(),
): PodSample[] {
  const containers = template.containers.map((c) => ({ name: c.name, requests: c.requests }));
  return replicas.map((r) => {
    const s: PodSample = { name: r.name, phase: r.phase, ready: r.ready, containers };
    const samples = r.containerIds.map((id) => usage.get(id));
    if (samples.length > 0 && samples.every((x) => x !== undefined)) {
      s.cpuMilli = samples.reduce((a, x) => a + x.cpuMilli, 0);
      s.memoryBytes = samples.reduce((a, x) => a + x.memoryBytes, 0);
    }
    const m = podMetrics.get(r.name);
    // A Running replica the balancer has not seen has had no connections: that is a 0, not a missing sample.
    s.metrics =
      m ?? (r.phase === 'Running' ? { flotilla_active_connections: 0, flotilla_connections_per_second: 0 } : undefined);
    return s;
  });
}
