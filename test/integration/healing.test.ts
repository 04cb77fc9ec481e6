// Self-healing end to end: the real controller with probes attached, on the real engine.
import { strict as assert } from 'node:assert';
import type { EngineEvent, ReplicaStatus } from '../../extension/engine/api/protocol';
import type { StackController } from '../../extension/engine/controller/controller';
import { dockerExec } from '../../extension/engine/health/checks';
import type { ProbeMonitor } from '../../extension/engine/health/monitor';
import { createController, prepareStack } from '../../extension/engine/runner';
import { ensureBusyboxImage } from '../support/base-images';
import { docker, removeStack, uniqueName, waitFor, writeStack } from '../support/stack-fixture';
import { deployment, type WorkloadOptions } from '../support/manifests';

/** busybox httpd with CGI endpoints: /cgi-bin/health fails while /tmp/fail exists, /cgi-bin/ready while /tmp/unready does. Both flags are cleared at start. */
const HTTPD = [
  'rm -f /tmp/fail /tmp/unready; mkdir -p /www/cgi-bin /tmp',
  `printf '#!/bin/sh\\nif [ -f /tmp/fail ]; then echo "Status: 500 Internal Server Error"; fi\\necho "Content-Type: text/plain"\\necho\\necho ok\\n' > /www/cgi-bin/health`,
  "sed 's#/tmp/fail#/tmp/unready#' /www/cgi-bin/health > /www/cgi-bin/ready",
  'chmod +x /www/cgi-bin/health /www/cgi-bin/ready',
  'exec httpd -f -p 8080 -h /www',
].join(' && ');

/** One busybox replica serving HTTPD on 8080 (or running `shell`), with the given probes. */
function pod(name: string, o: Partial<WorkloadOptions> = {}): string {
  return deployment(name, { replicas: 1, port: 8080, shell: HTTPD, ...o });
}

interface Running {
  ctl: StackController;
  events: EngineEvent[];
  replica(): ReplicaStatus | undefined;
}

