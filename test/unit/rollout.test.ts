import { strict as assert } from 'node:assert';
import type { DeploymentStrategy, IntOrString } from '../../extension/engine/model/types';
import {
  planRollout,
  resolveFenceposts,
  scaledValue,
  removalOrder,
  isAvailable,
  type ObservedReplica,
  type RolloutInput,
  type RolloutPlan,
  type RolloutProgress,
} from '../../extension/engine/health/rollout';

const T0 = Date.UTC(2026, 0, 1);

function rolling(maxSurge: IntOrString = '25%', maxUnavailable: IntOrString = '25%'): DeploymentStrategy {
  return { type: 'RollingUpdate', maxSurge, maxUnavailable };
}
const recreate: DeploymentStrategy = { type: 'Recreate', maxSurge: '25%', maxUnavailable: '25%' };

function dep(
  replicas: number,
  strategy = rolling(),
  minReadySeconds = 0,
  progressDeadlineSeconds = 600,
): RolloutInput['deployment'] {
  return { name: 'web', replicas, strategy, minReadySeconds, progressDeadlineSeconds };
}

let seq = 0;
function rep(hash: string, opts: Partial<ObservedReplica> = {}): ObservedReplica {
  seq++;
  return {
    id: `${hash}-${seq}`,
    hash,
    ready: true,
    readySince: T0 - 3_600_000,
    terminating: false,
    createdAt: T0 - 3_600_000 + seq,
    ...opts,
  };
}
function reps(n: number, hash: string, opts: Partial<ObservedReplica> = {}): ObservedReplica[] {
  return Array.from({ length: n }, () => rep(hash, opts));
}

