// The work queue's guarantees, as client-go's: a key is queued once however
// often it is added, never processed twice at once, re-run when added while
// processing; addAfter keeps the sooner time; failures retry after the rate
// limiter's delay (per-key exponential, bounded by an overall token bucket);
// stop() aborts the reconciles' signal and resolves only once they and the work
// they handed over have finished. Time is a fake clock.
import assert from 'node:assert/strict';
import {
  BucketRateLimiter,
  controllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
} from '../../extension/engine/controller/rate-limiter';
import { WorkQueue, type ReconcileHandler } from '../../extension/engine/controller/workqueue';
import { Cancelled } from '../../extension/engine/util/errors';
import { FakeClock } from '../support/fake-clock';

/** Lets every promise callback that is ready run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Stops the queue and shows that stop() stays pending until `g` opens; resolves once it returned. */
async function stopWaitsFor(q: WorkQueue, g: { open: () => void }, why: string): Promise<void> {
  let stopped = false;
  const stopping = q.stop().then(() => (stopped = true));
  await settle();
  assert.equal(stopped, false, why);
  g.open();
  await stopping;
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

function recorder(clock = new FakeClock()) {
  const seen: string[] = [];
  const errors: string[] = [];
  let handler: ReconcileHandler = async (k) => {
    seen.push(k);
  };
  const q = new WorkQueue(
    (k, s, release) => handler(k, s, release),
    (k, e) => errors.push(`${k}: ${e.message}`),
    {
      workers: 1,
      clock,
      rateLimiter: controllerRateLimiter({ baseDelayMs: 100, maxDelayMs: 1000, perSecond: 10, burst: 100 }, () =>
        clock.now(),
      ),
    },
  );
  return {
    q,
    clock,
    seen,
    errors,
    setHandler(h: ReconcileHandler) {
      handler = h;
    },
  };
}

describe('work queue', () => {
  it('de-duplicates a waiting key', async () => {
    const { q, seen } = recorder();
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    q.start();
    await q.idle();
    await q.stop();
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('never runs one key twice at once, and re-runs it once when added meanwhile', async () => {
    let running = 0;
    let max = 0;
    let runs = 0;
    const g = gate();
    const q = new WorkQueue(
      async () => {
        running++;
        max = Math.max(max, running);
        runs++;
        if (runs === 1) await g.wait;
        running--;
      },
      () => undefined,
      { workers: 4 },
    );
    q.start();
    q.add('a');
    await settle();
    q.add('a');
    q.add('a');
    q.add('a');
    g.open();
    await q.idle();
    await settle();
    await q.idle();
    await q.stop();
    assert.equal(max, 1);
    assert.equal(runs, 2);
  });

  it('addAfter keeps the sooner of two due times', async () => {
    const { q, clock, seen } = recorder();
    q.start();
    q.addAfter('a', 1000);
    q.addAfter('a', 5000); // later: the 1000 ms timer stands
    assert.deepEqual([...q.delayedKeys()], [['a', 1000]]);
    q.addAfter('a', 300); // sooner: replaces it
    assert.deepEqual([...q.delayedKeys()], [['a', 300]]);
    assert.deepEqual(clock.pending(), [300], 'the replaced timer is cancelled');
    clock.advance(299);
    await settle();
    assert.deepEqual(seen, []);
    clock.advance(1);
    await settle();
    assert.deepEqual(seen, ['a']);
    clock.advance(10_000);
    await settle();
    assert.deepEqual(seen, ['a'], 'only one add fires');
    await q.stop();
  });

  it('addAfter with no delay adds at once', async () => {
    const { q, seen } = recorder();
    q.start();
    q.addAfter('a', 0);
    await q.idle();
    await settle();
    assert.deepEqual(seen, ['a']);
    await q.stop();
  });

  it('a requeueAfterMs result re-adds the key after that long', async () => {
    const { q, clock, seen, setHandler } = recorder();
    setHandler(async (k) => {
      seen.push(k);
      return seen.length === 1 ? { requeueAfterMs: 2000 } : undefined;
    });
    q.start();
    q.add('a');
    await settle();
    assert.deepEqual([...q.delayedKeys()], [['a', 2000]]);
    clock.advance(2000);
    await settle();
    assert.deepEqual(seen, ['a', 'a']);
    await q.stop();
  });

  it('retries a failing key with per-key exponential backoff and reports each error', async () => {
    const { q, clock, seen, errors, setHandler } = recorder();
    setHandler(async (k) => {
      seen.push(`${k}@${clock.now()}`);
      if (seen.length < 5) throw new Error(`fail ${seen.length}`);
    });
    q.start();
    q.add('a');
    for (let i = 0; i < 10; i++) {
      await settle();
      const next = clock.pending()[0];
      if (next === undefined) break;
      clock.advance(next - clock.now());
    }
    // 100, 200, 400, 800 ms after each failure: base 100 ms doubling (cap 1000 ms).
    assert.deepEqual(seen, ['a@0', 'a@100', 'a@300', 'a@700', 'a@1500']);
    assert.deepEqual(errors, ['a: fail 1', 'a: fail 2', 'a: fail 3', 'a: fail 4']);
    assert.equal(q.retries('a'), 0, 'a success forgets the failures');
    await q.stop();
  });

  it('per-key backoff is capped, and a success starts it over', () => {
    const l = new ItemExponentialRateLimiter(100, 1000);
    assert.deepEqual(
      Array.from({ length: 6 }, () => l.when('a')),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(l.when('b'), 100, 'keys back off independently');
    l.forget('a');
    assert.equal(l.when('a'), 100);
  });

  it('the overall bucket allows a burst, then spaces retries at its rate', () => {
    const clock = new FakeClock();
    const b = new BucketRateLimiter(10, 3, () => clock.now());
    assert.deepEqual([b.when(), b.when(), b.when()], [0, 0, 0], 'the burst');
    assert.deepEqual([b.when(), b.when()], [100, 200], 'then one token per 100 ms, reserved in turn');
    clock.advance(1000);
    assert.equal(b.when(), 0, 'refilled (up to the burst) after a quiet second');
  });

  it('the combined limiter takes the slower of the two, so many failing keys cannot retry faster than the bucket', async () => {
    const clock = new FakeClock();
    const limiter = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter(10, 1000),
      new BucketRateLimiter(10, 2, () => clock.now()),
    );
    const delays = ['a', 'b', 'c', 'd', 'e'].map((k) => limiter.when(k));
    assert.deepEqual(delays, [10, 10, 100, 200, 300]);
    assert.equal(limiter.retries('a'), 1);

    // Through the queue: five keys failing at once are retried at the bucket's pace.
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        runs.push(`${k}@${clock.now()}`);
        if (clock.now() === 0) throw new Error('engine down');
      },
      () => undefined,
      {
        workers: 1,
        clock,
        rateLimiter: controllerRateLimiter({ baseDelayMs: 10, maxDelayMs: 1000, perSecond: 10, burst: 2 }, () =>
          clock.now(),
        ),
      },
    );
    q.start();
    for (const k of ['a', 'b', 'c', 'd', 'e']) q.add(k);
    await q.idle();
    assert.deepEqual(
      [...q.delayedKeys().values()].sort((x, y) => x - y),
      [10, 10, 100, 200, 300],
    );
    for (let i = 0; i < 10 && clock.pending().length; i++) {
      clock.advance(clock.pending()[0] - clock.now());
      await settle();
    }
    await q.idle();
    assert.deepEqual(
      runs.slice(5).map((r) => Number(r.split('@')[1])),
      [10, 10, 100, 200, 300],
    );
    await q.stop();
  });

  it('a reconcile that releases its worker lets other keys run, and its own key still waits for it', async () => {
    const { q, seen, setHandler } = recorder(); // one worker
    const starting = gate();
    let aRuns = 0;
    let aRunning = 0;
    let aOverlap = false;
    setHandler(async (k, _s, release) => {
      seen.push(k);
      if (k !== 'a') return;
      aRuns++;
      if (++aRunning > 1) aOverlap = true;
      if (aRuns === 1) {
        release(); // only Docker is left to wait for
        await starting.wait;
      }
      aRunning--;
    });
    q.start();
    q.add('a');
    await settle();
    q.add('b');
    q.add('a'); // added while its first pass still runs: marked dirty, not run beside it
    await settle();
    assert.deepEqual(seen, ['a', 'b'], 'b ran on the freed worker while a waited');
    let idle = false;
    void q.idle().then(() => (idle = true)); // resolves once a's second pass ran
    await settle();
    assert.equal(idle, false, 'a released its worker but is still processing');
    starting.open();
    await q.idle();
    await settle();
    assert.deepEqual(seen, ['a', 'b', 'a'], 'a ran again once its first pass returned');
    assert.equal(aOverlap, false, 'never two passes of a at once');
    await q.stop();
  });

  it('stop() waits for a reconcile that released its worker', async () => {
    const { q, setHandler } = recorder();
    const g = gate();
    let finished = false;
    setHandler(async (_k, _s, release) => {
      release();
      await g.wait;
      finished = true;
    });
    q.start();
    q.add('a');
    await settle();
    await stopWaitsFor(q, g, 'stop waits for the released reconcile');
    assert.ok(finished);
  });

  it('stop() resolves only after the running reconcile finished, and aborts its signal', async () => {
    const { q, setHandler } = recorder();
    const g = gate();
    let aborted = false;
    let finished = false;
    setHandler(async (_k, signal) => {
      await g.wait;
      aborted = signal.aborted;
      finished = true;
    });
    q.start();
    q.add('a');
    await settle();
    await stopWaitsFor(q, g, 'stop waits for the reconcile in flight');
    assert.ok(finished && aborted, 'the reconcile saw its signal aborted and ran to its end');
  });

  it('stop() waits for tracked work, and a cancelled reconcile is not an error', async () => {
    const { q, errors, setHandler } = recorder();
    const g = gate();
    setHandler(async (_k, signal) => {
      await g.wait;
      if (signal.aborted) throw new Cancelled();
    });
    const work = gate();
    let workDone = false;
    q.track(
      work.wait.then(() => (workDone = true)),
      'x',
    );
    q.start();
    q.add('a');
    await settle();
    const stopping = q.stop();
    g.open();
    await settle();
    assert.equal(workDone, false);
    work.open();
    await stopping;
    assert.equal(workDone, true, 'stop resolved after the tracked work');
    assert.deepEqual(errors, []);
  });

  it('takes no work after stop and runs nothing that was queued', async () => {
    const { q, seen, clock } = recorder();
    q.addAfter('b', 100);
    q.add('a');
    await q.stop();
    q.start();
    q.add('c');
    clock.advance(1000);
    await settle();
    assert.deepEqual(seen, []);
  });

  it('a tracked failure is reported and its key retried', async () => {
    const { q, clock, seen, errors } = recorder();
    q.start();
    q.track(Promise.reject(new Error('stop failed')), 'a');
    await settle();
    assert.deepEqual(errors, ['a: stop failed']);
    assert.deepEqual([...q.delayedKeys()], [['a', 100]]);
    clock.advance(100);
    await settle();
    assert.deepEqual(seen, ['a']);
    q.track(Promise.reject(new Error('stack-wide')));
    await settle();
    assert.deepEqual(errors, ['a: stop failed', ': stack-wide']);
    await q.stop();
  });
});
