// How long a failed work item waits before its retry, as client-go's
// DefaultControllerRateLimiter decides it: the slower of a per-key exponential
// backoff (one flapping key backs off alone) and an overall token bucket (many
// keys failing at once, e.g. while Docker is down, cannot retry faster than the
// bucket refills). Only retries after a failure are limited; events and
// intents enqueue at once, as in client-go.

export interface RateLimiter {
  /** Delay in ms before `key` may be retried; each call counts one more failure. */
  when(key: string): number;
  /** The key succeeded: its backoff starts over. */
  forget(key: string): void;
  /** Failures of `key` since it last succeeded. */
  retries(key: string): number;
}

/** base·2^(failures−1), capped at max (client-go ItemExponentialFailureRateLimiter). */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * A token bucket over all keys (client-go BucketRateLimiter, golang.org/x/time/rate):
 * `burst` retries at once, then `perSecond`. Each call reserves a token, possibly
 * one not yet refilled, and returns how long until it is.
 */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  when(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }

  forget(): void {
    // The bucket is shared by every key: one key's success returns no token.
  }

  retries(): number {
    return 0;
  }
}

/** The longest delay any of the limiters asks for (client-go MaxOfRateLimiter). */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  retries(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.retries(key)));
  }
}

export interface ControllerRateLimits {
  /** First retry delay of a key; it doubles per failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Overall retries per second once the burst is spent. */
  perSecond: number;
  burst: number;
}

/** Flotilla's defaults: a quicker per-key start than client-go's 5 ms…1000 s (a local loop), the same 10/s, burst 100. */
export const DEFAULT_RATE_LIMITS: ControllerRateLimits = {
  baseDelayMs: 200,
  maxDelayMs: 30_000,
  perSecond: 10,
  burst: 100,
};

export function controllerRateLimiter(limits: ControllerRateLimits, now: () => number): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter(limits.baseDelayMs, limits.maxDelayMs),
    new BucketRateLimiter(limits.perSecond, limits.burst, now),
  );
}
