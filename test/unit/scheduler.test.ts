import { strict as assert } from 'node:assert';
import type { NodeSpec } from '../../extension/engine/model/types';
import {
  schedule,
  defaultNodePool,
  fitErrorMessage,
  type BoundPod,
  type PodRequest,
  type Placement,
  NO_NODES,
} from '../../extension/engine/scheduler';

const Gi = 2 ** 30;
const Mi = 2 ** 20;

function node(
  name: string,
  cpuMilli = 4000,
  memoryBytes = 8 * Gi,
  labels: Record<string, string> = {},
  unschedulable = false,
): NodeSpec {
  return { name, cpuMilli, memoryBytes, labels, unschedulable };
}

function pod(
  replica: string,
  deployment = 'web',
  cpuMilli = 0,
  memoryBytes = 0,
  nodeSelector: Record<string, string> = {},
): PodRequest {
  return { replica, deployment, cpuMilli, memoryBytes, nodeSelector };
}

function bound(p: PodRequest, n: string): BoundPod {
  return { ...p, node: n };
}

function nodeOf(p: Placement): string {
  if (!('node' in p)) throw new Error(`expected ${p.replica} placed, got pending: ${p.pending}`);
  return p.node;
}

function pendingOf(p: Placement): string {
  if (!('pending' in p)) throw new Error(`expected ${p.replica} pending, got node ${p.node}`);
  return p.pending;
}

function counts(placements: Placement[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const p of placements) c[nodeOf(p)] = (c[nodeOf(p)] ?? 0) + 1;
  return c;
}

