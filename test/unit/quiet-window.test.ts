// The watcher's adaptive quiet window: a lone file save waits only the settle window; a second
// event, or a folder event, makes the batch wait the full quiet window after each event; a
// batch taken opens a fresh window; a batch waits for events still being classified, for at
// most the quiet window.
import assert from 'node:assert/strict';
import { QuietWindow, SETTLE_MS } from '../../extension/engine/quiet-window';

describe('quiet window', () => {
  it('runs a lone file save after the settle window', () => {
    const w = new QuietWindow(100);
    assert.equal(w.event('file'), SETTLE_MS);
    assert.ok(SETTLE_MS < 100);
  });

  it('waits the full quiet window after every event once a second one arrives', () => {
    const w = new QuietWindow(100);
    w.event('file');
    assert.equal(w.event('file'), 100);
    for (let i = 0; i < 498; i++) assert.equal(w.event('file'), 100);
  });

  it('treats a folder appearing or going as the start of a burst', () => {
    const w = new QuietWindow(200);
    assert.equal(w.event('dir'), 200);
    assert.equal(w.event('file'), 200);
  });

  it('opens a fresh window once the batch is taken', () => {
    const w = new QuietWindow(100);
    w.event('file');
    w.event('file');
    w.reset();
    assert.equal(w.event('file'), SETTLE_MS);
  });

  it('never settles longer than the quiet window', () => {
    const w = new QuietWindow(5);
    assert.equal(w.event('file'), 5);
  });

  it('runs at once when no event is being classified', () => {
    const w = new QuietWindow(100);
    w.event('file');
    assert.equal(w.due(0, 1000), 0);
  });

  it('waits for events being classified, then runs once they are', () => {
    const w = new QuietWindow(100);
    w.event('file');
    assert.equal(w.due(3, 1000), SETTLE_MS);
    assert.equal(w.due(1, 1000 + SETTLE_MS), SETTLE_MS);
    assert.equal(w.due(0, 1000 + 2 * SETTLE_MS), 0);
  });

  it('waits for classification no longer than the quiet window in all', () => {
    const w = new QuietWindow(100);
    w.event('file');
    assert.equal(w.due(1, 1000), SETTLE_MS);
    assert.equal(w.due(1, 1099), SETTLE_MS);
    assert.equal(w.due(1, 1100), 0);
    // The next batch starts its own wait.
    w.reset();
    w.event('file');
    assert.equal(w.due(1, 5000), SETTLE_MS);
  });
});
