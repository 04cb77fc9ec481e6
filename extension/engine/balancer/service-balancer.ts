// ServiceBalancer: an L4 TCP load balancer for one Service port, listening on
// bindAddress:hostPort and spreading connections over the Service's Ready endpoints.
//
//   const b = new ServiceBalancer({ service: 'web', port: 80, hostPort: 23080, bindAddress: '127.0.0.1' });
//   await b.listen();                       // rejects with EADDRINUSE on a clash
//   b.setEndpoints([{ replica: 'web-1', host: '172.18.0.3', port: 8080 }]);
//   b.stats();                              // EndpointStatus[] (draining ones with ready=false)
//   b.podMetrics();                         // per replica: active connections, connections/s
//   await b.close(5000);                    // stop accepting, drain open connections for ≤ 5 s
//
// Semantics:
// - setEndpoints replaces the set. An endpoint that disappears gets no new connection
//   from that moment; its open connections go on until they close or drainGraceMs
//   ends, then they are destroyed. An endpoint that comes back is revived.
// - No endpoint at all: a new client connection is held (paused, nothing read) for
//   up to holdMs (default 5 s) waiting for one, then closed. This covers the gap of a
//   restart or a rollout of a single replica, and is bounded so a client never hangs.
//   With `whenEmpty: 'refuse'` (the in-network proxy, like kube-proxy's REJECT) the
//   listener is closed instead while no endpoint exists, so new connections are
//   refused at once, and it listens again when an endpoint returns.
// - All endpoints refusing: the connection is retried with a short backoff within the
//   same holdMs bound (endpoints usually come back or are removed within it).

import * as net from 'node:net';
import type { EndpointStatus } from '../api/protocol';
import { Backend } from './backend';
import { Link, type LinkHost } from './link';
import { Picker, type Algorithm } from './picker';

export interface Endpoint {
  replica: string;
  host: string;
  port: number;
}

export interface ServiceBalancerOptions {
  service: string;
  /** The Service port (for naming and status). */
  port: number;
  hostPort: number;
  bindAddress: string;
  algorithm?: Algorithm;
  /** How long a client waits for an endpoint when none is Ready or all refuse. Default 5000. */
  holdMs?: number;
  /** Grace for connections to a removed endpoint. Default 30000. */
  drainGraceMs?: number;
  /** Per-attempt connect timeout. Default 1000 (loopback and bridge answer in < 1 ms). */
  connectTimeoutMs?: number;
  /** How long a refusing endpoint is tried last. Default 1000. */
  failBackoffMs?: number;
  /** Window of the connections-per-second metric. Default 10. */
  rateWindowSeconds?: number;
  /** No endpoint: hold new clients up to holdMs (default), or refuse them by not listening. */
  whenEmpty?: 'hold' | 'refuse';
  /** A listen that failed while reopening (refuse mode); the next endpoint change tries again. */
  onListenError?: (err: Error) => void;
}

export interface ReplicaConnectionMetrics {
  activeConnections: number;
  connectionsPerSecond: number;
}

interface Parked {
  link: Link;
  deadline: number;
}

export class ServiceBalancer implements LinkHost {
  readonly service: string;
  readonly port: number;
  readonly hostPort: number;
  readonly bindAddress: string;
  readonly connectTimeoutMs: number;
  private readonly holdMs: number;
  private readonly drainGraceMs: number;
  private readonly failBackoffMs: number;
  private readonly rateWindowSeconds: number;
  private readonly picker: Picker<Backend>;
  private readonly whenEmpty: 'hold' | 'refuse';
  private readonly onListenError?: (err: Error) => void;
  private server: net.Server | undefined;
  /** listen() was called and close() was not: the server should be open (when it has endpoints, in refuse mode). */
  private wanted = false;
  private opening: Promise<void> | undefined;
  /** Ready endpoints, in the order given. */
  private ready: Backend[] = [];
  private readonly byKey = new Map<string, Backend>();
  private readonly draining = new Set<Backend>();
  private parked: Parked[] = [];
  private parkTimer: NodeJS.Timeout | undefined;
  private readonly clients = new Set<Link>();
  private closing = false;