describe('scheduler: filter', () => {
  it('places a pod whose requests fit', () => {
    const [p] = schedule([node('a', 1000, Gi)], [], [pod('web-0', 'web', 500, 512 * Mi)]);
    assert.deepEqual(p, { replica: 'web-0', node: 'a' });
  });

  it('accepts a request equal to the free capacity exactly', () => {
    const [p] = schedule(
      [node('a', 1000, Gi)],
      [bound(pod('x', 'x', 400, Gi / 2), 'a')],
      [pod('web-0', 'web', 600, Gi / 2)],
    );
    assert.equal(nodeOf(p), 'a');
  });

  it('reports Insufficient cpu', () => {
    const [p] = schedule([node('a', 1000, Gi)], [], [pod('web-0', 'web', 1001, 0)]);
    assert.equal(pendingOf(p), '0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('reports Insufficient memory', () => {
    const [p] = schedule([node('a', 1000, Gi)], [], [pod('web-0', 'web', 0, Gi + 1)]);
    assert.equal(pendingOf(p), '0/1 nodes are available: 1 Insufficient memory.');
  });

  it('lets one node contribute both Insufficient cpu and Insufficient memory', () => {
    const [p] = schedule([node('a', 1000, Gi), node('b', 1000, 4 * Gi)], [], [pod('web-0', 'web', 2000, 2 * Gi)]);
    assert.equal(pendingOf(p), '0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.');
  });

  it('counts bound pods against capacity', () => {
    const nodes = [node('a', 1000, Gi)];
    const [p] = schedule(nodes, [bound(pod('old-0', 'old', 800, 0), 'a')], [pod('web-0', 'web', 300, 0)]);
    assert.equal(pendingOf(p), '0/1 nodes are available: 1 Insufficient cpu.');
  });

  it('ignores bound pods on nodes that are not in the pool', () => {
    const [p] = schedule(
      [node('a', 1000, Gi)],
      [bound(pod('old-0', 'old', 1000, Gi), 'gone')],
      [pod('web-0', 'web', 1000, Gi)],
    );
    assert.equal(nodeOf(p), 'a');
  });

  it('skips unschedulable nodes with the NodeUnschedulable reason', () => {
    const nodes = [node('a', 4000, Gi, {}, true), node('b', 4000, Gi)];
    assert.equal(nodeOf(schedule(nodes, [], [pod('web-0')])[0]), 'b');
    const [p] = schedule([node('a', 4000, Gi, {}, true)], [], [pod('web-0')]);
    assert.equal(pendingOf(p), '0/1 nodes are available: 1 node(s) were unschedulable.');
  });

  it('an unschedulable node reports only that, even when the pod is also too big', () => {
    const [p] = schedule([node('a', 100, Mi, {}, true)], [], [pod('web-0', 'web', 1000, Gi)]);
    assert.equal(pendingOf(p), '0/1 nodes are available: 1 node(s) were unschedulable.');
  });

  it('a selector mismatch is reported before resources', () => {
    const [p] = schedule([node('a', 100, Mi, { disk: 'hdd' })], [], [pod('web-0', 'web', 1000, Gi, { disk: 'ssd' })]);
    assert.equal(pendingOf(p), "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.");
  });

  it('nodeSelector: every label must match', () => {
    const nodes = [
      node('a', 4000, Gi, { disk: 'ssd' }),
      node('b', 4000, Gi, { disk: 'ssd', gpu: 'yes' }),
      node('c', 4000, Gi),
    ];
    const placements = schedule(nodes, [], [pod('web-0', 'web', 0, 0, { disk: 'ssd', gpu: 'yes' })]);
    assert.equal(nodeOf(placements[0]), 'b');
  });

  it('nodeSelector: a label value must match exactly', () => {
    const [p] = schedule([node('a', 4000, Gi, { disk: 'ssd' })], [], [pod('web-0', 'web', 0, 0, { disk: 'SSD' })]);
    assert.match(pendingOf(p), /didn't match Pod's node affinity\/selector/);
  });

  it('nodeSelector: kubernetes.io/hostname is built in', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const placements = schedule(nodes, [], [pod('web-0', 'web', 0, 0, { 'kubernetes.io/hostname': 'c' })]);
    assert.equal(nodeOf(placements[0]), 'c');
  });

  it('nodeSelector: a node label cannot override the built-in hostname', () => {
    const nodes = [node('a', 4000, Gi, { 'kubernetes.io/hostname': 'b' }), node('b')];
    const placements = schedule(nodes, [], [pod('web-0', 'web', 0, 0, { 'kubernetes.io/hostname': 'b' })]);
    assert.equal(nodeOf(placements[0]), 'b');
  });

  it('zero requests fit on a node whose capacity is fully requested', () => {
    const nodes = [node('a', 1000, Gi)];
    const [p] = schedule(nodes, [bound(pod('big', 'big', 1000, Gi), 'a')], [pod('web-0')]);
    assert.equal(nodeOf(p), 'a');
  });

  it('a zero cpu request with a memory request is checked on memory only', () => {
    const nodes = [node('a', 1000, Gi)];
    const [p] = schedule(nodes, [bound(pod('big', 'big', 1000, 0), 'a')], [pod('web-0', 'web', 0, Gi)]);
    assert.equal(nodeOf(p), 'a');
  });

  it('with no nodes at all the pod is pending', () => {
    assert.deepEqual(schedule([], [], [pod('web-0')]), [{ replica: 'web-0', pending: NO_NODES }]);
  });
});

