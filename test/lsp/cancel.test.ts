// A validation superseded by a newer edit stops early instead of finishing stale work, and
// rapid edits end with diagnostics for the last text only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Cancelled, lintStack } from '../../language-server/src/lint/project';
import { codes, TestClient } from './client';

const SHOP = path.resolve(__dirname, '../fixtures/lint/corpus/shop/flotilla.yaml');

describe('superseded validation', function () {
  this.timeout(30_000);

  it('a cancelled run throws Cancelled between files', async () => {
    let reads = 0;
    await assert.rejects(lintStack(SHOP, { images: null, isCancelled: () => ++reads > 2 }), Cancelled);
    const done = await lintStack(SHOP, { images: null, isCancelled: () => false });
    assert.ok(done.findings.size > 3);
  });

  it('a burst of edits ends with the diagnostics of the last text', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'flotilla-burst-'));
    const c = await TestClient.start(tmp, { docker: false });
    try {
      const file = path.join(tmp, 'Dockerfile');
      await c.open(file, 'FROM node:20\n', 'dockerfile');
      const uri = c.uri(file);
      // each version has a different broken instruction; only the last one is FOO9
      for (let v = 1; v <= 9; v++) {
        void c.conn.sendNotification('textDocument/didChange', {
          textDocument: { uri, version: v + 1 },
          contentChanges: [{ text: `FROM node:20\nFOO${v} x\n` }],
        });
      }
      const last = await c.waitFor(uri, (d) => d.some((x) => String(x.message).includes('FOO9')));
      assert.ok(codes(last).includes('FD1001'));
      assert.ok(!last.some((x) => /FOO[1-8]\b/.test(String(x.message))), 'no stale text in the final diagnostics');
    } finally {
      await c.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
