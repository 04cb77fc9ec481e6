// Cases from kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go
// (names kept) and the HPA docs' walkthrough and behavior examples.
import * as assert from 'node:assert/strict';
import { replicasForMetric, type PodPhase, type PodSample } from '../../extension/engine/scaler/replica-calculator';
import { decide, emptyHistory, type HpaHistory } from '../../extension/engine/scaler/hpa';
import type { HpaSpec, MetricSpec } from '../../extension/engine/model/types';

const cpu = (u: number): MetricSpec => ({
  type: 'Resource',
  name: 'cpu',
  target: { type: 'Utilization', averageUtilization: u },
});
const qps = (v: number): MetricSpec => ({
  type: 'Pods',
  name: 'qps',
  target: { type: 'AverageValue', averageValue: v },
});

interface PodOpts {
  levels: (number | undefined)[];
  requests?: (number | undefined)[];
  ready?: boolean[];
  phase?: PodPhase[];
  count?: number;
  custom?: boolean;
}
function pods(o: PodOpts): PodSample[] {
  const n = o.count ?? Math.max(o.levels.length, o.requests?.length ?? 0, o.ready?.length ?? 0, o.phase?.length ?? 0);
  return Array.from({ length: n }, (_, i) => {
    const p: PodSample = {
      name: `pod-${i}`,
      phase: o.phase?.[i] ?? 'Running',
      ready: o.ready?.[i] ?? true,
      containers: [{ name: 'app', requests: { cpuMilli: o.requests ? o.requests[i] : 1000 } }],
    };
    const v = o.levels[i];
    if (v !== undefined) {
      if (o.custom) p.metrics = { qps: v };
      else p.cpuMilli = v;
    }
    return p;
  });
}
function replicas(metric: MetricSpec, current: number, ps: PodSample[]): { replicas: number; current: number } {
  const r = replicasForMetric(metric, current, ps);
  if (!r.ok) throw new Error(r.error);
  return { replicas: r.replicas, current: r.value.current };
}

