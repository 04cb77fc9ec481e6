// The proxy program's single-Service mode (what the Swarm target runs) against the
// real engine: its image built by buildProxyImage, endpoints learnt by resolving a
// name that Docker's DNS answers with the backends' addresses (as `tasks.<service>`
// on a Swarm network), Service port → target port, and refused when no backend is left.
import assert from 'node:assert/strict';
import { LABELS } from '../../extension/engine/docker/labels';
import {
  buildProxyImage,
  LOCAL_NODE_BASE,
  PROXY_IMAGE_LABEL,
  PROXY_NODE_FLAGS,
} from '../../extension/engine/proxy/proxy-image';
import { docker, uniqueName, waitFor } from '../support/stack-fixture';
import { ensureNodeImage } from '../support/node-image';
import { httpFrom } from './proxy-support';

const SERVER = `require('http').createServer((q, s) => s.end(process.env.ID)).listen(8080)`;

describe('Service proxy, single-Service mode (real engine)', function () {
  this.timeout(120_000);
  const name = uniqueName('t-proxy1');
  const tag = `flotilla.local/proxy-test:${name}`;
  const labels = { [LABELS.stack]: name };
  const ids: Record<string, string> = {};

  async function run(key: string, opts: { image: string; cmd: string[]; aliases?: string[]; env?: string[] }) {
    const c = await docker.createContainer({
      name: `${name}-${key}`,
      Image: opts.image,
      Cmd: opts.cmd,
      Env: opts.env,
      Labels: labels,
      HostConfig: { Init: true, NetworkMode: name },
      NetworkingConfig: { EndpointsConfig: { [name]: { Aliases: opts.aliases ?? [] } } },
    });
    await c.start();
    ids[key] = c.id;
  }

  before(async () => {
    await ensureNodeImage(docker);
    await docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels });
  });

  after(async () => {
    const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${name}`] } });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await docker
      .getNetwork(name)
      .remove()
      .catch(() => undefined);
    await docker
      .getImage(tag)
      .remove()
      .catch(() => undefined);
  });

  it('builds its image once for a program and base, labelled as asked', async () => {
    const first = await buildProxyImage(docker, { tag, base: LOCAL_NODE_BASE, labels });
    const again = await buildProxyImage(docker, { tag, base: LOCAL_NODE_BASE, labels });
    assert.equal(again.cached, true);
    assert.equal(again.id, first.id);
    const info = await docker.getImage(tag).inspect();
    assert.equal(info.Config.Labels?.[LABELS.stack], name);
    assert.ok(info.Config.Labels?.[PROXY_IMAGE_LABEL]);
    assert.deepEqual(info.Config.Entrypoint, ['node', ...PROXY_NODE_FLAGS, '/flotilla/proxy.js']);
  });

  it('forwards its Service port to the target port of every address the name resolves to, and refuses when none is left', async () => {
    await run('a', { image: LOCAL_NODE_BASE, cmd: ['node', '-e', SERVER], aliases: ['web-tasks'], env: ['ID=a'] });
    await run('b', { image: LOCAL_NODE_BASE, cmd: ['node', '-e', SERVER], aliases: ['web-tasks'], env: ['ID=b'] });
    await run('proxy', {
      image: tag,
      cmd: [
        '--source',
        'dns',
        '--service',
        'web',
        '--lookup',
        'web-tasks',
        '--listen',
        '0.0.0.0',
        '--port',
        '80:8080/http',
        '--interval-ms',
        '200',
      ],
      aliases: ['web'],
    });
    await run('client', { image: LOCAL_NODE_BASE, cmd: ['sleep', '600'] });
    const client = ids.client;
    await waitFor('both backends behind web:80', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await httpFrom(client, 'http://web/'));
      return seen.has('200 a') && seen.has('200 b');
    });
    await docker.getContainer(ids.a).stop({ t: 1 });
    await waitFor('only b left', async () => {
      for (let i = 0; i < 4; i++) if ((await httpFrom(client, 'http://web/')) !== '200 b') return false;
      return true;
    });
    await docker.getContainer(ids.b).stop({ t: 1 });
    await waitFor('refused with no backend', async () => (await httpFrom(client, 'http://web/')) === 'ECONNREFUSED');
    await docker.getContainer(ids.a).start();
    await waitFor('served again', async () => (await httpFrom(client, 'http://web/')) === '200 a');
  });
});