describe('healing: controller + probes on the real engine', function () {
  this.timeout(120_000);
  let stack = '';
  let running: Running | undefined;

  async function up(
    manifest: string,
    settings = '{backoffBaseSeconds: 0.2, terminationGracePeriodSeconds: 1, resyncSeconds: 5}',
  ): Promise<Running> {
    stack = uniqueName('test-health');
    const dir = writeStack({
      'flotilla.yaml': `name: ${stack}\nmanifests: ["k8s/*.yaml"]\nsettings: ${settings}\n`,
      'k8s/app.yaml': manifest,
    });
    await ensureBusyboxImage(docker);
    const p = await prepareStack(docker, dir);
    // The production wiring: probes, balancers and autoscaling attached.
    const ctl = createController(docker, p);
    const events: EngineEvent[] = [];
    ctl.on('event', (e) => events.push(e));
    await ctl.start();
    running = { ctl, events, replica: () => ctl.status().deployments[0]?.replicas.find((r) => r.state !== 'Pending') };
    return running;
  }

  afterEach(async () => {
    await running?.ctl.stop(false);
    running = undefined;
    if (stack) await removeStack(stack);
  });

  async function exec(id: string, cmd: string[]): Promise<void> {
    const r = await dockerExec(docker, id, cmd, 30_000);
    assert.equal(r.exitCode, 0, r.output);
  }

  it('a killed replica is restarted and its restart count grows', async () => {
    const r = await up(pod('web'));
    const first = await waitFor('running replica', () =>
      r.replica()?.state === 'Running' && r.replica()?.ready ? r.replica() : undefined,
    );
    assert.equal(first.restarts, 0);
    await r.ctl.killReplica(first.name);
    const again = await waitFor('restarted replica', () => {
      const x = r.replica();
      return x && x.restarts === 1 && x.state === 'Running' && x.ready ? x : undefined;
    });
    assert.equal(again.name, first.name, 'restarted in place, as the kubelet does');
  });

  it('a replica removed by hand is replaced, and its probes end with it', async () => {
    const r = await up(
      pod('web', { readinessProbe: { httpGet: { path: '/cgi-bin/ready', port: 'http' }, periodSeconds: 1 } }),
    );
    const first = await waitFor('ready replica', () => (r.replica()?.ready ? r.replica() : undefined));
    const monitor = r.ctl.health as ProbeMonitor;
    assert.deepEqual(monitor.watched(), [first.name]);
    await docker.getContainer(first.container).remove({ force: true });
    const next = await waitFor('replacement Ready', () => {
      const x = r.replica();
      return x && x.name !== first.name && x.ready ? x : undefined;
    });
    await waitFor('only the replacement probed', () => monitor.watched().join() === next.name, 10_000);
  });

  it('a failing liveness probe restarts the container; the count grows with every failure', async () => {
    const r = await up(
      pod('web', {
        livenessProbe: { httpGet: { path: '/cgi-bin/health', port: 'http' }, periodSeconds: 1, failureThreshold: 2 },
      }),
    );
    const rep = await waitFor('ready replica', () => (r.replica()?.ready ? r.replica() : undefined));
    for (let n = 1; n <= 2; n++) {
      await exec(rep.container, ['touch', '/tmp/fail']);
      await waitFor(`restart ${n}`, () => {
        const x = r.replica();
        return x && x.restarts === n && x.state === 'Running' && x.ready;
      });
    }
    const unhealthy = r.events.filter((e) => e.reason === 'Unhealthy' && e.message.startsWith('Liveness probe failed'));
    // Every failed attempt is an Unhealthy event: failureThreshold (2) per restart at least.
    const http500 = unhealthy.filter((e) =>
      e.message.startsWith('Liveness probe failed: HTTP probe failed with statuscode: 500'),
    );
    assert.ok(http500.length >= 4, unhealthy.map((e) => e.message).join('\n'));
  });

  it('a crash loop restarts at once, then backs off 1 s, 2 s, 4 s, 4 s with base 1 and cap 4', async () => {
    const r = await up(
      pod('crash', { shell: 'exit 3' }),
      '{backoffBaseSeconds: 1, backoffMaxSeconds: 4, terminationGracePeriodSeconds: 1, resyncSeconds: 5}',
    );
    const backoffs = (): string[] => r.events.filter((e) => e.reason === 'BackOff').map((e) => e.message);
    let sawWaiting: ReplicaStatus | undefined;
    await waitFor(
      'four back-offs',
      () => {
        const x = r.replica();
        if (x?.state === 'Waiting' && x.backoff) sawWaiting = x;
        return backoffs().length >= 4;
      },
      60_000,
    );
    assert.deepEqual(
      backoffs()
        .slice(0, 4)
        .map((m) => /Back-off (\d+)s/.exec(m)?.[1]),
      ['1', '2', '4', '4'],
    );
    assert.ok(
      backoffs().every((m) => m.includes('exit code 3')),
      backoffs().join('\n'),
    );
    const firstRestart = r.events.findIndex((e) => e.reason === 'Started');
    const firstBackOff = r.events.findIndex((e) => e.reason === 'BackOff');
    assert.ok(firstRestart >= 0 && firstRestart < firstBackOff, 'the first crash was restarted without a back-off');
    assert.ok(sawWaiting, 'the replica showed a Waiting state');
    assert.equal(sawWaiting.backoff?.reason, 'CrashLoopBackOff');
    assert.equal(sawWaiting.backoff?.lastExitCode, 3);
    assert.ok((r.replica()?.restarts ?? 0) >= 4);
  });

  it('a failing readiness probe makes the replica not Ready without restarting it', async () => {
    const r = await up(
      pod('web', {
        readinessProbe: { httpGet: { path: '/cgi-bin/ready', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
      }),
    );
    const rep = await waitFor('ready replica', () => (r.replica()?.ready ? r.replica() : undefined));
    await exec(rep.container, ['touch', '/tmp/unready']);
    const notReady = await waitFor('not ready', () => (r.replica()?.ready === false ? r.replica() : undefined));
    assert.equal(notReady.state, 'Running');
    assert.equal(notReady.restarts, 0);
    await exec(rep.container, ['rm', '/tmp/unready']);
    const back = await waitFor('ready again', () => (r.replica()?.ready ? r.replica() : undefined));
    assert.equal(back.restarts, 0);
    assert.equal(back.container, rep.container);
  });

  it('a replica is not Ready before its startup probe passes, even without a readiness probe', async () => {
    const r = await up(
      pod('web', {
        startupProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, periodSeconds: 1, failureThreshold: 1000 },
      }),
    );
    const unhealthy = (): number =>
      // Within its start-up time a failure is a Normal "Starting" event, after it an "Unhealthy" warning.
      r.events.filter(
        (e) => (e.reason === 'Unhealthy' || e.reason === 'Starting') && e.message.startsWith('Startup probe failed'),
      ).length;
    const rep = await waitFor('startup probe failing', () =>
      r.replica()?.state === 'Running' && unhealthy() >= 2 ? r.replica() : undefined,
    );
    assert.equal(rep.ready, false, 'Running but not started: not Ready');
    assert.equal(r.ctl.status().services.length, 0);
    await exec(rep.container, ['touch', '/tmp/started']);
    const ready = await waitFor('ready once started', () => (r.replica()?.ready ? r.replica() : undefined));
    assert.equal(ready.restarts, 0);
  });
});
