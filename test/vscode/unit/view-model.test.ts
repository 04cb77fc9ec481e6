// The rows each view shows for one snapshot, what a new snapshot refreshes, and the count
// quick scale clicks lead to.
import * as assert from 'node:assert/strict';
import { PendingScale } from '../../../extension/client/pending-scale';
import { endpointRows } from '../../../extension/client/views/endpoints-model';
import { changedRows } from '../../../extension/client/views/rows';
import { swarmRows, topologyRows, type TopologyInput } from '../../../extension/client/views/topology-model';
import type { ReplicaStatus, StackStatus } from '../../../extension/engine/api/protocol';

const replica = (name: string, over: Partial<ReplicaStatus> = {}): ReplicaStatus => ({
  name,
  container: `c-${name}`,
  node: 'node-a',
  state: 'Running',
  ready: true,
  restarts: 0,
  address: '10.0.0.1:3000',
  cpuPercent: 1,
  ...over,
});

const status = (): StackStatus => ({
  stack: 'shop',
  dir: '/shop',
  controller: { running: true, dockerConnected: true },
  pending: [],
  deployments: [
    { name: 'web', desired: 1, ready: 1, replicas: [replica('web-1')] },
    { name: 'api', desired: 2, ready: 2, replicas: [replica('api-1'), replica('api-2')] },
  ],
  services: [
    {
      name: 'api',
      selector: { app: 'api' },
      urls: ['http://127.0.0.1:1', 'http://127.0.0.1:2'],
      ports: [
        { port: 80, targetPort: 3000, url: 'http://127.0.0.1:1' },
        { port: 9090, targetPort: 9090, url: 'http://127.0.0.1:2' },
      ],
      endpoints: [
        { replica: 'api-1', address: '10.0.0.1:3000', ready: true },
        { replica: 'api-2', address: '10.0.0.2:3000', ready: false },
        { replica: 'api-1', address: '10.0.0.1:9090', ready: true },
      ],
    },
  ],
});

const input = (s: StackStatus | undefined, over: Partial<TopologyInput> = {}): TopologyInput => ({
  stackName: 'shop',
  status: s,
  pendingScale: new Map(),
  now: 0,
  ...over,
});

