// Realistic multi-service stacks (guestbook, a three-service shop, a skaffold project) must
// not produce a single error: false errors would teach users to ignore the linter.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { lintStack, lintStackDir } from '../../language-server/src/index';
import { stackFileIn } from '../../language-server/src/lint/project';
import { existsSync } from 'node:fs';

const CORPUS = path.resolve(__dirname, '../fixtures/lint/corpus');

describe('corpus of realistic stacks', function () {
  this.timeout(20_000);
  for (const name of readdirSync(CORPUS)) {
    it(`${name}: no error-severity diagnostic`, async () => {
      const diags = await lintStackDir(path.join(CORPUS, name), { images: null });
      const files = new Set(diags.map((d) => d.file));
      assert.deepEqual(
        diags.filter((d) => d.severity === 'error'),
        [],
      );
      assert.ok([...files].every((f) => f.startsWith(path.join(CORPUS, name))));
      // the stack really was read: its stack file, manifests and Dockerfiles were all checked
      const { findings } = await lintStack(stackFileIn(path.join(CORPUS, name), existsSync)!, { images: null });
      assert.ok(findings.size >= 3, `only ${[...findings.keys()].join(', ')} checked`);
    });
  }
});
