// The pure planners of the workload kinds, step by step as the Kubernetes
// controllers take them: StatefulSet ordinals (OrderedReady and Parallel,
// rolling update from the highest ordinal down to the partition, OnDelete),
// DaemonSet one-per-node with maxUnavailable, Job completions, parallelism,
// backoffLimit, deadlines and TTL, and CronJob runs with their concurrency
// policies and history limits.
import assert from 'node:assert/strict';
import { planCronJob, runName, type CronRecord, type RunState } from '../../extension/engine/controller/cron-job';
import { planDaemonSet, type NodePod } from '../../extension/engine/controller/daemon-set';
import { jobCounts, planJob, type JobInput, type JobPod } from '../../extension/engine/controller/job';
import { ordinalOf, planStatefulSet, type OrdinalPod } from '../../extension/engine/controller/stateful-set';
import { parseCron, type CronSchedule } from '../../extension/engine/model/cron';
import type { NodeSpec, StatefulSetFields } from '../../extension/engine/model/types';

const H = 'new';
const pod = (ordinal: number, o: Partial<OrdinalPod> = {}): OrdinalPod => ({
  replica: `db-${ordinal}`,
  ordinal,
  hash: H,
  running: true,
  ready: true,
  terminating: false,
  ...o,
});
const sts = (
  replicas: number,
  pods: OrdinalPod[],
  fields: Partial<Pick<StatefulSetFields, 'podManagementPolicy' | 'updateStrategy' | 'partition'>> = {},
) =>
  planStatefulSet({
    name: 'db',
    replicas,
    currentHash: H,
    pods,
    fields: { podManagementPolicy: 'OrderedReady', updateStrategy: 'RollingUpdate', partition: 0, ...fields },
  });

describe('StatefulSet planner', () => {
  it('names pods by ordinal', () => {
    assert.equal(ordinalOf('db', 'db-0'), 0);
    assert.equal(ordinalOf('db', 'db-12'), 12);
    assert.equal(ordinalOf('db', 'db-01'), undefined);
    assert.equal(ordinalOf('db', 'db-x'), undefined);
    assert.equal(ordinalOf('db', 'dbx-1'), undefined);
  });

  it('OrderedReady creates one ordinal at a time, each only once its predecessor is Running and Ready', () => {
    assert.deepEqual(sts(3, []).create, [0]);
    assert.deepEqual(sts(3, [pod(0, { ready: false })]).create, [], 'db-0 not Ready: wait');
    assert.deepEqual(sts(3, [pod(0, { running: false, ready: false })]).create, [], 'db-0 not running: wait');
    assert.deepEqual(sts(3, [pod(0)]).create, [1]);
    assert.deepEqual(sts(3, [pod(0), pod(1)]).create, [2]);
    assert.deepEqual(sts(3, [pod(0), pod(2)]).create, [1], 'a gap is filled first');
  });

  it('Parallel creates every missing ordinal at once', () => {
    assert.deepEqual(sts(3, [], { podManagementPolicy: 'Parallel' }).create, [0, 1, 2]);
    assert.deepEqual(sts(3, [pod(1, { ready: false })], { podManagementPolicy: 'Parallel' }).create, [0, 2]);
  });

  it('OrderedReady scales down from the highest ordinal, one at a time, once the rest are healthy', () => {
    const three = [pod(0), pod(1), pod(2)];
    assert.deepEqual(
      sts(1, three).remove.map((r) => r.replica),
      ['db-2'],
    );
    assert.deepEqual(
      sts(1, [pod(0), pod(1), pod(2, { terminating: true })]).remove,
      [],
      'db-1 waits until db-2 is gone',
    );
    assert.deepEqual(sts(1, [pod(0, { ready: false }), pod(1), pod(2)]).remove, [], 'db-0 unhealthy: wait');
  });

  it('Parallel scales down every surplus ordinal at once', () => {
    assert.deepEqual(
      sts(1, [pod(0), pod(1), pod(2)], { podManagementPolicy: 'Parallel' })
        .remove.map((r) => r.replica)
        .sort(),
      ['db-1', 'db-2'],
    );
  });

  it('RollingUpdate replaces from the highest ordinal down, one at a time, each once all are Ready', () => {
    const old = (i: number, o: Partial<OrdinalPod> = {}) => pod(i, { hash: 'old', ...o });
    assert.deepEqual(
      sts(3, [old(0), old(1), old(2)]).remove.map((r) => r.replica),
      ['db-2'],
    );
    assert.deepEqual(
      sts(3, [old(0), old(1), pod(2)]).remove.map((r) => r.replica),
      ['db-1'],
    );
    assert.deepEqual(sts(3, [old(0), old(1), pod(2, { ready: false })]).remove, [], 'db-2 not Ready yet: wait');
    assert.deepEqual(sts(3, [old(0), old(1)]).create, [2], 'the replaced ordinal comes back');
    assert.deepEqual(
      sts(3, [old(0), pod(1), pod(2)]).remove.map((r) => r.replica),
      ['db-0'],
    );
    const done = sts(3, [pod(0), pod(1), pod(2)]);
    assert.deepEqual(done.remove, []);
    assert.equal(done.status.state, 'Complete');
  });

  it('a partition keeps the ordinals below it on the old template', () => {
    const old = (i: number) => pod(i, { hash: 'old' });
    assert.deepEqual(
      sts(3, [old(0), old(1), old(2)], { partition: 2 }).remove.map((r) => r.replica),
      ['db-2'],
    );
    const held = sts(3, [old(0), old(1), pod(2)], { partition: 2 });
    assert.deepEqual(held.remove, []);
    assert.equal(held.status.state, 'Complete');
    assert.match(held.status.message ?? '', /partitioned roll out complete: 1 new pods/);
  });

  it('OnDelete never replaces a pod', () => {
    const old = (i: number) => pod(i, { hash: 'old' });
    assert.deepEqual(sts(2, [old(0), old(1)], { updateStrategy: 'OnDelete' }).remove, []);
    assert.deepEqual(sts(2, [old(0)], { updateStrategy: 'OnDelete' }).create, [1], 'a deleted one comes back');
  });
});

