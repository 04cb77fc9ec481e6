// The controller's work queue, with client-go's guarantees: a waiting key is
// queued once however often it is added; a key is never processed twice at
// once (added while processing, it is marked dirty and run again after);
// `addAfter` keeps the sooner of two due times (the delaying queue); a failed
// key is retried after the rate limiter's delay (per-key exponential backoff,
// bounded overall by a token bucket; see rate-limiter.ts). Work that outlives a
// reconcile (a graceful stop) is tracked per key: its failure is retried the
// same way, and `stop()` waits for it and for every running reconcile. A
// reconcile that from some point on only waits (on a pod's postStart hook) may
// release its worker there: the key stays in processing until it returns, and
// the worker takes the next key meanwhile.
import { setMaxListeners } from 'node:events';
import { asError, isCancelled } from '../util/errors';
import { systemClock, type Clock } from '../util/clock';
import { controllerRateLimiter, DEFAULT_RATE_LIMITS, type RateLimiter } from './rate-limiter';

export type ReconcileResult = { requeueAfterMs?: number } | void;

/**
 * Processes one key; `signal` aborts when the queue stops. `release()` frees the worker for
 * other keys while this one finishes (its key is still never processed twice at once).
 */
export type ReconcileHandler = (key: string, signal: AbortSignal, release: () => void) => Promise<ReconcileResult>;

export interface WorkQueueOptions {
  workers?: number;
  rateLimiter?: RateLimiter;
  clock?: Clock;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { due: number; cancel: () => void }>();
  private readonly tracked = new Set<Promise<void>>();
  /** Reconciles that released their worker and still run. */
  private readonly released = new Set<Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly abort = new AbortController();
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly workerCount: number;
  private workers: Promise<void>[] = [];
  private stopped = false;

  constructor(
    private readonly handler: ReconcileHandler,
    private readonly onError: (key: string, err: Error) => void,
    opts: WorkQueueOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.limiter = opts.rateLimiter ?? controllerRateLimiter(DEFAULT_RATE_LIMITS, () => this.clock.now());
    this.workerCount = opts.workers ?? 4;
    // Every pass, hook and back-off waiting at once listens for the stop: many, legitimately.
    setMaxListeners(0, this.abort.signal);
  }

  /** Aborted when the queue stops: reconciles and tracked work read it. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  start(): void {
    for (let i = 0; i < this.workerCount; i++) this.workers.push(this.worker());
  }

  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.waiting.shift()?.();
    }
  }

  /** Adds `key` after `ms`; when it is already due sooner, the sooner time stands. */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) return this.add(key);
    const due = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.due <= due) return;
    existing?.cancel();
    const cancel = this.clock.after(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { due, cancel });
  }

  /** Adds `key` after the rate limiter's delay for one more failure of it. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.limiter.when(key));
  }

  /** Failures of `key` since it last succeeded. */
  retries(key: string): number {
    return this.limiter.retries(key);
  }

  /**
   * Work that continues after the reconcile that started it returned (a graceful
   * stop). `stop()` waits for it. A failure is reported; with a key, that key is
   * also retried like a failed reconcile. Without one (stack-wide work), `onError`
   * receives the key ''.
   */
  track(work: Promise<unknown>, key?: string): void {
    const done: Promise<void> = work
      .then(
        () => undefined,
        (e: unknown) => this.failed(key, e),
      )
      .finally(() => this.tracked.delete(done));
    this.tracked.add(done);
  }

  /**
   * Stops taking work, aborts the signal and cancels delayed keys; resolves once
   * every running reconcile and every tracked piece of work has finished.
   */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.abort.abort();
      for (const d of this.delayed.values()) d.cancel();
      this.delayed.clear();
      this.queue.length = 0;
      this.waiting.splice(0).forEach((w) => w());
    }
    await Promise.all(this.workers);
    while (this.released.size) await Promise.all([...this.released]);
    while (this.tracked.size) await Promise.all([...this.tracked]);
    this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** Resolves once nothing is queued or processing. */
  idle(): Promise<void> {
    if (!this.queue.length && !this.processing.size) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  get length(): number {
    return this.queue.length;
  }

  /** Keys waiting for a delayed add, with their due times (tests, status). */
  delayedKeys(): Map<string, number> {
    return new Map([...this.delayed].map(([k, d]) => [k, d.due]));
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const key = this.queue.shift();
      if (key === undefined) {
        await new Promise<void>((r) => this.waiting.push(r));
        continue;
      }
      let release = (): void => undefined;
      const freed = new Promise<'released'>((r) => (release = () => r('released')));
      const run = this.process(key, release);
      if ((await Promise.race([run.then(() => 'done' as const), freed])) === 'released') {
        // stop() awaits it; process() reports a failed reconcile itself, so only a throwing onError rejects here.
        const running: Promise<void> = run.finally(() => this.released.delete(running));
        this.released.add(running);
      }
    }
  }

  private async process(key: string, release: () => void): Promise<void> {
    this.dirty.delete(key);
    this.processing.add(key);
    try {
      const res = await this.handler(key, this.abort.signal, release);
      this.limiter.forget(key);
      if (res && res.requeueAfterMs !== undefined) this.addAfter(key, res.requeueAfterMs);
    } catch (e) {
      this.failed(key, e);
    } finally {
      this.processing.delete(key);
      if (this.dirty.has(key) && !this.stopped) {
        this.queue.push(key);
        this.waiting.shift()?.();
      }
      if (!this.queue.length && !this.processing.size) this.idleWaiters.splice(0).forEach((w) => w());
    }
  }

  private failed(key: string | undefined, e: unknown): void {
    // Work cut short by stop() is not a failure: nobody waits for its result.
    if (this.stopped && isCancelled(e)) return;
    try {
      this.onError(key ?? '', asError(e));
    } finally {
      if (key !== undefined) this.addRateLimited(key);
    }
  }
}
