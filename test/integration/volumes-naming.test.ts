// The stack's named volumes against the real engine: a claim volume is found again by name,
// refused when someone else owns the name, and only the stack's own volumes are listed or removed.
import assert from 'node:assert/strict';
import { LABELS } from '../../extension/engine/docker/labels';
import {
  claimVolumeName,
  createPodVolume,
  ensureClaimVolume,
  listClaimVolumes,
  listPodVolumes,
  podVolumeName,
  removeClaimVolumes,
  removePodVolumes,
} from '../../extension/engine/docker/volumes';
import { docker, uniqueName } from '../support/stack-fixture';

describe('stack volumes (real Docker)', function () {
  this.timeout(60_000);
  let stack: string;
  const foreign: string[] = [];

  beforeEach(() => {
    stack = uniqueName('t-vol');
  });
  afterEach(async () => {
    await removePodVolumes(docker, stack);
    await removeClaimVolumes(docker, stack);
    for (const v of foreign.splice(0)) {
      await docker
        .getVolume(v)
        .remove()
        .catch(() => undefined);
    }
  });

  it('creates a claim volume once, labelled, and finds the same one again', async () => {
    const name = await ensureClaimVolume(docker, stack, 'data-db-0', { 'dev.flotilla.statefulset': 'db' });
    assert.equal(name, claimVolumeName(stack, 'data-db-0'));
    assert.equal(await ensureClaimVolume(docker, stack, 'data-db-0'), name);
    const info = await docker.getVolume(name).inspect();
    assert.equal(info.Labels[LABELS.stack], stack);
    assert.equal(info.Labels[LABELS.claim], 'data-db-0');
    assert.equal(info.Labels['dev.flotilla.statefulset'], 'db', 'extra labels kept');
    assert.deepEqual(
      (await listClaimVolumes(docker, stack)).map((v) => v.name),
      [name],
    );
  });

  it('refuses a volume of the same name that the stack did not make, and leaves it alone', async () => {
    const name = claimVolumeName(stack, 'cache');
    await docker.createVolume({ Name: name });
    foreign.push(name);
    await assert.rejects(ensureClaimVolume(docker, stack, 'cache'), /exists but was not created by Flotilla/);
    assert.deepEqual(await listClaimVolumes(docker, stack), []);
    await removeClaimVolumes(docker, stack);
    await docker.getVolume(name).inspect(); // still there
  });

  it('removes a replica’s pod volumes without touching claims or other replicas', async () => {
    const claim = await ensureClaimVolume(docker, stack, 'data');
    const a = await createPodVolume(docker, stack, 'web-1', 'cache');
    const b = await createPodVolume(docker, stack, 'web-2', 'cache');
    assert.equal(a, podVolumeName(stack, 'web-1', 'cache'));
    assert.deepEqual(
      (await listPodVolumes(docker, stack, 'web-1')).map((v) => v.name),
      [a],
    );
    const res = await removePodVolumes(docker, stack, 'web-1');
    assert.deepEqual(res.removed, [a]);
    await docker.getVolume(b).inspect();
    await docker.getVolume(claim).inspect();
    const all = await removeClaimVolumes(docker, stack);
    assert.deepEqual(all.removed, [claim]);
    await docker.getVolume(b).inspect(); // a pod volume is not a claim
  });
});
