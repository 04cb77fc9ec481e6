// One HPA sync as a pure function: (spec, current replicas, pods, history, clock) →
// desired replicas, reasons, status and the new history. Follows
// kubernetes/kubernetes pkg/controller/podautoscaler/horizontal.go:
// - target replicas 0 with minReplicas > 0: scaling is disabled (paused);
// - current above max / below min: go to the bound;
// - otherwise the largest recommendation over all metrics; if every metric fails, or
//   some fail and the rest would scale down, nothing happens (unableReason);
// - stabilization: the highest recommendation within the scale-down window and the
//   lowest within the scale-up window bound the result;
// - rate policies (Pods/Percent per period, selectPolicy Max/Min/Disabled) limit the
//   change relative to the replica count at the start of each period;
// - defaults as the API server sets them: scale-up no window, max(4 pods, 100%) per
//   15 s; scale-down 300 s window (or the stack's override), 100% per 15 s.

import type { HpaScalingRules, HpaSpec, MetricSpec } from '../model/types';
import type { HpaStatus } from '../api/protocol';
import {
  DEFAULT_METRIC,
  DEFAULT_TOLERANCE,
  replicasForMetric,
  type MetricValue,
  type PodSample,
} from './replica-calculator';

export interface TimedRecommendation {
  time: number; // ms
  replicas: number;
}

export interface ScaleEvent {
  time: number; // ms
  change: number; // always positive
}

/** What an HPA remembers between syncs. */
export interface HpaHistory {
  recommendations: TimedRecommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
  lastScaleTime?: number;
  lastReason?: string;
}

export const emptyHistory = (): HpaHistory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

export interface HpaInput {
  hpa: HpaSpec;
  /** The target's replicas as set now (scale.spec.replicas). */
  specReplicas: number;
  pods: readonly PodSample[];
  now: number; // ms
  history: HpaHistory;
  /** StackSettings.hpaDownscaleStabilizationSeconds: used when behavior does not set the window. */
  downscaleStabilizationSeconds?: number;
  tolerance?: number;
}

export interface HpaDecision {
  desiredReplicas: number;
  /** True when desiredReplicas differs from specReplicas and should be applied. */
  rescale: boolean;
  /** Why it scaled ("cpu resource utilization (percentage of request) above target"), when it does. */
  reason?: string;
  /** The limiting condition (ScaleUpLimit, ScaleDownStabilized, TooManyReplicas, …). */
  condition: { reason: string; message: string };
  unableReason?: string;
  metrics: MetricValue[];
  history: HpaHistory;
}

type Rules = Required<HpaScalingRules>;

