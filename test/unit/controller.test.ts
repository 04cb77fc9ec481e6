// The reconcile decisions of the StackController, against an in-memory Docker
// engine (test/support/fake-docker.ts): create to the desired count, scale down
// gracefully, restart in place after the backoff, replace a replica an earlier
// controller never started, remove what left the manifests, report and retry
// failures, and stop without racing a create in flight. The same behaviours run
// against the real engine in test/integration.
import assert from 'node:assert/strict';
import type { EngineEvent } from '../../extension/engine/api/protocol';
import { StackController } from '../../extension/engine/controller/controller';
import { containerOptions, podTemplateHash } from '../../extension/engine/controller/pod-spec';
import { downStack } from '../../extension/engine/controller/down';
import { loadStackOrThrow } from '../../extension/engine/model/load-stack';
import type { NodeSpec, StackSpec } from '../../extension/engine/model/types';
import { FakeDocker } from '../support/fake-docker';
import { deployment, manifests, service } from '../support/manifests';
import { stackFile, uniqueName, waitFor, writeFiles, writeStack } from '../support/stack-fixture';

const NODES: NodeSpec[] = [
  { name: 'node-1', cpuMilli: 1000, memoryBytes: 1 << 30, labels: {}, unschedulable: false },
  { name: 'node-2', cpuMilli: 1000, memoryBytes: 1 << 30, labels: {}, unschedulable: false },
];

interface Harness {
  ctl: StackController<FakeDocker>;
  docker: FakeDocker;
  events: EngineEvent[];
  dir: string;
  stack: StackSpec;
  load(yaml: string): StackSpec;
}

let current: Harness | undefined;

/** Starts a controller on a new stack; `before` may prepare the engine (as an earlier controller left it). */
async function start(
  yaml: string,
  docker = new FakeDocker(),
  before?: (stack: StackSpec) => Promise<void>,
): Promise<Harness> {
  const name = uniqueName('u-ctl');
  const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': yaml });
  const load = (y: string) => {
    writeFiles(dir, { 'k8s/app.yaml': y });
    return loadStackOrThrow(dir);
  };
  const stack = loadStackOrThrow(dir);
  await before?.(stack);
  const ctl = new StackController({ docker, stack, nodes: NODES, rateLimits: { baseDelayMs: 10, maxDelayMs: 100 } });
  const events: EngineEvent[] = [];
  ctl.on('event', (e) => events.push(e));
  await ctl.start();
  current = { ctl, docker, events, dir, stack, load };
  return current;
}

function web(replicas: number, extra: Parameters<typeof deployment>[1] = {}): string {
  return manifests(deployment('web', { replicas, shell: 'sleep 3600', port: 8080, ...extra }), service('web'));
}

const runningOf = (h: Harness, dep = 'web') =>
  h.docker.running().filter((c) => c.labels['dev.flotilla.deployment'] === dep);

