// What a container's exit says, as the kubelet would record it: an init container
// or a Job's pod (any run-once pod) that exits 0 has done its work (Normal
// Completed); any other exit of a replica not being stopped is a Warning. A
// sandbox's exit says nothing of its own: its containers' exits do. Pure, so the
// wording is tested without Docker.
import type { EngineEvent } from '../api/protocol';
import type { ContainerEvent } from '../docker/events';
import type { RestartPolicy } from '../model/types';

export type ExitEvent = Pick<EngineEvent, 'type' | 'reason' | 'object' | 'message'>;

/** The event for a `die` of one of the stack's replicas, or undefined when it says nothing. */
export function exitEvent(
  e: ContainerEvent,
  replica: { terminating: boolean } | undefined,
  restartPolicy: RestartPolicy | undefined,
): ExitEvent | undefined {
  if (e.action !== 'die' || !e.replica || !replica || replica.terminating || e.role === 'sandbox') return undefined;
  const object = `replica/${e.replica}`;
  const code = e.exitCode ?? '?';
  if (e.initContainer) {
    const what = `init container ${e.container ?? ''}`;
    return e.exitCode === 0
      ? { type: 'Normal', reason: 'Completed', object, message: `${what} completed` }
      : { type: 'Warning', reason: 'Exited', object, message: `${what} exited with code ${code}` };
  }
  const done = e.exitCode === 0 && restartPolicy !== undefined && restartPolicy !== 'Always';
  return {
    type: done ? 'Normal' : 'Warning',
    reason: done ? 'Completed' : 'Exited',
    object,
    message: `container exited with code ${code}`,
  };
}
