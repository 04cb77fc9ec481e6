// Scaling by hand against the real engine: deltas sent at once all count, in order; the
// override shows in status beside the manifest's count; Reset to Manifest, `down` and a
// change of the manifest's replicas each drop it (the CLI records the same rules offline).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ControllerClient } from '../../extension/engine/api/client';
import type { EngineEvent } from '../../extension/engine/api/protocol';
import { ControlServer } from '../../extension/engine/api/server';
import { downStack } from '../../extension/engine/controller/controller';
import { reloadStack } from '../../extension/engine/runner';
import {
  docker,
  httpDeployment,
  removeStack,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';

const ROOT = path.resolve(__dirname, '../..');

function flotilla(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('hand scaling (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let dir: string;
  let run: Running | undefined;
  let server: ControlServer | undefined;

  beforeEach(() => {
    name = uniqueName('t-hand');
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
  });

  afterEach(async () => {
    await server?.close();
    await run?.stop();
    server = undefined;
    run = undefined;
    await removeStack(name);
  });

  const start = async () => {
    run = await startStack(dir);
    server = new ControlServer(run.ctl, {
      reload: () => Promise.resolve('not used'),
      shutdown: () => Promise.resolve(),
    });
    await server.listen();
    const client = await ControllerClient.connect(dir);
    assert.ok(client);
    return client;
  };
  const web = async (client: ControllerClient) => {
    const d = (await client.status()).deployments.find((x) => x.name === 'web');
    assert.ok(d);
    return d;
  };

  it('three +1 requests sent at once add three, and status shows the override beside the manifest', async () => {
    const client = await start();
    const answers = await Promise.all([1, 2, 3].map(() => client.post('/v1/scale', { deployment: 'web', delta: 1 })));
    assert.deepEqual(answers.map((a) => a.replicas).sort(), [2, 3, 4]);
    await waitFor('4 Ready replicas', async () => (await web(client)).ready === 4);
    const d = await web(client);
    assert.equal(d.desired, 4);
    assert.deepEqual(d.scaledByHand, { replicas: 4, manifestReplicas: 1 });
    // −1 from the count in force, never below zero.
    assert.equal((await client.post('/v1/scale', { deployment: 'web', delta: -10 })).replicas, 0);
    const reset = await client.post('/v1/scale', { deployment: 'web', reset: true });
    assert.equal(reset.replicas, 1);
    assert.equal((await web(client)).scaledByHand, undefined);
  });

  it('down drops the hand scale: the next up runs what the manifest says', async () => {
    const client = await start();
    await client.post('/v1/scale', { deployment: 'web', replicas: 2 });
    await waitFor('2 Ready replicas', async () => (await web(client)).ready === 2);
    await server?.close();
    await run?.stop();
    server = undefined;
    await downStack(docker, name, () => 0, dir);
    const again = await start();
    await waitFor('1 Ready replica', async () => (await web(again)).ready === 1);
    const d = await web(again);
    assert.equal(d.desired, 1);
    assert.equal(d.scaledByHand, undefined);
  });

  it("a change of the manifest's replicas drops the hand scale, and says so", async () => {
    const client = await start();
    const events: EngineEvent[] = [];
    run?.ctl.on('event', (e) => events.push(e));
    await client.post('/v1/scale', { deployment: 'web', replicas: 3 });
    // The manifest changes, but not its replicas: the hand scale stays.
    fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), httpDeployment('web', 1, { env: { X: '1' } }));
    assert.ok(run);
    await reloadStack(run.ctl);
    assert.equal((await web(client)).desired, 3);
    fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), httpDeployment('web', 2));
    await reloadStack(run.ctl);
    const d = await web(client);
    assert.equal(d.desired, 2);
    assert.equal(d.scaledByHand, undefined);
    assert.ok(
      events.some((e) => /manifest now asks for 2 replicas: the hand scale to 3 is dropped/.test(e.message)),
      events.map((e) => e.message).join('\n'),
    );
  });

  it('the CLI without a controller: +1 and -1 from the count in force, --reset, and status --json shows it', () => {
    assert.equal(flotilla(['scale', '--stack', dir, 'web', '+2']).code, 0);
    assert.equal(flotilla(['scale', '--stack', dir, 'web', '-1']).code, 0);
    let status = flotilla(['status', '--stack', dir, '--json']);
    assert.equal(status.code, 0, status.err);
    let d = JSON.parse(status.out).deployments[0];
    assert.equal(d.desired, 2);
    assert.deepEqual(d.scaledByHand, { replicas: 2, manifestReplicas: 1 });
    assert.equal(flotilla(['scale', '--stack', dir, 'web', '--reset']).code, 0);
    status = flotilla(['status', '--stack', dir, '--json']);
    d = JSON.parse(status.out).deployments[0];
    assert.equal(d.desired, 1);
    assert.equal(d.scaledByHand, undefined);
    assert.equal(flotilla(['scale', '--stack', dir, 'web', '+x']).code, 2);
  });
});