describe('scheduler: pending message', () => {
  it('matches kube-scheduler: counts per reason, reasons sorted as strings', () => {
    const nodes = [node('a', 1000, Gi), node('b', 1000, Gi), node('c', 8000, 8 * Gi, { tier: 'batch' })];
    const [p] = schedule(nodes, [], [pod('web-0', 'web', 2000, 0, { tier: 'batch' })]);
    assert.equal(nodeOf(p), 'c');
    // Once c is nearly full: a and b fail the selector, c fails on cpu.
    const [q] = schedule(
      nodes,
      [bound(pod('x', 'x', 7000, 0), 'c')],
      [pod('web-1', 'web', 2000, 0, { tier: 'batch' })],
    );
    assert.equal(
      pendingOf(q),
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match Pod's node affinity/selector.",
    );
  });

  it('the example from the brief: 2 Insufficient cpu and 1 selector mismatch', () => {
    const nodes = [node('a', 1000, Gi, { zone: 'x' }), node('b', 1000, Gi, { zone: 'x' }), node('c', 8000, Gi)];
    const [p] = schedule(nodes, [], [pod('web-0', 'web', 2000, 0, { zone: 'x' })]);
    // Go's sort.Strings puts "1 node(s)..." before "2 Insufficient cpu".
    assert.equal(
      pendingOf(p),
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.",
    );
  });

  it('mixes all four reasons', () => {
    const web = { tier: 'web' };
    const nodes = [
      node('a', 4000, Gi, web, true), // unschedulable
      node('b', 4000, Gi, { tier: 'db' }), // selector
      node('c', 100, 8 * Gi, web), // cpu
      node('d', 100, Mi, web), // cpu and memory
      node('e', 8000, Mi, web), // memory
    ];
    const [p] = schedule(nodes, [], [pod('web-0', 'web', 500, 512 * Mi, web)]);
    assert.equal(
      pendingOf(p),
      "0/5 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable, 2 Insufficient cpu, 2 Insufficient memory.",
    );
    const [q] = schedule(nodes, [], [pod('web-0', 'web', 500, 512 * Mi, { tier: 'api' })]);
    assert.equal(
      pendingOf(q),
      "0/5 nodes are available: 1 node(s) were unschedulable, 4 node(s) didn't match Pod's node affinity/selector.",
    );
  });

  it('sorts like Go (byte order), so 10 comes before 2', () => {
    const m = new Map([
      ['Insufficient cpu', 2],
      ['Insufficient memory', 10],
    ]);
    assert.equal(fitErrorMessage(12, m), '0/12 nodes are available: 10 Insufficient memory, 2 Insufficient cpu.');
  });
});

