// Connects the controller's Ready endpoints to the stack's Service load
// balancers, and merges the balancers' URLs and per-endpoint counters into the
// status the CLI and the extension show.
import type { StackStatus } from '../api/protocol';
import { BalancerSet, type PodEndpoint } from '../balancer/balancer-set';
import type { StackSpec } from '../model/types';
import type { EndpointSink } from './hooks';
import type { EndpointTarget } from './status';

export class BalancerSink implements EndpointSink {
  readonly set: BalancerSet;
  private applied: Promise<void> = Promise.resolve();

  constructor(stack: StackSpec) {
    this.set = new BalancerSet({ stackDir: stack.dir, bindAddress: stack.settings.bindAddress });
  }

  /** Opens or closes listeners to match the Services (at start and on every reload). */
  applyServices(stack: StackSpec): Promise<void> {
    // A failed apply was reported to its caller; the next one still runs.
    const next = this.applied.catch(() => undefined).then(() => this.set.apply(stack.services));
    this.applied = next;
    return next;
  }

  update(stack: StackSpec, endpoints: Map<string, EndpointTarget[]>): void {
    // After the listeners exist. A failed apply was reported to its caller; endpoints still go to the
    // listeners that did open, and setPods does not throw, so this chain never rejects.
    void this.applied
      .catch(() => undefined)
      .then(() => {
        for (const [service, targets] of endpoints) {
          const pods: PodEndpoint[] = targets.map((t) => {
            const d = stack.deployments.find((x) => x.name === t.deployment);
            return { replica: t.replica, host: t.host, ports: d?.template.containers.flatMap((c) => c.ports) ?? [] };
          });
          this.set.setPods(service, pods);
        }
      });
  }

  /** Adds URLs, host ports and connection counters to a controller status. */
  decorate(stack: StackSpec, status: StackStatus): StackStatus {
    for (const svc of status.services) {
      const spec = stack.services.find((s) => s.name === svc.name);
      if (!spec) continue;
      const b = this.set.status(spec);
      svc.urls = b.urls;
      svc.ports = b.ports;
      const stats = new Map(b.endpoints.map((e) => [`${e.replica}|${e.address}`, e]));
      svc.endpoints = svc.endpoints.map((e) => ({ ...e, ...stats.get(`${e.replica}|${e.address}`), ready: e.ready }));
    }
    return status;
  }

  close(graceMs: number): Promise<void> {
    return this.set.close(graceMs);
  }
}
