// Removing a stack's network right after its containers: a busy dockerd answers "has active
// endpoints" for a moment; `down` waits for it, and says what to do when it does not clear.
import * as assert from 'node:assert/strict';
import { removeNetwork } from '../../extension/engine/docker/network';
import { LABELS } from '../../extension/engine/docker/labels';
import { FakeDocker } from '../support/fake-docker';

/** A network that refuses removal with dockerd's 403 the first `refusals` times. */
class StickyEndpoints extends FakeDocker {
  attempts = 0;
  constructor(private readonly refusals: number) {
    super();
  }
  override getNetwork(id: string): { remove(): Promise<unknown> } {
    const inner = super.getNetwork(id);
    return {
      remove: async () => {
        if (this.attempts++ < this.refusals) {
          throw Object.assign(
            new Error(`(HTTP code 403) unexpected - error while removing network: network ${id} has active endpoints`),
            { statusCode: 403 },
          );
        }
        return inner.remove();
      },
    };
  }
}

async function withNetwork(docker: FakeDocker): Promise<void> {
  await docker.createNetwork({ Name: 'flotilla_web', Labels: { [LABELS.stack]: 'web' } });
}

describe('removeNetwork', () => {
  it("waits while dockerd still holds the removed containers' endpoints, then removes the network", async () => {
    const docker = new StickyEndpoints(3);
    await withNetwork(docker);
    assert.equal(await removeNetwork(docker, 'web'), true);
    assert.equal(docker.attempts, 4);
    assert.equal(docker.networks.size, 0);
  });

  it('gives up after a while with what to check, naming the network', async () => {
    const docker = new StickyEndpoints(Infinity);
    await withNetwork(docker);
    await assert.rejects(
      removeNetwork(docker, 'web', 1500),
      /active endpoints on network flotilla_web .*docker network inspect flotilla_web/,
    );
    assert.equal(docker.networks.size, 1);
  });

  it('does not retry other refusals', async () => {
    const docker = new FakeDocker();
    await withNetwork(docker);
    const net = [...docker.networks.keys()][0];
    docker.getNetwork = () => ({
      remove: () => Promise.reject(Object.assign(new Error('permission denied'), { statusCode: 500 })),
    });
    await assert.rejects(removeNetwork(docker, 'web'), /permission denied/);
    assert.ok(docker.networks.has(net));
  });
});