describe('scheduler: scoring', () => {
  it('prefers the least allocated node', () => {
    const nodes = [node('a', 4000, 4 * Gi), node('b', 4000, 4 * Gi)];
    const busy = [bound(pod('x-0', 'x', 2000, 2 * Gi), 'a')];
    assert.equal(nodeOf(schedule(nodes, busy, [pod('web-0', 'web', 100, Mi)])[0]), 'b');
  });

  it('prefers the bigger node when both are empty', () => {
    const nodes = [node('a', 1000, Gi), node('b', 8000, 8 * Gi)];
    assert.equal(nodeOf(schedule(nodes, [], [pod('web-0', 'web', 500, 256 * Mi)])[0]), 'b');
  });

  it('averages cpu and memory: low cpu use does not hide high memory use', () => {
    const nodes = [node('a', 10000, 10 * Gi), node('b', 10000, 10 * Gi)];
    const busy = [bound(pod('x-0', 'x', 1000, 9 * Gi), 'a'), bound(pod('y-0', 'y', 4000, 4 * Gi), 'b')];
    // a: cpu (10000-1100)/10000 → 89, mem (10-9.1)/10 → 9 → 49; b: 59, 59 → 59.
    assert.equal(nodeOf(schedule(nodes, busy, [pod('web-0', 'web', 100, Gi / 10)])[0]), 'b');
  });

  it('breaks ties by node name, whatever the input order', () => {
    const nodes = [node('c'), node('a'), node('b')];
    assert.equal(nodeOf(schedule(nodes, [], [pod('web-0')])[0]), 'a');
    assert.equal(nodeOf(schedule([...nodes].reverse(), [], [pod('web-0')])[0]), 'a');
  });

  it('spreads 6 replicas of one deployment 2/2/2 over 3 equal nodes', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const pods = [0, 1, 2, 3, 4, 5].map((i) => pod(`web-${i}`, 'web', 100, 64 * Mi));
    const placements = schedule(nodes, [], pods);
    assert.deepEqual(counts(placements), { a: 2, b: 2, c: 2 });
    assert.deepEqual(placements.map(nodeOf), ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('spreads zero-request replicas too (scoring counts them as 100m/200Mi)', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const placements = schedule(
      nodes,
      [],
      [0, 1, 2, 3, 4, 5].map((i) => pod(`web-${i}`)),
    );
    assert.deepEqual(counts(placements), { a: 2, b: 2, c: 2 });
  });

  it('counts a pod without a cpu request as 100m when scoring, like kube-scheduler', () => {
    // Same memory requested on both nodes; a runs five pods without cpu requests, b one.
    const nodes = [node('a', 1000, 8 * Gi), node('b', 1000, 8 * Gi)];
    const existing = [
      ...[0, 1, 2, 3, 4].map((i) => bound(pod(`x-${i}`, 'x', 0, 100 * Mi), 'a')),
      bound(pod('y-0', 'y', 0, 500 * Mi), 'b'),
    ];
    assert.equal(nodeOf(schedule(nodes, existing, [pod('web-0', 'web', 0, 100 * Mi)])[0]), 'b');
  });

  it('spreading counts bound replicas of the same deployment, not of others', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const existing = [bound(pod('web-0'), 'a'), bound(pod('web-1'), 'b')];
    assert.equal(nodeOf(schedule(nodes, existing, [pod('web-2')])[0]), 'c');
    // Another deployment's pods on c do not count as "web" replicas, but do use capacity
    // (200Mi non-zero each); c still has fewer web replicas and wins on spreading.
    const other = [...existing, bound(pod('api-0', 'api'), 'c'), bound(pod('api-1', 'api'), 'c')];
    assert.equal(nodeOf(schedule(nodes, other, [pod('web-2')])[0]), 'c');
  });

  it('spreading outweighs a moderate capacity difference', () => {
    // b is twice as big, but already runs a replica; a is empty of web replicas.
    const nodes = [node('a', 4000, 8 * Gi), node('b', 8000, 16 * Gi)];
    const placements = schedule(nodes, [], [pod('web-0', 'web', 500, Gi), pod('web-1', 'web', 500, Gi)]);
    assert.deepEqual(placements.map(nodeOf), ['b', 'a']);
  });

  it('capacity wins when spreading cannot: a full node gets nothing', () => {
    const nodes = [node('a', 1000, Gi), node('b', 8000, 8 * Gi)];
    const pods = [0, 1, 2, 3].map((i) => pod(`web-${i}`, 'web', 600, 0));
    const placements = schedule(nodes, [], pods);
    assert.deepEqual(counts(placements), { a: 1, b: 3 });
  });
});

describe('scheduler: placements within one call', () => {
  it('consume capacity for the pods after them', () => {
    const nodes = [node('a', 1000, Gi)];
    const placements = schedule(
      nodes,
      [],
      [pod('web-0', 'web', 600, 0), pod('web-1', 'web', 600, 0), pod('web-2', 'web', 400, 0)],
    );
    assert.equal(nodeOf(placements[0]), 'a');
    assert.equal(pendingOf(placements[1]), '0/1 nodes are available: 1 Insufficient cpu.');
    assert.equal(nodeOf(placements[2]), 'a'); // the pending one took nothing
  });

  it('keep the order of the requests and return one placement each', () => {
    const nodes = [node('a'), node('b')];
    const pods = ['z', 'y', 'x'].map((r) => pod(r));
    assert.deepEqual(
      schedule(nodes, [], pods).map((p) => p.replica),
      ['z', 'y', 'x'],
    );
  });

  it('return nothing for no pods', () => {
    assert.deepEqual(schedule([node('a')], [], []), []);
  });
});

