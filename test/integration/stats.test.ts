// Container usage read on demand against the real engine, from both sources: the local
// cgroup files and the Engine API (the path for remote engines and Docker Desktop). A
// busy-loop container reads high on CPU and an idle one low, memory is in a sane range, and
// nothing stays open between samples.
import * as assert from 'node:assert/strict';
import { UsageSampler } from '../../extension/engine/scaler/usage-sampler';
import { docker, removeStackContainers, runContainer, testStack, waitFor } from './balancer-support';

describe('UsageSampler (real engine)', function () {
  this.timeout(120_000);
  const stack = testStack();
  let busy = '';
  let idle = '';
  before(async () => {
    const [b, i] = await Promise.all([
      runContainer(stack, 'busy', 'for(;;){}'),
      runContainer(stack, 'idle', 'setInterval(()=>{},1e9)'),
    ]);
    busy = b.id;
    idle = i.id;
  });
  after(() => removeStackContainers(stack));

  for (const source of ['cgroup', 'engine'] as const) {
    it(`tells a busy container from an idle one, from ${source === 'cgroup' ? 'cgroup files' : 'the Engine API'}`, async () => {
      const sampler = new UsageSampler(docker, { source });
      await sampler.sample([busy, idle]);
      assert.equal(sampler.get(busy), undefined, 'one reading gives no rate yet');
      // Each sample is a rate against the previous one: a spinning process uses most of a core.
      const [b, i] = await waitFor(
        'samples that tell busy from idle',
        async () => {
          await sampler.sample([busy, idle]);
          const b = sampler.get(busy);
          const i = sampler.get(idle);
          return b && i && b.cpuPercent > 30 && i.cpuPercent < 5 ? [b, i] : undefined;
        },
        60_000,
      );
      assert.ok(b.cpuMilli > 300, `busy ${b.cpuMilli}m`);
      assert.ok(i.memoryBytes > 1_000_000 && i.memoryBytes < 200 * 2 ** 20, `idle memory ${i.memoryBytes}`);
      assert.deepEqual([...sampler.usage().keys()].sort(), [busy, idle].sort());
      sampler.retain([idle]);
      assert.equal(sampler.get(busy), undefined, 'a container no longer asked for is forgotten');
      assert.equal(sampler.size, 1);
    });
  }

  it('picks the cgroup files on this local engine', async () => {
    assert.equal(await new UsageSampler(docker).sourceKind(idle), 'cgroup');
  });
});
