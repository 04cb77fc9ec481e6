// Scale clicks in flight. +1 and −1 send a delta that the controller applies in the order
// the requests arrive, so quick clicks add up instead of repeating one count; the clicks of
// one deployment are sent one after the other, so answers come back in that order too.
// Until the controller has answered every click and a snapshot shows the result, the
// Topology view shows the count the clicks lead to ("scaling to 4").

interface Entry {
  /** Sum of the deltas sent and not answered yet. */
  inflight: number;
  requests: number;
  /** The desired count the controller answered last. */
  answered?: number;
  /** Snapshots seen since the last answer: an HPA may move the count on, so two end the wait. */
  snapshotsSinceAnswer: number;
}

export class PendingScale {
  private readonly entries = new Map<string, Entry>();
  private readonly queues = new Map<string, Promise<unknown>>();

  /** Runs `send` after the earlier clicks of the same deployment were answered. */
  inOrder<T>(deployment: string, send: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(deployment) ?? Promise.resolve();
    const mine = previous.then(send, send);
    const forget = () => {
      if (this.queues.get(deployment) === settled) this.queues.delete(deployment);
    };
    const settled: Promise<void> = mine.then(forget, forget);
    this.queues.set(deployment, settled);
    return mine;
  }

  /** Records a click; call the returned function with the controller's answer (undefined: it failed). */
  begin(deployment: string, delta: number): (replicas: number | undefined) => void {
    const e = this.entries.get(deployment) ?? { inflight: 0, requests: 0, snapshotsSinceAnswer: 0 };
    e.inflight += delta;
    e.requests++;
    this.entries.set(deployment, e);
    return (replicas) => {
      e.inflight -= delta;
      e.requests--;
      if (replicas !== undefined) {
        e.answered = replicas;
        e.snapshotsSinceAnswer = 0;
      }
      if (e.requests === 0 && e.answered === undefined) this.entries.delete(deployment);
    };
  }

  /** The count the clicks lead to, given the snapshot's desired count; undefined when none are pending. */
  target(deployment: string, desired: number): number | undefined {
    const e = this.entries.get(deployment);
    if (!e) return undefined;
    return Math.max(0, (e.answered ?? desired) + e.inflight);
  }

  /** A snapshot was shown: forget clicks that are answered and visible in it. */
  onSnapshot(desired: (deployment: string) => number | undefined): void {
    for (const [name, e] of this.entries) {
      if (e.requests > 0) continue;
      e.snapshotsSinceAnswer++;
      if (desired(name) === e.answered || e.snapshotsSinceAnswer >= 2) this.entries.delete(name);
    }
  }

  /** Targets by deployment, for the view. */
  targets(desired: (deployment: string) => number | undefined): Map<string, number> {
    const out = new Map<string, number>();
    for (const name of this.entries.keys()) {
      const d = desired(name);
      const t = d === undefined ? undefined : this.target(name, d);
      if (t !== undefined) out.set(name, t);
    }
    return out;
  }
}
