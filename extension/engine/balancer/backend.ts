// One endpoint (a Ready replica's ip:port) as the balancer sees it: its open links
// for draining, and its counters for status and for the HPA's Pods metrics.

import type * as net from 'node:net';
import type { EndpointStatus } from '../api/protocol';
import type { Pickable } from './picker';
import { RateMeter } from './rate';
import type { Link } from './link';

export class Backend implements Pickable {
  /** Links attached now, connecting ones included (least-connections counts them). */
  active = 0;
  /** Connections established through the balancer since the endpoint appeared. */
  total = 0;
  connectErrors = 0;
  failedUntil = 0;
  /** Set while the endpoint is gone from the Service but its connections drain. */
  removed = false;
  drainTimer: NodeJS.Timeout | undefined;
  onDrained: (() => void) | undefined;
  readonly links = new Set<Link>();
  readonly rate: RateMeter;
  private closedBytesIn = 0;
  private closedBytesOut = 0;

  constructor(
    readonly replica: string,
    readonly host: string,
    readonly port: number,
    rateWindowSeconds: number,
  ) {
    this.rate = new RateMeter(rateWindowSeconds);
  }

  get key(): string {
    return `${this.host}:${this.port}`;
  }

  attach(link: Link): void {
    this.active++;
    this.links.add(link);
  }

  connected(): void {
    this.total++;
    this.failedUntil = 0;
    this.rate.record(Date.now());
  }

  detach(link: Link, upstream: net.Socket): void {
    if (!this.links.delete(link)) return;
    this.active--;
    this.closedBytesIn += upstream.bytesWritten;
    this.closedBytesOut += upstream.bytesRead;
    if (this.removed && this.active === 0) this.onDrained?.();
  }

  /** Bytes client→endpoint and endpoint→client, closed and open connections together. */
  bytes(): { bytesIn: number; bytesOut: number } {
    let bytesIn = this.closedBytesIn;
    let bytesOut = this.closedBytesOut;
    for (const l of this.links) {
      if (l.backend === this && l.upstream !== undefined) {
        bytesIn += l.upstream.bytesWritten;
        bytesOut += l.upstream.bytesRead;
      }
    }
    return { bytesIn, bytesOut };
  }

  status(): EndpointStatus {
    return {
      replica: this.replica,
      address: this.key,
      ready: !this.removed,
      activeConnections: this.active,
      totalConnections: this.total,
      ...this.bytes(),
      connectErrors: this.connectErrors,
    };
  }
}
