// The per-metric replica count of the Kubernetes HPA (autoscaling/v2), following
// kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator.go:
//
//   desired = ceil(readyPods × currentMetric / target), nothing while |ratio − 1| ≤ tolerance
//
// - pods being deleted or failed are ignored; Pending pods count as unready;
// - for cpu only, a pod that is not Ready is set aside as unready (upstream also
//   looks at start time and metric freshness; Flotilla has readiness, not those);
// - pods without a metric: 0% on a scale-up, 100% of the request (or the target when
//   it is above 100%) on a scale-down; unready pods count 0% on a scale-up only;
// - with missing or unready pods the ratio is computed again, and no scaling happens
//   if it falls within tolerance or flips the direction.
// Values are integer milli-units as upstream (cpu millicores × 1000 is not used: cpu
// is already milli; memory bytes and Pods metrics are × 1000), so rounding matches.

import type { MetricSpec, Resources } from '../model/types';

export type PodPhase = 'Pending' | 'Running' | 'Terminating' | 'Failed';

/** What the HPA sees of one pod matched by the target's selector. */
export interface PodSample {
  name: string;
  phase: PodPhase;
  ready: boolean;
  /** Each container's requests, from the pod template. */
  containers: { name: string; requests: Resources }[];
  /** Measured usage; undefined when there is no sample (yet) for this pod. */
  cpuMilli?: number;
  memoryBytes?: number;
  /** Per-pod custom metrics (the balancer's), by name; a missing name means no sample. */
  metrics?: Record<string, number>;
}

export interface MetricValue {
  /** Display name: cpu, memory or the Pods metric name. */
  name: string;
  /** Utilization in percent, or the average value in plain units (millicores, bytes, count). */
  current: number;
  target: number;
  unit: string;
}

export type MetricOutcome =
  | { ok: true; replicas: number; value: MetricValue; description: string }
  | { ok: false; error: string; value?: MetricValue };

export const DEFAULT_TOLERANCE = 0.1;

/** The HPA default when spec.metrics is empty: 80% average CPU utilization. */
export const DEFAULT_METRIC: MetricSpec = {
  type: 'Resource',
  name: 'cpu',
  target: { type: 'Utilization', averageUtilization: 80 },
};

export function replicasForMetric(
  spec: MetricSpec,
  currentReplicas: number,
  pods: readonly PodSample[],
  tolerance = DEFAULT_TOLERANCE,
): MetricOutcome {
  if (pods.length === 0) return { ok: false, error: 'no pods returned by selector while calculating replica count' };
  if (spec.type === 'Resource') {
    if (spec.name !== 'cpu' && spec.name !== 'memory') {
      return { ok: false, error: `unsupported resource metric ${spec.name}` };
    }
    if (spec.target.type === 'Utilization') return resourceUtilization(spec, currentReplicas, pods, tolerance);
    if (spec.target.type === 'AverageValue') return resourceAverageValue(spec, currentReplicas, pods, tolerance);
    return { ok: false, error: `invalid target type ${spec.target.type} for resource metric ${spec.name}` };
  }
  if (spec.target.type !== 'AverageValue' || spec.target.averageValue === undefined) {
    return { ok: false, error: `Pods metric ${spec.name} needs target type AverageValue` };
  }
  const target = toMilli(spec.target.averageValue);
  const samples = new Map<string, number>();
  for (const p of pods) {
    const v = p.metrics?.[spec.name];
    if (v !== undefined) samples.set(p.name, toMilli(v));
  }
  const r = plainReplicas(samples, currentReplicas, target, pods, false, tolerance);
  if (!r.ok) return { ok: false, error: `unable to get metric ${spec.name}: ${r.error}` };
  const value = { name: spec.name, current: r.usage / 1000, target: spec.target.averageValue, unit: '' };
  return { ok: true, replicas: r.replicas, value, description: `pods metric ${spec.name}` };
}

function toMilli(v: number): number {
  return Math.round(v * 1000);
}

function resourceUsage(p: PodSample, resource: 'cpu' | 'memory'): number | undefined {
  // cpu is already in millicores; memory bytes become milli-bytes as upstream's MilliValue().
  if (resource === 'cpu') return p.cpuMilli === undefined ? undefined : Math.round(p.cpuMilli);
  return p.memoryBytes === undefined ? undefined : toMilli(p.memoryBytes);
}

interface Groups {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

function groupPods(pods: readonly PodSample[], has: (p: PodSample) => boolean, cpu: boolean): Groups {
  const g: Groups = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const p of pods) {
    if (p.phase === 'Terminating' || p.phase === 'Failed') g.ignored.add(p.name);
    else if (p.phase === 'Pending') g.unready.add(p.name);
    else if (!has(p)) g.missing.add(p.name);
    else if (cpu && !p.ready) g.unready.add(p.name);
    else g.readyCount++;
  }
  return g;
}

function podRequest(p: PodSample, resource: 'cpu' | 'memory'): number | string {
  let sum = 0;
  for (const c of p.containers) {
    const r = resource === 'cpu' ? c.requests.cpuMilli : c.requests.memoryBytes;
    if (r === undefined) return `missing request for ${resource} in container ${c.name} of Pod ${p.name}`;
    sum += resource === 'cpu' ? r : toMilli(r);
  }
  return sum;
}

