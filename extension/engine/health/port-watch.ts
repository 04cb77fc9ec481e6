// Tells when a freshly started container's port starts listening, so the prober can run one
// more readiness check at that moment instead of waiting a whole period (see prober.ts).
//
// Where the host routes to the container's address (the 'direct' probe route), it tries a TCP
// connect. Where it does not but the container's processes are visible (a local engine), it
// reads the container's listening sockets (/proc/<pid>/net/tcp and tcp6, state 0A is LISTEN).
// The connect comes first because it is the cheaper look by far: reading those tables walks
// the host's whole TCP hash, about 5.5 ms of kernel time per file on a 2-core machine with
// 262 144 hash buckets, against 0.12 ms for a connect and close; with a replica starting per
// workload during `up`, the reads took CPU from dockerd. Otherwise it says nothing.
// One shared timer serves every watch, and a watch ends at the first sign, on cancel, or
// after `maxMs`.
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { localProcess } from '../docker/local-process';
import type { ProbeRoute } from './checks';

/** How often pending watches look: a port opening is seen within this, plus the check itself. */
export const PORT_POLL_MS = 25;
/** A connect attempt costs the container an accept: tried every other poll. */
const CONNECT_POLL_MS = 50;

export interface PortWatchTarget {
  containerId: string;
  address: string;
  port: number;
  route: ProbeRoute;
}

/** Whether `port` is in LISTEN state in a /proc/net/tcp or tcp6 table. */
export function listening(table: string, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const line of table.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st ...
    if (cols.length > 3 && cols[3] === '0A' && cols[1].endsWith(`:${hex}`)) return true;
  }
  return false;
}

interface Watch {
  target: PortWatchTarget;
  onOpen: () => void;
  until: number;
  /** How to look: read this process's tables, or connect. Undefined while being found. */
  how?: { pid: number } | 'connect';
  busy: boolean;
  nextConnect: number;
}

export class PortWatcher {
  private readonly watches = new Set<Watch>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly docker: Docker,
    private readonly proc = '/proc',
  ) {}

  /** Calls `onOpen` once the port listens (never, if it does not within `maxMs`). Returns the cancel. */
  watch(target: PortWatchTarget, onOpen: () => void, maxMs = 60_000): () => void {
    const w: Watch = { target, onOpen, until: Date.now() + maxMs, busy: true, nextConnect: 0 };
    this.watches.add(w);
    if (target.route === 'direct') {
      w.how = 'connect';
      w.busy = false;
    } else {
      void localProcess(this.docker, target.containerId, this.proc).then((p) => {
        w.how = p ? { pid: p.pid } : undefined;
        w.busy = false;
        if (!w.how) this.watches.delete(w);
      });
    }
    this.timer ??= setInterval(() => this.poll(), PORT_POLL_MS);
    return () => this.end(w);
  }

  /** Watches still looking (tests). */
  get size(): number {
    return this.watches.size;
  }

  stop(): void {
    for (const w of [...this.watches]) this.end(w);
  }

  private end(w: Watch): void {
    this.watches.delete(w);
    if (!this.watches.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private poll(): void {
    const now = Date.now();
    for (const w of [...this.watches]) {
      if (now > w.until) {
        this.end(w);
        continue;
      }
      if (w.busy || !w.how) continue;
      if (w.how === 'connect' && now < w.nextConnect) continue;
      w.busy = true;
      void this.look(w).then((open) => {
        w.busy = false;
        if (!open || !this.watches.has(w)) return;
        this.end(w);
        w.onOpen();
      });
    }
    if (!this.watches.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** One look; never rejects. */
  private async look(w: Watch): Promise<boolean> {
    if (w.how === 'connect') {
      w.nextConnect = Date.now() + CONNECT_POLL_MS;
      return connects(w.target.address, w.target.port);
    }
    if (!w.how) return false;
    const dir = path.join(this.proc, String(w.how.pid), 'net');
    const tables = await Promise.all(
      ['tcp', 'tcp6'].map((f) => fs.readFile(path.join(dir, f), 'utf8').catch(() => '')), // no IPv6 table: none listens there
    );
    return tables.some((t) => listening(t, w.target.port));
  }
}

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), 500);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