const node = (name: string, labels: Record<string, string> = {}, unschedulable = false): NodeSpec => ({
  name,
  cpuMilli: 1000,
  memoryBytes: 1 << 30,
  labels,
  unschedulable,
});
const NODES = [node('a', { disk: 'ssd' }), node('b', { disk: 'hdd' }), node('c', { disk: 'ssd' }, true)];
const dsPod = (n: string, o: Partial<NodePod> = {}): NodePod => ({
  replica: `agent-${n}`,
  node: n,
  hash: H,
  available: true,
  terminating: false,
  createdAt: 1,
  ...o,
});
const ds = (pods: NodePod[], nodeSelector: Record<string, string> = {}, maxUnavailable: number | string = 1) =>
  planDaemonSet({
    name: 'agent',
    fields: { updateStrategy: 'RollingUpdate', maxUnavailable },
    nodeSelector,
    nodes: NODES,
    currentHash: H,
    pods,
  });

describe('DaemonSet planner', () => {
  it('one pod on every node the nodeSelector matches, unschedulable ones included', () => {
    assert.deepEqual(ds([]).create, ['a', 'b', 'c']);
    assert.deepEqual(ds([], { disk: 'ssd' }).create, ['a', 'c']);
    assert.equal(ds([], { disk: 'ssd' }).desired, 2);
    assert.deepEqual(ds([dsPod('a')], { disk: 'ssd' }).create, ['c']);
  });

  it('removes pods on nodes that stopped matching, and a second pod on a node', () => {
    const plan = ds([dsPod('a'), dsPod('b'), dsPod('a', { replica: 'agent-a2', createdAt: 5 })], { disk: 'ssd' });
    assert.deepEqual(plan.remove.map((r) => r.replica).sort(), ['agent-a2', 'agent-b']);
  });

  it('a rolling update replaces at most maxUnavailable pods at a time, not-available old pods first', () => {
    const old = (n: string, o: Partial<NodePod> = {}) => dsPod(n, { hash: 'old', ...o });
    assert.deepEqual(
      ds([old('a'), old('b'), old('c')]).remove.map((r) => r.replica),
      ['agent-a'],
    );
    assert.deepEqual(
      ds([old('a'), old('b'), old('c')], {}, 2).remove.map((r) => r.replica),
      ['agent-a', 'agent-b'],
    );
    assert.deepEqual(
      ds([old('a'), old('b', { available: false }), old('c')]).remove.map((r) => r.replica),
      ['agent-b'],
      'the unavailable one is replaced first, and uses up the budget',
    );
    assert.deepEqual(ds([old('a', { terminating: true }), old('b'), old('c')]).remove, [], 'one node already without');
    assert.deepEqual(ds([old('a', { terminating: true }), old('b'), old('c')]).create, [], 'the replacement waits');
  });

  it('OnDelete keeps old pods', () => {
    const plan = planDaemonSet({
      name: 'agent',
      fields: { updateStrategy: 'OnDelete', maxUnavailable: 1 },
      nodeSelector: {},
      nodes: NODES,
      currentHash: H,
      pods: ['a', 'b', 'c'].map((n) => dsPod(n, { hash: 'old' })),
    });
    assert.deepEqual(plan.remove, []);
  });
});

