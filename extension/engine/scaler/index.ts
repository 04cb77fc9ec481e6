// Horizontal autoscaling as Kubernetes' HPA (autoscaling/v2) does it, on local Docker.
//
// - replica-calculator.ts: per-metric desired replicas (cpu/memory Utilization and
//   AverageValue against requests, Pods AverageValue for the balancer's metrics), with
//   tolerance, missing and unready pods as upstream.
// - hpa.ts: decide(): pause, bounds, largest recommendation, stabilization windows and
//   rate policies with Kubernetes' defaults. Pure: history in, history out.
// - autoscaler.ts: Autoscaler keeps one HPA's history; podSamples() builds its inputs.
// - stats-sampler.ts: CPU and memory per container from streamed Docker stats.
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
export { StatsSampler, usageFromFrame, type ContainerUsage, type StatsFrame } from './stats-sampler';
