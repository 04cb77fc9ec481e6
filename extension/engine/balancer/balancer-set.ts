// BalancerSet: all Service load balancers of one stack.
//
//   const set = new BalancerSet({ stackDir, bindAddress: settings.bindAddress });
//   await set.apply(stack.services);            // open/close listeners to match the Services
//   set.setPods('web', [{ replica: 'web-1', host: '172.18.0.3', ports: containerPorts }]);
//   set.status(service)                         // { urls, ports: ServicePortStatus[], endpoints }
//   set.podMetrics()                            // replica → { flotilla_active_connections, flotilla_connections_per_second }
//   await set.close(5000);
//
// The controller passes each Service's Ready pods (all matching pods when
// publishNotReadyAddresses is set); targetPort, a number or a container port name, is
// resolved here per Service port, as kube-proxy does with endpoint ports. A pod
// without the named port is not an endpoint of that Service port.

import type { EndpointStatus, ServicePortStatus } from '../api/protocol';
import type { ContainerPort, ServicePort, ServiceSpec } from '../model/types';
import type { Algorithm } from './picker';
import { PortStore } from './port-store';
import { portKey } from './ports';
import { ServiceBalancer, type Endpoint } from './service-balancer';
import { errnoCode, errorMessage } from '../util/errors';

export const METRIC_ACTIVE_CONNECTIONS = 'flotilla_active_connections';
export const METRIC_CONNECTIONS_PER_SECOND = 'flotilla_connections_per_second';

export interface PodEndpoint {
  replica: string;
  /** The pod's address on the stack network (or 127.0.0.1 with published ports). */
  host: string;
  ports: ContainerPort[];
  /**
   * Container port → the port reachable at `host`, when they differ: published ports,
   * where container IPs cannot be reached from the host (Docker Desktop).
   */
  portMap?: Record<number, number>;
}

export interface BalancerSetOptions {
  stackDir: string;
  bindAddress: string;
  algorithm?: Algorithm;
  /** Per-Service algorithm overrides. */
  algorithms?: Record<string, Algorithm>;
  holdMs?: number;
  drainGraceMs?: number;
}

interface Entry {
  service: string;
  sp: ServicePort;
  hostPort?: number;
  balancer?: ServiceBalancer;
  error?: string;
}

export function resolveTargetPort(sp: ServicePort, ports: readonly ContainerPort[]): number | undefined {
  const t = sp.targetPort;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  return ports.find((p) => p.name === t && p.protocol !== 'UDP')?.containerPort;
}

export class BalancerSet {
  private readonly entries = new Map<string, Entry>();
  private readonly pods = new Map<string, PodEndpoint[]>();
  private readonly store: PortStore;

  constructor(private readonly opts: BalancerSetOptions) {
    this.store = new PortStore(opts.stackDir);
  }

  /** Brings listeners in line with the Services. A port that failed to bind is retried on every call. */
  async apply(services: readonly ServiceSpec[]): Promise<void> {
    const wanted = new Map<string, { service: string; sp: ServicePort }>();
    for (const s of services) for (const sp of s.ports) wanted.set(portKey(s.name, sp.port), { service: s.name, sp });
    for (const [key, e] of this.entries) {
      const w = wanted.get(key);
      if (w === undefined || w.sp.nodePort !== e.sp.nodePort) {
        this.entries.delete(key);
        await e.balancer?.close(this.opts.drainGraceMs ?? 0);
      } else {
        e.sp = w.sp;
      }
    }
    for (const s of new Set(services.map((x) => x.name))) if (!this.pods.has(s)) this.pods.set(s, []);
    for (const name of [...this.pods.keys()]) if (!services.some((s) => s.name === name)) this.pods.delete(name);
    await Promise.all(
      [...wanted].map(async ([key, w]) => {
        let e = this.entries.get(key);
        if (e === undefined) {
          e = { service: w.service, sp: w.sp };
          this.entries.set(key, e);
        }
        if (e.balancer === undefined) await this.open(e);
        this.push(e);
      }),
    );
  }

