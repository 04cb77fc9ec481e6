// A replica whose postStart hook takes long holds up no other workload on the real engine:
// once its replicas are started and wait only on their hooks, a pass frees its worker, so
// the controller goes on creating the rest of the stack. Nor does it hold up the controller's
// stop: the replica runs on, hook and all, as replicas outlive the controller.
import assert from 'node:assert/strict';
import { BUSYBOX, deploymentContainers, execIn, podDeployment, runningContainer } from '../support/pod-helpers';
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

/** More hooked workloads than the controller has workers (8), each queued before the free one. */
const HOOKED = 9;

describe('slow starts (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;

  beforeEach(() => {
    name = uniqueName('t-slow');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
  });

  it('starts a workload while the postStart hooks of more workloads than workers still wait', async () => {
    const files: Record<string, string> = { 'flotilla.yaml': stackFile(name) };
    const hooked = Array.from({ length: HOOKED }, (_, i) => `hook-${i}`);
    for (const h of hooked) {
      files[`k8s/a-${h}.yaml`] = podDeployment(
        h,
        `containers:
  - name: main
    image: ${BUSYBOX}
    command: [sh, -c, "trap 'exit 0' TERM; sleep 600 & wait"]
    lifecycle:
      postStart: {exec: {command: [sh, -c, "i=0; until [ -f /hook-go ] || [ $i -ge 300 ]; do sleep 0.2; i=$((i+1)); done; echo done > /hook-done"]}}`,
      );
    }
    files['k8s/z-free.yaml'] = podDeployment(
      'free',
      `containers:
  - name: main
    image: ${BUSYBOX}
    command: [sh, -c, "trap 'exit 0' TERM; sleep 600 & wait"]`,
    );
    run = await startStack(writeStack(files));

    // Without the freed workers this waits for a hook to end, which never happens until the test says so.
    await runningContainer(name, 'free', 'main');
    const ids = await Promise.all(hooked.map((h) => runningContainer(name, h, 'main')));
    for (const id of ids) {
      assert.notEqual((await execIn(id, ['cat', '/hook-done'])).code, 0, 'every hook still waits');
    }

    for (const id of ids) assert.equal((await execIn(id, ['touch', '/hook-go'])).code, 0);
    await waitFor('every hook to finish', async () => {
      const done = await Promise.all(ids.map(async (id) => (await execIn(id, ['cat', '/hook-done'])).code === 0));
      return done.every(Boolean);
    });
    // One replica each: nothing was made twice while passes ran past their workers.
    for (const d of [...hooked, 'free']) assert.equal((await deploymentContainers(name, d)).length, 1, d);
  });

  it('stops while a postStart hook still waits, and leaves the replica running', async function () {
    this.timeout(60_000); // the hook waits 120 s: a stop that waited for it would time out here
    run = await startStack(
      writeStack({
        'flotilla.yaml': stackFile(name),
        'k8s/hooked.yaml': podDeployment(
          'hooked',
          `containers:
  - name: main
    image: ${BUSYBOX}
    command: [sh, -c, "trap 'exit 0' TERM; sleep 600 & wait"]
    lifecycle:
      postStart: {exec: {command: [sh, -c, "touch /hook-started; i=0; until [ -f /hook-go ] || [ $i -ge 600 ]; do sleep 0.2; i=$((i+1)); done"]}}`,
        ),
      }),
    );
    const id = await runningContainer(name, 'hooked', 'main');
    await waitFor('the hook to start', async () => (await execIn(id, ['cat', '/hook-started'])).code === 0);
    await run.stop();
    run = undefined;
    assert.equal((await docker.getContainer(id).inspect()).State.Running, true, 'the replica runs on');
  });
});
