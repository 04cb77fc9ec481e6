// The in-network Services through the `flotilla` CLI against the real engine: `up`
// says where each Service answers inside the stack, `status --json` carries the
// ClusterIP with and without a running controller, and `down` leaves no proxy behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { LABELS } from '../../extension/engine/docker/labels';
import { stackProxyImage } from '../../extension/engine/proxy/proxy-image';
import { ensureBusyboxImage } from '../support/base-images';
import { ensureNodeImage } from '../support/node-image';
import {
  docker,
  httpDeployment,
  removeStack,
  stackFile,
  uniqueName,
  waitFor,
  writeStack,
} from '../support/stack-fixture';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];

function flotilla(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('in-network Services through the CLI (real engine)', function () {
  this.timeout(180_000);
  const name = uniqueName('t-svccli');
  let up: ChildProcess | undefined;

  before(async () => {
    await ensureBusyboxImage(docker);
    await ensureNodeImage(docker);
  });

  after(async () => {
    if (up && up.exitCode === null) {
      up.kill('SIGKILL');
      await new Promise((r) => up!.once('exit', r));
    }
    await removeStack(name);
  });

  it('up names the Service inside the stack; status shows its ClusterIP with and without a controller; down removes the proxy', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
    let log = '';
    up = spawn(process.execPath, [...CLI, 'up', '--stack', dir, '--no-watch'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    up.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    up.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    const ip = await waitFor(
      'the Service line of up',
      () =>
        /service web port 80: http:\/\/127\.0\.0\.1:\d+ \(in the stack: web:80, ClusterIP (\d+\.\d+\.\d+\.\d+)\)/.exec(
          log,
        )?.[1],
      90_000,
    );
    const running = JSON.parse(flotilla(['status', '--stack', dir, '--json']).out);
    assert.equal(running.services[0].clusterIP, ip);
    await waitFor(
      'the proxy to run',
      async () =>
        (await docker.listContainers({ filters: { label: [`${LABELS.stack}=${name}`, LABELS.proxy] } })).length === 1,
    );
    up.kill('SIGTERM');
    await new Promise((r) => up!.once('exit', r));
    const stopped = JSON.parse(flotilla(['status', '--stack', dir, '--json']).out);
    assert.equal(stopped.controller.running, false);
    assert.equal(stopped.services[0].clusterIP, ip, 'kept in the stack folder, served by the proxy that still runs');
    const down = flotilla(['down', '--stack', dir]);
    assert.equal(down.code, 0, down.err);
    assert.deepEqual(await docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${name}`] } }), []);
    await assert.rejects(docker.getImage(stackProxyImage(name)).inspect(), /no such image/i);
    const again = spawnSync('docker', ['network', 'ls', '-q', '--filter', `name=flotilla_${name}`], {
      encoding: 'utf8',
    });
    assert.equal(again.stdout.trim(), '');
  });
});
