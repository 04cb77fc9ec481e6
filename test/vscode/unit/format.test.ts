// Tree item wording: badges, backoff countdown, stack health.
import * as assert from 'node:assert/strict';
import {
  backoffSeconds,
  deploymentDescription,
  deploymentIcon,
  deploymentTooltip,
  replicaDescription,
  replicaIcon,
  replicaTooltip,
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
    assert.equal(replicaDescription(r, now), 'CrashLoopBackOff 10s · ↻2');
  });

  it('says why a replica is Pending in one word; the whole reason, node and resource figures go to the tooltip', () => {
    const unschedulable = replica({
      state: 'Pending',
      ready: false,
      node: '',
      pendingReason: '0/2 nodes are available: 2 Insufficient cpu.',
    });
    assert.equal(replicaDescription(unschedulable, 0), 'Unschedulable');
    assert.match(replicaTooltip(unschedulable, 0), /reason: 0\/2 nodes are available: 2 Insufficient cpu\./);
    const waiting = replica({ state: 'Pending', ready: false, node: '', pendingReason: 'not created yet' });
    assert.equal(replicaDescription(waiting, 0), 'Pending');
    assert.match(replicaTooltip(waiting, 0), /pending: not created yet/);
    const busy = replica({ cpuPercent: 3.14159, memoryBytes: 50 * 1024 * 1024 });
    assert.equal(replicaDescription(busy, 0), 'Ready');
    assert.match(replicaTooltip(busy, 0), /node: node-a\nCPU: 3\.1%\nmemory: 50\.0 MiB/);
  });

  it("shows kubectl's reason: its code in the description, the whole text in the tooltip", () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const cases: [Partial<ReplicaStatus>, string, RegExp, string][] = [
      [{ state: 'Creating', reason: 'Init:1/2' }, 'Init:1/2', /reason: Init:1\/2/, 'loading~spin'],
      [{ state: 'Creating', reason: 'Init:Error', restarts: 2 }, 'Init:Error · ↻2', /reason: Init:Error/, 'error'],
      [
        {
          state: 'Creating',
          reason: 'Init:CrashLoopBackOff',
          restarts: 3,
          backoff: { reason: 'CrashLoopBackOff', nextRetrySeconds: 20, nextRetryAt: '2026-01-01T00:00:20Z' },
        },
        'Init:CrashLoopBackOff 20s · ↻3',
        /reason: Init:CrashLoopBackOff\nnode/,
        'error',
      ],
      [
        {
          state: 'Pending',
          node: '',
          container: '',
          reason: 'CreateContainerConfigError',
          pendingReason: 'CreateContainerConfigError: configmap "settings" not found',
        },
        'CreateContainerConfigError',
        /reason: CreateContainerConfigError\n[^]*pending: CreateContainerConfigError: configmap "settings" not found/,
        'error',
      ],
      [
        {
          state: 'Pending',
          node: '',
          container: '',
          pendingReason: 'FailedMount: MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found',
        },
        'FailedMount',
        /reason: FailedMount: MountVolume\.SetUp failed for volume "cfg" : configmap "cfg" not found/,
        'error',
      ],
      [{ state: 'Completed', reason: 'Completed' }, 'Completed', /reason: Completed/, 'pass'],
      [{ state: 'Creating', reason: 'PodInitializing' }, 'PodInitializing', /reason: PodInitializing/, 'loading~spin'],
    ];
    for (const [over, description, tooltip, icon] of cases) {
      const r = replica({ ready: false, ...over });
      assert.equal(replicaDescription(r, now), description);
      assert.match(replicaTooltip(r, now), tooltip);
      assert.equal(replicaIcon(r).id, icon, description);
      assert.ok(description.length <= 34, `"${description}" is too long for a 300 px side bar`);
    }
  });

  it('a workload with a replica that cannot run warns, and its tooltip says which and why', () => {
    const d: DeploymentStatus = {
      name: 'api',
      desired: 2,
      ready: 1,
      replicas: [
        replica({ name: 'api-1' }),
        replica({ name: 'api-2', state: 'Creating', ready: false, reason: 'Init:CrashLoopBackOff' }),
      ],
    };
    assert.deepEqual(deploymentIcon(d), { id: 'warning', color: 'testing.iconFailed' });
    assert.match(deploymentTooltip(d), /^api: 1\/2 ready\napi-2: Init:CrashLoopBackOff/);
    assert.equal(deploymentDescription(d), '1/2 ready');
    d.replicas[1].reason = 'Init:1/2';
    assert.equal(deploymentIcon(d).id, 'layers');
  });

  it('puts the one most important badge in the description: a rollout beats the HPA range', () => {
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
    assert.equal(deploymentDescription(d), '2/3 ready · rollout 1/3');
    assert.match(deploymentTooltip(d), /HPA api: 2–5 replicas, cpu 71\.5\/60%/);
    assert.equal(deploymentDescription({ ...d, rollout: undefined }), '2/3 ready · HPA 2–5');
    // Clicks not answered yet beat everything: the row says where they lead.
    assert.equal(deploymentDescription(d, 5), '2/3 ready · scaling to 5');
  });

  it('says what the HPA warning is about, in the tooltip', () => {
    const d: DeploymentStatus = {
      name: 'api',
      desired: 2,
      ready: 2,
      replicas: [],
      hpa: {
        name: 'api',
        minReplicas: 2,
        maxReplicas: 5,
        currentReplicas: 2,
        desiredReplicas: 2,
        currentMetrics: [],
        unableReason: 'no container of api requests cpu',
      },
    };
    assert.equal(deploymentDescription(d), '2/2 ready · HPA ⚠');
    assert.match(deploymentTooltip(d), /⚠ the HPA cannot scale this deployment: no container of api requests cpu/);
  });

  it('badges a hand scale with the manifest count', () => {
    const d: DeploymentStatus = {
      name: 'web',
      desired: 2,
      ready: 2,
      replicas: [],
      scaledByHand: { replicas: 2, manifestReplicas: 1 },
    };
    assert.equal(deploymentDescription(d), '2/2 ready · by hand (manifest 1)');
    assert.match(deploymentTooltip(d), /scaled by hand: 2 \(manifest: 1\); Reset to Manifest returns to 1/);
  });

  it('keeps every description short enough for a 300 px side bar', () => {
    const d: DeploymentStatus = {
      name: 'api',
      desired: 12,
      ready: 10,
      replicas: [],
      scaledByHand: { replicas: 12, manifestReplicas: 2 },
      hpa: {
        name: 'api',
        minReplicas: 2,
        maxReplicas: 15,
        currentReplicas: 12,
        desiredReplicas: 12,
        currentMetrics: [{ name: 'cpu', current: 171.5, target: 60, unit: '%' }],
      },
      rollout: { state: 'Progressing', strategy: 'RollingUpdate', currentHash: 'h', updated: 10, available: 9 },
    };
    for (const text of [
      deploymentDescription(d),
      deploymentDescription({ ...d, rollout: undefined }),
      deploymentDescription({ ...d, rollout: undefined, scaledByHand: undefined }),
      replicaDescription(replica({ cpuPercent: 99.9, memoryBytes: 2 ** 31, restarts: 12 }), 0),
    ]) {
      assert.ok(text.length <= 34, `"${text}" is ${text.length} characters`);
    }
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
