// The proxy program's core: applies a ProxyState. Each TCP Service port gets a
// ServiceBalancer (the host balancer's picking, retry-before-first-byte and drain)
// listening on the Service's ClusterIP (or one address for all, in single-Service
// mode) in refuse mode: no Ready endpoint, no listener, so clients are refused at
// once as kube-proxy's REJECT does. ClusterIPs are added to the interface before
// their listeners open and removed after they close; DNS gets the same state.
// States are applied one at a time, in order; the last one is kept in a file so a
// restarted container serves at once, before the controller reattaches.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServiceBalancer } from '../balancer/service-balancer';
import type { Algorithm } from '../balancer/picker';
import { errorMessage } from '../util/errors';
import type { AddressManager } from './addresses';
import type { ClusterDns } from './dns-records';
import { parseState, type ProxyState } from './protocol';

export interface ProxyServerOptions {
  /** Bind every Service port here instead of its ClusterIP (single-Service mode: 0.0.0.0). */
  listenAddress?: string;
  addresses?: AddressManager;
  dns?: ClusterDns;
  stateFile?: string;
  algorithm?: Algorithm;
  holdMs?: number;
  drainGraceMs?: number;
  log: (line: string) => void;
}

interface Listener {
  service: string;
  balancer: ServiceBalancer;
  /** The endpoints last given, to log only real changes. */
  key: string;
}

export class ProxyServer {
  private readonly listeners = new Map<string, Listener>();
  private queue: Promise<void> = Promise.resolve();
  private unsupported = new Set<string>();
  last: ProxyState | undefined;

  constructor(private readonly opts: ProxyServerOptions) {}

  /** Applies states in order; a failing step is logged and the next state tries again. */
  apply(state: ProxyState): Promise<void> {
    this.queue = this.queue
      .then(() => this.applyNow(state))
      .catch((e: unknown) => this.opts.log(`apply: ${errorMessage(e)}`));
    return this.queue;
  }

  /** The state kept by an earlier run, if any (a restarted container serves it until told otherwise). */
  loadSaved(): ProxyState | undefined {
    if (!this.opts.stateFile) return undefined;
    try {
      return parseState(JSON.parse(fs.readFileSync(this.opts.stateFile, 'utf8')));
    } catch {
      return undefined;
    }
  }

  /** Where each port listens right now, for logs and tests. */
  snapshot(): { key: string; listening: boolean; endpoints: number }[] {
    return [...this.listeners].map(([key, l]) => ({
      key,
      listening: l.balancer.listening,
      endpoints: l.balancer.stats().filter((s) => s.ready).length,
    }));
  }

  async close(): Promise<void> {
    await this.queue;
    await Promise.all([...this.listeners.values()].map((l) => l.balancer.close(0)));
    this.listeners.clear();
  }

  private async applyNow(state: ProxyState): Promise<void> {
    this.opts.dns?.setState(state);
    const wanted = new Map<
      string,
      {
        service: string;
        bind: string;
        port: number;
        endpoints: ProxyState['services'][number]['ports'][number]['endpoints'];
      }
    >();
    const addresses = new Set<string>();
    for (const s of state.services) {
      const bind = this.opts.listenAddress ?? s.clusterIP;
      if (bind === undefined) continue; // headless: DNS only
      if (s.clusterIP !== undefined && this.opts.listenAddress === undefined) addresses.add(s.clusterIP);
      for (const p of s.ports) {
        if (p.protocol !== 'TCP') {
          const what = `${s.namespace}/${s.name}:${p.port}/${p.protocol}`;
          if (!this.unsupported.has(what)) this.opts.log(`${what}: only TCP Service ports are proxied`);
          this.unsupported.add(what);
          continue;
        }
        wanted.set(`${bind}:${p.port}`, {
          service: `${s.namespace}/${s.name}`,
          bind,
          port: p.port,
          endpoints: p.endpoints,
        });
      }
    }
    // Gone first (listeners, then their addresses), so a port that moved between Services can be bound again.
    for (const [key, l] of this.listeners) {
      const w = wanted.get(key);
      if (w !== undefined && w.service === l.service) continue;
      this.listeners.delete(key);
      await l.balancer.close(0);
      this.opts.log(`${l.service} ${key}: closed`);
    }
    if (this.opts.addresses) {
      await this.opts.addresses.retain(addresses);
      for (const [ip, why] of await this.opts.addresses.add(addresses)) this.opts.log(`cannot add ${ip}: ${why}`);
    }
    for (const [key, w] of wanted) {
      const eps = w.endpoints.map((e) => ({ replica: e.replica, host: e.ip, port: e.port }));
      const epKey = eps.map((e) => `${e.host}:${e.port}`).join(',');
      let l = this.listeners.get(key);
      if (l === undefined) {
        const balancer = new ServiceBalancer({
          service: w.service,
          port: w.port,
          hostPort: w.port,
          bindAddress: w.bind,
          algorithm: this.opts.algorithm,
          holdMs: this.opts.holdMs,
          drainGraceMs: this.opts.drainGraceMs,
          whenEmpty: 'refuse',
          onListenError: (err) => this.opts.log(`${w.service} ${key}: cannot listen: ${err.message}`),
        });
        l = { service: w.service, balancer, key: '' };
        this.listeners.set(key, l);
        balancer.setEndpoints(eps);
        await balancer
          .listen()
          .catch((err: unknown) => this.opts.log(`${w.service} ${key}: cannot listen: ${errorMessage(err)}`));
      } else {
        l.balancer.setEndpoints(eps);
      }
      if (l.key !== epKey) {
        l.key = epKey;
        this.opts.log(`${w.service} ${key} → ${eps.length ? epKey : 'no Ready endpoint: refusing'}`);
      }
    }
    this.last = state;
    this.save(state);
  }

  private save(state: ProxyState): void {
    if (!this.opts.stateFile) return;
    try {
      fs.mkdirSync(path.dirname(this.opts.stateFile), { recursive: true });
      const tmp = `${this.opts.stateFile}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(state));
      fs.renameSync(tmp, this.opts.stateFile);
    } catch (e) {
      this.opts.log(`cannot keep the state in ${this.opts.stateFile}: ${errorMessage(e)}`);
    }
  }
}
