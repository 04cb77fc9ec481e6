// The work queue's guarantees: a key is queued once however often it is added,
// never processed twice at once, re-run when added while processing, and retried
// with backoff after a failure.
import assert from 'node:assert/strict';
import { WorkQueue } from '../../extension/engine/controller/workqueue';

describe('work queue', () => {
  it('de-duplicates a waiting key', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        seen.push(k);
      },
      () => undefined,
      1,
    );
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    q.start();
    await q.idle();
    q.stop();
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('never runs one key twice at once, and re-runs it once when added meanwhile', async () => {
    let running = 0;
    let max = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue(
      async () => {
        running++;
        max = Math.max(max, running);
        runs++;
        if (runs === 1) await gate;
        running--;
      },
      () => undefined,
      4,
    );
    q.start();
    q.add('a');
    await new Promise((r) => setImmediate(r));
    q.add('a');
    q.add('a');
    q.add('a');
    release();
    await q.idle();
    await new Promise((r) => setImmediate(r));
    await q.idle();
    q.stop();
    assert.equal(max, 1);
    assert.equal(runs, 2);
  });

  it('retries a failing key and reports each error', async () => {
    const errors: string[] = [];
    let n = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const q = new WorkQueue(
      async () => {
        n++;
        if (n < 3) throw new Error(`fail ${n}`);
        done();
      },
      (_k, e) => errors.push(e.message),
      1,
      1,
      10,
    );
    q.start();
    q.add('a');
    await finished;
    q.stop();
    assert.deepEqual(errors, ['fail 1', 'fail 2']);
  });
});
