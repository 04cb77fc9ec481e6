// Ready as soon as the port opens, against the real engine: a server that starts listening
// 1.5 s after its container starts, with a readiness probe every 60 s. Its first check fails
// (nothing listens yet); the next periodic one would come a minute later, yet the replica is
// Ready long before: the controller saw the port open in the container's socket table and
// checked once more. The same after a kill and an in-place restart.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { StackController } from '../../extension/engine/controller/controller';
import { ensureNodeImage } from '../support/node-image';
import { deployment } from '../support/manifests';
import {
  docker,
  removeStack,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';

const LATE_SERVER = `setTimeout(()=>require('http').createServer((q,r)=>r.end('ok')).listen(8080),1500)`;

describe('Ready when the port opens (real engine)', function () {
  this.timeout(180_000);
  const name = uniqueName('t-ready');
  let run: Running | undefined;

  after(async () => {
    await run?.stop();
    await removeStack(name);
  });

  it('is Ready within the first period, after a start and after a kill', async () => {
    await ensureNodeImage(docker);
    const dir = writeStack({
      'flotilla.yaml': `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 0.2, terminationGracePeriodSeconds: 1}\n`,
      'k8s/late.yaml': deployment('late', {
        image: 'flotilla.local/node:20',
        command: ['node', '-e', LATE_SERVER],
        port: 8080,
        readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 60, failureThreshold: 3 },
      }),
    });
    run = await startStack(dir);
    const ctl: StackController = run.ctl;
    const replica = () => ctl.status().deployments[0].replicas[0];
    const events: string[] = [];
    ctl.on('event', (e) => events.push(`${e.reason} ${e.message}`));

    // Well under the 60 s period: only the check at the port opening can make it Ready this soon.
    const first = await waitFor('Ready after the start', () => (replica()?.ready ? replica() : undefined), 40_000);
    assert.ok(
      events.some((e) => /^Starting Readiness probe failed/.test(e)),
      `the first check failed:\n${events.join('\n')}`,
    );

    const pid = (await docker.getContainer(first.container).inspect()).State.Pid;
    spawnSync('kill', ['-9', String(pid)]);
    await waitFor('restarted', () => replica()?.restarts === 1 || undefined, 40_000);
    await waitFor('Ready again', () => (replica()?.ready && replica()?.restarts === 1) || undefined, 40_000);
  });
});