function utilizationRatio(
  metrics: Map<string, number>,
  requests: Map<string, number>,
  target: number,
): { ratio: number; utilization: number } | string {
  let total = 0;
  let reqTotal = 0;
  for (const [pod, v] of metrics) {
    const r = requests.get(pod);
    if (r === undefined) continue;
    total += v;
    reqTotal += r;
  }
  if (reqTotal === 0) return 'no metrics returned matched known pods';
  const utilization = Math.trunc((total * 100) / reqTotal);
  return { ratio: utilization / target, utilization };
}

function resourceUtilization(
  spec: MetricSpec,
  current: number,
  pods: readonly PodSample[],
  tolerance: number,
): MetricOutcome {
  const resource = spec.name as 'cpu' | 'memory';
  const target = spec.target.averageUtilization ?? 0;
  const fail = (e: string): MetricOutcome => ({ ok: false, error: `failed to get ${resource} utilization: ${e}` });
  if (target <= 0) return fail('target averageUtilization must be positive');
  const metrics = new Map<string, number>();
  for (const p of pods) {
    const v = resourceUsage(p, resource);
    if (v !== undefined) metrics.set(p.name, v);
  }
  const g = groupPods(pods, (p) => metrics.has(p.name), resource === 'cpu');
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) return fail('did not receive metrics for targeted pods (pods might be unready)');
  const requests = new Map<string, number>();
  for (const p of pods) {
    const r = podRequest(p, resource);
    if (typeof r === 'string') return fail(r);
    requests.set(p.name, r);
  }
  const first = utilizationRatio(metrics, requests, target);
  if (typeof first === 'string') return fail(first);
  const value: MetricValue = { name: resource, current: first.utilization, target, unit: '%' };
  const ok = (replicas: number): MetricOutcome => ({
    ok: true,
    replicas,
    value,
    description: `${resource} resource utilization (percentage of request)`,
  });
  const usageRatio = first.ratio;
  const scaleUpWithUnready = g.unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - usageRatio) <= tolerance) return ok(current);
    return ok(Math.ceil(usageRatio * g.readyCount));
  }
  if (g.missing.size > 0) {
    const fallback = Math.max(100, target);
    if (usageRatio < 1) for (const n of g.missing) metrics.set(n, Math.trunc((requests.get(n)! * fallback) / 100));
    else if (usageRatio > 1) for (const n of g.missing) metrics.set(n, 0);
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, 0);
  const second = utilizationRatio(metrics, requests, target);
  if (typeof second === 'string') return fail(second);
  return ok(recalculated(usageRatio, second.ratio, metrics.size, current, tolerance));
}

function recalculated(usageRatio: number, newRatio: number, count: number, current: number, tolerance: number): number {
  if (Math.abs(1 - newRatio) <= tolerance || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return current;
  }
  const n = Math.ceil(newRatio * count);
  if ((newRatio < 1 && n > current) || (newRatio > 1 && n < current)) return current;
  return n;
}

function resourceAverageValue(
  spec: MetricSpec,
  current: number,
  pods: readonly PodSample[],
  tolerance: number,
): MetricOutcome {
  const resource = spec.name as 'cpu' | 'memory';
  const avg = spec.target.averageValue;
  if (avg === undefined || avg <= 0) {
    return { ok: false, error: `failed to get ${resource} usage: target averageValue must be positive` };
  }
  const target = resource === 'cpu' ? Math.round(avg) : toMilli(avg);
  const samples = new Map<string, number>();
  for (const p of pods) {
    const v = resourceUsage(p, resource);
    if (v !== undefined) samples.set(p.name, v);
  }
  const r = plainReplicas(samples, current, target, pods, resource === 'cpu', tolerance);
  if (!r.ok) return { ok: false, error: `failed to get ${resource} usage: ${r.error}` };
  const usage = resource === 'cpu' ? r.usage : r.usage / 1000;
  const value = { name: resource, current: usage, target: avg, unit: resource === 'cpu' ? 'm' : 'bytes' };
  return { ok: true, replicas: r.replicas, value, description: `${resource} resource` };
}

/** calcPlainMetricReplicas: average value per pod against a per-pod target (milli-units). */
function plainReplicas(
  samples: Map<string, number>,
  current: number,
  target: number,
  pods: readonly PodSample[],
  cpu: boolean,
  tolerance: number,
): { ok: true; replicas: number; usage: number } | { ok: false; error: string } {
  if (target <= 0) return { ok: false, error: 'target must be positive' };
  const g = groupPods(pods, (p) => samples.has(p.name), cpu);
  const metrics = new Map([...samples].filter(([n]) => pods.some((p) => p.name === n)));
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) {
    return { ok: false, error: 'did not receive metrics for targeted pods (pods might be unready)' };
  }
  const ratioOf = (m: Map<string, number>): { ratio: number; usage: number } => {
    let total = 0;
    for (const v of m.values()) total += v;
    const usage = Math.trunc(total / m.size);
    return { ratio: usage / target, usage };
  };
  const first = ratioOf(metrics);
  const usageRatio = first.ratio;
  const scaleUpWithUnready = g.unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - usageRatio) <= tolerance) return { ok: true, replicas: current, usage: first.usage };
    return { ok: true, replicas: Math.ceil(usageRatio * g.readyCount), usage: first.usage };
  }
  if (g.missing.size > 0) {
    if (usageRatio < 1) for (const n of g.missing) metrics.set(n, target);
    else if (usageRatio > 1) for (const n of g.missing) metrics.set(n, 0);
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, 0);
  const second = ratioOf(metrics);
  return {
    ok: true,
    replicas: recalculated(usageRatio, second.ratio, metrics.size, current, tolerance),
    usage: first.usage,
  };
}