describe('stack controller decisions (in-memory Docker)', function () {
  this.timeout(20_000);

  afterEach(async () => {
    await current?.ctl.stop(false);
    current = undefined;
  });

  it('creates the desired replicas: labelled containers on the stack network, spread over the nodes', async () => {
    const h = await start(web(3));
    await waitFor('3 running', () => runningOf(h).length === 3);
    const pods = runningOf(h);
    assert.equal(new Set(pods.map((c) => c.labels['dev.flotilla.replica'])).size, 3);
    assert.deepEqual(new Set(pods.map((c) => c.labels['dev.flotilla.node'])), new Set(['node-1', 'node-2']));
    for (const c of pods) {
      assert.equal(c.labels['dev.flotilla.stack'], h.stack.name);
      assert.equal(c.network, `flotilla_${h.stack.name}`);
    }
    await h.ctl.idle();
    const st = h.ctl.status();
    assert.equal(st.deployments[0].ready, 3, 'no readiness probe: running is Ready');
    assert.equal(st.services[0].endpoints.length, 3);
  });

  it('scales down by stopping, then removing, the surplus replicas', async () => {
    const h = await start(web(3));
    await waitFor('3 running', () => runningOf(h).length === 3);
    h.ctl.scale('web', 1);
    await waitFor('1 left', () => h.docker.containers.size === 1);
    const removed = h.docker.calls.filter((c) => c.startsWith('remove ')).map((c) => c.slice(7));
    assert.equal(removed.length, 2);
    for (const name of removed) {
      assert.ok(
        h.docker.calls.indexOf(`stop ${name}`) < h.docker.calls.indexOf(`remove ${name}`),
        `${name} stopped before it was removed`,
      );
    }
    assert.equal(h.events.filter((e) => e.reason === 'Killing').length, 2);
  });

  it('restarts an exited replica in place: at once the first time, after a backoff the next', async () => {
    const h = await start(web(1));
    await waitFor('running', () => runningOf(h).length === 1);
    const [c] = runningOf(h);
    h.docker.exit(c.id, 3);
    await waitFor('restarted', () => h.events.filter((e) => e.reason === 'Started').length === 1);
    await waitFor('running again', () => runningOf(h).length === 1);
    assert.ok(!h.events.some((e) => e.reason === 'BackOff'), 'the kubelet restarts a first crash at once');
    h.docker.exit(c.id, 4);
    await waitFor('backoff', () => h.events.some((e) => e.reason === 'BackOff' && /exit code 4/.test(e.message)));
    await waitFor('restarted again', () => h.events.filter((e) => e.reason === 'Started').length === 2);
    await waitFor('running again', () => runningOf(h).length === 1);
    assert.equal(runningOf(h)[0].id, c.id, 'the same container, started again');
    assert.equal(h.docker.containers.size, 1, 'not replaced');
    await h.ctl.idle();
    assert.equal(h.ctl.status().deployments[0].replicas[0].restarts, 2);
  });

  it('replaces a replica an earlier controller created but never started', async () => {
    let orphan = '';
    const docker = new FakeDocker();
    const h = await start(web(1), docker, async (stack) => {
      const d = stack.deployments[0];
      const ctx = { stack, imageIds: {} };
      const hash = podTemplateHash(ctx, d);
      const [opts] = containerOptions(ctx, d, { replica: `web-${hash}-zzzzz`, node: 'node-1', hash, createdAt: 1 });
      orphan = (await docker.createContainer(opts)).id;
    });
    await waitFor('orphan removed', () => !h.docker.containers.has(orphan));
    await waitFor('a started replacement', () => h.docker.running().length === 1);
    assert.ok(h.docker.calls.some((c) => c.startsWith('remove ') && c.endsWith('-zzzzz')));
    assert.ok(h.events.some((e) => /never started/.test(e.message)));
  });

  it('terminates the replicas of a deployment removed from the manifests', async () => {
    const h = await start(manifests(web(1), deployment('api', { replicas: 2, shell: 'sleep 3600' })));
    await waitFor('3 running', () => h.docker.running().length === 3);
    h.ctl.apply(h.load(web(1)), {}, NODES);
    await waitFor('api gone', () => runningOf(h, 'api').length === 0 && h.docker.containers.size === 1);
    assert.equal(runningOf(h).length, 1, 'web untouched');
  });

  it('reports a failed create and retries it with backoff until it succeeds', async () => {
    const docker = new FakeDocker();
    docker.failNext('create', new Error('no space left on device'));
    docker.failNext('create', new Error('no space left on device'));
    const h = await start(web(1), docker);
    await waitFor('running', () => runningOf(h).length === 1);
    const errors = h.events.filter((e) => e.reason === 'ReconcileError');
    assert.equal(errors.length, 2);
    assert.equal(errors[0].object, 'deployment/web');
    assert.match(errors[0].message, /no space left on device/);
  });

  it('reports a failed graceful stop on the replica and retries it', async () => {
    const h = await start(web(1));
    await waitFor('running', () => runningOf(h).length === 1);
    h.docker.failNext('stop', Object.assign(new Error('engine hiccup'), { statusCode: 500 }));
    h.ctl.scale('web', 0);
    await waitFor('removed', () => h.docker.containers.size === 0);
    const failed = h.events.find((e) => e.reason === 'FailedKillPod');
    assert.ok(failed, 'the failure is an event, not a lost promise');
    assert.match(failed.object, /^replica\/web-/);
    assert.match(failed.message, /engine hiccup/);
  });

  it('stop() waits for a create in flight, cancels the rest of the pod, and leaves nothing half-made', async () => {
    const docker = new FakeDocker();
    const release = docker.hold('create');
    const h = await start(web(2, { sidecars: [{ shell: 'sleep 3600' }] }), docker);
    await waitFor('creates in flight', () => docker.calls.filter((c) => c.startsWith('create ')).length === 2);
    let stopped = false;
    const stopping = h.ctl.stop(false).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(stopped, false, 'stop waits for the creates in flight');
    release();
    await stopping;
    current = undefined;
    assert.equal(docker.containers.size, 0, 'the first containers were removed when the sidecars were cancelled');
    assert.equal(docker.calls.filter((c) => c.startsWith('create ')).length, 2, 'no sidecar was created after stop');
    assert.deepEqual(
      h.events.filter((e) => e.type === 'Warning'),
      [],
      'cancellation is not an error',
    );
    await downStack(docker, h.stack.name, () => 0);
    assert.equal(docker.networks.size, 0);
  });

  it('rolls a changed template: every replica ends on the new hash, the count kept', async () => {
    const h = await start(web(2));
    await waitFor('2 running', () => runningOf(h).length === 2);
    const oldHash = runningOf(h)[0].labels['dev.flotilla.pod-template-hash'];
    h.ctl.apply(h.load(web(2, { env: { COLOUR: 'blue' } })), {}, NODES);
    await waitFor(
      'rolled',
      () =>
        h.docker.containers.size === 2 &&
        runningOf(h).length === 2 &&
        runningOf(h).every((c) => c.labels['dev.flotilla.pod-template-hash'] !== oldHash),
    );
    assert.ok(runningOf(h).every((c) => c.options.Env?.includes('COLOUR=blue')));
  });

  it('a replica with a readiness probe is Ready only once the probe says so, and leaves the endpoints when not', async () => {
    const probe = { httpGet: { path: '/', port: 8080 } };
    const h = await start(web(1, { readinessProbe: probe }));
    await waitFor('running', () => runningOf(h).length === 1);
    await h.ctl.idle();
    const replica = runningOf(h)[0].labels['dev.flotilla.replica'];
    assert.equal(h.ctl.status().deployments[0].ready, 0);
    h.ctl.onReadiness(replica, true);
    assert.equal(h.ctl.status().deployments[0].ready, 1);
    assert.equal(h.ctl.status().services[0].endpoints.filter((e) => e.ready).length, 1);
    h.ctl.onReadiness(replica, false);
    assert.equal(h.ctl.status().deployments[0].ready, 0);
  });

  it('keeps replicas that fit nowhere Pending, with the scheduler reason', async () => {
    const h = await start(web(3, { requests: { cpu: '600m' } }));
    await waitFor('2 running', () => runningOf(h).length === 2);
    await waitFor('FailedScheduling', () => h.events.some((e) => e.reason === 'FailedScheduling'));
    await h.ctl.idle();
    const st = h.ctl.status();
    assert.equal(st.pending.length, 1);
    assert.match(st.pending[0].reason, /Insufficient cpu/);
  });
});