describe('resolveFenceposts', () => {
  it('defaults 25%/25%: surge rounds up, unavailable rounds down', () => {
    assert.deepEqual(resolveFenceposts(rolling(), 10), { maxSurge: 3, maxUnavailable: 2 });
    assert.deepEqual(resolveFenceposts(rolling(), 4), { maxSurge: 1, maxUnavailable: 1 });
    assert.deepEqual(resolveFenceposts(rolling(), 3), { maxSurge: 1, maxUnavailable: 0 });
  });
  it('takes absolute numbers as they are', () => {
    assert.deepEqual(resolveFenceposts(rolling(2, 0), 5), { maxSurge: 2, maxUnavailable: 0 });
    assert.deepEqual(resolveFenceposts(rolling('3', '1'), 5), { maxSurge: 3, maxUnavailable: 1 });
  });
  it('turns both-zero into maxUnavailable 1, explicit or after rounding', () => {
    assert.deepEqual(resolveFenceposts(rolling(0, 0), 5), { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(resolveFenceposts(rolling(0, '10%'), 5), { maxSurge: 0, maxUnavailable: 1 });
  });
  it('accepts 100% and falls back to 25% for invalid values', () => {
    assert.deepEqual(resolveFenceposts(rolling('100%', '100%'), 3), { maxSurge: 3, maxUnavailable: 3 });
    assert.deepEqual(resolveFenceposts(rolling('x', -1), 8), { maxSurge: 2, maxUnavailable: 2 });
  });
  it('scaledValue', () => {
    assert.equal(scaledValue('33%', 10, true), 4);
    assert.equal(scaledValue('33%', 10, false), 3);
    assert.equal(scaledValue('12.5%', 8, false), 1);
    assert.equal(scaledValue(1.5, 8, false), undefined);
  });
});

describe('availability and removal order', () => {
  it('needs Ready for minReadySeconds, never while terminating', () => {
    const r = rep('a', { readySince: T0 - 4_000 });
    assert.equal(isAvailable(r, 5, T0), false);
    assert.equal(isAvailable(r, 4, T0), true);
    assert.equal(isAvailable({ ...r, readySince: undefined }, 0, T0), true);
    assert.equal(isAvailable({ ...r, readySince: undefined }, 1, T0), false);
    assert.equal(isAvailable({ ...r, terminating: true }, 0, T0), false);
    assert.equal(isAvailable({ ...r, ready: false }, 0, T0), false);
  });
  it('prefers not Ready, then not yet available, then the newest', () => {
    const old = rep('a', { id: 'old', createdAt: 1 });
    const young = rep('a', { id: 'young', createdAt: 5 });
    const notReady = rep('a', { id: 'notReady', ready: false, createdAt: 0 });
    const maturing = rep('a', { id: 'maturing', readySince: T0 - 1000, createdAt: 2 });
    assert.deepEqual(
      removalOrder([old, young, notReady, maturing], 10, T0).map((r) => r.id),
      ['notReady', 'maturing', 'young', 'old'],
    );
  });
});

describe('planRollout: scaling without a rollout', () => {
  it('creates the missing replicas at once, without a surge bound', () => {
    const p = planRollout({ deployment: dep(5), currentHash: 'a', replicas: reps(1, 'a'), now: T0 });
    assert.equal(p.create, 4);
    assert.deepEqual(p.remove, []);
    assert.equal(p.status.state, 'Progressing');
  });
  it('replaces terminating replicas at once: they do not count towards the surge (TerminationStarted)', () => {
    const p = planRollout({
      deployment: dep(2),
      currentHash: 'a',
      replicas: [...reps(2, 'a', { terminating: true })],
      now: T0,
    });
    assert.equal(p.create, 2, 'the deployment controller counts ReplicaSet replicas, not terminating pods');
    const q = planRollout({
      deployment: dep(3),
      currentHash: 'a',
      replicas: [...reps(1, 'a'), ...reps(2, 'a', { terminating: true })],
      now: T0,
    });
    assert.equal(q.create, 2, 'scale 3 → 1 → 3 does not wait for the two being stopped');
  });
  it('removes not-Ready replicas first, then the newest', () => {
    const a = rep('a', { id: 'a', createdAt: 1 });
    const b = rep('a', { id: 'b', createdAt: 2 });
    const c = rep('a', { id: 'c', createdAt: 3 });
    const sick = rep('a', { id: 'sick', ready: false, createdAt: 0 });
    const p = planRollout({ deployment: dep(2), currentHash: 'a', replicas: [a, b, c, sick], now: T0 });
    assert.deepEqual(p.remove, ['sick', 'c']);
    assert.equal(p.create, 0);
  });
  it('uses desiredReplicas over the spec, and 1 when neither is set', () => {
    assert.equal(
      planRollout({ deployment: dep(2), desiredReplicas: 6, currentHash: 'a', replicas: [], now: T0 }).create,
      6,
    );
    const d = { ...dep(1), replicas: undefined };
    assert.equal(planRollout({ deployment: d, currentHash: 'a', replicas: [], now: T0 }).create, 1);
  });
  it('is Complete when every replica is current and available', () => {
    const p = planRollout({ deployment: dep(3), currentHash: 'a', replicas: reps(3, 'a'), now: T0 });
    assert.equal(p.status.state, 'Complete');
    assert.equal(p.status.message, 'deployment "web" successfully rolled out');
    assert.deepEqual([p.create, p.remove.length, p.status.updated, p.status.available], [0, 0, 3, 3]);
    assert.equal(p.requeueAfterMs, undefined);
  });
  it('scales to zero', () => {
    const p = planRollout({ deployment: dep(0), currentHash: 'a', replicas: reps(2, 'a'), now: T0 });
    assert.equal(p.remove.length, 2);
  });
});

describe('planRollout: RollingUpdate steps', () => {
  it('first step of 4 replicas at 25%/25%: one new, one old removed', () => {
    const old = reps(4, 'a');
    const p = planRollout({ deployment: dep(4), currentHash: 'b', replicas: old, now: T0 });
    assert.equal(p.create, 1);
    assert.equal(p.remove.length, 1);
    assert.equal(p.status.state, 'Progressing');
    assert.equal(p.status.updated, 0);
    assert.equal(
      p.status.message,
      'Waiting for deployment "web" rollout to finish: 0 out of 4 new replicas have been updated...',
    );
  });
  it('maxUnavailable 0: surge first, remove old only after new ones are available', () => {
    const old = reps(3, 'a');
    let p = planRollout({ deployment: dep(3, rolling(1, 0)), currentHash: 'b', replicas: old, now: T0 });
    assert.deepEqual([p.create, p.remove.length], [1, 0]);
    const fresh = rep('b', { ready: false, readySince: undefined, createdAt: T0 });
    p = planRollout({ deployment: dep(3, rolling(1, 0)), currentHash: 'b', replicas: [...old, fresh], now: T0 });
    assert.deepEqual([p.create, p.remove.length], [0, 0], 'waits for the new replica');
    fresh.ready = true;
    fresh.readySince = T0;
    p = planRollout({ deployment: dep(3, rolling(1, 0)), currentHash: 'b', replicas: [...old, fresh], now: T0 });
    assert.equal(p.remove.length, 1);
    assert.ok(p.remove[0].startsWith('a-'));
  });
  it('maxSurge 0: remove first, then create into the freed slot', () => {
    const old = reps(3, 'a');
    let p = planRollout({ deployment: dep(3, rolling(0, 1)), currentHash: 'b', replicas: old, now: T0 });
    assert.deepEqual([p.create, p.remove.length], [0, 1]);
    const rest = old.filter((r) => r.id !== p.remove[0]);
    const gone = { ...old.find((r) => r.id === p.remove[0])!, terminating: true };
    p = planRollout({ deployment: dep(3, rolling(0, 1)), currentHash: 'b', replicas: [...rest, gone], now: T0 });
    assert.deepEqual([p.create, p.remove.length], [1, 0], 'the freed slot is filled while the old one terminates');
  });
  it('removes unhealthy old replicas before healthy ones', () => {
    const healthy = reps(3, 'a');
    const sick = rep('a', { id: 'sick', ready: false });
    const p = planRollout({
      deployment: dep(4, rolling(1, 1)),
      currentHash: 'b',
      replicas: [...healthy, sick],
      now: T0,
    });
    assert.equal(p.remove[0], 'sick');
    assert.equal(p.remove.length, 1, 'availability 3 = 4 − 1 already: no healthy one may go');
  });
  it('never removes available replicas below replicas − maxUnavailable', () => {
    const old = reps(10, 'a');
    const p = planRollout({ deployment: dep(10, rolling('50%', '30%')), currentHash: 'b', replicas: old, now: T0 });
    assert.equal(p.create, 5);
    assert.equal(p.remove.length, 3);
  });
  it('does not remove healthy replicas when availability is already below the floor', () => {
    const old = [...reps(2, 'a'), ...reps(2, 'a', { ready: false })];
    const p = planRollout({ deployment: dep(4, rolling(1, 1)), currentHash: 'b', replicas: old, now: T0 });
    assert.ok(p.remove.every((id) => old.find((r) => r.id === id)!.ready === false));
  });
  it('counts minReadySeconds before a new replica is available, and asks to be called back', () => {
    const old = reps(2, 'a');
    const fresh = rep('b', { readySince: T0 - 2_000, createdAt: T0 - 3_000 });
    const p = planRollout({
      deployment: dep(2, rolling(1, 0), 5),
      currentHash: 'b',
      replicas: [...old, fresh],
      now: T0,
    });
    assert.equal(p.remove.length, 0);
    assert.equal(p.requeueAfterMs, 3_000);
    const later = planRollout({
      deployment: dep(2, rolling(1, 0), 5),
      currentHash: 'b',
      replicas: [...old, fresh],
      now: T0 + 3_000,
    });
    assert.equal(later.remove.length, 1);
  });
  it('scales excess new replicas down during a rollout', () => {
    const p = planRollout({
      deployment: dep(2, rolling(1, 0)),
      currentHash: 'b',
      replicas: [...reps(3, 'b'), rep('a', { ready: false })],
      now: T0,
    });
    assert.equal(p.remove.filter((id) => id.startsWith('b-')).length, 1);
  });
  it('handles several old hashes at once', () => {
    const p = planRollout({
      deployment: dep(4, rolling(0, 2)),
      currentHash: 'c',
      replicas: [...reps(2, 'a'), ...reps(2, 'b')],
      now: T0,
    });
    assert.equal(p.remove.length, 2);
    assert.equal(p.status.updated, 0);
  });
  it('reports old replicas pending termination, then available ones', () => {
    let p = planRollout({
      deployment: dep(2, rolling(1, 0)),
      currentHash: 'b',
      replicas: [...reps(2, 'b'), rep('a', { ready: false })],
      now: T0,
    });
    assert.match(p.status.message!, /1 old replicas are pending termination/);
    p = planRollout({
      deployment: dep(2, rolling(1, 0), 5),
      currentHash: 'b',
      replicas: reps(2, 'b', { readySince: T0 }),
      now: T0,
    });
    assert.match(p.status.message!, /0 of 2 updated replicas are available/);
  });
});

describe('planRollout: Recreate', () => {
  it('removes all old replicas first and creates nothing', () => {
    const p = planRollout({ deployment: dep(3, recreate), currentHash: 'b', replicas: reps(3, 'a'), now: T0 });
    assert.equal(p.create, 0);
    assert.equal(p.remove.length, 3);
    assert.equal(p.status.strategy, 'Recreate');
  });
  it('waits while old replicas terminate, then creates all new', () => {
    let p = planRollout({
      deployment: dep(3, recreate),
      currentHash: 'b',
      replicas: reps(3, 'a', { terminating: true }),
      now: T0,
    });
    assert.deepEqual([p.create, p.remove.length], [0, 0]);
    p = planRollout({ deployment: dep(3, recreate), currentHash: 'b', replicas: [], now: T0 });
    assert.equal(p.create, 3);
  });
  it('scales like a plain deployment when nothing is old', () => {
    const p = planRollout({ deployment: dep(1, recreate), currentHash: 'b', replicas: reps(3, 'b'), now: T0 });
    assert.equal(p.remove.length, 2);
  });
});

describe('planRollout: progress deadline', () => {
  const stuckStep = (now: number, progress?: RolloutProgress): RolloutPlan =>
    planRollout({
      deployment: dep(3, rolling(1, 1), 0, 60),
      currentHash: 'b',
      replicas: [...reps(2, 'a'), rep('b', { id: 'b-new1', ready: false }), rep('b', { id: 'b-new2', ready: false })],
      now,
      progress,
    });

  it('is Failed when nothing progresses within progressDeadlineSeconds', () => {
    let p = stuckStep(T0);
    assert.equal(p.status.state, 'Progressing');
    assert.equal(p.requeueAfterMs, 60_001);
    p = stuckStep(T0 + 60_000, p.progress);
    assert.equal(p.status.state, 'Progressing', 'exactly at the deadline is still in time');
    p = stuckStep(T0 + 60_001, p.progress);
    assert.equal(p.status.state, 'Failed');
    assert.equal(p.status.message, 'ReplicaSet "web-b" has timed out progressing');
    assert.equal(p.requeueAfterMs, undefined);
  });

  it('keeps old replicas that still serve while Failed', () => {
    const progress: RolloutProgress = { hash: 'b', lastProgressAt: T0, updated: 1, newAvailable: 0, old: 3 };
    // 3 old available, desired 3, maxUnavailable 1: a Progressing rollout could remove one.
    const replicas = [...reps(3, 'a'), rep('b', { ready: false })];
    const stepAt = (now: number): RolloutPlan =>
      planRollout({ deployment: dep(3, rolling(1, 1), 0, 60), currentHash: 'b', replicas, now, progress });
    assert.equal(stepAt(T0 + 1000).remove.length, 1);
    const failed = stepAt(T0 + 61_000);
    assert.equal(failed.status.state, 'Failed');
    assert.deepEqual(failed.remove, []);
  });

  it('still removes not-Ready old replicas while Failed', () => {
    const progress: RolloutProgress = { hash: 'b', lastProgressAt: T0, updated: 1, newAvailable: 0, old: 4 };
    const replicas = [...reps(3, 'a'), rep('a', { id: 'sick', ready: false }), rep('b', { ready: false })];
    const p = planRollout({
      deployment: dep(4, rolling(1, 1), 0, 60),
      currentHash: 'b',
      replicas,
      now: T0 + 61_000,
      progress,
    });
    assert.equal(p.status.state, 'Failed');
    assert.deepEqual(p.remove, ['sick']);
  });

  it('progress resets the clock, flapping readiness does not', () => {
    const base = (ready: boolean, now: number, progress?: RolloutProgress): RolloutPlan =>
      planRollout({
        deployment: dep(2, rolling(1, 0), 0, 60),
        currentHash: 'b',
        replicas: [...reps(2, 'a'), rep('b', { id: 'flappy', ready })],
        now,
        progress,
      });
    let p = base(false, T0);
    p = base(true, T0 + 30_000, p.progress);
    assert.equal(p.progress.lastProgressAt, T0 + 30_000, 'a newly available replica is progress');
    p = base(false, T0 + 40_000, p.progress);
    p = base(true, T0 + 50_000, p.progress);
    assert.equal(p.progress.lastProgressAt, T0 + 30_000, 'the same replica again is not');
  });

  it('a new template hash restarts the clock', () => {
    const p1 = stuckStep(T0 + 100_000, { hash: 'a', lastProgressAt: T0, updated: 3, newAvailable: 3, old: 0 });
    assert.equal(p1.status.state, 'Progressing');
    assert.equal(p1.progress.lastProgressAt, T0 + 100_000);
  });

  it('Complete resets the marks so a later scale-up is tracked afresh', () => {
    let p = planRollout({ deployment: dep(5), currentHash: 'a', replicas: reps(5, 'a'), now: T0 });
    p = planRollout({
      deployment: dep(2),
      currentHash: 'a',
      replicas: reps(2, 'a'),
      now: T0 + 1000,
      progress: p.progress,
    });
    assert.equal(p.progress.updated, 2);
    p = planRollout({
      deployment: dep(3),
      currentHash: 'a',
      replicas: [...reps(2, 'a'), rep('a', { ready: false })],
      now: T0 + 2000,
      progress: p.progress,
    });
    assert.equal(p.progress.lastProgressAt, T0 + 2000);
  });
});

// A seeded PRNG, so a failing run can be replayed.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimReplica extends ObservedReplica {
  readyAt?: number; // when a new replica turns Ready
  goneAt?: number; // when a terminating replica disappears
}

describe('planRollout: simulation to completion with random readiness timing', () => {
  const surges: IntOrString[] = [0, 1, 2, 3, '25%', '50%', '100%', '10%'];
  const unavails: IntOrString[] = [0, 1, 2, '25%', '50%', '100%', '33%'];

  for (let seed = 1; seed <= 300; seed++) {
    it(`seed ${seed}`, () => {
      const rnd = mulberry32(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
      const desired = 1 + Math.floor(rnd() * 10);
      const strategy: DeploymentStrategy = rnd() < 0.15 ? recreate : rolling(pick(surges), pick(unavails));
      const minReady = pick([0, 0, 1, 3]);
      const flaky = seed % 3 === 0;
      const deployment = dep(desired, strategy, minReady, 600);
      const { maxSurge, maxUnavailable } = resolveFenceposts(strategy, desired);
      const minAvailable = desired - maxUnavailable;
      const tick = 1000;
      let now = T0;
      let n = 0;
      let replicas: SimReplica[] = Array.from({ length: desired }, () => ({
        id: `a-${n++}`,
        hash: 'a',
        ready: true,
        readySince: T0 - 3_600_000,
        terminating: false,
        createdAt: T0 - 3_600_000,
      }));
      let progress: RolloutProgress | undefined;
      let done = false;
      for (let step = 0; step < 400 && !done; step++) {
        // The world moves: replicas turn Ready, terminating ones disappear.
        replicas = replicas.filter((r) => r.goneAt === undefined || r.goneAt > now);
        for (const r of replicas) {
          if (!r.ready && !r.terminating && r.readyAt !== undefined && r.readyAt <= now) {
            r.ready = true;
            r.readySince = r.readyAt;
          } else if (flaky && r.ready && !r.terminating && rnd() < 0.05) {
            // A readiness blip: not Ready for a few ticks, then back.
            r.ready = false;
            r.readySince = undefined;
            r.readyAt = now + (1 + Math.floor(rnd() * 3)) * tick;
          }
        }
        const availBefore = replicas.filter((r) => isAvailable(r, minReady, now)).length;
        const plan = planRollout({ deployment, currentHash: 'b', replicas, now, progress });
        progress = plan.progress;
        assert.notEqual(plan.status.state, 'Failed', `seed ${seed}: no replica is stuck, the rollout must not fail`);

        // Apply the plan.
        const removed = new Set(plan.remove);
        assert.equal(removed.size, plan.remove.length, 'no replica removed twice');
        for (const id of plan.remove) {
          const r = replicas.find((x) => x.id === id);
          assert.ok(r && !r.terminating, `seed ${seed}: removes only live replicas`);
          r.terminating = true;
          r.ready = false;
          r.goneAt = now + Math.floor(rnd() * 4) * tick;
        }
        for (let i = 0; i < plan.create; i++) {
          replicas.push({
            id: `b-${n++}`,
            hash: 'b',
            ready: false,
            terminating: false,
            createdAt: now,
            readyAt: now + Math.floor(rnd() * 6) * tick,
          });
        }

        // The invariants.
        if (strategy.type === 'RollingUpdate') {
          const live = replicas.filter((r) => !r.terminating).length;
          assert.ok(live <= desired + maxSurge, `seed ${seed} step ${step}: ${live} live > ${desired} + ${maxSurge}`);
          const availAfter = replicas.filter((r) => isAvailable(r, minReady, now)).length;
          assert.ok(
            availAfter >= Math.min(availBefore, minAvailable),
            `seed ${seed} step ${step}: available ${availAfter} < ${minAvailable} (was ${availBefore})`,
          );
        } else {
          const live = replicas.filter((r) => !r.terminating);
          assert.ok(
            !(live.some((r) => r.hash === 'a') && live.some((r) => r.hash === 'b')),
            `seed ${seed}: Recreate never runs old and new together`,
          );
          assert.ok(
            !(replicas.some((r) => r.hash === 'a') && plan.create > 0),
            `seed ${seed}: Recreate creates only after the old are gone`,
          );
        }
        assert.ok(
          replicas.filter((r) => !r.terminating && r.hash === 'b').length <= desired,
          'never more new replicas than desired',
        );

        done = plan.status.state === 'Complete';
        now += tick;
      }
      assert.ok(done, `seed ${seed}: rollout did not complete (desired ${desired}, ${JSON.stringify(strategy)})`);
      assert.ok(replicas.filter((r) => !r.terminating).every((r) => r.hash === 'b'));
      assert.equal(replicas.filter((r) => !r.terminating).length, desired);
    });
  }
});

describe('planRollout: a broken new template', () => {
  it('fails after the deadline while the old replicas keep serving', () => {
    const deployment = dep(4, rolling('25%', '25%'), 0, 30);
    let replicas: ObservedReplica[] = reps(4, 'a');
    let progress: RolloutProgress | undefined;
    let now = T0;
    let state = '';
    for (let step = 0; step < 100 && state !== 'Failed'; step++) {
      replicas = replicas.filter((r) => !r.terminating);
      const plan = planRollout({ deployment, currentHash: 'b', replicas, now, progress });
      progress = plan.progress;
      state = plan.status.state;
      for (const id of plan.remove) replicas.find((r) => r.id === id)!.terminating = true;
      for (let i = 0; i < plan.create; i++) {
        replicas.push(rep('b', { ready: false, readySince: undefined, createdAt: now }));
      }
      const serving = replicas.filter((r) => isAvailable(r, 0, now)).length;
      assert.ok(serving >= 3, `step ${step}: ${serving} serving`);
      now += 5000;
    }
    assert.equal(state, 'Failed');
    assert.equal(replicas.filter((r) => r.hash === 'a' && !r.terminating).length, 3);
    assert.equal(replicas.filter((r) => r.hash === 'b').length, 2, 'new replicas stay within the surge');
  });
});
