// The language server on live update's stack-file keys: sync, restart and rebuildOn are known
// (no diagnostic, completion offers them), and a bad sync rule is flagged at its file:line,
// through the same path `flotilla lint` and `up` take.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LineIndex } from '../../language-server/src/core/lines';
import { lintStackDir } from '../../language-server/src/index';
import { stackCompletion } from '../../language-server/src/server/stack-features';
import { DEP } from './cases/manifests';

const root = mkdtempSync(path.join(tmpdir(), 'flotilla-live-lint-'));
let n = 0;
function project(build: string): string {
  const dir = path.join(root, `p${n++}`);
  const files: Record<string, string> = {
    'flotilla.yaml': `name: t\nmanifests: ["k8s/*.yaml"]\nbuild:\n${build}`,
    'k8s/app.yaml': DEP,
    'api/Dockerfile': 'FROM flotilla.local/node:20\nCOPY src /app/src\nCMD ["node", "/app/src/server.js"]\n',
    'api/src/server.js': '',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('lint: live update keys in the stack file', function () {
  this.timeout(20_000);
  after(() => rmSync(root, { recursive: true, force: true }));

  it('accepts sync, restart and rebuildOn', async () => {
    const dir = project(`  - image: shop/api
    context: api
    sync:
      - {src: "src/**", dest: /app/src}
    restart: {process: true}
    rebuildOn: ["package.json", "Dockerfile"]
`);
    const found = (await lintStackDir(dir, { images: null })).filter((d) => d.file.endsWith('flotilla.yaml'));
    assert.deepEqual(found, []);
  });

  it('flags a sync rule without dest and a relative dest at their lines', async () => {
    const dir = project(`  - image: shop/api
    context: api
    sync:
      - {src: "src/**"}
      - {src: "src/**", dest: app/src}
`);
    const found = (await lintStackDir(dir, { images: null })).filter((d) => d.file.endsWith('flotilla.yaml'));
    assert.deepEqual(
      found.map((d) => [path.basename(d.file), d.line, d.code, d.severity, d.blocking]),
      [
        ['flotilla.yaml', 7, 'FS1003', 'error', true],
        ['flotilla.yaml', 8, 'FS1002', 'error', true],
      ],
    );
    assert.match(found[1].message, /dest "app\/src" must be an absolute path/);
  });

  it('completes the new keys under a build entry and under sync', () => {
    const text = 'name: t\nmanifests: []\nbuild:\n  - image: a\n    context: .\n    \n';
    const labels = stackCompletion(new LineIndex(text), 5, 4).map((c) => c.label);
    for (const k of ['sync', 'restart', 'rebuildOn']) assert.ok(labels.includes(k), `${k} in ${labels.join(',')}`);
    const sync = 'name: t\nbuild:\n  - image: a\n    sync:\n      - src: a\n        \n';
    const inSync = stackCompletion(new LineIndex(sync), 5, 8).map((c) => c.label);
    assert.ok(inSync.includes('dest'), inSync.join(','));
  });
});
