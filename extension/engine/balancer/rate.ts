// New connections per second over a sliding window of whole seconds: the
// `flotilla_connections_per_second` metric the HPA reads for `type: Pods`.
// One counter per second in a ring, so recording is O(1) and allocation-free.

export class RateMeter {
  private readonly counts: Float64Array;
  private readonly secs: Float64Array;

  constructor(
    private readonly windowSeconds = 10,
    private readonly startedAt = Date.now(),
  ) {
    this.counts = new Float64Array(windowSeconds);
    this.secs = new Float64Array(windowSeconds).fill(-1);
  }

  record(now: number): void {
    const s = Math.floor(now / 1000);
    const i = s % this.windowSeconds;
    if (this.secs[i] !== s) {
      this.secs[i] = s;
      this.counts[i] = 0;
    }
    this.counts[i]++;
  }

  /** Average rate over the window, or over the time since the meter started if shorter. */
  perSecond(now: number): number {
    const s = Math.floor(now / 1000);
    let sum = 0;
    for (let k = 0; k < this.windowSeconds; k++) {
      const sec = this.secs[k];
      if (sec > s - this.windowSeconds && sec <= s) sum += this.counts[k];
    }
    const span = Math.min(this.windowSeconds, Math.max(1, (now - this.startedAt) / 1000));
    return sum / span;
  }
}
