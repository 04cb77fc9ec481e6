// What the editor says about a live update: the status-bar line, and the error for the output channel.
import * as assert from 'node:assert/strict';
import { liveUpdateNotice } from '../../../extension/client/live-update-notice';
import type { EngineEvent } from '../../../extension/engine/api/protocol';

const event = (over: Partial<EngineEvent> = {}): EngineEvent => ({
  time: '2026-01-01T00:00:00Z',
  type: 'Normal',
  reason: 'Synced',
  object: 'stack/shop',
  message: '',
  ...over,
});

describe('live update notices', () => {
  it('says how many files reached how many replicas, and how fast', () => {
    const e = event({ sync: { image: 'shop/api', files: 3, replicas: 2, ms: 410, hash: 'sha256:x' } });
    assert.deepEqual(liveUpdateNotice(e), { status: '$(sync) synced 3 files to 2 replicas in 410 ms' });
    const one = event({ sync: { image: 'shop/api', files: 1, replicas: 1, ms: 90, hash: 'sha256:x' } });
    assert.equal(liveUpdateNotice(one)?.status, '$(sync) synced 1 file to 1 replica in 90 ms');
  });

  it('turns a fallback into an error line naming the image and the reason', () => {
    const e = event({
      type: 'Warning',
      reason: 'LiveUpdateFailed',
      sync: { image: 'shop/api', files: 1, replicas: 1, ms: 12, hash: 'h', failed: 'replica api-1: read-only' },
    });
    const n = liveUpdateNotice(e);
    assert.equal(n?.error, 'live update of shop/api failed, rebuilding and rolling instead: replica api-1: read-only');
    assert.match(n?.status ?? '', /failed/);
  });

  it('says nothing about other events', () => {
    assert.equal(liveUpdateNotice(event({ reason: 'Scheduled' })), undefined);
  });
});
