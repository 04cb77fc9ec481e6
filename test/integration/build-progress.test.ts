// Build progress for the editor, against the real engine: each image reports its
// Dockerfile steps then built / up to date; `flotilla up` streams the same to the pipe
// FLOTILLA_PROGRESS_FD names; a base image the engine lacks fails in one line that starts
// with the fix. Images built here carry this run's unique stack name and are removed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { BuildProgress } from '../../extension/engine/api/protocol';
import { LABELS } from '../../extension/engine/docker/labels';
import { prepareStack } from '../../extension/engine/runner';
import { errorMessage } from '../../extension/engine/util/errors';
import { ensureBusyboxImage } from '../support/base-images';
import { docker, removeStack, stackFile, uniqueName, writeStack } from '../support/stack-fixture';

const ROOT = path.resolve(__dirname, '../..');

function deployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers: [{name: app, image: ${image}, command: ["sleep", "3600"]}]
`;
}

describe('build progress (real Docker)', function () {
  this.timeout(180_000);
  const stacks: string[] = [];

  before(() => ensureBusyboxImage(docker));

  after(async () => {
    for (const name of stacks) {
      await removeStack(name);
      const images = await docker.listImages({ filters: { label: [`${LABELS.stack}=${name}`] } });
      for (const i of images) await docker.getImage(i.Id).remove({ force: true });
    }
  });

  const stack = (dockerfile: string) => {
    const name = uniqueName('t-progress');
    stacks.push(name);
    const image = `${name}/app`;
    const dir = writeStack({
      'flotilla.yaml': stackFile(name, `build:\n  - {image: ${image}, context: app}\n`),
      'k8s/app.yaml': deployment(image),
      'app/Dockerfile': dockerfile,
      'app/hello.txt': 'hello\n',
    });
    return { name, image, dir };
  };

  it('reports each image step by step, then built; unchanged, up to date', async () => {
    const s = stack('FROM flotilla.local/busybox:1\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\nCMD ["sh"]\n');
    const seen: BuildProgress[] = [];
    await prepareStack(docker, s.dir, { onBuild: (b) => seen.push(b) });
    assert.deepEqual(seen[0], { image: s.image, state: 'building' });
    const steps = seen.filter((b) => b.step !== undefined);
    assert.deepEqual(
      steps.map((b) => `${b.step}/${b.total} ${b.instruction}`),
      [
        '1/4 FROM flotilla.local/busybox:1',
        '2/4 COPY hello.txt /hello.txt',
        '3/4 RUN cat /hello.txt',
        '4/4 CMD ["sh"]',
      ],
    );
    assert.deepEqual(seen.at(-1), { image: s.image, state: 'built' });
    const again: BuildProgress[] = [];
    await prepareStack(docker, s.dir, { onBuild: (b) => again.push(b) });
    assert.deepEqual(again, [
      { image: s.image, state: 'building' },
      { image: s.image, state: 'cached' },
    ]);
  });

  it('a missing local base image fails in one line that starts with the fix', async () => {
    const base = `flotilla.local/no-such-base-${Math.random().toString(36).slice(2, 8)}:1`;
    const s = stack(`ARG BASE=${base}\nFROM \${BASE}\nCMD ["sh"]\n`);
    const seen: BuildProgress[] = [];
    const err = await prepareStack(docker, s.dir, { onBuild: (b) => seen.push(b) }).then(
      () => assert.fail('the build succeeded'),
      (e: unknown) => errorMessage(e),
    );
    assert.match(err, /^build the local base images first \(bash \S+extension\/scripts\/base-images\.sh\): /);
    assert.ok(err.includes(`${s.image} builds FROM ${base} (app/Dockerfile)`), err);
    assert.ok(!err.includes('\n'), 'one line');
    assert.deepEqual(seen.at(-1), { image: s.image, state: 'failed', message: err });
  });

  it('a missing registry base image says to pull or build it', async () => {
    const s = stack('FROM no-such-registry.invalid/flotilla-test:1\n');
    const err = await prepareStack(docker, s.dir).then(
      () => assert.fail('the build succeeded'),
      (e: unknown) => errorMessage(e),
    );
    assert.match(err, /^pull or build no-such-registry\.invalid\/flotilla-test:1 first \(docker pull /);
  });

  it('`flotilla up` streams build progress as NDJSON to FLOTILLA_PROGRESS_FD and fails with that one line', async () => {
    const base = `flotilla.local/no-such-base-${Math.random().toString(36).slice(2, 8)}:1`;
    const s = stack(`FROM ${base}\n`);
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts'), 'up', '--stack', s.dir],
      { cwd: ROOT, env: { ...process.env, FLOTILLA_PROGRESS_FD: '3' }, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    let progress = '';
    let stderr = '';
    const fd3 = child.stdio[3];
    assert.ok(fd3 && 'on' in fd3 && child.stderr);
    fd3.on('data', (c: Buffer) => (progress += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 1);
    const messages: unknown[] = progress
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    assert.deepEqual(messages[0], { kind: 'build', build: { image: s.image, state: 'building' } });
    const last = messages.at(-1);
    assert.ok(last && typeof last === 'object' && 'build' in last, progress);
    assert.match(stderr.trim(), /^flotilla: build the local base images first \(bash /);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
  });
});