describe('scheduler: determinism and purity', () => {
  it('same inputs give the same placements', () => {
    const nodes = [node('a', 3000, 3 * Gi), node('b', 2000, 6 * Gi), node('c', 5000, Gi)];
    const pods = Array.from({ length: 12 }, (_, i) =>
      pod(`p-${i}`, i % 2 ? 'web' : 'api', 150 * (i % 4), 100 * Mi * (i % 3)),
    );
    const first = schedule(nodes, [], pods);
    for (let i = 0; i < 5; i++) assert.deepEqual(schedule(nodes, [], pods), first);
  });

  it('does not mutate its inputs', () => {
    const nodes = [node('b'), node('a')];
    const existing = [bound(pod('web-0'), 'a')];
    const pods = [pod('web-1')];
    const snapshot = JSON.stringify([nodes, existing, pods]);
    schedule(nodes, existing, pods);
    assert.equal(JSON.stringify([nodes, existing, pods]), snapshot);
  });
});

describe('scheduler: property — never over-commits a node', () => {
  // A small seeded PRNG (mulberry32) so a failure can be reproduced by seed.
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  for (let seed = 1; seed <= 200; seed++) {
    it(`seed ${seed}`, () => {
      const r = rng(seed);
      const int = (n: number) => Math.floor(r() * n);
      const labels = ['ssd', 'hdd'];
      const nodes: NodeSpec[] = Array.from({ length: 1 + int(5) }, (_, i) =>
        node(`n${i}`, 500 + int(4000), (256 + int(4096)) * Mi, r() < 0.7 ? { disk: labels[int(2)] } : {}, r() < 0.15),
      );
      const pods: PodRequest[] = Array.from({ length: int(25) }, (_, i) =>
        pod(
          `p${i}`,
          `d${int(3)}`,
          r() < 0.2 ? 0 : 50 * int(30),
          r() < 0.2 ? 0 : 32 * Mi * int(40),
          r() < 0.3 ? { disk: labels[int(2)] } : {},
        ),
      );
      const placements = schedule(nodes, [], pods);
      assert.equal(placements.length, pods.length);
      const used = new Map<string, { cpu: number; mem: number }>();
      placements.forEach((p, i) => {
        const req = pods[i];
        assert.equal(p.replica, req.replica);
        if (!('node' in p)) {
          assert.match(p.pending, /^0\/\d+ nodes are available: .+\.$/);
          return;
        }
        const n = nodes.find((x) => x.name === p.node)!;
        assert.ok(!n.unschedulable, `${req.replica} placed on unschedulable ${n.name}`);
        for (const [k, v] of Object.entries(req.nodeSelector)) assert.equal(n.labels[k], v);
        const u = used.get(n.name) ?? { cpu: 0, mem: 0 };
        u.cpu += req.cpuMilli;
        u.mem += req.memoryBytes;
        used.set(n.name, u);
        assert.ok(u.cpu <= n.cpuMilli, `cpu over-committed on ${n.name}: ${u.cpu} > ${n.cpuMilli}`);
        assert.ok(u.mem <= n.memoryBytes, `memory over-committed on ${n.name}: ${u.mem} > ${n.memoryBytes}`);
      });
    });
  }
});

describe('defaultNodePool', () => {
  it('is one schedulable node named local sized to the host', () => {
    assert.deepEqual(defaultNodePool(2, 24 * Gi), [
      { name: 'local', cpuMilli: 2000, memoryBytes: 24 * Gi, labels: {}, unschedulable: false },
    ]);
  });

  it('keeps fractional cpus to the millicore', () => {
    assert.equal(defaultNodePool(1.5, Gi)[0].cpuMilli, 1500);
  });

  it('rejects a non-positive host size', () => {
    assert.throws(() => defaultNodePool(0, Gi), /host cpu count must be > 0/);
    assert.throws(() => defaultNodePool(2, 0), /host memory must be > 0/);
  });

  it('places pods by the host size', () => {
    const nodes = defaultNodePool(2, 4 * Gi);
    const [p, q] = schedule(nodes, [], [pod('a-0', 'a', 1500, Gi), pod('a-1', 'a', 1500, Gi)]);
    assert.equal(nodeOf(p), 'local');
    assert.equal(pendingOf(q), '0/1 nodes are available: 1 Insufficient cpu.');
  });
});
