import * as assert from 'node:assert/strict';
import { StatsSampler } from '../../extension/engine/scaler/stats-sampler';
import { docker, removeStackContainers, runContainer, testStack, waitFor } from './balancer-support';

describe('StatsSampler (real engine)', function () {
  this.timeout(120_000);
  const stack = testStack();
  const sampler = new StatsSampler(docker);
  after(async () => {
    sampler.stop();
    await removeStackContainers(stack);
  });

  it('shows a busy-loop container high on CPU and an idle one low, from streamed stats', async () => {
    const [busy, idle] = await Promise.all([
      runContainer(stack, 'busy', 'for(;;){}'),
      runContainer(stack, 'idle', 'setInterval(()=>{},1e9)'),
    ]);
    sampler.track([busy.id, idle.id]);
    assert.equal(sampler.size, 2);
    // A few samples in, a spinning process uses most of a core; an idle one almost none.
    const [b, i] = await waitFor(
      'samples that tell busy from idle',
      () => {
        const b = sampler.get(busy.id);
        const i = sampler.get(idle.id);
        return b && i && b.cpuPercent > 30 && i.cpuPercent < 5 ? [b, i] : undefined;
      },
      60_000,
    );
    assert.ok(b.cpuMilli > 300, `busy ${b.cpuMilli}m`);
    assert.ok(i.memoryBytes > 1_000_000 && i.memoryBytes < 200 * 2 ** 20, `idle memory ${i.memoryBytes}`);
    assert.deepEqual([...sampler.usage().keys()].sort(), [busy.id, idle.id].sort());

    sampler.track([idle.id]);
    assert.equal(sampler.get(busy.id), undefined, 'untracked containers lose their stream and sample');
    assert.equal(sampler.size, 1);
  });
});
