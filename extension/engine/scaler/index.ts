// Horizontal autoscaling as Kubernetes' HPA (autoscaling/v2) does it, on local Docker.
//
// - replica-calculator.ts: per-metric desired replicas (cpu/memory Utilization and
//   AverageValue against requests, Pods AverageValue for the balancer's metrics), with
//   tolerance, missing and unready pods as upstream.
// - hpa.ts: decide(): pause, bounds, largest recommendation, stabilization windows and
//   rate policies with Kubernetes' defaults. Pure: history in, history out.
// - autoscaler.ts: Autoscaler keeps one HPA's history; podSamples() builds its inputs.
// - usage-sampler.ts, usage-source.ts: CPU and memory per container, read when asked, from the
//   container's cgroup files on a local engine and from the Engine API elsewhere.
// The loop that runs them against a stack is the controller's (controller/autoscaling.ts).

export {
  replicasForMetric,
  DEFAULT_TOLERANCE,
  DEFAULT_METRIC,
  type PodSample,
  type PodPhase,
  type MetricValue,
  type MetricOutcome,
} from './replica-calculator';
export {
  decide,
  emptyHistory,
  toStatus,
  scaleUpRules,
  scaleDownRules,
  type HpaInput,
  type HpaDecision,
  type HpaHistory,
} from './hpa';
export {
  Autoscaler,
  podSamples,
  type AutoscalerOptions,
  type AutoscalerInputs,
  type SyncResult,
  type ObservedReplica,
} from './autoscaler';
export { UsageSampler, type ContainerUsage } from './usage-sampler';
export { readingFromFrame, readingFromCgroup, cgroupFilesFor, parseMountinfo, type UsageReading } from './usage-source';
