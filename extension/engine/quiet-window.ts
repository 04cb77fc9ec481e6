// When the watcher runs a batch of saves: an adaptive quiet window. A lone save (an editor
// writing one file) runs after a short settle window, so live update starts at once instead
// of waiting out the whole window. Once a second event arrives, or a folder appears or goes
// (a checkout, an unpacked archive: more files follow), the batch waits until no event has
// come for the full quiet window, so a 500-file checkout is still one batch. Events the
// watcher has seen but not yet classified (is the file part of a context?) may belong to the
// batch too: it waits for them, for at most the quiet window. Pure: the watcher owns the
// timer and asks this how long to set it for.

/** How long a lone save waits for company: what a multi-step write or a burst's next event takes to arrive. */
export const SETTLE_MS = 20;

export type SaveKind = 'file' | 'dir';

export class QuietWindow {
  private events = 0;
  private burst = false;
  /** Since when the batch has waited for events being classified. */
  private waitingSince?: number;

  constructor(
    /** The wait once events keep coming: from the last event to the batch. */
    private readonly quietMs: number,
    private readonly settleMs = Math.min(SETTLE_MS, quietMs),
  ) {}

  /** One relevant event: how long from now the batch should wait (each event restarts the wait). */
  event(kind: SaveKind): number {
    this.events++;
    if (kind === 'dir' || this.events > 1) this.burst = true;
    return this.burst ? this.quietMs : this.settleMs;
  }

  /**
   * The timer fired with `classifying` events seen but not yet classified: 0 to run the batch
   * now, else how long to wait before asking again (never past the quiet window in all).
   */
  due(classifying: number, now: number): number {
    if (classifying > 0) {
      this.waitingSince ??= now;
      if (now - this.waitingSince < this.quietMs) return this.settleMs;
    }
    this.waitingSince = undefined;
    return 0;
  }

  /** The gathered events became a batch (or were dropped): the next event opens a new window. */
  reset(): void {
    this.events = 0;
    this.burst = false;
    this.waitingSince = undefined;
  }
}
