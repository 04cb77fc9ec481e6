// A crash is counted once, even when reconciles run back to back while the controller's
// in-place restart of the crashed container is still in flight.
import { strict as assert } from 'node:assert';
import type { EngineEvent, ReplicaStatus } from '../../extension/engine/api/protocol';
import { createController, prepareStack } from '../../extension/engine/runner';
import type { StackController } from '../../extension/engine/controller/controller';
import { ensureBusyboxImage } from '../support/base-images';
import { deployment, httpdShell } from '../support/manifests';
import { docker, removeStack, uniqueName, waitFor, writeStack } from '../support/stack-fixture';

const MANIFEST = deployment('web', { replicas: 1, shell: httpdShell() });

describe('healing: one crash, one restart', function () {
  this.timeout(120_000);
  let stack = '';
  let ctl: StackController | undefined;

  afterEach(async () => {
    await ctl?.stop(false);
    ctl = undefined;
    if (stack) await removeStack(stack);
  });

  it('counts a killed replica once while reconciles keep coming', async () => {
    stack = uniqueName('test-health');
    const dir = writeStack({
      'flotilla.yaml': `name: ${stack}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 1, backoffMaxSeconds: 4, terminationGracePeriodSeconds: 1}\n`,
      'k8s/app.yaml': MANIFEST,
    });
    await ensureBusyboxImage(docker);
    const c = createController(docker, await prepareStack(docker, dir));
    ctl = c;
    const events: EngineEvent[] = [];
    c.on('event', (e) => events.push(e));
    await c.start();
    const replica = (): ReplicaStatus | undefined => c.status().deployments[0]?.replicas[0];
    const first = await waitFor('running replica', () => (replica()?.state === 'Running' ? replica() : undefined));

    // Every finished reconcile asks for another: the widest window for handling the exit twice.
    const again = (): void => c.enqueueAll();
    c.on('changed', again);
    try {
      await c.killReplica(first.name);
      await waitFor('exit noticed', () => replica()?.state !== 'Running' || (replica()?.restarts ?? 0) > 0);
      await waitFor('running again', () => replica()?.state === 'Running' && (replica()?.restarts ?? 0) > 0);
    } finally {
      c.off('changed', again);
    }
    assert.equal(replica()?.restarts, 1, 'one crash, one restart');
    assert.equal(events.filter((e) => e.reason === 'BackOff').length, 0, 'a first crash restarts at once');
    assert.equal(
      events.filter((e) => e.reason === 'Started').length,
      1,
      events.map((e) => `${e.reason}: ${e.message}`).join('\n'),
    );
  });
});
