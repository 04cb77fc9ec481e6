import * as assert from 'node:assert/strict';
import { Autoscaler, podSamples, type ObservedReplica } from '../../extension/engine/scaler/autoscaler';
import type { HpaSpec, PodTemplate } from '../../extension/engine/model/types';

const template: PodTemplate = {
  labels: { app: 'web' },
  annotations: {},
  containers: [
    {
      name: 'web',
      image: 'web:1',
      env: [],
      envFrom: [],
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
      requests: { cpuMilli: 100, memoryBytes: 64 * 2 ** 20 },
      limits: {},
    },
  ],
  nodeSelector: {},
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
};

const spec: HpaSpec = {
  name: 'web',
  source: { file: 'hpa.yaml', line: 3, column: 1 },
  target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
  minReplicas: 1,
  maxReplicas: 5,
  metrics: [
    { type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
    { type: 'Pods', name: 'flotilla_active_connections', target: { type: 'AverageValue', averageValue: 10 } },
  ],
  behavior: {},
};

const replicas = (n: number): ObservedReplica[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `web-${i}`,
    phase: 'Running' as const,
    ready: true,
    containerIds: [`c${i}`],
  }));
const usage = (n: number, cpuMilli: number) =>
  new Map(Array.from({ length: n }, (_, i) => [`c${i}`, { cpuMilli, memoryBytes: 2 ** 20 }]));

describe('Autoscaler', () => {
  it('scales up on load, keeps its history, then scales down after the (shortened) window', () => {
    const a = new Autoscaler(spec, { downscaleStabilizationSeconds: 30 });
    let r = a.sync(0, { specReplicas: 1, pods: podSamples(template, replicas(1), usage(1, 200)) });
    assert.equal(r.rescale, true);
    assert.equal(r.desiredReplicas, 4);
    assert.equal(r.reason, 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
    assert.equal(r.status.currentMetrics[0].current, 200);
    assert.equal(r.status.lastScaleTime, new Date(0).toISOString());

    r = a.sync(15_000, { specReplicas: 4, pods: podSamples(template, replicas(4), usage(4, 5)) });
    assert.equal(r.rescale, false, 'the 4 recommended 15 s ago holds the scale-down');
    assert.equal(r.condition.reason, 'ScaleDownStabilized');

    r = a.sync(31_000, { specReplicas: 4, pods: podSamples(template, replicas(4), usage(4, 5)) });
    assert.equal(r.desiredReplicas, 1);
    assert.equal(r.status.lastReason, 'New size: 1; reason: All metrics below target');
  });

  it('takes new stack settings on a spec update, keeping its history', () => {
    const a = new Autoscaler(spec, { downscaleStabilizationSeconds: 300 });
    a.sync(0, { specReplicas: 4, pods: podSamples(template, replicas(4), usage(4, 50)) });
    assert.equal(
      a.sync(20_000, { specReplicas: 4, pods: podSamples(template, replicas(4), usage(4, 5)) }).rescale,
      false,
    );
    a.updateSpec(spec, { downscaleStabilizationSeconds: 10 });
    const r = a.sync(21_000, { specReplicas: 4, pods: podSamples(template, replicas(4), usage(4, 5)) });
    assert.equal(r.desiredReplicas, 1);
  });

  it('scales on the balancer connection metric', () => {
    const a = new Autoscaler(spec);
    const metrics = new Map([
      ['web-0', { flotilla_active_connections: 25, flotilla_connections_per_second: 3 }],
      ['web-1', { flotilla_active_connections: 15, flotilla_connections_per_second: 3 }],
    ]);
    const r = a.sync(0, { specReplicas: 2, pods: podSamples(template, replicas(2), usage(2, 50), metrics) });
    assert.equal(r.desiredReplicas, 4);
    assert.match(r.reason, /pods metric flotilla_active_connections above target/);
  });

  it('treats a pod whose container has no stats sample yet as missing, not idle', () => {
    const ps = podSamples(template, replicas(2), usage(1, 80));
    assert.equal(ps[0].cpuMilli, 80);
    assert.equal(ps[1].cpuMilli, undefined);
    assert.deepEqual(ps[1].metrics, { flotilla_active_connections: 0, flotilla_connections_per_second: 0 });
  });
});
