// The controller running each workload kind against the in-memory Docker
// engine: StatefulSet ordinals and stable hostnames in OrderedReady order,
// DaemonSet placement per node, ReplicaSet counts without rollouts, a bare Pod
// started once, Jobs to completion or failure (kept across a controller
// restart), CronJob runs on a fake clock, the intents each kind takes, and the
// status contract (`kind`, `jobs`). The same kinds run against the real engine
// in test/integration/workloads.test.ts.
import assert from 'node:assert/strict';
import type { EngineEvent } from '../../extension/engine/api/protocol';
import { StackController } from '../../extension/engine/controller/controller';
import { loadStackOrThrow } from '../../extension/engine/model/load-stack';
import type { NodeSpec, StackSpec } from '../../extension/engine/model/types';
import type { Clock } from '../../extension/engine/util/clock';
import { FakeClock } from '../support/fake-clock';
import { FakeDocker, type FakeContainer } from '../support/fake-docker';
import { manifests, workload } from '../support/manifests';
import { stackFile, uniqueName, waitFor, writeFiles, writeStack } from '../support/stack-fixture';

const NODES: NodeSpec[] = [
  { name: 'node-a', cpuMilli: 2000, memoryBytes: 1 << 30, labels: { disk: 'ssd' }, unschedulable: false },
  { name: 'node-b', cpuMilli: 2000, memoryBytes: 1 << 30, labels: { disk: 'hdd' }, unschedulable: false },
  { name: 'node-c', cpuMilli: 2000, memoryBytes: 1 << 30, labels: { disk: 'ssd' }, unschedulable: true },
];

interface Harness {
  ctl: StackController<FakeDocker>;
  docker: FakeDocker;
  events: EngineEvent[];
  dir: string;
  stack: StackSpec;
  restart(): Promise<Harness>;
}

const running: StackController<FakeDocker>[] = [];

async function start(yaml: string, o: { docker?: FakeDocker; clock?: Clock; dir?: string } = {}): Promise<Harness> {
  const dir = o.dir ?? writeStack({ 'flotilla.yaml': stackFile(uniqueName('u-kind')), 'k8s/app.yaml': yaml });
  if (o.dir) writeFiles(dir, { 'k8s/app.yaml': yaml });
  const stack = loadStackOrThrow(dir);
  const docker = o.docker ?? new FakeDocker();
  const ctl = new StackController({
    docker,
    stack,
    nodes: NODES,
    clock: o.clock,
    rateLimits: { baseDelayMs: 10, maxDelayMs: 100 },
  });
  const events: EngineEvent[] = [];
  ctl.on('event', (e) => events.push(e));
  await ctl.start();
  running.push(ctl);
  return {
    ctl,
    docker,
    events,
    dir,
    stack,
    async restart() {
      await ctl.stop(false);
      return start(yaml, { docker, clock: o.clock, dir });
    },
  };
}

const of = (h: Harness, workload: string): FakeContainer[] =>
  [...h.docker.containers.values()].filter((c) => c.labels['dev.flotilla.deployment'] === workload);
const names = (cs: FakeContainer[]) => cs.map((c) => c.labels['dev.flotilla.replica']).sort();
const runningOf = (h: Harness, w: string) => of(h, w).filter((c) => c.state === 'running');

const PROBE = { exec: { command: ['true'] }, periodSeconds: 1 };