const jpod = (replica: string, phase: JobPod['phase'], o: Partial<JobPod> = {}): JobPod => ({
  replica,
  phase,
  restarts: 0,
  terminating: false,
  createdAt: 1,
  ...o,
});
function job(o: Partial<Omit<JobInput, 'fields'>> & { fields?: Partial<JobInput['fields']> } = {}) {
  return planJob({
    name: 'j',
    restartPolicy: 'Never',
    currentHash: H,
    rerunOnChange: true,
    pods: [],
    now: 1000,
    backoff: { baseMs: 100, maxMs: 1000 },
    ...o,
    fields: { completions: 1, parallelism: 1, backoffLimit: 6, ...o.fields },
  });
}

describe('Job planner', () => {
  it('runs up to parallelism pods until completions succeed', () => {
    assert.equal(job({ fields: { completions: 5, parallelism: 2 } }).create, 2);
    const p = job({
      fields: { completions: 5, parallelism: 2 },
      pods: [jpod('a', 'succeeded'), jpod('b', 'succeeded'), jpod('c', 'succeeded'), jpod('d', 'active')],
    });
    assert.equal(p.create, 1, 'one more to run alongside d: 5 − 3 succeeded − 1 active');
    const done = job({ fields: { completions: 2 }, pods: [jpod('a', 'succeeded'), jpod('b', 'succeeded')] });
    assert.equal(done.record.condition, 'Complete');
    assert.equal(done.create, 0);
  });

  it('without completions, a work queue: done once one pod succeeded and none runs', () => {
    const p = job({ fields: { completions: undefined, parallelism: 3 } });
    assert.equal(p.create, 3);
    const one = job({
      fields: { completions: undefined, parallelism: 3 },
      pods: [jpod('a', 'succeeded'), jpod('b', 'active')],
    });
    assert.equal(one.create, 0);
    assert.equal(one.record.condition, undefined);
    const all = job({
      fields: { completions: undefined, parallelism: 3 },
      pods: [jpod('a', 'succeeded'), jpod('b', 'succeeded')],
    });
    assert.equal(all.record.condition, 'Complete');
  });

  it('Never: a failed pod stays and a new one replaces it after a doubling back-off', () => {
    const first = job({ pods: [jpod('a', 'failed')] });
    assert.equal(first.create, 0, 'the first replacement waits the base back-off');
    assert.equal(first.requeueAfterMs, 100);
    assert.equal(jobCounts(first.record).failed, 1);
    const later = job({ pods: [jpod('a', 'failed')], record: first.record, now: 1100 });
    assert.equal(later.create, 1);
    const second = job({ pods: [jpod('a', 'failed'), jpod('b', 'failed')], record: later.record, now: 1200 });
    assert.equal(second.requeueAfterMs, 200, 'the second waits twice as long');
    assert.deepEqual(second.remove, [], 'failed pods stay, as in a cluster');
  });

  it('fails once failures exceed backoffLimit, stopping the running pods', () => {
    const p = job({
      fields: { backoffLimit: 1, completions: 3, parallelism: 2 },
      pods: [jpod('a', 'failed'), jpod('b', 'failed'), jpod('c', 'active')],
    });
    assert.equal(p.record.condition, 'Failed');
    assert.equal(p.record.reason, 'BackoffLimitExceeded');
    assert.deepEqual(
      p.remove.map((r) => r.replica),
      ['c'],
    );
    assert.equal(p.create, 0);
    assert.equal(job({ fields: { backoffLimit: 0 }, pods: [jpod('a', 'failed')] }).record.condition, 'Failed');
  });

  it('OnFailure: each restart in place counts against backoffLimit', () => {
    const p = job({
      restartPolicy: 'OnFailure',
      fields: { backoffLimit: 2 },
      pods: [jpod('a', 'active', { restarts: 2 })],
    });
    assert.equal(p.record.condition, undefined);
    const over = job({
      restartPolicy: 'OnFailure',
      fields: { backoffLimit: 2 },
      pods: [jpod('a', 'active', { restarts: 3 })],
    });
    assert.equal(over.record.condition, 'Failed');
    assert.deepEqual(
      over.remove.map((r) => r.replica),
      ['a'],
    );
  });

  it('fails past activeDeadlineSeconds and says when to look again before it', () => {
    const start = job({ fields: { activeDeadlineSeconds: 10 } });
    assert.equal(start.requeueAfterMs, 10_000);
    const past = job({
      fields: { activeDeadlineSeconds: 10 },
      record: start.record,
      now: 11_000,
      pods: [jpod('a', 'active')],
    });
    assert.equal(past.record.condition, 'Failed');
    assert.equal(past.record.reason, 'DeadlineExceeded');
    assert.deepEqual(
      past.remove.map((r) => r.replica),
      ['a'],
    );
  });

  it('finished pods stay until ttlSecondsAfterFinished, then go with the Job, which never runs again', () => {
    const done = job({ fields: { ttlSecondsAfterFinished: 5 }, pods: [jpod('a', 'succeeded')] });
    assert.equal(done.record.condition, 'Complete');
    assert.deepEqual(done.remove, [], 'the completed pod stays');
    assert.equal(done.requeueAfterMs, 5000);
    const early = job({
      fields: { ttlSecondsAfterFinished: 5 },
      pods: [jpod('a', 'succeeded')],
      record: done.record,
      now: 3000,
    });
    assert.deepEqual(early.remove, []);
    assert.equal(early.requeueAfterMs, 3000);
    const due = job({
      fields: { ttlSecondsAfterFinished: 5 },
      pods: [jpod('a', 'succeeded')],
      record: done.record,
      now: 6000,
    });
    assert.deepEqual(
      due.remove.map((r) => r.replica),
      ['a'],
    );
    const after = job({ fields: { ttlSecondsAfterFinished: 5 }, record: due.record, now: 7000 });
    assert.equal(after.create, 0, 'deleted by TTL: not run again');
  });

  it('a finished Job stays finished when its pods are gone (a controller restart, a removed pod)', () => {
    const done = job({ pods: [jpod('a', 'succeeded')] });
    const again = job({ record: done.record, now: 99_000 });
    assert.equal(again.create, 0);
    assert.equal(jobCounts(again.record).succeeded, 1);
  });

  it('a changed template is a new run; a CronJob run keeps its template', () => {
    const done = job({ pods: [jpod('a', 'succeeded')] });
    const changed = job({ currentHash: 'v2', record: done.record, pods: [jpod('a', 'succeeded')] });
    assert.deepEqual(
      changed.remove.map((r) => r.replica),
      ['a'],
      'the old run goes first',
    );
    const fresh = job({ currentHash: 'v2', record: done.record, now: 5000 });
    assert.equal(fresh.create, 1);
    assert.equal(fresh.record.hash, 'v2');
    const cronRun = job({ currentHash: 'v2', record: done.record, rerunOnChange: false });
    assert.equal(cronRun.create, 0);
  });
});