  constructor(opts: ServiceBalancerOptions) {
    this.service = opts.service;
    this.port = opts.port;
    this.hostPort = opts.hostPort;
    this.bindAddress = opts.bindAddress;
    this.holdMs = opts.holdMs ?? 5000;
    this.drainGraceMs = opts.drainGraceMs ?? 30_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
    this.failBackoffMs = opts.failBackoffMs ?? 1000;
    this.rateWindowSeconds = opts.rateWindowSeconds ?? 10;
    this.picker = new Picker(opts.algorithm ?? 'RoundRobin');
    this.whenEmpty = opts.whenEmpty ?? 'hold';
    this.onListenError = opts.onListenError;
  }

  /** The bound port (useful with hostPort 0 in tests). */
  get address(): { host: string; port: number } {
    const a = this.server?.address();
    if (a === null || a === undefined || typeof a === 'string') return { host: this.bindAddress, port: this.hostPort };
    return { host: a.address, port: a.port };
  }

  /** True while the listening socket is open (in refuse mode: while an endpoint exists). */
  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** Starts listening; in refuse mode it only records the wish while no endpoint exists. */
  listen(): Promise<void> {
    this.wanted = true;
    if (this.whenEmpty === 'refuse' && this.ready.length === 0) return Promise.resolve();
    return this.open();
  }