  setPods(service: string, pods: readonly PodEndpoint[]): void {
    this.pods.set(service, [...pods]);
    for (const e of this.entries.values()) if (e.service === service) this.push(e);
  }

  status(service: ServiceSpec): { urls: string[]; ports: ServicePortStatus[]; endpoints: EndpointStatus[] } {
    const ports: ServicePortStatus[] = [];
    const urls: string[] = [];
    const endpoints: EndpointStatus[] = [];
    for (const sp of service.ports) {
      const e = this.entries.get(portKey(service.name, sp.port));
      const st: ServicePortStatus = { name: sp.name, port: sp.port, targetPort: sp.targetPort };
      if (e?.hostPort !== undefined) st.hostPort = e.hostPort;
      if (e?.balancer !== undefined) {
        st.url = `http://${urlHost(this.opts.bindAddress)}:${e.hostPort}`;
        urls.push(st.url);
        endpoints.push(...e.balancer.stats());
      }
      if (e?.error !== undefined) st.error = e.error;
      ports.push(st);
    }
    return { urls, ports, endpoints };
  }

  /** Per replica, summed over every Service port it serves. */
  podMetrics(now = Date.now()): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    for (const e of this.entries.values()) {
      if (e.balancer === undefined) continue;
      for (const [replica, m] of e.balancer.podMetrics(now)) {
        const cur = out.get(replica) ?? { [METRIC_ACTIVE_CONNECTIONS]: 0, [METRIC_CONNECTIONS_PER_SECOND]: 0 };
        cur[METRIC_ACTIVE_CONNECTIONS] += m.activeConnections;
        cur[METRIC_CONNECTIONS_PER_SECOND] += m.connectionsPerSecond;
        out.set(replica, cur);
      }
    }
    return out;
  }

  balancer(service: string, port: number): ServiceBalancer | undefined {
    return this.entries.get(portKey(service, port))?.balancer;
  }

  async close(graceMs = 0): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.balancer?.close(graceMs)));
  }

  private async open(e: Entry): Promise<void> {
    if (e.sp.protocol === 'UDP') {
      e.error = 'UDP Service ports are not balanced (TCP only)';
      return;
    }
    try {
      e.hostPort = await this.store.resolve(e.service, e.sp.port, e.sp.nodePort, this.opts.bindAddress);
    } catch (err) {
      e.error = errorMessage(err);
      return;
    }
    const b = new ServiceBalancer({
      service: e.service,
      port: e.sp.port,
      hostPort: e.hostPort,
      bindAddress: this.opts.bindAddress,
      algorithm: this.opts.algorithms?.[e.service] ?? this.opts.algorithm,
      holdMs: this.opts.holdMs,
      drainGraceMs: this.opts.drainGraceMs,
    });
    try {
      await b.listen();
      e.balancer = b;
      e.error = undefined;
    } catch (err) {
      const code = errnoCode(err);
      e.error =
        code === 'EADDRINUSE'
          ? `host port ${e.hostPort} is in use by another process; free it or set a different nodePort`
          : `cannot listen on ${this.opts.bindAddress}:${e.hostPort}: ${errorMessage(err)}`;
    }
  }

  private push(e: Entry): void {
    if (e.balancer === undefined) return;
    const eps: Endpoint[] = [];
    for (const pod of this.pods.get(e.service) ?? []) {
      const target = resolveTargetPort(e.sp, pod.ports);
      if (target === undefined) continue;
      const port = pod.portMap ? pod.portMap[target] : target;
      if (port !== undefined) eps.push({ replica: pod.replica, host: pod.host, port });
    }
    e.balancer.setEndpoints(eps);
  }
}

function urlHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '' || bind === '::') return '127.0.0.1';
  return bind.includes(':') ? `[${bind}]` : bind;
}