describe('HPA replica calculation (upstream replica_calculator_test cases)', () => {
  it('TestReplicaCalcScaleUp', () =>
    assert.deepEqual(replicas(cpu(30), 3, pods({ levels: [300, 500, 700] })), { replicas: 5, current: 50 }));
  it('TestReplicaCalcScaleUpUnreadyLessScale', () =>
    assert.deepEqual(replicas(cpu(30), 3, pods({ levels: [300, 500, 700], ready: [false, true, true] })), {
      replicas: 4,
      current: 60,
    }));
  it('TestReplicaCalcScaleUpUnreadyNoScale', () =>
    assert.deepEqual(replicas(cpu(30), 3, pods({ levels: [400, 500, 700], ready: [true, false, false] })), {
      replicas: 3,
      current: 40,
    }));
  it('TestReplicaCalcScaleUpIgnoresFailedPods', () =>
    assert.deepEqual(
      replicas(
        cpu(30),
        2,
        pods({
          levels: [500, 700],
          ready: [true, true, false, false],
          phase: ['Running', 'Running', 'Failed', 'Failed'],
        }),
      ),
      { replicas: 4, current: 60 },
    ));
  it('TestReplicaCalcScaleUpIgnoresDeletionPods', () =>
    assert.deepEqual(
      replicas(
        cpu(30),
        2,
        pods({
          levels: [500, 700],
          ready: [true, true, false, false],
          phase: ['Running', 'Running', 'Terminating', 'Terminating'],
        }),
      ),
      {
        replicas: 4,
        current: 60,
      },
    ));
  it('TestReplicaCalcScaleUpCM', () =>
    assert.deepEqual(replicas(qps(15), 3, pods({ levels: [20, 10, 30], custom: true })), { replicas: 4, current: 20 }));
  it('TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale (unready pods count for non-cpu metrics)', () =>
    assert.deepEqual(replicas(qps(15), 3, pods({ levels: [50, 10, 30], ready: [true, true, false], custom: true })), {
      replicas: 6,
      current: 30,
    }));
  it('TestReplicaCalcScaleDown', () =>
    assert.deepEqual(replicas(cpu(50), 5, pods({ levels: [100, 300, 500, 250, 250] })), { replicas: 3, current: 28 }));
  it('TestReplicaCalcScaleDownCM', () =>
    assert.deepEqual(replicas(qps(20), 5, pods({ levels: [12, 12, 12, 12, 12], custom: true })), {
      replicas: 3,
      current: 12,
    }));
  it('TestReplicaCalcScaleDownIncludeUnreadyPods', () =>
    assert.deepEqual(
      replicas(cpu(50), 5, pods({ levels: [100, 300, 500, 250, 250], ready: [true, true, true, false, false] })),
      { replicas: 2, current: 30 },
    ));
  it('TestReplicaCalcScaleDownExcludeUnscheduledPods', () =>
    assert.deepEqual(
      replicas(
        cpu(50),
        5,
        pods({
          levels: [100],
          ready: [true, false, false, false, false],
          phase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
        }),
      ),
      { replicas: 1, current: 10 },
    ));
  it('TestReplicaCalcTolerance', () =>
    assert.deepEqual(replicas(cpu(100), 3, pods({ levels: [1010, 1030, 1020], requests: [900, 1000, 1100] })), {
      replicas: 3,
      current: 102,
    }));
  it('TestReplicaCalcToleranceCM', () =>
    assert.equal(replicas(qps(20), 3, pods({ levels: [20, 21, 21], custom: true })).replicas, 3));
  it('TestReplicaCalcMissingMetrics', () =>
    assert.deepEqual(replicas(cpu(100), 4, pods({ levels: [400, 95], count: 4 })), { replicas: 3, current: 24 }));
  it('TestReplicaCalcMissingMetricsNoChangeEq', () =>
    assert.equal(replicas(cpu(100), 2, pods({ levels: [1000], count: 2 })).replicas, 2));
  it('TestReplicaCalcMissingMetricsNoChangeGt', () =>
    assert.equal(replicas(cpu(100), 2, pods({ levels: [1900], count: 2 })).replicas, 2));
  it('TestReplicaCalcMissingMetricsNoChangeLt', () =>
    assert.equal(replicas(cpu(100), 2, pods({ levels: [600], count: 2 })).replicas, 2));
  it('TestReplicaCalcMissingMetricsUnreadyChange', () =>
    assert.deepEqual(replicas(cpu(50), 3, pods({ levels: [100, 450], count: 3, ready: [false, true, true] })), {
      replicas: 3,
      current: 45,
    }));
  it('TestReplicaCalcMissingMetricsUnreadyScaleUp', () =>
    assert.deepEqual(replicas(cpu(50), 3, pods({ levels: [100, 2000], count: 3, ready: [false, true, true] })), {
      replicas: 4,
      current: 200,
    }));
  it('TestReplicaCalcMissingMetricsUnreadyScaleDown', () =>
    assert.deepEqual(
      replicas(cpu(50), 4, pods({ levels: [100, 100, 100], count: 4, ready: [false, true, true, true] })),
      { replicas: 3, current: 10 },
    ));
  it('TestReplicaCalcDuringRollingUpdateWithMaxSurge', () =>
    assert.equal(replicas(cpu(50), 2, pods({ levels: [100, 100], count: 3 })).replicas, 2));
  it('TestReplicaCalcEmptyCPURequest: no request, no scaling, and says which container', () => {
    const r = replicasForMetric(cpu(100), 1, pods({ levels: [200], requests: [undefined] }));
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error, 'failed to get cpu utilization: missing request for cpu in container app of Pod pod-0');
    }
  });
  it('memory utilization is relative to the memory request', () => {
    const ps = pods({ levels: [], count: 2 }).map((p, i) => ({
      ...p,
      containers: [{ name: 'app', requests: { memoryBytes: 100 * 2 ** 20 } }],
      memoryBytes: [150, 170][i] * 2 ** 20,
    }));
    const r = replicasForMetric(
      { type: 'Resource', name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      2,
      ps,
    );
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual([r.replicas, r.value.current], [4, 160]);
  });
  it('cpu AverageValue compares millicores per pod', () => {
    const r = replicasForMetric(
      { type: 'Resource', name: 'cpu', target: { type: 'AverageValue', averageValue: 100 } },
      2,
      pods({ levels: [300, 300] }),
    );
    assert.ok(r.ok && r.replicas === 6 && r.value.current === 300);
  });
});

