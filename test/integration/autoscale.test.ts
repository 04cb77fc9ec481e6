// Real engine, whole engine: a stack with a Deployment, its Service (through the
// balancer) and an HPA on the balancer's active-connections metric. Generated load
// scales it up; when the load stops it scales back down after a shortened window.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { EngineEvent } from '../../extension/engine/api/protocol';
import { createController, prepareStack } from '../../extension/engine/runner';
import type { StackController } from '../../extension/engine/controller/controller';
import { docker, httpGet, testStack, waitFor } from './balancer-support';
import { ensureNodeImage } from '../support/node-image';
import { removeStack, writeStack } from '../support/stack-fixture';
import { deployment, manifests, service } from '../support/manifests';

const SLOW_SERVER = `require('http').createServer((q,s)=>setTimeout(()=>s.end(require('os').hostname()),300)).listen(8080)`;

function stackManifests(): string {
  return manifests(
    deployment('web', {
      image: 'flotilla.local/node:20',
      command: ['node', '-e', SLOW_SERVER],
      port: 8080,
      requests: { cpu: '50m', memory: '32Mi' },
    }),
    service('web', { ports: [{ port: 80, targetPort: 'http' }] }),
    `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Pods
      pods:
        metric: {name: flotilla_active_connections}
        target: {type: AverageValue, averageValue: "4"}
`,
  );
}

describe('HPA on the balancer metric (real engine)', function () {
  this.timeout(180_000);
  const name = testStack();
  let dir: string;
  let ctl: StackController | undefined;
  const events: EngineEvent[] = [];

  after(async () => {
    await ctl?.stop(false);
    await removeStack(name);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('scales up under load and back down after the stabilization window', async () => {
    await ensureNodeImage(docker);
    dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1, resyncSeconds: 5, hpaSyncSeconds: 1, hpaDownscaleStabilizationSeconds: 3}\n`,
      'k8s/web.yaml': stackManifests(),
    });
    const p = await prepareStack(docker, dir);
    ctl = createController(docker, p);
    ctl.on('event', (e) => events.push(e));
    await ctl.start();
    const c = ctl;
    const port = await waitFor('the Service URL', () => c.status().services[0]?.ports[0]?.hostPort);
    const ready = (): number => c.status().deployments[0].replicas.filter((r) => r.ready).length;
    await waitFor(
      'one Ready replica answering through the balancer',
      async () => ready() === 1 && (await httpGet(port)).status === 200,
      60_000,
    );

    // Load: 16 requests always in flight (each holds its connection ~300 ms).
    let loading = true;
    let served = 0;
    const workers = Array.from({ length: 16 }, async () => {
      while (loading) {
        const r = await httpGet(port).catch(() => undefined);
        if (r?.status === 200) served++;
      }
    });
    try {
      await waitFor('3 Ready replicas', () => ready() === 3, 90_000);
    } finally {
      loading = false;
      await Promise.all(workers);
    }
    assert.ok(served > 0);
    const up = events.find((e) => e.reason === 'SuccessfulRescale' && /above target/.test(e.message));
    assert.ok(up, 'a SuccessfulRescale event names the metric above target');
    assert.match(up.message, /pods metric flotilla_active_connections above target/);
    assert.equal(c.status().deployments[0].hpa?.maxReplicas, 3);

    await waitFor(
      'back to 1 replica without load',
      () => c.status().deployments[0].replicas.length === 1 && ready() === 1,
      90_000,
    );
    const down = events.find((e) => e.reason === 'SuccessfulRescale' && /All metrics below target/.test(e.message));
    assert.ok(down, 'the scale-down is reported');
    assert.equal(c.status().deployments[0].hpa?.desiredReplicas, 1);
  });
});
