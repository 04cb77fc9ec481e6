// The controller's HealthMonitor: one Prober per container of each running
// replica. A replica is Ready when every container's readiness holds; a liveness
// or startup failure of any container restarts the replica through the
// controller (and so through the CrashLoopBackOff).
import type Docker from 'dockerode';
import type { ObservedPod } from '../docker/observe';
import { Prober } from '../health/prober';
import { probeRouteForStack } from '../health/reachability';
import type { DeploymentSpec } from '../model/types';
import type { HealthMonitor, StackController } from './controller';

interface Watched {
  /** Container ids + the time the controller saw them running: a restart in place makes a new generation. */
  generation: string;
  probers: Prober[];
}

export class ProbeMonitor implements HealthMonitor {
  private readonly watched = new Map<string, Watched>();

  constructor(private readonly docker: Docker, private readonly ctl: StackController) {}

  watch(pod: ObservedPod, d: DeploymentSpec): void {
    const generation = pod.containers.map((c) => c.id).join();
    if (this.watched.get(pod.replica)?.generation === generation) return;
    this.unwatch(pod.replica);
    const address = pod.containers[0]?.ip;
    if (!address) return; // not on the network yet; the next reconcile retries
    const entry: Watched = { generation, probers: [] };
    this.watched.set(pod.replica, entry);
    void probeRouteForStack(this.ctl.stack.name, address).then((route) => {
      if (this.watched.get(pod.replica) !== entry) return; // unwatched meanwhile
      for (const c of pod.containers) {
        const spec = d.template.containers.find((x) => x.name === c.podContainer);
        if (!spec) continue;
        const prober = new Prober({
          docker: this.docker,
          replica: pod.replica,
          containerId: c.id,
          address,
          container: spec,
          route,
          onReadyChange: () => this.ctl.onReadiness(pod.replica, entry.probers.every((p) => p.ready)),
          onLivenessFailed: (_r, reason) => void this.ctl.onLivenessFailure(pod.replica, reason),
          onProbeFailed: (_r, message) => this.ctl.emitEvent('Warning', 'Unhealthy', `replica/${pod.replica}`, message),
        });
        entry.probers.push(prober);
      }
      for (const p of entry.probers) p.start();
    });
  }

  unwatch(replica: string): void {
    const w = this.watched.get(replica);
    if (!w) return;
    for (const p of w.probers) p.stop();
    this.watched.delete(replica);
  }

  stop(): void {
    for (const r of [...this.watched.keys()]) this.unwatch(r);
  }
}
