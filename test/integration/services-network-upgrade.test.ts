// A stack network made by an older Flotilla (no IPAM range) against the real engine:
// with nothing attached it is made again with a Service range; with containers
// attached the stack keeps the older alias layout and says so.
import assert from 'node:assert/strict';
import type { EngineEvent } from '../../extension/engine/api/protocol';
import { downStack } from '../../extension/engine/controller/controller';
import { LABELS, networkName } from '../../extension/engine/docker/labels';
import { createController, prepareStack } from '../../extension/engine/runner';
import { ensureBusyboxImage } from '../support/base-images';
import { docker, httpDeployment, stackFile, uniqueName, waitFor, writeStack } from '../support/stack-fixture';
import type { StackController } from '../../extension/engine/controller/controller';

describe('stack network from an older Flotilla (real engine)', function () {
  this.timeout(120_000);
  let name: string;
  let ctl: StackController | undefined;
  let squatter: string | undefined;
  const events: EngineEvent[] = [];

  async function up(dir: string): Promise<StackController> {
    const c = createController(docker, await prepareStack(docker, dir));
    c.on('event', (e) => events.push(e));
    await c.start();
    return c;
  }

  async function oldNetwork(dir: string): Promise<string> {
    const net = await docker.createNetwork({
      Name: networkName(name),
      Driver: 'bridge',
      Labels: { [LABELS.stack]: name, [LABELS.stackDir]: dir },
    });
    return net.id;
  }

  beforeEach(async () => {
    await ensureBusyboxImage(docker);
    name = uniqueName('t-oldnet');
    events.length = 0;
  });

  afterEach(async () => {
    await ctl?.stop(false);
    ctl = undefined;
    if (squatter) await docker.getContainer(squatter).remove({ force: true });
    squatter = undefined;
    await downStack(docker, name, () => 0);
  });

  it('is made again with a Service range when nothing is attached to it', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
    const old = await oldNetwork(dir);
    ctl = await up(dir);
    const [net] = await docker.listNetworks({ filters: { name: [networkName(name)] } });
    assert.notEqual(net.Id, old);
    assert.ok(net.IPAM?.Config?.[0]?.IPRange, 'the new network has an IPRange');
    await waitFor('web Ready with a ClusterIP', () => {
      const st = ctl?.status();
      return st?.deployments[0].ready === 1 && st.services[0].clusterIP;
    });
    assert.equal(
      events.find((e) => e.reason === 'NoClusterIPs'),
      undefined,
    );
  });

  it('keeps the alias layout, and says how to leave it, while containers are attached', async () => {
    const dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
    const old = await oldNetwork(dir);
    // Something of the old stack still attached (here a container of the stack without a replica label).
    const c = await docker.createContainer({
      Image: 'flotilla.local/busybox:1',
      Cmd: ['sleep', '600'],
      Labels: { [LABELS.stack]: name },
      HostConfig: { NetworkMode: networkName(name) },
    });
    squatter = c.id;
    await c.start();
    ctl = await up(dir);
    const warning = events.find((e) => e.reason === 'NoClusterIPs');
    assert.ok(warning, 'a warning says why');
    assert.match(warning.message, /older Flotilla.*flotilla down.*up/);
    const [net] = await docker.listNetworks({ filters: { name: [networkName(name)] } });
    assert.equal(net.Id, old, 'the network in use is kept');
    await waitFor('web Ready', () => ctl?.status().deployments[0].ready === 1);
    assert.equal(ctl.status().services[0].clusterIP, undefined);
    const [web] = await docker.listContainers({
      filters: { label: [`${LABELS.stack}=${name}`, `${LABELS.deployment}=web`] },
    });
    const info = await docker.getContainer(web.Id).inspect();
    assert.ok(info.NetworkSettings.Networks[networkName(name)].Aliases?.includes('web'), 'the replica answers to web');
    assert.deepEqual(
      await docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${name}`, LABELS.proxy] } }),
      [],
      'no proxy in the alias layout',
    );
  });
});