export function scaleUpRules(hpa: HpaSpec): Rules {
  const r = hpa.behavior.scaleUp ?? {};
  return {
    stabilizationWindowSeconds: r.stabilizationWindowSeconds ?? 0,
    selectPolicy: r.selectPolicy ?? 'Max',
    policies: r.policies?.length
      ? r.policies
      : [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
  };
}

export function scaleDownRules(hpa: HpaSpec, downscaleStabilizationSeconds = 300): Rules {
  const r = hpa.behavior.scaleDown ?? {};
  return {
    stabilizationWindowSeconds: r.stabilizationWindowSeconds ?? downscaleStabilizationSeconds,
    selectPolicy: r.selectPolicy ?? 'Max',
    policies: r.policies?.length ? r.policies : [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

export function decide(input: HpaInput): HpaDecision {
  const { hpa, specReplicas: current, now } = input;
  const min = hpa.minReplicas ?? 1;
  const max = hpa.maxReplicas;
  const up = scaleUpRules(hpa);
  const down = scaleDownRules(hpa, input.downscaleStabilizationSeconds);
  const history = prune(input.history, now, up, down);
  const noMetrics: MetricValue[] = [];
  const base = { metrics: noMetrics, history };

  if (current === 0 && min !== 0) {
    return {
      ...base,
      desiredReplicas: 0,
      rescale: false,
      condition: {
        reason: 'ScalingDisabled',
        message: 'scaling is disabled since the replica count of the target is zero',
      },
    };
  }
  if (current > max) return applied(base, current, max, 'Current number of replicas above Spec.MaxReplicas', now);
  if (current < min) return applied(base, current, min, 'Current number of replicas below Spec.MinReplicas', now);

  const specs: MetricSpec[] = hpa.metrics.length > 0 ? hpa.metrics : [DEFAULT_METRIC];
  let proposal = 0;
  let proposalName = '';
  let invalid = 0;
  let firstError: string | undefined;
  const metrics: MetricValue[] = [];
  for (const spec of specs) {
    const r = replicasForMetric(spec, current, input.pods, input.tolerance ?? DEFAULT_TOLERANCE);
    if (!r.ok) {
      invalid++;
      firstError ??= r.error;
      if (r.value) metrics.push(r.value);
      continue;
    }
    metrics.push(r.value);
    if (proposal === 0 || r.replicas > proposal) {
      proposal = r.replicas;
      proposalName = r.description;
    }
  }
  if (invalid >= specs.length || (invalid > 0 && proposal < current)) {
    const unableReason =
      invalid === 1 && specs.length === 1
        ? firstError
        : `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError}`;
    return {
      ...base,
      metrics,
      desiredReplicas: current,
      rescale: false,
      unableReason,
      condition: { reason: 'FailedGetMetrics', message: unableReason ?? '' },
    };
  }

  // Stabilization over the recommendations of the windows, this one recorded unstabilized.
  let upRec = proposal;
  let downRec = proposal;
  const upCutoff = now - up.stabilizationWindowSeconds * 1000;
  const downCutoff = now - down.stabilizationWindowSeconds * 1000;
  for (const r of history.recommendations) {
    if (r.time > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.time > downCutoff) downRec = Math.max(downRec, r.replicas);
  }
  let stabilized = current;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  history.recommendations.push({ time: now, replicas: proposal });
  let condition =
    stabilized !== proposal
      ? stabilized > proposal
        ? {
            reason: 'ScaleDownStabilized',
            message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
          }
        : {
            reason: 'ScaleUpStabilized',
            message: 'recent recommendations were lower than current one, applying the lowest recent recommendation',
          }
      : { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };

  const limited = limitByPolicies(current, stabilized, min, max, up, down, history, now);
  if (limited.condition) condition = limited.condition;
  const desired = limited.replicas;
  const metricReason =
    desired > current ? `${proposalName} above target` : desired < current ? 'All metrics below target' : undefined;
  const decision: HpaDecision = { metrics, history, desiredReplicas: desired, rescale: desired !== current, condition };
  if (decision.rescale) record(decision, current, desired, metricReason ?? '', now);
  return decision;
}

function applied(
  base: { metrics: MetricValue[]; history: HpaHistory },
  current: number,
  desired: number,
  reason: string,
  now: number,
): HpaDecision {
  const d: HpaDecision = {
    ...base,
    desiredReplicas: desired,
    rescale: true,
    condition: { reason: 'DesiredWithinRange', message: reason },
  };
  record(d, current, desired, reason, now);
  return d;
}

function record(d: HpaDecision, current: number, desired: number, reason: string, now: number): void {
  d.reason = reason;
  const ev = { time: now, change: Math.abs(desired - current) };
  if (desired > current) d.history.scaleUpEvents.push(ev);
  else d.history.scaleDownEvents.push(ev);
  d.history.lastScaleTime = now;
  d.history.lastReason = `New size: ${desired}; reason: ${reason}`;
}

function changeInPeriod(events: readonly ScaleEvent[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.time > cutoff) n += e.change;
  return n;
}

function limitByPolicies(
  current: number,
  desired: number,
  min: number,
  max: number,
  up: Rules,
  down: Rules,
  h: HpaHistory,
  now: number,
): { replicas: number; condition?: { reason: string; message: string } } {
  const periodStart = (periodSeconds: number): number =>
    current -
    changeInPeriod(h.scaleUpEvents, periodSeconds, now) +
    changeInPeriod(h.scaleDownEvents, periodSeconds, now);
  if (desired > current) {
    let limit: number;
    if (up.selectPolicy === 'Disabled') limit = current;
    else {
      const pick = up.selectPolicy === 'Min' ? Math.min : Math.max;
      limit = up.selectPolicy === 'Min' ? Infinity : -Infinity;
      for (const p of up.policies) {
        const start = periodStart(p.periodSeconds);
        const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
        limit = pick(limit, proposed);
      }
    }
    if (limit < current) limit = current;
    const allowed = Math.min(max, limit);
    if (desired > allowed) {
      return max > limit
        ? {
            replicas: allowed,
            condition: {
              reason: 'ScaleUpLimit',
              message: 'the desired replica count is increasing faster than the maximum scale rate',
            },
          }
        : {
            replicas: allowed,
            condition: {
              reason: 'TooManyReplicas',
              message: 'the desired replica count is more than the maximum replica count',
            },
          };
    }
  } else if (desired < current) {
    let limit: number;
    if (down.selectPolicy === 'Disabled') limit = current;
    else {
      const pick = down.selectPolicy === 'Min' ? Math.max : Math.min;
      limit = down.selectPolicy === 'Min' ? -Infinity : Infinity;
      for (const p of down.policies) {
        const start = periodStart(p.periodSeconds);
        const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
        limit = pick(limit, proposed);
      }
    }
    if (limit > current) limit = current;
    const allowed = Math.max(min, limit);
    if (desired < allowed) {
      return min < limit
        ? {
            replicas: allowed,
            condition: {
              reason: 'ScaleDownLimit',
              message: 'the desired replica count is decreasing faster than the maximum scale rate',
            },
          }
        : {
            replicas: allowed,
            condition: {
              reason: 'TooFewReplicas',
              message: 'the desired replica count is less than the minimum replica count',
            },
          };
    }
  }
  return { replicas: desired };
}

/** Drops what no window or policy period can see any more; returns a copy. */
function prune(h: HpaHistory, now: number, up: Rules, down: Rules): HpaHistory {
  const window = Math.max(up.stabilizationWindowSeconds, down.stabilizationWindowSeconds) * 1000;
  const upPeriod = Math.max(0, ...up.policies.map((p) => p.periodSeconds)) * 1000;
  const downPeriod = Math.max(0, ...down.policies.map((p) => p.periodSeconds)) * 1000;
  return {
    recommendations: h.recommendations.filter((r) => r.time > now - window),
    scaleUpEvents: h.scaleUpEvents.filter((e) => e.time > now - upPeriod),
    scaleDownEvents: h.scaleDownEvents.filter((e) => e.time > now - downPeriod),
    lastScaleTime: h.lastScaleTime,
    lastReason: h.lastReason,
  };
}

/** The protocol's view of a decision. */
export function toStatus(hpa: HpaSpec, current: number, d: HpaDecision): HpaStatus {
  const st: HpaStatus = {
    name: hpa.name,
    minReplicas: hpa.minReplicas ?? 1,
    maxReplicas: hpa.maxReplicas,
    currentReplicas: current,
    desiredReplicas: d.desiredReplicas,
    currentMetrics: d.metrics.map((m) => ({ ...m })),
  };
  if (d.history.lastScaleTime !== undefined) st.lastScaleTime = new Date(d.history.lastScaleTime).toISOString();
  if (d.history.lastReason !== undefined) st.lastReason = d.history.lastReason;
  if (d.unableReason !== undefined) st.unableReason = d.unableReason;
  return st;
}