describe('HPA docs examples', () => {
  it('walkthrough: php-apache at 305% of a 50% target goes from 1 to 7 replicas', () => {
    const ps = pods({ levels: [610], requests: [200] });
    assert.deepEqual(replicas(cpu(50), 1, ps), { replicas: 7, current: 305 });
  });
  it('200m against a 100m target doubles; 50m halves', () => {
    assert.equal(replicas(qps(0.1), 2, pods({ levels: [0.2, 0.2], custom: true })).replicas, 4);
    assert.equal(replicas(qps(0.1), 4, pods({ levels: [0.05, 0.05, 0.05, 0.05], custom: true })).replicas, 2);
  });
});

function hpa(over: Partial<HpaSpec> = {}): HpaSpec {
  return {
    name: 'web',
    source: { file: 'hpa.yaml', line: 1, column: 1 },
    target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 100,
    metrics: [cpu(50)],
    behavior: {},
    ...over,
  };
}
/** n pods each at `util`% of a 1000m request. */
const loaded = (n: number, util: number): PodSample[] => pods({ levels: Array(n).fill(util * 10) });

describe('HPA decision (horizontal.go)', () => {
  it('pauses when the target has 0 replicas and minReplicas > 0', () => {
    const d = decide({ hpa: hpa(), specReplicas: 0, pods: [], now: 0, history: emptyHistory() });
    assert.equal(d.rescale, false);
    assert.equal(d.desiredReplicas, 0);
    assert.equal(d.condition.reason, 'ScalingDisabled');
  });

  it('moves to the bounds first', () => {
    assert.equal(
      decide({ hpa: hpa({ maxReplicas: 10 }), specReplicas: 12, pods: loaded(12, 10), now: 0, history: emptyHistory() })
        .desiredReplicas,
      10,
    );
    const d = decide({
      hpa: hpa({ minReplicas: 2 }),
      specReplicas: 1,
      pods: loaded(1, 10),
      now: 0,
      history: emptyHistory(),
    });
    assert.equal(d.desiredReplicas, 2);
    assert.equal(d.reason, 'Current number of replicas below Spec.MinReplicas');
  });

  it('default scale-up: at most max(4 pods, 100%) per 15 s', () => {
    let h: HpaHistory = emptyHistory();
    let d = decide({ hpa: hpa(), specReplicas: 1, pods: loaded(1, 5000), now: 0, history: h });
    assert.equal(d.desiredReplicas, 5);
    assert.equal(d.condition.reason, 'ScaleUpLimit');
    assert.equal(d.reason, 'cpu resource utilization (percentage of request) above target');
    h = d.history;
    d = decide({ hpa: hpa(), specReplicas: 5, pods: loaded(5, 5000), now: 5_000, history: h });
    assert.equal(d.desiredReplicas, 5, 'the period still holds the first scale-up');
    d = decide({ hpa: hpa(), specReplicas: 5, pods: loaded(5, 5000), now: 15_000, history: d.history });
    assert.equal(d.desiredReplicas, 10, '100% of 5 beats 4 pods');
  });

  it('default scale-down: the highest recommendation of the last 300 s wins', () => {
    let d = decide({ hpa: hpa(), specReplicas: 10, pods: loaded(10, 50), now: 0, history: emptyHistory() });
    assert.equal(d.desiredReplicas, 10);
    for (let t = 15_000; t < 300_000; t += 15_000) {
      d = decide({ hpa: hpa(), specReplicas: 10, pods: loaded(10, 10), now: t, history: d.history });
      assert.equal(d.desiredReplicas, 10, `held at ${t / 1000}s`);
      assert.equal(d.condition.reason, 'ScaleDownStabilized');
    }
    // The 10 recorded at 0 s leaves the window (strictly after now − 300 s) at 300 s.
    d = decide({ hpa: hpa(), specReplicas: 10, pods: loaded(10, 10), now: 300_000, history: d.history });
    assert.equal(d.desiredReplicas, 2);
    assert.equal(d.reason, 'All metrics below target');
  });

  it('the stack setting shortens the default window, but behavior wins over it', () => {
    const first = decide({
      hpa: hpa(),
      specReplicas: 10,
      pods: loaded(10, 50),
      now: 0,
      history: emptyHistory(),
      downscaleStabilizationSeconds: 10,
    });
    const d = decide({
      hpa: hpa(),
      specReplicas: 10,
      pods: loaded(10, 10),
      now: 11_000,
      history: first.history,
      downscaleStabilizationSeconds: 10,
    });
    assert.equal(d.desiredReplicas, 2);
    const withBehavior = hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });
    const f2 = decide({
      hpa: withBehavior,
      specReplicas: 10,
      pods: loaded(10, 50),
      now: 0,
      history: emptyHistory(),
      downscaleStabilizationSeconds: 10,
    });
    const d2 = decide({
      hpa: withBehavior,
      specReplicas: 10,
      pods: loaded(10, 10),
      now: 11_000,
      history: f2.history,
      downscaleStabilizationSeconds: 10,
    });
    assert.equal(d2.desiredReplicas, 10);
  });

  it('docs: 4 pods or 10% per minute, Max picks the bigger change, Min the smaller', () => {
    const policies = [
      { type: 'Pods' as const, value: 4, periodSeconds: 60 },
      { type: 'Percent' as const, value: 10, periodSeconds: 60 },
    ];
    const run = (selectPolicy: 'Max' | 'Min' | 'Disabled', current: number) =>
      decide({
        hpa: hpa({ behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies, selectPolicy } } }),
        specReplicas: current,
        pods: loaded(current, 1),
        now: 0,
        history: emptyHistory(),
      }).desiredReplicas;
    assert.equal(run('Max', 80), 72);
    assert.equal(run('Min', 80), 76);
    assert.equal(run('Max', 30), 26);
    assert.equal(run('Disabled', 30), 30);
  });

  it('the largest recommendation across metrics wins', () => {
    const ps = loaded(2, 60).map((p) => ({ ...p, metrics: { qps: 30 } }));
    const d = decide({
      hpa: hpa({ metrics: [cpu(50), qps(10)] }),
      specReplicas: 2,
      pods: ps,
      now: 0,
      history: emptyHistory(),
    });
    assert.equal(d.desiredReplicas, 6);
    assert.equal(d.reason, 'pods metric qps above target');
    assert.deepEqual(
      d.metrics.map((m) => [m.name, m.current, m.target]),
      [
        ['cpu', 60, 50],
        ['qps', 30, 10],
      ],
    );
  });

  it('cannot act without cpu requests, and says why', () => {
    const ps = pods({ levels: [900], requests: [undefined] });
    const d = decide({ hpa: hpa(), specReplicas: 1, pods: ps, now: 0, history: emptyHistory() });
    assert.equal(d.rescale, false);
    assert.match(d.unableReason ?? '', /failed to get cpu utilization: missing request for cpu in container app/);
  });

  it('a failing metric blocks a scale-down but not a scale-up', () => {
    const noQps = loaded(4, 10);
    const down = decide({
      hpa: hpa({ metrics: [cpu(50), qps(10)] }),
      specReplicas: 4,
      pods: noQps,
      now: 0,
      history: emptyHistory(),
    });
    assert.equal(down.rescale, false);
    assert.match(down.unableReason ?? '', /invalid metrics \(1 invalid out of 2\)/);
    const up = decide({
      hpa: hpa({ metrics: [cpu(50), qps(10)] }),
      specReplicas: 4,
      pods: loaded(4, 100),
      now: 0,
      history: emptyHistory(),
    });
    assert.equal(up.desiredReplicas, 8);
  });
});
