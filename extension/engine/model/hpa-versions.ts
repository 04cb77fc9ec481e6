// Older HorizontalPodAutoscaler versions, still in many tutorials, read as autoscaling/v2:
// autoscaling/v1 (targetCPUUtilizationPercentage), v2beta2 (the same schema as v2) and
// v2beta1 (targetAverageUtilization/targetAverageValue per metric). The conversion is
// Kubernetes' own (pkg/apis/autoscaling conversions), done on the plain object before the
// v2 reader runs. The language server offers the same rewrite as a quick fix.
import { isObj, type Obj } from './reader';

function obj(v: unknown): Obj | undefined {
  return isObj(v) ? v : undefined;
}

export function toAutoscalingV2(apiVersion: string, o: Obj): Obj {
  const spec = obj(o.spec);
  if (!spec || apiVersion === 'autoscaling/v2' || apiVersion === 'autoscaling/v2beta2') return o;
  if (apiVersion === 'autoscaling/v1') {
    const { targetCPUUtilizationPercentage: cpu, ...rest } = spec;
    const metrics = cpu === undefined || cpu === null ? undefined : [cpuMetric(cpu)];
    return { ...o, apiVersion: 'autoscaling/v2', spec: metrics ? { ...rest, metrics } : rest };
  }
  if (apiVersion === 'autoscaling/v2beta1' && Array.isArray(spec.metrics)) {
    return { ...o, apiVersion: 'autoscaling/v2', spec: { ...spec, metrics: spec.metrics.map(v2beta1Metric) } };
  }
  return o;
}

function cpuMetric(averageUtilization: unknown): Obj {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } } };
}

function v2beta1Metric(m: unknown): unknown {
  const metric = obj(m);
  if (!metric) return m;
  const resource = obj(metric.resource);
  if (metric.type === 'Resource' && resource) {
    const { targetAverageUtilization: u, targetAverageValue: v, ...rest } = resource;
    const target =
      u !== undefined ? { type: 'Utilization', averageUtilization: u } : { type: 'AverageValue', averageValue: v };
    return { ...metric, resource: { ...rest, target } };
  }
  const pods = obj(metric.pods);
  if (metric.type === 'Pods' && pods) {
    return {
      ...metric,
      pods: {
        metric: { name: pods.metricName },
        target: { type: 'AverageValue', averageValue: pods.targetAverageValue },
      },
    };
  }
  return m;
}
