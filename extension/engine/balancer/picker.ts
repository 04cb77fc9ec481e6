// Endpoint choice for one Service port: round robin (the default, as kube-proxy's
// userspace mode and nginx do) or least connections. Kept apart from the socket code
// so the choice can be tested without sockets.

export type Algorithm = 'RoundRobin' | 'LeastConnections';

/** The part of a backend the picker needs. */
export interface Pickable {
  /** Open connections through the balancer right now. */
  active: number;
  /** Until this time (ms) the backend is skipped after a failed connect, unless nothing else is left. */
  failedUntil: number;
}

export class Picker<T extends Pickable> {
  private next = 0;

  constructor(private readonly algorithm: Algorithm) {}

  /**
   * Picks among `ready`, never one in `exclude` (already tried for this client
   * connection). Backends that failed recently are used only when no other is left,
   * so a dead container stops taking first attempts without being given up on.
   */
  pick(ready: readonly T[], now: number, exclude?: ReadonlySet<T>): T | undefined {
    const n = ready.length;
    if (n === 0) return undefined;
    let fallback: T | undefined;
    let best: T | undefined;
    const start = this.next % n;
    for (let i = 0; i < n; i++) {
      const idx = (start + i) % n;
      const b = ready[idx];
      if (exclude !== undefined && exclude.has(b)) continue;
      if (b.failedUntil > now) {
        if (fallback === undefined) fallback = b;
        continue;
      }
      if (this.algorithm === 'RoundRobin') {
        this.next = idx + 1;
        return b;
      }
      // Least connections: the first minimum from a rotating start, so ties spread.
      if (best === undefined || b.active < best.active) best = b;
    }
    if (best !== undefined) {
      this.next = ready.indexOf(best) + 1;
      return best;
    }
    if (fallback !== undefined) this.next = ready.indexOf(fallback) + 1;
    return fallback;
  }
}
