// Each workload kind on the real Docker engine: StatefulSet ordinals created in
// OrderedReady order with stable hostnames, DaemonSet pods on the matching
// virtual nodes, Jobs to completion and to failure past backoffLimit (Never
// and OnFailure), a CronJob firing on its schedule (the controller's clock set
// just before a whole minute), and a bare Pod started once.
import assert from 'node:assert/strict';
import type { EngineEvent, JobStatus } from '../../extension/engine/api/protocol';
import { dockerExec } from '../../extension/engine/health/checks';
import { systemClock, type Clock } from '../../extension/engine/util/clock';
import { ensureBusyboxImage } from '../support/base-images';
import { manifests, workload } from '../support/manifests';
import {
  docker,
  removeStack,
  stackContainers,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeFiles,
  writeStack,
  type Running,
} from '../support/stack-fixture';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StackError } from '../../extension/engine/model/problems';
import { reloadStack } from '../../extension/engine/runner';

describe('workload kinds (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;
  const events: EngineEvent[] = [];

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-kinds');
    events.length = 0;
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
  });

  async function up(yaml: string, extra = '', opts: { clock?: Clock } = {}): Promise<Running> {
    run = await startStack(writeStack({ 'flotilla.yaml': stackFile(name, extra), 'k8s/app.yaml': yaml }), opts);
    run.ctl.on('event', (e) => events.push(e));
    return run;
  }

  async function containers(workloadName: string) {
    return (await stackContainers(name)).filter((c) => c.Labels['dev.flotilla.deployment'] === workloadName);
  }

  const job = (r: Running, n: string): JobStatus | undefined => r.ctl.status().jobs?.find((j) => j.name === n);

  it('StatefulSet: OrderedReady makes db-0, db-1, db-2 in order, each Ready before the next, with stable hostnames', async () => {
    const r = await up(
      workload('db', {
        kind: 'StatefulSet',
        replicas: 3,
        shell: 'mkdir -p /tmp; sleep 1; touch /tmp/ready; exec sleep 3600',
        readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
        spec: { serviceName: 'db' },
      }),
    );
    await waitFor('3 Ready', () => r.ctl.status().deployments[0]?.ready === 3, 60_000);
    const order = events
      .filter((e) => e.reason === 'Scheduled' || e.reason === 'Ready')
      .map((e) => `${e.reason} ${e.object}`);
    assert.deepEqual(order, [
      'Scheduled replica/db-0',
      'Ready replica/db-0',
      'Scheduled replica/db-1',
      'Ready replica/db-1',
      'Scheduled replica/db-2',
      'Ready replica/db-2',
    ]);
    const db1 = (await containers('db')).find((c) => c.Labels['dev.flotilla.replica'] === 'db-1')!;
    assert.equal(db1.Names[0], `/${name}_db-1`);
    const hostname = await dockerExec(docker, db1.Id, ['hostname'], 10_000);
    assert.equal(hostname.output.trim(), 'db-1');
    const inspected = await docker.getContainer(db1.Id).inspect();
    assert.equal(inspected.Config.Domainname, 'db.default.svc.cluster.local');
    const st = r.ctl.status().deployments[0];
    assert.equal(st.kind, 'StatefulSet');
    assert.deepEqual(
      st.replicas.map((x) => x.name),
      ['db-0', 'db-1', 'db-2'],
    );
  });

  it('DaemonSet: one pod on each node its nodeSelector matches', async () => {
    const nodes = `nodes:
  - {name: node-a, cpu: "1", memory: 1Gi, labels: {disk: ssd}}
  - {name: node-b, cpu: "1", memory: 1Gi, labels: {disk: hdd}}
  - {name: node-c, cpu: "1", memory: 1Gi, labels: {disk: ssd}}
`;
    const r = await up(
      workload('agent', { kind: 'DaemonSet', shell: 'exec sleep 3600', pod: { nodeSelector: { disk: 'ssd' } } }),
      nodes,
    );
    await waitFor(
      '2 running',
      async () => (await containers('agent')).filter((c) => c.State === 'running').length === 2,
    );
    assert.deepEqual((await containers('agent')).map((c) => c.Labels['dev.flotilla.node']).sort(), [
      'node-a',
      'node-c',
    ]);
    await r.ctl.idle();
    const st = r.ctl.status().deployments[0];
    assert.deepEqual([st.kind, st.desired], ['DaemonSet', 2]);
  });

  it('Job: completions and parallelism run to Complete; completed pods stay', async () => {
    const r = await up(
      workload('batch', {
        kind: 'Job',
        shell: 'sleep 0.3',
        pod: { restartPolicy: 'Never' },
        spec: { completions: 3, parallelism: 2 },
      }),
    );
    let most = 0;
    await waitFor(
      'Complete',
      async () => {
        most = Math.max(most, (await containers('batch')).filter((c) => c.State === 'running').length);
        return job(r, 'batch')?.condition === 'Complete';
      },
      60_000,
    );
    const js = job(r, 'batch')!;
    assert.deepEqual([js.succeeded, js.failed, js.active], [3, 0, 0]);
    assert.ok(most <= 2, `never more than parallelism pods running (saw ${most})`);
    const pods = await containers('batch');
    assert.equal(pods.length, 3, 'the completed pods stay');
    assert.ok(pods.every((c) => c.State === 'exited'));
    assert.ok(js.replicas.every((x) => x.state === 'Completed'));
  });

  it("a completed Job's pod frees its node's CPU for a Deployment, as a Succeeded pod does", async () => {
    const cpu = { requests: { cpu: '600m' } };
    const migrate = workload('migrate', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Never' }, ...cpu });
    const r = await up(migrate, 'nodes:\n  - {name: small, cpu: "1", memory: 1Gi}\n');
    await waitFor('Complete', () => job(r, 'migrate')?.condition === 'Complete', 60_000);
    fs.writeFileSync(
      path.join(r.dir, 'k8s/app.yaml'),
      manifests(migrate, workload('web', { shell: 'sleep 3600', ...cpu })),
    );
    await reloadStack(r.ctl);
    await waitFor(
      'web running on the node the Job used',
      async () => (await containers('web')).some((c) => c.State === 'running'),
      30_000,
    );
    assert.deepEqual(r.ctl.status().pending, []);
    assert.equal((await containers('migrate')).length, 1, 'the completed pod stays, for its logs');
  });

  it('Job: restartPolicy Never fails past backoffLimit with one failed pod per attempt', async () => {
    const r = await up(
      workload('flaky', { kind: 'Job', shell: 'exit 3', pod: { restartPolicy: 'Never' }, spec: { backoffLimit: 1 } }),
    );
    await waitFor('Failed', () => job(r, 'flaky')?.condition === 'Failed', 60_000);
    const js = job(r, 'flaky')!;
    assert.equal(js.reason, 'BackoffLimitExceeded');
    assert.equal(js.failed, 2);
    assert.equal((await containers('flaky')).length, 2, 'each attempt was a new pod, and both stay');
  });

  it('Job: restartPolicy OnFailure restarts the pod in place, counting each restart against backoffLimit', async () => {
    const r = await up(
      workload('retry', {
        kind: 'Job',
        shell: 'exit 4',
        pod: { restartPolicy: 'OnFailure' },
        spec: { backoffLimit: 2 },
      }),
    );
    await waitFor('Failed', () => job(r, 'retry')?.condition === 'Failed', 60_000);
    assert.equal((await containers('retry')).length <= 1, true, 'one pod, restarted in place');
    assert.ok(events.some((e) => e.reason === 'BackoffLimitExceeded' && e.object === 'job/retry'));
    assert.ok((job(r, 'retry')?.failed ?? 0) >= 3);
  });

  it('CronJob: a run starts at the scheduled minute and completes', async () => {
    // The controller's clock reads 1.5 s before a whole minute, so the every-minute schedule fires at once.
    const offset = Math.ceil(Date.now() / 60_000) * 60_000 - Date.now() - 1500;
    const clock: Clock = { now: () => Date.now() + offset, after: systemClock.after };
    const yaml = `apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: tick, image: flotilla.local/busybox:1, command: ["true"]}]
`;
    const r = await up(yaml, '', { clock });
    const cron = () => r.ctl.status().jobs?.find((j) => j.kind === 'CronJob');
    assert.equal(cron()?.schedule, '* * * * *');
    await waitFor('a run', () => cron()?.jobs?.length === 1, 30_000);
    const runName = cron()!.jobs![0];
    assert.match(runName, /^tick-\d+$/);
    await waitFor('the run completes', () => job(r, runName)?.condition === 'Complete', 30_000);
    assert.equal(job(r, runName)?.cronJob, 'tick');
    assert.equal(cron()?.succeeded, 1);
    const pods = await containers(runName);
    assert.equal(pods[0].Labels['dev.flotilla.cronjob'], 'tick');
  });

  it('a bare Pod runs once to completion and is not started again, nor re-created once deleted', async () => {
    const r = await up(workload('once', { kind: 'Pod', shell: 'echo hi', pod: { restartPolicy: 'Never' } }));
    await waitFor('Completed', () => r.ctl.status().deployments[0]?.replicas[0]?.state === 'Completed', 30_000);
    const [c] = await containers('once');
    assert.equal(c.Names[0], `/${name}_once`);
    await docker.getContainer(c.Id).remove({ force: true });
    await waitFor('gone', async () => (await containers('once')).length === 0);
    r.ctl.enqueueAll();
    await r.ctl.idle();
    assert.equal((await containers('once')).length, 0);
  });

  it('bad input (claim without storage, negative backoffLimit, a schedule that does not parse) is refused at its line and changes nothing that runs', async () => {
    const r = await up(workload('web', { replicas: 1, shell: 'exec sleep 3600' }));
    await waitFor('running', async () => (await containers('web')).some((c) => c.State === 'running'));
    await r.ctl.idle();
    const before = (await stackContainers(name)).map((c) => c.Id).sort();
    const bad: [string, string, RegExp][] = [
      [
        'claim.yaml',
        workload('db', {
          kind: 'StatefulSet',
          shell: 'sleep 1',
          spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] },
        }),
        /claim\.yaml:\d+:\d+ .*claim template "data" needs resources\.requests\.storage/,
      ],
      [
        'job.yaml',
        workload('j', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Never' }, spec: { backoffLimit: -1 } }),
        /job\.yaml:\d+:\d+ .*spec\.backoffLimit: must be at least 0/,
      ],
      [
        'cron.yaml',
        [
          'apiVersion: batch/v1',
          'kind: CronJob',
          'metadata: {name: c}',
          'spec:',
          '  schedule: "every minute"',
          '  jobTemplate:',
          '    spec:',
          '      template:',
          '        spec:',
          '          restartPolicy: Never',
          '          containers: [{name: c, image: flotilla.local/busybox:1}]',
          '',
        ].join('\n'),
        /cron\.yaml:\d+:\d+ .*spec\.schedule: schedule "every minute" has 2 field\(s\)/,
      ],
    ];
    for (const [file, yaml, want] of bad) {
      writeFiles(r.dir, { [`k8s/${file}`]: yaml });
      await assert.rejects(reloadStack(r.ctl), (e: unknown) => e instanceof StackError && want.test(e.message));
      fs.rmSync(path.join(r.dir, 'k8s', file));
    }
    await r.ctl.idle();
    assert.deepEqual((await stackContainers(name)).map((c) => c.Id).sort(), before, 'nothing that runs changed');
  });

  it('status keeps every long-running kind in deployments and Jobs in jobs', async () => {
    const r = await up(
      manifests(
        workload('web', { replicas: 1, shell: 'exec sleep 3600' }),
        workload('rs', { kind: 'ReplicaSet', replicas: 2, shell: 'exec sleep 3600' }),
        workload('once', { kind: 'Pod', shell: 'exec sleep 3600' }),
        workload('migrate', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Never' } }),
      ),
    );
    await waitFor('Complete', () => job(r, 'migrate')?.condition === 'Complete', 60_000);
    await waitFor(
      '4 running',
      async () => (await stackContainers(name)).filter((c) => c.State === 'running').length === 4,
    );
    await r.ctl.idle();
    const st = r.ctl.status();
    assert.deepEqual(
      st.deployments.map((d) => [d.name, d.kind]),
      [
        ['web', 'Deployment'],
        ['rs', 'ReplicaSet'],
        ['once', 'Pod'],
      ],
    );
    assert.deepEqual(
      st.jobs?.map((j) => [j.name, j.kind, j.succeeded]),
      [['migrate', 'Job', 1]],
    );
  });
});
