// Pure graph derivation: selector edges, env dependency edges, node states.
import * as assert from 'node:assert/strict';
import { buildGraph, namesHost } from '../../../extension/client/graph/model';
import type { StackStatus } from '../../../extension/engine/api/protocol';

const status = (): StackStatus => ({
  stack: 's',
  dir: '/s',
  controller: { running: true },
  pending: [],
  deployments: [
    {
      name: 'web',
      desired: 1,
      ready: 1,
      replicas: [{ name: 'web-1', container: 'c', node: 'n', state: 'Running', ready: true, restarts: 0 }],
    },
    { name: 'api', desired: 2, ready: 1, replicas: [] },
    { name: 'apiary', desired: 0, ready: 0, replicas: [] },
  ],
  services: [
    {
      name: 'web',
      selector: { app: 'web' },
      urls: ['http://127.0.0.1:1'],
      ports: [],
      endpoints: [{ replica: 'web-1', address: 'x:1', ready: true }],
    },
    { name: 'api', selector: { app: 'api' }, urls: [], ports: [], endpoints: [] },
  ],
});

describe('graph model', () => {
  it('links Services to the Deployments whose pod labels match the selector', () => {
    const g = buildGraph(status(), {
      deployments: [
        { name: 'web', labels: { app: 'web', tier: 'fe' }, envValues: ['http://api:3000'] },
        { name: 'api', labels: { app: 'api' }, envValues: [] },
        { name: 'apiary', labels: { app: 'apiary' }, envValues: ['apiserver:1', 'rapid'] },
      ],
      services: [
        { name: 'web', selector: { app: 'web' } },
        { name: 'api', selector: { app: 'api' } },
      ],
    });
    assert.deepEqual(g.edges.map((e) => `${e.from}>${e.to}:${e.kind}`).sort(), [
      'deployment/web>service/api:depends',
      'service/api>deployment/api:selects',
      'service/web>deployment/web:selects',
    ]);
    assert.deepEqual(Object.fromEntries(g.nodes.map((n) => [n.id, n.state])), {
      'deployment/web': 'ok',
      'deployment/api': 'progressing',
      'deployment/apiary': 'idle',
      'service/web': 'ok',
      'service/api': 'idle',
    });
  });

  it('labels a workload of another kind with its kind', () => {
    const s = status();
    s.deployments[1].kind = 'StatefulSet';
    const g = buildGraph(s, { deployments: [], services: [] });
    const label = (id: string) => g.nodes.find((n) => n.id === id)?.label;
    assert.equal(label('deployment/api'), 'StatefulSet · 1/2 ready');
    assert.equal(label('deployment/web'), '1/1 ready');
  });

  it("marks a workload failing when a replica cannot run, and says kubectl's reason", () => {
    const s = status();
    s.deployments[1].replicas = [
      { name: 'api-1', container: '', node: '', state: 'Creating', ready: false, restarts: 2, reason: 'Init:Error' },
      { name: 'api-2', container: '', node: '', state: 'Creating', ready: false, restarts: 0, reason: 'Init:0/1' },
    ];
    s.deployments[1].ready = 0;
    const g = buildGraph(s, { deployments: [], services: [] });
    const api = g.nodes.find((n) => n.id === 'deployment/api');
    assert.equal(api?.state, 'failing');
    assert.equal(api?.label, '0/2 · Init:Error');
    assert.equal(api?.detail, 'api-1: Init:Error');
    // Still starting (Init:0/1) is progress, not failure.
    s.deployments[1].replicas[0].reason = 'PodInitializing';
    const again = buildGraph(s, { deployments: [], services: [] }).nodes.find((n) => n.id === 'deployment/api');
    assert.equal(again?.state, 'progressing');
    assert.equal(again?.label, '0/2 ready');
    assert.equal(again?.detail, undefined);
  });

  it('falls back to observed endpoints when manifests give no labels', () => {
    const g = buildGraph(status(), { deployments: [], services: [] });
    assert.deepEqual(g.edges, [{ from: 'service/web', to: 'deployment/web', kind: 'selects' }]);
  });

  it('recognises a Service name only as a whole host name', () => {
    for (const v of ['api', 'http://api:3000', 'api.default.svc.cluster.local', 'tcp://api', 'host=api;port=1']) {
      assert.ok(namesHost(v, 'api'), v);
    }
    for (const v of ['apiary', 'rapid', 'my-api', 'api-gw:80', 'API_URL']) assert.ok(!namesHost(v, 'api'), v);
  });
});
