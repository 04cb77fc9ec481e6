import * as assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { usageFromFrame } from '../../extension/engine/scaler/stats-sampler';
import { HpaLoop, type ScaleTarget } from '../../extension/engine/scaler/hpa-loop';
import type { EngineEvent, StackStatus } from '../../extension/engine/api/protocol';
import type { DeploymentSpec, StackSpec } from '../../extension/engine/model/types';

describe('usageFromFrame', () => {
  it('computes CPU % from the deltas against precpu, scaled by online cpus, and memory without inactive file', () => {
    const u = usageFromFrame({
      read: '2026-01-01T00:00:01Z',
      cpu_stats: { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 18_000_000_000 },
      memory_stats: { usage: 50_000_000, stats: { total_inactive_file: 10_000_000 } },
    });
    // 0.5 s of CPU over 2 s of system time on 2 cpus: half of one core.
    assert.deepEqual(u, { cpuPercent: 50, cpuMilli: 500, memoryBytes: 40_000_000, time: Date.parse('2026-01-01T00:00:01Z') });
  });

  it('has no value for the first frame of a stream (empty precpu)', () => {
    assert.equal(usageFromFrame({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10, online_cpus: 1 }, precpu_stats: { cpu_usage: {} } }), undefined);
  });

  it('reads cgroup v2 inactive_file', () => {
    const u = usageFromFrame({
      cpu_stats: { cpu_usage: { total_usage: 2 }, system_cpu_usage: 4, online_cpus: 1 },
      precpu_stats: { cpu_usage: { total_usage: 1 }, system_cpu_usage: 2 },
      memory_stats: { usage: 100, stats: { inactive_file: 30 } },
    });
    assert.equal(u?.memoryBytes, 70);
  });
});

describe('HpaLoop', () => {
  const deployment: DeploymentSpec = {
    name: 'web',
    source: { file: 'web.yaml', line: 1, column: 1 },
    selector: { matchLabels: { app: 'web' }, matchExpressions: [] },
    template: {
      labels: { app: 'web' },
      annotations: {},
      containers: [{ name: 'web', image: 'web:1', env: [], envFrom: [], ports: [], requests: { cpuMilli: 100 }, limits: {} }],
      nodeSelector: {},
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
    strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' },
    minReadySeconds: 0,
    progressDeadlineSeconds: 600,
  };

  function fakeTarget(replicas: number): ScaleTarget & { scaled: (number | undefined)[]; events: string[] } {
    const stack = {
      name: 'shop',
      deployments: [deployment],
      hpas: [
        {
          name: 'web',
          source: { file: 'hpa.yaml', line: 1, column: 1 },
          target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 2,
          maxReplicas: 10,
          metrics: [{ type: 'Pods', name: 'flotilla_active_connections', target: { type: 'AverageValue', averageValue: 5 } }],
          behavior: {},
        },
      ],
      settings: { hpaSyncSeconds: 15 },
    } as unknown as StackSpec;
    const names = Array.from({ length: replicas }, (_, i) => `web-${i}`);
    const status = {
      deployments: [{ name: 'web', desired: replicas, ready: replicas, replicas: names.map((name) => ({ name, container: '', node: 'n', state: 'Running', ready: true, restarts: 0 })) }],
    } as unknown as StackStatus;
    const t = {
      docker: { listContainers: async () => [] } as unknown as Docker,
      stack,
      scaled: [] as (number | undefined)[],
      events: [] as string[],
      desiredReplicas: () => replicas,
      setAutoscaled: (_d: string, r: number | undefined) => void t.scaled.push(r),
      status: () => status,
      emitEvent: (_type: EngineEvent['type'], reason: string, _o: string, message: string) => void t.events.push(`${reason}: ${message}`),
    };
    return t;
  }

  it('hands a rescale to the controller with a SuccessfulRescale event, and adds the HPA to the status', async () => {
    const t = fakeTarget(2);
    const metrics = { podMetrics: () => new Map([['web-0', { flotilla_active_connections: 20 }], ['web-1', { flotilla_active_connections: 20 }]]) };
    const loop = new HpaLoop(t, { metrics, now: () => 0 });
    await loop.syncOnce();
    loop.stop();
    assert.deepEqual(t.scaled, [6]); // 2 × 20 / 5 = 8, limited to 2 + 4 by the default scale-up policy
    assert.deepEqual(t.events, ['SuccessfulRescale: New size: 6; reason: pods metric flotilla_active_connections above target']);
    const st = loop.decorate(t.status());
    assert.equal(st.deployments[0].hpa?.desiredReplicas, 6);
    assert.deepEqual(st.deployments[0].hpa?.currentMetrics, [{ name: 'flotilla_active_connections', current: 20, target: 5, unit: '' }]);
  });

  it('hands the deployment back when its HPA leaves the manifests', async () => {
    const t = fakeTarget(2);
    const loop = new HpaLoop(t, { metrics: { podMetrics: () => new Map() }, now: () => 0 });
    await loop.syncOnce();
    (t.stack as { hpas: unknown[] }).hpas = [];
    await loop.syncOnce();
    loop.stop();
    assert.deepEqual(t.scaled, [undefined]);
  });
});
