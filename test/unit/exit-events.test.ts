// How a container's exit is told: a completed init container or Job pod is
// Normal, a crash is a Warning, a sandbox's or a stopping replica's exit says
// nothing of its own.
import assert from 'node:assert/strict';
import { exitEvent } from '../../extension/engine/controller/exit-events';
import type { ContainerEvent } from '../../extension/engine/docker/events';

const die = (o: Partial<ContainerEvent> = {}): ContainerEvent => ({
  action: 'die',
  id: 'c1',
  replica: 'web-1',
  deployment: 'web',
  exitCode: 0,
  time: 0,
  ...o,
});
const live = { terminating: false };

describe('exit events', () => {
  it('a long-running pod that exits, even with 0, is a Warning', () => {
    assert.deepEqual(exitEvent(die(), live, 'Always'), {
      type: 'Warning',
      reason: 'Exited',
      object: 'replica/web-1',
      message: 'container exited with code 0',
    });
    assert.equal(exitEvent(die({ exitCode: 3 }), live, 'Always')?.message, 'container exited with code 3');
  });

  it("a run-once pod (a Job's) that exits 0 has completed; a failure is still a Warning", () => {
    assert.deepEqual(
      [exitEvent(die(), live, 'Never')?.type, exitEvent(die(), live, 'Never')?.reason],
      ['Normal', 'Completed'],
    );
    assert.equal(exitEvent(die({ exitCode: 1 }), live, 'OnFailure')?.reason, 'Exited');
    assert.equal(exitEvent(die(), live, undefined)?.reason, 'Exited', 'an unknown workload is no proof of success');
  });

  it('an init container completes, or fails', () => {
    const init = { initContainer: true, container: 'migrate' };
    assert.equal(exitEvent(die(init), live, 'Always')?.message, 'init container migrate completed');
    assert.equal(
      exitEvent(die({ ...init, exitCode: 2 }), live, 'Always')?.message,
      'init container migrate exited with code 2',
    );
  });

  it('says nothing for a sandbox, a replica being stopped, an unknown replica or another action', () => {
    assert.equal(exitEvent(die({ role: 'sandbox' }), live, 'Always'), undefined);
    assert.equal(exitEvent(die(), { terminating: true }, 'Always'), undefined);
    assert.equal(exitEvent(die(), undefined, 'Always'), undefined);
    assert.equal(exitEvent(die({ action: 'start' }), live, 'Always'), undefined);
  });
});
