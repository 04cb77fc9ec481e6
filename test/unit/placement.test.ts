// Scheduler input from observed state: terminating replicas free their
// capacity, in-flight creations hold theirs.
import assert from 'node:assert/strict';
import { placeReplicas } from '../../extension/engine/controller/placement';
import type { ObservedPod } from '../../extension/engine/docker/observe';
import type { DeploymentSpec, NodeSpec } from '../../extension/engine/model/types';

const node: NodeSpec = { name: 'n', cpuMilli: 1000, memoryBytes: 1 << 30, labels: {}, unschedulable: false };
const d = {
  name: 'web',
  template: {
    containers: [
      { requests: { cpuMilli: 400 }, ports: [] },
      { requests: { cpuMilli: 100, memoryBytes: 10 }, ports: [] },
    ],
    nodeSelector: {},
  },
} as unknown as DeploymentSpec;
const pod = (replica: string, cpuMilli: number): ObservedPod => ({
  replica,
  deployment: 'web',
  hash: 'h',
  node: 'n',
  createdAt: 0,
  cpuMilli,
  memoryBytes: 0,
  containers: [],
});

describe('replica placement', () => {
  it('sums container requests per replica and fills the node', () => {
    const r = placeReplicas({
      nodes: [node],
      observed: [],
      terminating: () => false,
      inflight: [],
      deployment: d,
      hash: 'h',
      count: 3,
    });
    assert.equal(r.placed.length, 2);
    assert.equal(r.placed[0].cpuMilli, 500);
    assert.equal(r.pending.length, 1);
    assert.match(r.pending[0].reason, /Insufficient cpu/);
  });

  it('counts observed and in-flight replicas, but not terminating ones', () => {
    const observed = [pod('web-h-aaaaa', 500), pod('web-h-bbbbb', 500)];
    const full = placeReplicas({
      nodes: [node],
      observed,
      terminating: () => false,
      inflight: [],
      deployment: d,
      hash: 'h',
      count: 1,
    });
    assert.equal(full.placed.length, 0);
    const freed = placeReplicas({
      nodes: [node],
      observed,
      terminating: (r) => r === 'web-h-aaaaa',
      inflight: [],
      deployment: d,
      hash: 'h',
      count: 1,
    });
    assert.equal(freed.placed.length, 1);
    const held = placeReplicas({
      nodes: [node],
      observed,
      terminating: (r) => r === 'web-h-aaaaa',
      inflight: [
        { replica: 'web-h-ccccc', deployment: 'web', cpuMilli: 500, memoryBytes: 0, nodeSelector: {}, node: 'n' },
      ],
      deployment: d,
      hash: 'h',
      count: 1,
    });
    assert.equal(held.placed.length, 0);
  });
});
