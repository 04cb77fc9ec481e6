// Rolling updates end to end: the controller's planner steps on the real engine.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeploymentStatus, EngineEvent } from '../../extension/engine/api/protocol';
import type { StackController } from '../../extension/engine/controller/controller';
import type { ProbeMonitor } from '../../extension/engine/health/monitor';
import { createController, prepareStack } from '../../extension/engine/runner';
import { ensureBusyboxImage } from '../support/base-images';
import { deployment, httpdShell } from '../support/manifests';
import { docker, removeStack, uniqueName, waitFor, writeStack } from '../support/stack-fixture';

function manifest(opts: {
  version: string;
  strategy: Record<string, unknown>;
  readyPath?: string;
  deadline?: number;
  /** The container's shell command; default: httpd, which exits on SIGTERM. */
  shell?: string;
}): string {
  return deployment('web', {
    replicas: 3,
    spec: { progressDeadlineSeconds: opts.deadline ?? 600, strategy: opts.strategy },
    shell: opts.shell ?? httpdShell(),
    env: { VERSION: opts.version },
    port: 8080,
    readinessProbe: {
      httpGet: { path: opts.readyPath ?? '/index.html', port: 'http' },
      periodSeconds: 1,
      failureThreshold: 1,
    },
  });
}

describe('rollout on the real engine', function () {
  this.timeout(180_000);
  let stack = '';
  let dir = '';
  let ctl: StackController | undefined;
  const events: EngineEvent[] = [];
  const samples: DeploymentStatus[] = [];

  async function up(m: string, graceSeconds = 1): Promise<StackController> {
    stack = uniqueName('test-health');
    dir = writeStack({
      'flotilla.yaml': `name: ${stack}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 0.2, terminationGracePeriodSeconds: ${graceSeconds}, resyncSeconds: 5}\n`,
      'k8s/app.yaml': m,
    });
    await ensureBusyboxImage(docker);
    const p = await prepareStack(docker, dir);
    // The production wiring: probes, balancers and autoscaling attached.
    ctl = createController(docker, p);
    const c = ctl;
    c.on('event', (e) => events.push(e));
    c.on('changed', () => {
      const d = c.status().deployments[0];
      if (d) samples.push(d);
    });
    await c.start();
    return c;
  }

  async function apply(m: string): Promise<void> {
    fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), m);
    const p = await prepareStack(docker, dir);
    ctl!.apply(p.stack, p.imageIds, p.nodes);
  }

  const dep = (): DeploymentStatus => ctl!.status().deployments[0];
  const allReady = (): boolean =>
    dep().replicas.length === 3 && dep().replicas.every((r) => r.ready && r.state === 'Running');

  afterEach(async () => {
    await ctl?.stop(false);
    ctl = undefined;
    events.length = 0;
    samples.length = 0;
    if (stack) await removeStack(stack);
  });

  it('RollingUpdate maxSurge 1 / maxUnavailable 0: never more than 4 replicas, never fewer than 3 Ready', async () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await up(manifest({ version: 'v1', strategy }));
    await waitFor('3 ready replicas', allReady, 60_000);
    const oldHash = dep().replicas[0].templateHash;
    samples.length = 0;
    await apply(manifest({ version: 'v2', strategy }));
    const done = await waitFor(
      'rollout complete',
      () => {
        const d = dep();
        return d.rollout?.state === 'Complete' &&
          d.rollout.currentHash !== oldHash &&
          allReady() &&
          d.replicas.every((r) => r.templateHash === d.rollout!.currentHash)
          ? d
          : undefined;
      },
      120_000,
    );
    assert.equal(done.rollout?.updated, 3);
    assert.ok(samples.length > 0);
    for (const s of samples) {
      const live = s.replicas.filter((r) => r.state !== 'Terminating').length;
      assert.ok(live <= 4, `${live} live replicas observed at once`);
      assert.ok(
        s.replicas.filter((r) => r.ready).length >= 3,
        `only ${s.replicas.filter((r) => r.ready).length} Ready during the rollout`,
      );
    }
    assert.ok(
      samples.some(
        (s) => s.replicas.some((r) => r.templateHash === oldHash) && s.replicas.some((r) => r.templateHash !== oldHash),
      ),
      'old and new ran side by side',
    );
  });

  it('RollingUpdate replaces old replicas while they still terminate, as Kubernetes does by default', async () => {
    // The old replicas ignore SIGTERM, so each takes its whole 30 s grace period to stop. Had
    // the rollout waited for each to be gone (podReplacementPolicy TerminationComplete), at
    // most one would ever be terminating, since maxUnavailable 0 keeps 3 live.
    const stubborn = `trap '' TERM; ${httpdShell().replace('exec ', '')} & while :; do sleep 1; done`;
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
    await up(manifest({ version: 'v1', strategy, shell: stubborn }), 30);
    await waitFor('3 ready replicas', allReady, 60_000);
    const oldHash = dep().replicas[0].templateHash;
    samples.length = 0;
    await apply(manifest({ version: 'v2', strategy, shell: stubborn }));
    const stopping = (s: DeploymentStatus): number =>
      s.replicas.filter((r) => r.templateHash === oldHash && r.state === 'Terminating').length;
    const done = await waitFor(
      'rollout complete with old replicas still stopping',
      () => {
        const d = dep();
        return d.rollout?.state === 'Complete' && d.rollout.currentHash !== oldHash && stopping(d) >= 2 ? d : undefined;
      },
      60_000,
    );
    assert.equal(done.replicas.filter((r) => r.templateHash !== oldHash && r.ready).length, 3);
    // A stopping replica is not probed: passes during its grace period must not watch it again,
    // or its probers outlive it and probe its address once another container has it.
    const watched = (ctl!.health as ProbeMonitor).watched();
    const stoppingNames = done.replicas.filter((r) => r.state === 'Terminating').map((r) => r.name);
    assert.deepEqual(
      watched.filter((r) => stoppingNames.includes(r)),
      [],
      `probed while stopping: ${watched.join(', ')}`,
    );
    for (const s of samples) {
      const live = s.replicas.filter((r) => r.state !== 'Terminating').length;
      assert.ok(live <= 4, `${live} live replicas at once: the surge bound still holds`);
      assert.ok(s.replicas.filter((r) => r.ready).length >= 3, 'maxUnavailable 0 still holds');
    }
  });

  it('a new template that never gets Ready fails the rollout; the old replicas keep serving', async () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
    await up(manifest({ version: 'v1', strategy, deadline: 4 }));
    await waitFor('3 ready replicas', allReady, 60_000);
    const oldHash = dep().replicas[0].templateHash;
    await apply(manifest({ version: 'broken', strategy, readyPath: '/missing', deadline: 4 }));
    const failed = await waitFor(
      'rollout failed',
      () => (dep().rollout?.state === 'Failed' ? dep() : undefined),
      120_000,
    );
    assert.match(failed.rollout?.message ?? '', /has timed out progressing/);
    assert.ok(events.some((e) => e.reason === 'ProgressDeadlineExceeded'));
    const oldReady = failed.replicas.filter((r) => r.templateHash === oldHash && r.ready).length;
    assert.ok(oldReady >= 2, `${oldReady} old replicas still Ready (replicas 3 − maxUnavailable 1)`);
    assert.ok(failed.replicas.filter((r) => r.templateHash !== oldHash).every((r) => !r.ready));
  });

  it('Recreate: the old replicas are gone before a new one runs', async () => {
    const strategy = { type: 'Recreate' };
    await up(manifest({ version: 'v1', strategy }));
    await waitFor('3 ready replicas', allReady, 60_000);
    const oldHash = dep().replicas[0].templateHash;
    samples.length = 0;
    await apply(manifest({ version: 'v2', strategy }));
    await waitFor(
      'recreated',
      () =>
        dep().rollout?.state === 'Complete' && allReady() && dep().replicas.every((r) => r.templateHash !== oldHash),
      120_000,
    );
    for (const s of samples) {
      const live = s.replicas.filter((r) => r.state === 'Running' || r.state === 'Creating');
      assert.ok(
        !(live.some((r) => r.templateHash === oldHash) && live.some((r) => r.templateHash !== oldHash)),
        'old and new never run together',
      );
    }
  });
});
