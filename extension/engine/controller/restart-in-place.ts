// An exited replica restarted in place, as the kubelet restarts a pod's containers: the
// restart policy decides whether it comes back, the CrashLoopBackOff delay (backoff.ts) when,
// and the restart itself is work the queue tracks for the workload, so a failure is retried.
import type { ObservedPod } from '../docker/observe';
import { errorMessage } from '../util/errors';
import type { ReconcilerHost } from './reconciler';
import { ReplicaError, restartReplica } from './replica-ops';
import { restartCount, type ReplicaRuntime } from './runtime';

/** Restarts an exited replica in place when its backoff allows; returns ms to wait otherwise. */
export function restartWhenDue(
  host: ReconcilerHost,
  p: ObservedPod,
  rt: ReplicaRuntime,
  now: number,
): number | undefined {
  if (rt.restartDue === undefined) {
    if (rt.stayDown) return undefined; // restartPolicy said so for this exit; it stays down
    const exitCode = p.containers.find((c) => c.exitCode !== undefined)?.exitCode ?? 0;
    const ranFor = rt.runningSince !== undefined ? now - rt.runningSince : 0;
    const delay = rt.backoff.onExit(now, exitCode, ranFor, rt.lastProbeFailure);
    rt.lastProbeFailure = undefined;
    rt.runningSince = undefined;
    rt.probeReady = undefined;
    host.health()?.unwatch(p.replica);
    if (delay === null) {
      rt.stayDown = true;
      return undefined;
    }
    rt.restartDue = now + delay;
    host.store.update((s) => {
      s.restarts[p.replica] = restartCount(rt);
    });
    if (delay > 0) {
      host.emitEvent(
        'Warning',
        'BackOff',
        `replica/${p.replica}`,
        `Back-off ${delay >= 1000 ? `${Math.round(delay / 1000)}s` : `${delay}ms`} restarting failed container (exit code ${exitCode})`,
      );
    }
  }
  if (now < rt.restartDue) return rt.restartDue - now;
  rt.restartDue = undefined;
  if (rt.terminating) return undefined;
  rt.restarting = true;
  const restarted = restartReplica(host.docker, p)
    .then(
      () => host.emitEvent('Normal', 'Started', `replica/${p.replica}`, `restarted (restart ${restartCount(rt)})`),
      (e: unknown) => {
        throw new ReplicaError(p.replica, 'Failed', `restart failed: ${errorMessage(e)}`);
      },
    )
    .finally(() => {
      rt.restarting = false;
      rt.restartedAt = host.now();
      host.queue.add(p.deployment);
    });
  host.queue.track(restarted, p.deployment);
  return undefined;
}
