// Replicas by node: every replica under the node it runs on, nodes and replicas in order.
import assert from 'node:assert/strict';
import type { ReplicaStatus, StackStatus } from '../../../extension/engine/api/protocol';
import { replicasByNode } from '../../../extension/client/views/by-node';

const replica = (name: string, node: string, over: Partial<ReplicaStatus> = {}): ReplicaStatus => ({
  name,
  container: `c-${name}`,
  node,
  state: node ? 'Running' : 'Pending',
  ready: !!node,
  restarts: 0,
  ...over,
});

describe('replicas by node', () => {
  it('groups replicas under their node, sorted, with unscheduled ones apart; a finished Job pod holds no place', () => {
    const status: StackStatus = {
      stack: 'shop',
      dir: '/x',
      controller: { running: false },
      deployments: [
        { name: 'web', desired: 2, ready: 2, replicas: [replica('web-2', 'n3'), replica('web-1', 'n1')] },
        {
          name: 'api',
          desired: 3,
          ready: 2,
          replicas: [replica('api-10', 'n1'), replica('api-2', 'n1'), replica('api-3', '')],
        },
      ],
      jobs: [
        {
          name: 'migrate',
          kind: 'Job',
          active: 1,
          succeeded: 1,
          failed: 0,
          replicas: [replica('migrate-a', 'n3', { state: 'Completed', ready: false }), replica('migrate-b', 'n3')],
        },
      ],
      services: [],
      pending: [],
    };
    const by = replicasByNode(status);
    assert.deepEqual([...by.keys()], ['(not scheduled)', 'n1', 'n3']);
    assert.deepEqual(
      by.get('n1')?.map((x) => `${x.workload}/${x.replica.name}`),
      ['api/api-2', 'api/api-10', 'web/web-1'],
    );
    assert.deepEqual(
      by.get('n3')?.map((x) => x.replica.name),
      ['migrate-b', 'web-2'],
    );
  });
});
