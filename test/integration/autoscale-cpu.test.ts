// Usage is read only where it is used, against the real engine: an HPA on CPU reads its
// target's containers (and scales a busy one up), a deployment without an HPA is never
// read, and a view's request for usage shows CPU and memory for the replicas it names.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { AutoscalingLoop } from '../../extension/engine/controller/autoscaling';
import type { StackController } from '../../extension/engine/controller/controller';
import { createController, prepareStack } from '../../extension/engine/runner';
import { ensureNodeImage } from '../support/node-image';
import { deployment, manifests } from '../support/manifests';
import { docker, removeStack, uniqueName, waitFor, writeStack } from '../support/stack-fixture';

const HPA = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: spin}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: spin}
  minReplicas: 1
  maxReplicas: 2
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
`;

describe('usage where it is used (real engine)', function () {
  this.timeout(180_000);
  const name = uniqueName('t-usage');
  let dir = '';
  let ctl: StackController | undefined;

  after(async () => {
    await ctl?.stop(false);
    await removeStack(name);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the HPA target at its period, never the rest, and what a view asks for', async () => {
    await ensureNodeImage(docker);
    dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1, hpaSyncSeconds: 1}\n`,
      'k8s/spin.yaml': manifests(
        deployment('spin', {
          image: 'flotilla.local/node:20',
          command: ['node', '-e', 'for(;;){}'],
          requests: { cpu: '100m' },
        }),
        HPA,
      ),
      'k8s/quiet.yaml': deployment('quiet', {
        replicas: 2,
        image: 'flotilla.local/node:20',
        command: ['node', '-e', 'setInterval(()=>{},1e9)'],
      }),
    });
    const p = await prepareStack(docker, dir);
    ctl = createController(docker, p);
    await ctl.start();
    const c = ctl;
    const loop = c.autoscaling;
    assert.ok(loop instanceof AutoscalingLoop);
    const running = (d: string) =>
      c.observedPods().filter((x) => x.deployment === d && x.containers.every((k) => k.state === 'running'));

    // A spinning replica at ~100% of a core against a 100m request: the HPA goes to its maximum.
    await waitFor(
      'spin scaled to 2',
      () => c.status().deployments.find((d) => d.name === 'spin')?.desired === 2,
      90_000,
    );
    await waitFor('quiet running', () => running('quiet').length === 2, 60_000);
    const spin = c.status().deployments.find((d) => d.name === 'spin')!;
    assert.ok((spin.hpa?.currentMetrics[0]?.current ?? 0) > 50, JSON.stringify(spin.hpa));
    // Only the target's containers are read: nothing of quiet.
    const quietIds = running('quiet').map((x) => x.containers[0].id);
    await waitFor('spin containers sampled', () => running('spin').every((x) => loop.usage(x.containers[0].id)));
    for (const id of quietIds) assert.equal(loop.usage(id), undefined, 'a replica nobody looks at is not read');
    assert.ok(
      c
        .status()
        .deployments.find((d) => d.name === 'quiet')!
        .replicas.every((r) => r.cpuPercent === undefined),
    );

    // A view shows quiet's replicas: their usage appears in status.
    c.requestUsage(running('quiet').map((x) => x.replica));
    await waitFor(
      'quiet usage in status',
      () => {
        const q = c.status().deployments.find((d) => d.name === 'quiet')!;
        return (
          q.replicas.length === 2 && q.replicas.every((r) => r.cpuPercent !== undefined && (r.memoryBytes ?? 0) > 0)
        );
      },
      30_000,
    );
    // The view closes (an empty request): quiet is no longer read.
    c.requestUsage([]);
    await waitFor('quiet forgotten', () => quietIds.every((id) => loop.usage(id) === undefined), 30_000);
  });
});