  private open(): Promise<void> {
    if (this.server) return this.opening ?? Promise.resolve();
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (c) =>
      this.accept(c),
    );
    this.server = server;
    this.opening = new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        if (this.server === server) this.server = undefined;
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host: this.bindAddress, port: this.hostPort, backlog: 1024 }, () => {
        server.off('error', onError);
        server.on('error', () => undefined);
        resolve();
      });
    }).finally(() => {
      this.opening = undefined;
      if (this.closing && server.listening) server.close();
      // Endpoints may have gone while the bind was in flight.
      this.syncListening();
    });
    return this.opening;
  }

  /** Refuse mode: listen exactly while some endpoint exists. */
  private syncListening(): void {
    if (this.whenEmpty !== 'refuse' || !this.wanted || this.closing || this.opening) return;
    if (this.ready.length > 0 && !this.server) {
      this.open().catch((err: Error) => this.onListenError?.(err));
    } else if (this.ready.length === 0 && this.server) {
      // Open connections are not the server's (see adoptAccepted): they go on, only new ones are refused.
      this.server.close();
      this.server = undefined;
    }
  }

  setEndpoints(eps: readonly Endpoint[]): void {
    const next: Backend[] = [];
    const seen = new Set<string>();
    for (const ep of eps) {
      const key = `${ep.host}:${ep.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let b = this.byKey.get(key);
      if (b === undefined || b.replica !== ep.replica) {
        if (b !== undefined) this.retire(b);
        b = new Backend(ep.replica, ep.host, ep.port, this.rateWindowSeconds);
        this.byKey.set(key, b);
      } else if (b.removed) {
        this.revive(b);
      }
      next.push(b);
    }
    for (const b of this.ready) if (!seen.has(b.key)) this.retire(b);
    this.ready = next;
    if (next.length > 0) this.wakeParked();
    this.syncListening();
  }

  stats(): EndpointStatus[] {
    const out = this.ready.map((b) => b.status());
    for (const b of this.draining) out.push(b.status());
    return out;
  }

  /** Per replica, for the HPA's `type: Pods` metrics. Draining endpoints still count their connections. */
  podMetrics(now = Date.now()): Map<string, ReplicaConnectionMetrics> {
    const m = new Map<string, ReplicaConnectionMetrics>();
    for (const b of [...this.ready, ...this.draining]) {
      const cur = m.get(b.replica) ?? { activeConnections: 0, connectionsPerSecond: 0 };
      cur.activeConnections += b.active;
      cur.connectionsPerSecond += b.rate.perSecond(now);
      m.set(b.replica, cur);
    }
    return m;
  }

  /** Stops accepting; open connections get graceMs to finish, then are destroyed. */
  async close(graceMs = 0): Promise<void> {
    this.closing = true;
    this.wanted = false;
    // Not awaiting server.close()'s callback: adopted sockets never report back to it.
    this.server?.close();
    this.server = undefined;
    for (const p of this.parked) p.link.giveUp();
    this.parked = [];
    if (this.parkTimer) clearTimeout(this.parkTimer);
    if (this.clients.size > 0) {
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        };
        const timer = setTimeout(() => {
          for (const l of this.clients) l.destroy();
          finish();
        }, graceMs);
        const check = setInterval(() => this.clients.size === 0 && finish(), 20);
      });
    }
    for (const b of this.draining) if (b.drainTimer) clearTimeout(b.drainTimer);
    for (const l of this.clients) l.destroy();
  }

  // ---- LinkHost ----

  choose(tried: ReadonlySet<Backend>): Backend | undefined {
    if (this.closing) return undefined;
    return this.picker.pick(this.ready, Date.now(), tried);
  }

  onFailedConnect(b: Backend, _err: Error): void {
    b.connectErrors++;
    b.failedUntil = Date.now() + this.failBackoffMs;
  }

  park(link: Link): void {
    if (this.closing) return link.giveUp();
    const now = Date.now();
    let p = this.parked.find((x) => x.link === link);
    if (p === undefined) {
      link.holdDeadline ??= now + this.holdMs;
      p = { link, deadline: link.holdDeadline };
      this.parked.push(p);
    }
    if (now >= p.deadline) {
      this.parked = this.parked.filter((x) => x !== p);
      return link.giveUp();
    }
    this.scheduleParked();
  }

  // ---- internals ----

  private accept(accepted: net.Socket): void {
    if (this.closing) return void accepted.destroy();
    const link = new Link(accepted, this);
    this.clients.add(link);
    link.client.once('close', () => {
      this.clients.delete(link);
      if (this.parked.length > 0) this.parked = this.parked.filter((p) => p.link !== link);
    });
    link.retry();
  }

  /** Retries parked links: soon when endpoints exist (they may refuse briefly), at the deadline otherwise. */
  private scheduleParked(): void {
    if (this.parkTimer || this.parked.length === 0) return;
    const now = Date.now();
    const earliest = Math.min(...this.parked.map((p) => p.deadline));
    const delay = this.ready.length > 0 ? Math.min(100, earliest - now) : earliest - now;
    this.parkTimer = setTimeout(
      () => {
        this.parkTimer = undefined;
        this.wakeParked();
      },
      Math.max(0, delay),
    );
  }

  private wakeParked(): void {
    if (this.parkTimer) {
      clearTimeout(this.parkTimer);
      this.parkTimer = undefined;
    }
    const waiting = this.parked;
    this.parked = [];
    // A link that still finds nothing parks again inside retry(), keeping its deadline.
    for (const p of waiting) p.link.retry();
  }

  private retire(b: Backend): void {
    b.removed = true;
    if (b.active === 0) return this.forget(b);
    this.draining.add(b);
    b.onDrained = () => this.forget(b);
    b.drainTimer = setTimeout(() => {
      for (const l of [...b.links]) l.destroy();
      this.forget(b);
    }, this.drainGraceMs);
  }

  private revive(b: Backend): void {
    b.removed = false;
    if (b.drainTimer) clearTimeout(b.drainTimer);
    b.drainTimer = undefined;
    b.onDrained = undefined;
    this.draining.delete(b);
  }

  private forget(b: Backend): void {
    if (this.byKey.get(b.key) === b) this.byKey.delete(b.key);
    if (b.drainTimer) clearTimeout(b.drainTimer);
    b.drainTimer = undefined;
    this.draining.delete(b);
  }
}
