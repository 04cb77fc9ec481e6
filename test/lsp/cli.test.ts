// `flotilla lint` (runLintCli) and the engine's lintStackDir, on committed fixtures.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { lintStackDir, runLintCli } from '../../language-server/src/index';

const FIX = path.resolve(__dirname, '../fixtures/lint');

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const s = new PassThrough();
  let out = '';
  s.on('data', (d) => (out += String(d)));
  const code = await runLintCli(argv, s);
  return { code, out };
}

describe('flotilla lint', function () {
  this.timeout(20_000);

  it('prints JSON diagnostics with 1-based positions and exits 1 on errors', async () => {
    const { code, out } = await cli([path.join(FIX, 'stack-bad'), '--format', 'json', '--no-docker']);
    assert.equal(code, 1);
    const diags = JSON.parse(out) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(diags[0]).sort(), [
      'blocking',
      'code',
      'column',
      'endColumn',
      'endLine',
      'file',
      'line',
      'message',
      'severity',
    ]);
    const q = diags.find((d) => d.code === 'FK2005')!;
    assert.equal(q.file, path.join(FIX, 'stack-bad/k8s/app.yaml'));
    assert.deepEqual([q.line, q.column, q.endLine, q.endColumn], [22, 29, 22, 33]);
  });

  it('prints readable text lines and exits 0 without errors', async () => {
    const { code, out } = await cli([path.join(FIX, 'corpus'), '--no-docker']);
    assert.equal(code, 0, out);
    assert.match(out, /0 error\(s\)/);
    const bad = await cli([path.join(FIX, 'stack-bad'), '--no-docker']);
    assert.match(bad.out, /^\S*stack-bad\/k8s\/app\.yaml:22:29 error FK2005 /m);
  });

  it('lints single files and walks folders for Dockerfiles and manifests', async () => {
    const { out } = await cli([path.join(FIX, 'stack-bad/services/web/Dockerfile'), '--format=json', '--no-docker']);
    assert.deepEqual(
      (JSON.parse(out) as { code: string }[]).map((d) => d.code),
      ['FD3057'],
    );
  });

  it('rejects unknown options with exit code 2', async () => {
    assert.equal((await cli(['--bogus'])).code, 2);
  });

  it('lintStackDir returns every finding of the stack for the engine', async () => {
    const diags = await lintStackDir(path.join(FIX, 'stack-bad'), { images: null });
    assert.ok(diags.some((d) => d.code === 'FS1005' && d.file.endsWith('flotilla.yaml') && d.severity === 'error'));
    assert.ok(diags.some((d) => d.code === 'FX1012'));
    assert.ok(diags.every((d) => d.line >= 1 && d.column >= 1));
  });
});
