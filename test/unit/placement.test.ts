// Scheduler input from observed state: observed replicas (terminating ones
// too, until they are gone) and in-flight creations hold their capacity.
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

  it('counts observed replicas, terminating ones included, and in-flight ones', () => {
    // web-h-aaaaa may be terminating: it holds its 500m until the listing no longer shows it.
    const observed = [pod('web-h-aaaaa', 500), pod('web-h-bbbbb', 500)];
    const place = (obs: ObservedPod[], inflight: Parameters<typeof placeReplicas>[0]['inflight'] = []) =>
      placeReplicas({ nodes: [node], observed: obs, inflight, deployment: d, hash: 'h', count: 1 });
    assert.equal(place(observed).placed.length, 0);
    assert.equal(place(observed.slice(1)).placed.length, 1, 'room once the stopped replica is gone');
    const ccccc = {
      replica: 'web-h-ccccc',
      deployment: 'web',
      cpuMilli: 500,
      memoryBytes: 0,
      nodeSelector: {},
      node: 'n',
    };
    assert.equal(place(observed.slice(1), [ccccc]).placed.length, 0, 'an in-flight create holds its room');
  });

  it('keeps a new replica Pending while a stopping one still holds its host port', () => {
    const withPort = {
      ...d,
      template: {
        ...d.template,
        containers: [{ requests: {}, ports: [{ containerPort: 80, hostPort: 8080, protocol: 'TCP' }] }],
      },
    } as unknown as DeploymentSpec;
    const old = { ...pod('web-h-aaaaa', 0), hostPorts: [':8080/TCP'] };
    const held = placeReplicas({
      nodes: [node],
      observed: [old],
      inflight: [],
      deployment: withPort,
      hash: 'h',
      count: 1,
    });
    assert.equal(held.placed.length, 0);
    assert.match(held.pending[0].reason, /port/);
    const freed = placeReplicas({
      nodes: [node],
      observed: [],
      inflight: [],
      deployment: withPort,
      hash: 'h',
      count: 1,
    });
    assert.equal(freed.placed.length, 1);
  });
});
