import * as assert from 'node:assert/strict';
import { ServiceBalancer } from '../../extension/engine/balancer/service-balancer';
import {
  HTTP_SERVER,
  docker,
  httpGet,
  load,
  removeStackContainers,
  runContainer,
  testStack,
  waitFor,
  type TestContainer,
} from './balancer-support';

describe('ServiceBalancer (real engine)', function () {
  this.timeout(120_000);
  const stack = testStack();
  let lb: ServiceBalancer;
  let cs: TestContainer[];
  const eps = (list: TestContainer[]) => list.map((c) => ({ replica: c.name, host: c.ip, port: 8080 }));

  before(async () => {
    cs = await Promise.all(['web-a', 'web-b', 'web-c'].map((n) => runContainer(stack, n, HTTP_SERVER)));
    for (const c of cs) await waitFor(`${c.name} to answer`, async () => (await httpGet(8080, c.ip)).body === c.name);
    lb = new ServiceBalancer({ service: 'web', port: 80, hostPort: 0, bindAddress: '127.0.0.1' });
    await lb.listen();
  });
  after(async () => {
    await lb?.close(0);
    await removeStackContainers(stack);
  });

  it('spreads traffic across all three containers', async () => {
    lb.setEndpoints(eps(cs));
    const { bodies, errors } = await load(lb.address.port, 300, 10);
    assert.deepEqual(errors, []);
    for (const c of cs) assert.ok((bodies.get(c.name) ?? 0) >= 80, `${c.name} served ${bodies.get(c.name)} of 300`);
    const st = lb.stats();
    assert.deepEqual(
      st.map((s) => s.replica),
      ['web-a', 'web-b', 'web-c'],
    );
    for (const s of st) assert.ok((s.bytesOut ?? 0) > 0 && (s.bytesIn ?? 0) > 0);
  });

  it('gives a container removed from the endpoints no new connections', async () => {
    const before = lb.stats().find((s) => s.replica === 'web-c')!.totalConnections;
    lb.setEndpoints(eps(cs.slice(0, 2)));
    const { bodies, errors } = await load(lb.address.port, 60, 5);
    assert.deepEqual(errors, []);
    assert.equal(bodies.get('web-c'), undefined);
    assert.equal(bodies.get('web-a'), 30);
    assert.equal(bodies.get('web-b'), 30);
    assert.equal(lb.stats().find((s) => s.replica === 'web-c')?.totalConnections ?? before, before);
  });

  it('loses no request when a container is killed under load while others are Ready', async () => {
    lb.setEndpoints(eps(cs));
    const victim = cs[1];
    let killed: Promise<void> | undefined;
    const run = load(lb.address.port, 2000, 20, (done) => {
      if (done === 400 && !killed) {
        // As the controller does: kill, and on the container's exit drop it from the endpoints.
        killed = (async () => {
          const c = docker.getContainer(victim.id);
          await c.kill();
          await c.wait();
          lb.setEndpoints(eps(cs.filter((x) => x !== victim)));
        })();
      }
    });
    const { bodies, errors } = await run;
    await killed;
    assert.deepEqual(errors, []);
    const total = [...bodies.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, 2000);
    assert.ok((bodies.get(victim.name) ?? 0) > 0, 'the victim served before it died');
    assert.ok((bodies.get('web-a') ?? 0) > 500 && (bodies.get('web-c') ?? 0) > 500);
  });
});
