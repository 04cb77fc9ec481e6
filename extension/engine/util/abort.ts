// Waits that end when a stop signal aborts. The signals here (the controller's, the autoscaler's)
// outlive every wait, so each wait removes its listener when it ends.

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `p`, or undefined as soon as `signal` aborts (`p` then runs on, unobserved). */
export function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    // Settles through resolve or reject; the listener goes with it.
    void p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