describe('view rows', () => {
  it('heads the list with the stack, then deployments → replicas, each row saying what it is', () => {
    const m = topologyRows(input(status()));
    assert.deepEqual(m.roots, ['stack/shop', 'deployment/web', 'deployment/api']);
    assert.deepEqual(m.rows.get('stack/shop')?.children, []);
    assert.deepEqual(m.rows.get('deployment/api')?.children, ['replica/api-1', 'replica/api-2']);
    assert.equal(m.rows.get('stack/shop')?.accessibility, 'stack shop up · 3/3 ready');
    assert.equal(m.rows.get('deployment/api')?.accessibility, 'deployment api 2/2 ready');
    assert.equal(m.rows.get('replica/api-1')?.accessibility, 'replica api-1 Ready');
  });

  it('shows a swarm deployment in the same rows: the stack holding its nodes, each holding its replicas', () => {
    const s = status();
    s.controller = { running: false }; // what `flotilla status --target swarm` says: no local controller
    s.deployments[1].replicas[1] = replica('api-2', { node: 'n2', ready: false, state: 'Pending', container: '' });
    s.deployments[0].replicas[0].node = 'n2';
    s.deployments[1].replicas[0].node = 'n1';
    s.deployments[1].ready = 1;
    const m = swarmRows(s, 0);
    assert.deepEqual(m.roots, ['stack/shop']);
    assert.equal(m.rows.get('stack/shop')?.accessibility, 'stack shop degraded · 2/3 ready');
    assert.equal(m.rows.get('stack/shop')?.contextValue, 'flotilla.swarmStack');
    assert.deepEqual(m.rows.get('stack/shop')?.children, ['node/n1', 'node/n2']);
    assert.deepEqual(m.rows.get('node/n2')?.children, ['replica/api-2', 'replica/web-1']);
    assert.equal(m.rows.get('node/n2')?.accessibility, 'node n2 2 replicas');
    assert.equal(m.rows.get('node/n2')?.tooltip, 'n2: 2 replicas\napi-2 (Pending)\nweb-1 (Running)');
    // Topology's words for a replica, after its workload's name; none of the local controller's commands.
    const local = topologyRows(input(s)).rows.get('replica/api-2');
    assert.equal(m.rows.get('replica/api-2')?.description, `api · ${local?.description}`);
    assert.equal(m.rows.get('replica/web-1')?.accessibility, 'replica web-1 web · Ready');
    assert.equal(m.rows.get('replica/web-1')?.contextValue, 'flotilla.swarmReplica');
    assert.equal(m.rows.get('replica/web-1')?.parent, 'node/n2');
  });

  it('refreshes only the rows a snapshot changed, never the whole tree for a metric', () => {
    const before = topologyRows(input(status()));
    const s = status();
    s.deployments[1].replicas[0].cpuPercent = 55; // a metric: only its replica's tooltip
    assert.deepEqual(changedRows(before, topologyRows(input(s))), ['replica/api-1']);
    s.deployments[1].ready = 1;
    s.deployments[1].replicas[1].ready = false;
    assert.deepEqual(changedRows(before, topologyRows(input(s))), [
      'stack/shop',
      'deployment/api',
      'replica/api-1',
      'replica/api-2',
    ]);
    const none = topologyRows(input(undefined));
    assert.equal(changedRows(before, none), 'all');
  });

  it('says the kind of a workload that is not a Deployment, and lists Jobs with their pods', () => {
    const s = status();
    s.deployments[1].kind = 'StatefulSet';
    s.jobs = [
      {
        name: 'migrate',
        kind: 'Job',
        active: 0,
        succeeded: 1,
        failed: 0,
        completions: 1,
        condition: 'Complete',
        replicas: [replica('migrate-abc12', { state: 'Completed', ready: false })],
      },
    ];
    const m = topologyRows(input(s));
    assert.equal(m.rows.get('deployment/api')?.accessibility, 'statefulset api StatefulSet · 2/2 ready');
    assert.equal(m.rows.get('deployment/web')?.accessibility, 'deployment web 1/1 ready');
    assert.equal(m.rows.get('job/migrate')?.description, 'Job · complete');
    assert.deepEqual(m.rows.get('job/migrate')?.children, ['replica/migrate-abc12']);
  });

  it('shows the stack building, one row per image at its step, while it starts', () => {
    const m = topologyRows(
      input(undefined, {
        starting: {
          builds: [
            { image: 'shop/api', state: 'building', step: 3, total: 9, instruction: 'RUN npm ci' },
            { image: 'shop/web', state: 'cached' },
          ],
        },
      }),
    );
    assert.equal(m.rows.get('stack/shop')?.description, 'building 1 of 2 images');
    assert.equal(m.rows.get('build/shop/api')?.accessibility, 'image shop/api 3/9 · RUN');
    assert.equal(m.rows.get('build/shop/web')?.description, 'up to date');
  });

  it('counts exactly the endpoints it lists under a service', () => {
    const m = endpointRows(status());
    const listed = [...m.rows.values()].filter((r) => r.node.kind === 'endpoint');
    assert.equal(listed.length, 3);
    const ready = listed.filter((r) => r.description?.endsWith('· ready')).length;
    assert.equal(m.rows.get('service/api')?.description, `${ready}/${listed.length} endpoints ready`);
  });

  it('lists endpoints under the service itself when it publishes no URL', () => {
    const s = status();
    s.services[0].ports = [{ port: 80, targetPort: 3000, error: 'port in use' }];
    s.services[0].urls = [];
    const m = endpointRows(s);
    assert.equal(m.rows.get('service/api')?.children.length, 3);
    assert.equal(m.rows.get('service/api')?.description, '2/3 endpoints ready · ⚠');
  });
});

describe('pending scale clicks', () => {
  it('three quick +1 clicks lead to three more, whatever the snapshots say meanwhile', () => {
    const p = new PendingScale();
    const a = p.begin('web', +1);
    const b = p.begin('web', +1);
    const c = p.begin('web', +1);
    assert.equal(p.target('web', 1), 4);
    a(2);
    assert.equal(p.target('web', 1), 4, 'a stale snapshot still says 1');
    b(3);
    c(4);
    assert.equal(p.target('web', 1), 4);
    p.onSnapshot(() => 4); // the snapshot shows the result: nothing is pending any more
    assert.equal(p.target('web', 4), undefined);
  });

  it('a failed click is forgotten', () => {
    const p = new PendingScale();
    p.begin('web', -1)(undefined);
    assert.equal(p.target('web', 2), undefined);
  });

  it('sends the clicks of one deployment one after the other', async () => {
    const p = new PendingScale();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = p.inOrder('web', async () => {
      order.push('first sent');
      await gate;
      order.push('first answered');
    });
    const second = p.inOrder('web', async () => {
      order.push('second sent');
    });
    await Promise.resolve();
    assert.deepEqual(order, ['first sent']);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first sent', 'first answered', 'second sent']);
  });
});