function schedule(text: string): CronSchedule {
  const r = parseCron(text);
  if ('error' in r) throw new Error(r.error);
  return r.schedule;
}
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');
function cron(
  o: {
    record?: CronRecord;
    runs?: [string, RunState][];
    now?: number;
    policy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    deadline?: number;
  } = {},
) {
  return planCronJob({
    spec: {
      name: 'c',
      concurrencyPolicy: o.policy ?? 'Allow',
      suspend: o.suspend ?? false,
      successfulJobsHistoryLimit: 2,
      failedJobsHistoryLimit: 1,
      startingDeadlineSeconds: o.deadline,
    },
    schedule: schedule('* * * * *'),
    record: o.record,
    runs: new Map(o.runs ?? []),
    now: o.now ?? T0,
  });
}

describe('CronJob planner', () => {
  it('starts nothing for times before it was first seen, then a run at each scheduled minute', () => {
    const first = cron({ now: T0 + 30_000 });
    assert.equal(first.start, undefined);
    assert.equal(first.requeueAfterMs, 30_000);
    const due = cron({ record: first.record, now: T0 + MIN });
    assert.deepEqual(due.start, { name: runName('c', T0 + MIN), scheduledTime: T0 + MIN });
    assert.equal(due.start?.name, `c-${(T0 + MIN) / MIN}`);
    const again = cron({ record: due.record, now: T0 + MIN + 5000 });
    assert.equal(again.start, undefined, 'one run per scheduled time');
  });

  it('after a gap only the most recent missed time runs, unless it is past startingDeadlineSeconds', () => {
    const seen = cron({ now: T0 });
    const late = cron({ record: seen.record, now: T0 + 10 * MIN + 5000, runs: [] });
    assert.equal(late.start?.scheduledTime, T0 + 10 * MIN);
    const tooLate = cron({ record: seen.record, now: T0 + 10 * MIN + 50_000, deadline: 30 });
    assert.equal(tooLate.start, undefined);
    assert.equal(tooLate.events[0].reason, 'MissSchedule');
  });

  it('Forbid waits while a run is active; the missed time runs once it ends', () => {
    const seen = cron({ now: T0, policy: 'Forbid' });
    const one = cron({ record: seen.record, now: T0 + MIN, policy: 'Forbid' });
    const busy = cron({
      record: one.record,
      now: T0 + 2 * MIN,
      policy: 'Forbid',
      runs: [[one.start!.name, { active: true }]],
    });
    assert.equal(busy.start, undefined);
    assert.equal(busy.events[0].reason, 'JobAlreadyActive');
    const freed = cron({
      record: busy.record,
      now: T0 + 2 * MIN + 10_000,
      policy: 'Forbid',
      runs: [[one.start!.name, { active: false, condition: 'Complete' }]],
    });
    assert.equal(freed.start?.scheduledTime, T0 + 2 * MIN);
  });

  it('Replace stops the active run and starts the new one; Allow lets them overlap', () => {
    const seen = cron({ now: T0 });
    const one = cron({ record: seen.record, now: T0 + MIN, policy: 'Replace' });
    const active: [string, RunState][] = [[one.start!.name, { active: true }]];
    const replaced = cron({ record: one.record, now: T0 + 2 * MIN, policy: 'Replace', runs: active });
    assert.deepEqual(
      replaced.remove.map((r) => r.name),
      [one.start!.name],
    );
    assert.ok(replaced.start);
    const allowed = cron({ record: one.record, now: T0 + 2 * MIN, policy: 'Allow', runs: active });
    assert.deepEqual(allowed.remove, []);
    assert.ok(allowed.start);
    assert.equal(allowed.record.runs.length, 2);
  });

  it('suspend starts nothing', () => {
    const seen = cron({ now: T0 });
    assert.equal(cron({ record: seen.record, now: T0 + 5 * MIN, suspend: true }).start, undefined);
  });

  it('keeps the newest finished runs up to the history limits', () => {
    const runs = [1, 2, 3, 4, 5].map((i) => ({ name: `c-${i}`, scheduledTime: i * MIN }));
    const record: CronRecord = { since: 0, lastScheduleTime: 5 * MIN, runs };
    const states: [string, RunState][] = [
      ['c-1', { active: false, condition: 'Complete' }],
      ['c-2', { active: false, condition: 'Failed' }],
      ['c-3', { active: false, condition: 'Complete' }],
      ['c-4', { active: false, condition: 'Failed' }],
      ['c-5', { active: false, condition: 'Complete' }],
    ];
    const plan = cron({ record, runs: states, now: 5 * MIN + 1000 });
    assert.deepEqual(plan.remove.map((r) => r.name).sort(), ['c-1', 'c-2']);
    assert.deepEqual(
      plan.record.runs.map((r) => r.name),
      ['c-3', 'c-4', 'c-5'],
    );
  });
});
