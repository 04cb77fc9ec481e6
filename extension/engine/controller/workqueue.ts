// A de-duplicating, rate-limited work queue in the manner of client-go's: a key
// waiting is queued once however often it is added; a key being processed is
// never processed twice at once (it is marked dirty and re-run after); failures
// requeue with per-key exponential backoff.
export type ReconcileResult = { requeueAfterMs?: number } | void;

export class WorkQueue {
  private queue: string[] = [];
  private dirty = new Set<string>();
  private processing = new Set<string>();
  private failures = new Map<string, number>();
  private delayed = new Map<string, NodeJS.Timeout>();
  private waiting: (() => void)[] = [];
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: (key: string) => Promise<ReconcileResult>,
    private readonly onError: (key: string, err: Error) => void,
    private readonly workers = 4,
    private readonly baseDelayMs = 200,
    private readonly maxDelayMs = 30_000,
  ) {}

  start(): void {
    for (let i = 0; i < this.workers; i++) void this.worker();
  }

  add(key: string): void {
    if (this.stopped || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) {
      this.queue.push(key);
      this.waiting.shift()?.();
    }
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const existing = this.delayed.get(key);
    if (existing) clearTimeout(existing);
    this.delayed.set(
      key,
      setTimeout(() => {
        this.delayed.delete(key);
        this.add(key);
      }, ms),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.delayed.values()) clearTimeout(t);
    this.delayed.clear();
    this.waiting.splice(0).forEach((w) => w());
  }

  /** Resolves once nothing is queued or processing. */
  idle(): Promise<void> {
    if (!this.queue.length && !this.processing.size) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  get length(): number {
    return this.queue.length;
  }

  private async worker(): Promise<void> {
    while (!this.stopped) {
      const key = this.queue.shift();
      if (key === undefined) {
        await new Promise<void>((r) => this.waiting.push(r));
        continue;
      }
      this.dirty.delete(key);
      this.processing.add(key);
      try {
        const res = await this.handler(key);
        this.failures.delete(key);
        if (res && res.requeueAfterMs !== undefined) this.addAfter(key, res.requeueAfterMs);
      } catch (e) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        this.onError(key, e as Error);
        this.addAfter(key, Math.min(this.baseDelayMs * 2 ** (n - 1), this.maxDelayMs));
      } finally {
        this.processing.delete(key);
        if (this.dirty.has(key)) {
          this.queue.push(key);
          this.waiting.shift()?.();
        }
        if (!this.queue.length && !this.processing.size) this.idleWaiters.splice(0).forEach((w) => w());
      }
    }
  }
}
