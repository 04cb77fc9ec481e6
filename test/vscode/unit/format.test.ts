// Tree item wording: badges, backoff countdown, stack health.
import * as assert from 'node:assert/strict';
import {
  backoffSeconds,
  deploymentDescription,
  replicaDescription,
  stackHealth,
  stackTotals,
} from '../../../extension/client/views/format';
import type { DeploymentStatus, ReplicaStatus, StackStatus } from '../../../extension/engine/api/protocol';

const replica = (over: Partial<ReplicaStatus> = {}): ReplicaStatus => ({
  name: 'r',
  container: 'c',
  node: 'node-a',
  state: 'Running',
  ready: true,
  restarts: 0,
  ...over,
});

describe('tree wording', () => {
  it('counts a backoff down from nextRetryAt', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const r = replica({
      state: 'Waiting',
      ready: false,
      restarts: 2,
      backoff: { reason: 'CrashLoopBackOff', nextRetrySeconds: 30, nextRetryAt: '2026-01-01T00:00:09.200Z' },
    });
    assert.equal(backoffSeconds(r, now), 10);
    assert.equal(backoffSeconds(r, now + 60_000), 0);
    assert.equal(replicaDescription(r, now), 'Waiting · node-a · ↻2 · CrashLoopBackOff 10s');
  });

  it('shows the Pending reason and the resource figures', () => {
    assert.equal(
      replicaDescription(
        replica({ state: 'Pending', ready: false, node: '', pendingReason: '0/2 nodes have enough cpu' }),
        0,
      ),
      'Pending: 0/2 nodes have enough cpu',
    );
    assert.equal(
      replicaDescription(replica({ cpuPercent: 3.14159, memoryBytes: 50 * 1024 * 1024 }), 0),
      'Ready · node-a · 3.1% CPU · 50.0 MiB',
    );
  });

  it('badges HPA and a rollout in progress', () => {
    const d: DeploymentStatus = {
      name: 'api',
      desired: 3,
      ready: 2,
      replicas: [],
      hpa: {
        name: 'api',
        minReplicas: 2,
        maxReplicas: 5,
        currentReplicas: 3,
        desiredReplicas: 3,
        currentMetrics: [{ name: 'cpu', current: 71.5, target: 60, unit: '%' }],
      },
      rollout: { state: 'Progressing', strategy: 'RollingUpdate', currentHash: 'h', updated: 1, available: 2 },
    };
    assert.equal(deploymentDescription(d), '2/3 ready · HPA 2–5 cpu 71.5/60% · rollout 1/3');
  });

  it('derives up, degraded and down with ready/desired totals', () => {
    const s: StackStatus = {
      stack: 's',
      dir: '/',
      controller: { running: true, dockerConnected: true },
      services: [],
      pending: [],
      deployments: [
        { name: 'a', desired: 2, ready: 2, replicas: [] },
        { name: 'b', desired: 1, ready: 1, replicas: [] },
      ],
    };
    assert.equal(stackHealth(s), 'up');
    assert.deepEqual(stackTotals(s), { ready: 3, desired: 3 });
    s.deployments[1].ready = 0;
    assert.equal(stackHealth(s), 'degraded');
    assert.equal(stackHealth({ ...s, controller: { running: false } }), 'down');
    assert.equal(stackHealth(undefined), 'down');
  });
});
