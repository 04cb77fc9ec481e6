// Scheduler input from observed state: observed replicas (terminating ones
// too, until they are gone) and in-flight creations hold their capacity.
import assert from 'node:assert/strict';
import { placeReplicas, podFinished } from '../../extension/engine/controller/placement';
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

  it('a pod run to completion frees its node; one that will run again does not', () => {
    const exited = (...codes: number[]): ObservedPod =>
      ({
        ...pod('job-h-aaaaa', 500),
        containers: codes.map((exitCode, i) => ({ id: `c${i}`, name: `c${i}`, state: 'exited', exitCode })),
      }) as unknown as ObservedPod;
    assert.equal(podFinished(exited(0), 'OnFailure'), true, 'Succeeded');
    assert.equal(podFinished(exited(0, 0), 'Never'), true, 'Succeeded, two containers');
    assert.equal(podFinished(exited(3), 'Never'), true, 'Failed');
    assert.equal(podFinished(exited(3), 'OnFailure'), false, 'the kubelet restarts it');
    assert.equal(podFinished(exited(3), 'OnFailure', true), true, 'its Job gave up on it');
    assert.equal(podFinished(exited(0), 'Always'), false, 'a Deployment replica is restarted');
    const sidecarRuns = exited(0);
    sidecarRuns.containers.push({ id: 's', name: 's', state: 'running' } as ObservedPod['containers'][number]);
    assert.equal(podFinished(sidecarRuns, 'Never'), false, 'a container still runs');
    const portsHeld = { ...exited(0), sandbox: { id: 'p', name: 'p', state: 'running' } } as ObservedPod;
    assert.equal(podFinished(portsHeld, 'Never'), false, 'its sandbox still holds the ports');
  });
});
