// A standalone PersistentVolumeClaim on the real engine: one named volume, labelled with the
// stack and the claim, whose data outlives a replica kill, a controller kill, a replica
// deleted by a scale-down, and `down` then `up`; only removing the claim volumes deletes it.
import assert from 'node:assert/strict';
import { claimVolumeName, listClaimVolumes, removeClaimVolumes } from '../../extension/engine/docker/volumes';
import { BUSYBOX, podDeployment, runningContainer, sh } from '../support/pod-helpers';
import {
  docker,
  removeStack,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';
import { ensureBusyboxImage } from '../support/base-images';

const CLAIM = `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`;

// Every start of the container counts itself into the claim.
const COUNTER = podDeployment(
  'db',
  `securityContext: {runAsUser: 1000}
volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
containers:
  - name: db
    image: ${BUSYBOX}
    command: [sh, -c, "echo start >> /data/starts; trap 'exit 0' TERM; sleep 600 & wait"]
    volumeMounts: [{name: data, mountPath: /data}]`,
);

describe('persistent volume claims (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-pvc');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
    await removeClaimVolumes(docker, name);
  });

  const starts = async () => sh(await runningContainer(name, 'db', 'db'), 'wc -l < /data/starts');

  it('keeps the claim’s data across a replica kill, a controller kill, a scale-down and down then up', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/db.yaml': COUNTER, 'k8s/pvc.yaml': CLAIM });
    run = await startStack(dir);
    await waitFor('the first start', async () => (await starts()) === '1');
    const volume = await docker.getVolume(claimVolumeName(name, 'data')).inspect();
    assert.equal(volume.Labels['dev.flotilla.stack'], name);
    assert.equal(volume.Labels['dev.flotilla.claim'], 'data');

    // Replica kill: restarted in place, the claim keeps what it had.
    const replica = await waitFor('the replica in status', () => run!.ctl.status().deployments[0].replicas[0]?.name);
    await run.ctl.killReplica(replica);
    await waitFor('a second start after the kill', async () => (await starts().catch(() => '')) === '2');

    // Controller kill: a new controller adopts the replica; nothing restarts, the data is there.
    await run.stop();
    run = await startStack(dir);
    await run.ctl.idle();
    assert.equal(run.ctl.status().deployments[0].replicas[0].name, replica, 'adopted, not replaced');
    assert.equal(await starts(), '2');

    // Scale-down deletes the replica, never the claim; a new replica finds the data.
    run.ctl.scale('db', 0);
    await waitFor('no replica', () => run!.ctl.status().deployments[0].replicas.length === 0);
    await docker.getVolume(claimVolumeName(name, 'data')).inspect();
    run.ctl.scale('db', 1);
    await waitFor('a third start in a new replica', async () => (await starts().catch(() => '')) === '3');

    // down then up: the volume stays, the next up mounts it again.
    await run.stop();
    run = undefined;
    await removeStack(name);
    assert.deepEqual(
      (await listClaimVolumes(docker, name)).map((v) => v.name),
      [claimVolumeName(name, 'data')],
      'down keeps claims',
    );
    run = await startStack(dir);
    await waitFor('a fourth start after down and up', async () => (await starts().catch(() => '')) === '4');
    // A fresh claim is writable by a non-root user, as dev clusters' local provisioners make them.
    assert.equal(await sh(await runningContainer(name, 'db', 'db'), 'id -u'), '1000');

    const removed = await (async () => {
      await run.stop();
      run = undefined;
      await removeStack(name);
      return removeClaimVolumes(docker, name);
    })();
    assert.deepEqual(removed.removed, [claimVolumeName(name, 'data')]);
  });

  it('keeps a pod Pending when its claim is not declared', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/db.yaml': COUNTER });
    run = await startStack(dir);
    const reason = await waitFor('a Pending reason', () => run!.ctl.status().pending[0]?.reason);
    assert.equal(
      reason,
      'FailedMount: MountVolume.SetUp failed for volume "data" : persistentvolumeclaim "data" not found',
    );
    assert.deepEqual(await listClaimVolumes(docker, name), [], 'no volume made for an undeclared claim');
  });
});
