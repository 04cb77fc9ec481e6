import { strict as assert } from 'node:assert';
import {
  RestartBackoff,
  crashLoopDelay,
  shouldRestart,
  CRASH_LOOP_REASON,
} from '../../extension/engine/health/backoff';

const T0 = Date.UTC(2026, 0, 1);

describe('crashLoopDelay', () => {
  it('doubles from 10 s and caps at 300 s with Kubernetes defaults', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => crashLoopDelay(n, 10, 300));
    assert.deepEqual(delays, [10, 20, 40, 80, 160, 300, 300, 300, 300]);
  });
  it('follows a lowered base and cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => crashLoopDelay(n, 0.5, 2)),
      [0.5, 1, 2, 2],
    );
  });
  it('never overflows for huge counts', () => {
    assert.equal(crashLoopDelay(10_000, 10, 300), 300);
  });
  it('is 0 before the first exit and with a zero base', () => {
    assert.equal(crashLoopDelay(0, 10, 300), 0);
    assert.equal(crashLoopDelay(3, 0, 300), 0);
  });
});

describe('shouldRestart', () => {
  it('Always restarts on any exit code', () => {
    assert.equal(shouldRestart('Always', 0), true);
    assert.equal(shouldRestart('Always', 137), true);
  });
  it('OnFailure restarts only on a non-zero exit', () => {
    assert.equal(shouldRestart('OnFailure', 0), false);
    assert.equal(shouldRestart('OnFailure', 1), true);
    assert.equal(shouldRestart('OnFailure', -1), true);
  });
  it('Never never restarts', () => {
    assert.equal(shouldRestart('Never', 0), false);
    assert.equal(shouldRestart('Never', 2), false);
  });
});

describe('RestartBackoff', () => {
  it('restarts the first crash at once, then waits 10, 20, 40 s, and counts restarts', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always' });
    let now = T0;
    const delays: (number | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const d = b.onExit(now, 1, 500);
      delays.push(d);
      now += (d ?? 0) + 500;
    }
    assert.deepEqual(delays, [0, 10_000, 20_000, 40_000]);
    assert.equal(b.restarts, 4);
  });

  it('resets after 10 minutes of clean running with default settings', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always' });
    b.onExit(T0, 1, 1000);
    b.onExit(T0 + 20_000, 1, 1000);
    assert.equal(b.onExit(T0 + 60_000, 1, 599_999), 20_000, 'just under 10 min keeps growing');
    assert.equal(b.onExit(T0 + 800_000, 1, 600_000), 0, '10 min of running resets: restarted at once again');
    assert.equal(b.restarts, 4, 'the restart count is never reset');
  });

  it('takes base and cap from StackSettings, and the reset follows the cap', () => {
    const b = RestartBackoff.fromSettings({ backoffBaseSeconds: 1, backoffMaxSeconds: 4 }, 'Always');
    assert.deepEqual(
      [0, 1, 2, 3, 4].map(() => b.onExit(T0, 1, 10)),
      [0, 1000, 2000, 4000, 4000],
    );
    assert.equal(b.resetAfterSeconds, 8);
    assert.equal(b.onExit(T0, 1, 8000), 0);
    assert.equal(b.onExit(T0, 1, 10), 1000);
  });

  it('accepts an explicit reset window', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always', baseSeconds: 1, maxSeconds: 300, resetAfterSeconds: 5 });
    b.onExit(T0, 1, 0);
    b.onExit(T0, 1, 0);
    assert.equal(b.onExit(T0, 1, 4999), 2000);
    assert.equal(b.onExit(T0, 1, 5000), 0);
  });

  it('raises a cap below the base to the base', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always', baseSeconds: 5, maxSeconds: 1 });
    assert.equal(b.onExit(T0, 1, 0), 0);
    assert.equal(b.onExit(T0, 1, 0), 5000);
    assert.equal(b.onExit(T0, 1, 0), 5000);
  });

  it('restarts at once with a zero base', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always', baseSeconds: 0, maxSeconds: 0 });
    assert.equal(b.onExit(T0, 1, 0), 0);
    assert.equal(b.status(T0), undefined);
    assert.equal(b.restarts, 1);
  });

  it('falls back to Kubernetes defaults for invalid settings', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always', baseSeconds: -1, maxSeconds: Number.NaN });
    assert.equal(b.baseSeconds, 10);
    assert.equal(b.maxSeconds, 300);
  });

  it('OnFailure: a clean exit is not restarted, a failure is', () => {
    const b = new RestartBackoff({ restartPolicy: 'OnFailure' });
    assert.equal(b.onExit(T0, 0, 100), null);
    assert.equal(b.status(T0), undefined);
    assert.equal(b.restarts, 0);
    assert.equal(b.onExit(T0, 2, 100), 0);
    assert.equal(b.restarts, 1);
    assert.equal(b.onExit(T0, 2, 100), 10_000);
  });

  it('Never: nothing is restarted', () => {
    const b = new RestartBackoff({ restartPolicy: 'Never' });
    assert.equal(b.onExit(T0, 1, 100), null);
    assert.equal(b.onExit(T0, 0, 100), null);
    assert.equal(b.restarts, 0);
    assert.equal(b.status(T0), undefined);
  });

  it('Always: a clean exit is restarted with backoff too', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always' });
    assert.equal(b.onExit(T0, 0, 100), 0);
    assert.equal(b.onExit(T0, 0, 100), 10_000);
    assert.equal(b.onExit(T0, 0, 100), 20_000);
  });

  it('status counts down to the retry and then disappears', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always' });
    b.onExit(T0, 1, 100);
    assert.equal(b.status(T0), undefined, 'the first restart is immediate: nothing to wait for');
    b.onExit(T0, 3, 100, 'Liveness probe failed: HTTP probe failed with statuscode: 500');
    assert.deepEqual(b.status(T0), {
      reason: CRASH_LOOP_REASON,
      nextRetrySeconds: 10,
      nextRetryAt: new Date(T0 + 10_000).toISOString(),
      lastExitCode: 3,
      lastProbeFailure: 'Liveness probe failed: HTTP probe failed with statuscode: 500',
    });
    assert.equal(b.status(T0 + 9_001)?.nextRetrySeconds, 1, 'rounds up');
    assert.equal(b.status(T0 + 10_000), undefined);
    assert.equal(b.pendingUntil, T0 + 10_000);
  });

  it('status has no probe failure for a plain crash, and none before any exit', () => {
    const b = new RestartBackoff({ restartPolicy: 'Always' });
    assert.equal(b.status(T0), undefined);
    b.onExit(T0, 1, 100, 'x');
    b.onExit(T0, 1, 100);
    const s = b.status(T0);
    assert.ok(s);
    assert.equal('lastProbeFailure' in s, false);
    assert.equal(s.lastExitCode, 1);
  });

  it('a non-restarting exit clears a pending retry', () => {
    const b = new RestartBackoff({ restartPolicy: 'OnFailure' });
    b.onExit(T0, 1, 100);
    b.onExit(T0, 1, 100);
    assert.ok(b.status(T0));
    b.onExit(T0, 0, 100);
    assert.equal(b.status(T0), undefined);
  });
});