describe('workload kinds in the controller (in-memory Docker)', function () {
  this.timeout(20_000);

  afterEach(async () => {
    for (const c of running.splice(0)) await c.stop(false);
  });

  it('StatefulSet, OrderedReady: db-0, db-1, db-2 one at a time, each Ready first, with stable hostnames', async () => {
    const h = await start(
      workload('db', {
        kind: 'StatefulSet',
        replicas: 3,
        shell: 'sleep 3600',
        readinessProbe: PROBE,
        spec: { serviceName: 'db' },
      }),
    );
    for (const [i, want] of [['db-0'], ['db-0', 'db-1'], ['db-0', 'db-1', 'db-2']].entries()) {
      await waitFor(`${want.join(',')} running`, () => names(runningOf(h, 'db')).join() === want.join());
      await h.ctl.idle();
      assert.deepEqual(names(of(h, 'db')), want, `no ordinal beyond db-${i} before db-${i} is Ready`);
      h.ctl.onReadiness(`db-${i}`, true);
    }
    const db1 = of(h, 'db').find((c) => c.labels['dev.flotilla.replica'] === 'db-1')!;
    assert.equal(db1.options.Hostname, 'db-1');
    // The domain is set by the cluster network (the real engine's test checks it): here, the subdomain.
    assert.equal(h.stack.deployments[0].template.subdomain, 'db');
    assert.equal(db1.name, `${h.stack.name}_db-1`);
    assert.equal(db1.labels['dev.flotilla.kind'], 'StatefulSet');
    await h.ctl.idle();
    const st = h.ctl.status().deployments[0];
    assert.equal(st.kind, 'StatefulSet');
    assert.deepEqual(
      st.replicas.map((r) => r.name),
      ['db-0', 'db-1', 'db-2'],
    );
    assert.equal(st.rollout?.state, 'Complete');

    h.ctl.scale('db', 1);
    await waitFor('db-1 and db-2 gone', () => names(of(h, 'db')).join() === 'db-0');
    const removed = h.docker.calls.filter((c) => c.startsWith('remove ')).map((c) => c.split('_').pop());
    const index = (verb: string, pod: string) => h.docker.calls.indexOf(`${verb} ${h.stack.name}_${pod}`);
    assert.ok(index('stop', 'db-1') > index('remove', 'db-2'), 'db-1 is stopped only once db-2 is gone');
    assert.deepEqual(removed, ['db-2', 'db-1'], 'highest ordinal first');
  });

  it('StatefulSet, Parallel: every ordinal at once', async () => {
    const h = await start(
      workload('db', {
        kind: 'StatefulSet',
        replicas: 3,
        shell: 'sleep 3600',
        spec: { podManagementPolicy: 'Parallel' },
      }),
    );
    await waitFor('3 running', () => runningOf(h, 'db').length === 3);
    assert.deepEqual(names(of(h, 'db')), ['db-0', 'db-1', 'db-2']);
  });

  it('a killed StatefulSet pod comes back with the same name, as a new pod: its restarts start again at 0', async () => {
    const h = await start(workload('db', { kind: 'StatefulSet', replicas: 2, shell: 'sleep 3600' }));
    await waitFor('2 running', () => runningOf(h, 'db').length === 2);
    const db0 = () => of(h, 'db').find((c) => c.labels['dev.flotilla.replica'] === 'db-0')!;
    const restarts = () => h.ctl.status().deployments[0].replicas.find((r) => r.name === 'db-0')?.restarts;
    h.docker.exit(db0().id, 1);
    await waitFor('db-0 restarted in place', () => restarts() === 1 && db0().state === 'running');
    await h.docker.getContainer(db0().id).remove({ force: true });
    await waitFor('db-0 again', () => names(runningOf(h, 'db')).join() === 'db-0,db-1');
    await h.ctl.idle();
    assert.equal(restarts(), 0, 'a new pod under the old name has not restarted');
  });

  it('DaemonSet: one pod per node its nodeSelector matches, unschedulable nodes included; no scale', async () => {
    const h = await start(
      workload('agent', { kind: 'DaemonSet', shell: 'sleep 3600', pod: { nodeSelector: { disk: 'ssd' } } }),
    );
    await waitFor('2 running', () => runningOf(h, 'agent').length === 2);
    assert.deepEqual(
      of(h, 'agent')
        .map((c) => c.labels['dev.flotilla.node'])
        .sort(),
      ['node-a', 'node-c'],
    );
    await h.ctl.idle();
    assert.equal(h.ctl.status().deployments[0].desired, 2);
    assert.throws(
      () => h.ctl.scale('agent', 3),
      /DaemonSet "agent" cannot be scaled: it runs one pod per matching node/,
    );
    assert.match(h.ctl.restart('agent'), /daemonset\/agent restarting/);
  });

  it('ReplicaSet: kept at its count; a changed template does not replace running pods', async () => {
    const yaml = (colour: string) =>
      workload('rs', { kind: 'ReplicaSet', replicas: 2, shell: 'sleep 3600', env: { COLOUR: colour } });
    const h = await start(yaml('blue'));
    await waitFor('2 running', () => runningOf(h, 'rs').length === 2);
    const before = names(of(h, 'rs'));
    writeFiles(h.dir, { 'k8s/app.yaml': yaml('green') });
    h.ctl.apply(loadStackOrThrow(h.dir), {}, NODES);
    h.ctl.scale('rs', 3);
    await waitFor('3 running', () => runningOf(h, 'rs').length === 3);
    const now = names(of(h, 'rs'));
    assert.ok(
      before.every((b) => now.includes(b)),
      'the old pods stay',
    );
    const added = of(h, 'rs').find((c) => !before.includes(c.labels['dev.flotilla.replica']))!;
    assert.ok(added.options.Env?.includes('COLOUR=green'), 'a new pod gets the new template');
    assert.throws(() => h.ctl.restart('rs'), /ReplicaSet "rs" cannot be restarted/);
  });

  it('a bare Pod starts once, is not restarted past restartPolicy Never, and not re-created when deleted', async () => {
    const h = await start(workload('once', { kind: 'Pod', shell: 'echo hi', pod: { restartPolicy: 'Never' } }));
    await waitFor('running', () => runningOf(h, 'once').length === 1);
    const [c] = of(h, 'once');
    assert.equal(c.name, `${h.stack.name}_once`);
    h.docker.exit(c.id, 0);
    await waitFor('Completed', () => h.ctl.status().deployments[0].replicas[0]?.state === 'Completed');
    await h.ctl.idle();
    assert.equal(h.docker.calls.filter((x) => x.startsWith('start ')).length, 1, 'not started again');
    await h.docker.getContainer(c.id).remove({ force: true });
    await h.ctl.idle();
    h.ctl.enqueueAll();
    await h.ctl.idle();
    assert.equal(of(h, 'once').length, 0, 'a deleted Pod is gone, as in a cluster');
    assert.throws(() => h.ctl.scale('once', 2), /Pod "once" cannot be scaled/);
  });

  it('a Job runs its completions, parallelism at a time, and completes; its pods stay Completed', async () => {
    const h = await start(
      workload('batch', {
        kind: 'Job',
        shell: 'true',
        pod: { restartPolicy: 'Never' },
        spec: { completions: 3, parallelism: 2 },
      }),
    );
    for (let done = 0; done < 3; done++) {
      await waitFor(`pod ${done + 1} running`, () => runningOf(h, 'batch').length >= 1);
      assert.ok(runningOf(h, 'batch').length <= 2, 'never more than parallelism');
      h.docker.exit(runningOf(h, 'batch')[0].id, 0);
    }
    await waitFor('Complete', () => h.ctl.status().jobs?.[0]?.condition === 'Complete');
    const js = h.ctl.status().jobs![0];
    assert.deepEqual([js.kind, js.succeeded, js.failed, js.active], ['Job', 3, 0, 0]);
    assert.equal(of(h, 'batch').length, 3, 'completed pods stay');
    assert.ok(js.replicas.every((r) => r.state === 'Completed'));
    assert.ok(h.events.some((e) => e.reason === 'Completed' && e.object === 'job/batch'));
    assert.ok(!h.events.some((e) => e.reason === 'Exited'), 'a pod that did its work is no warning');
    assert.equal(h.events.filter((e) => e.reason === 'Completed' && e.object.startsWith('replica/')).length, 3);
    assert.equal(h.ctl.status().deployments.length, 0, 'a Job is not a long-running workload');
  });

  it('a Job fails once failures pass backoffLimit, and stays failed across a controller restart', async () => {
    const yaml = workload('flaky', {
      kind: 'Job',
      shell: 'exit 1',
      pod: { restartPolicy: 'Never' },
      spec: { backoffLimit: 1 },
    });
    let h = await start(yaml);
    for (let i = 1; i <= 2; i++) {
      await waitFor(`attempt ${i}`, () => runningOf(h, 'flaky').length === 1 && of(h, 'flaky').length === i);
      h.docker.exit(runningOf(h, 'flaky')[0].id, 1);
    }
    await waitFor('Failed', () => h.ctl.status().jobs?.[0]?.condition === 'Failed');
    const js = h.ctl.status().jobs![0];
    assert.equal(js.reason, 'BackoffLimitExceeded');
    assert.equal(js.failed, 2);
    assert.equal(of(h, 'flaky').length, 2, 'failed pods stay, as in a cluster');
    h = await h.restart();
    await h.ctl.idle();
    assert.equal(of(h, 'flaky').length, 2, 'no new attempt after the restart');
    assert.equal(h.ctl.status().jobs?.[0]?.condition, 'Failed');
  });

  it('a CronJob makes a Job at each scheduled minute; Forbid skips while one runs', async () => {
    const clock = new FakeClock(Date.parse('2026-03-01T10:00:30Z'));
    const yaml = `apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: tick, image: flotilla.local/busybox:1, command: ["sleep", "3600"]}]
`;
    const h = await start(yaml, { clock });
    await h.ctl.idle();
    assert.equal(h.docker.containers.size, 0, 'nothing before the first scheduled minute');
    clock.advance(30_000);
    const run1 = `tick-${Date.parse('2026-03-01T10:01:00Z') / 60_000}`;
    await waitFor('the first run', () => of(h, run1).some((c) => c.state === 'running'));
    assert.equal(of(h, run1)[0].labels['dev.flotilla.cronjob'], 'tick');
    clock.advance(60_000);
    await h.ctl.idle();
    await waitFor('JobAlreadyActive', () => h.events.some((e) => e.reason === 'JobAlreadyActive'));
    assert.equal(h.docker.containers.size, 1, 'Forbid: no second run while the first is active');
    h.docker.exit(of(h, run1)[0].id, 0);
    const run2 = `tick-${Date.parse('2026-03-01T10:02:00Z') / 60_000}`;
    await waitFor('the missed run starts once the first ends', () => of(h, run2).length === 1);
    await h.ctl.idle();
    const cron = h.ctl.status().jobs?.find((j) => j.kind === 'CronJob');
    assert.equal(cron?.name, 'tick');
    assert.deepEqual(cron?.jobs, [run1, run2]);
    assert.equal(cron?.lastScheduleTime, '2026-03-01T10:02:00.000Z');
    assert.equal(cron?.active, 1);
    assert.equal(cron?.succeeded, 1);
  });

  it('status lists every long-running kind in deployments with its kind', async () => {
    const h = await start(
      manifests(
        workload('web', { replicas: 1, shell: 'sleep 3600' }),
        workload('db', { kind: 'StatefulSet', replicas: 1, shell: 'sleep 3600' }),
        workload('agent', { kind: 'DaemonSet', shell: 'sleep 3600' }),
        workload('rs', { kind: 'ReplicaSet', replicas: 1, shell: 'sleep 3600' }),
        workload('once', { kind: 'Pod', shell: 'sleep 3600' }),
      ),
    );
    await waitFor('all running', () => h.docker.running().length === 7);
    await h.ctl.idle();
    assert.deepEqual(
      h.ctl.status().deployments.map((d) => [d.name, d.kind, d.desired]),
      [
        ['web', 'Deployment', 1],
        ['db', 'StatefulSet', 1],
        ['agent', 'DaemonSet', 3],
        ['rs', 'ReplicaSet', 1],
        ['once', 'Pod', 1],
      ],
    );
    assert.deepEqual(h.ctl.status().jobs, []);
  });
});
