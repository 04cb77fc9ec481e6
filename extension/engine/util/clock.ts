// Time as the engine's loops see it: the current time and a cancellable timer.
// Production uses the system clock; tests inject a fake one and move it by hand,
// so backoffs and schedules are tested without waiting for them.

export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};
