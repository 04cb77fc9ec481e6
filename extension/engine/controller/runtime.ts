// What the controller knows about a replica that Docker cannot tell it: readiness
// as the probes see it, the restart backoff, and whether it is being terminated.
// Lost on a controller restart by design: probes re-learn readiness within a
// period, and restart counts are kept in the state store.
import { RestartBackoff } from '../health/backoff';
import type { RestartPolicy, StackSettings } from '../model/types';

export interface ReplicaRuntime {
  replica: string;
  deployment: string;
  backoff: RestartBackoff;
  /** Restarts recorded before this controller started (from the state store). */
  restartsBefore: number;
  /** Epoch ms the replica's containers last started running. */
  runningSince?: number;
  /** Readiness from the readiness probe; undefined while no probe has reported. */
  probeReady?: boolean;
  readySince?: number;
  terminating: boolean;
  /** Set when a liveness/startup probe failure killed the container, for the backoff status. */
  lastProbeFailure?: string;
  /** Epoch ms of the restart the backoff has scheduled. */
  restartDue?: number;
  /** An in-place restart is in flight: the list may still show the old exit, which must not count twice. */
  restarting?: boolean;
  /** Epoch ms the last in-place restart finished: a listing taken before it still shows the old exit. */
  restartedAt?: number;
  /** The last exit was one restartPolicy leaves down (a Job pod that completed, restartPolicy Never). */
  stayDown?: boolean;
}

export class RuntimeTable {
  private readonly byReplica = new Map<string, ReplicaRuntime>();

  constructor(
    private settings: StackSettings,
    private readonly restartsOf: (replica: string) => number,
  ) {}

  setSettings(s: StackSettings): void {
    this.settings = s;
  }

  get(replica: string, deployment: string, policy: RestartPolicy): ReplicaRuntime {
    let r = this.byReplica.get(replica);
    if (!r) {
      r = {
        replica,
        deployment,
        backoff: RestartBackoff.fromSettings(this.settings, policy),
        restartsBefore: this.restartsOf(replica),
        terminating: false,
      };
      this.byReplica.set(replica, r);
    }
    return r;
  }

  peek(replica: string): ReplicaRuntime | undefined {
    return this.byReplica.get(replica);
  }

  delete(replica: string): void {
    this.byReplica.delete(replica);
  }

  replicas(): string[] {
    return [...this.byReplica.keys()];
  }
}

export function restartCount(r: ReplicaRuntime | undefined): number {
  return r ? r.restartsBefore + r.backoff.restarts : 0;
}
