// Two stacks side by side, with the same deployment and Service names: each one's
// scale, rolling restart, healing and down leave the other's containers, network
// and load balancer exactly as they were, and each balancer serves only its own
// replicas. A second folder claiming a running stack's name is refused.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type Docker from 'dockerode';
import { downStack } from '../../extension/engine/controller/controller';
import { networkName } from '../../extension/engine/docker/labels';
import {
  docker,
  removeStack,
  stackContainers,
  stackFile,
  startStack,
  uniqueName,
  waitFor,
  writeStack,
  type Running,
} from '../support/stack-fixture';
import { ensureBusyboxImage } from '../support/base-images';
import { deployment, httpdShell, manifests, service } from '../support/manifests';

function web(whoami: string, replicas: number): string {
  return manifests(deployment('web', { replicas, port: 8080, shell: httpdShell(8080, whoami) }), service('web'));
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

type Snap = Map<string, string>; // container id → StartedAt
async function snapshot(stack: string): Promise<Snap> {
  const m: Snap = new Map();
  for (const c of await stackContainers(stack)) {
    m.set(c.Id, (await docker.getContainer(c.Id).inspect()).State.StartedAt);
  }
  return m;
}

describe('two stacks side by side (real Docker)', function () {
  this.timeout(180_000);
  let a: string;
  let b: string;
  const runs: Running[] = [];

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    a = uniqueName('t-iso-a');
    b = uniqueName('t-iso-b');
  });
  afterEach(async () => {
    for (const r of runs.splice(0)) await r.stop();
    await removeStack(a);
    await removeStack(b);
  });

  it('scale, rollout, healing and down of one leave the other untouched', async () => {
    const ra = await startStack(writeStack({ 'flotilla.yaml': stackFile(a), 'k8s/app.yaml': web('stack-a', 2) }));
    runs.push(ra);
    const rb = await startStack(writeStack({ 'flotilla.yaml': stackFile(b), 'k8s/app.yaml': web('stack-b', 2) }));
    runs.push(rb);
    const ready = (r: Running, n: number) => async () => {
      const list = await stackContainers(r.ctl.stack.name);
      return list.length === n && list.every((c) => c.State === 'running') && r.ctl.status().deployments[0].ready === n;
    };
    await waitFor('A ready', ready(ra, 2));
    await waitFor('B ready', ready(rb, 2));
    const urlA = await waitFor('A url', () => ra.ctl.status().services[0]?.urls[0]);
    const urlB = await waitFor('B url', () => rb.ctl.status().services[0]?.urls[0]);
    assert.notEqual(urlA, urlB, 'each stack has its own balancer port');
    const onlyOwn = async (url: string, who: string) => {
      for (let i = 0; i < 12; i++) assert.equal(await get(url), who, `${url} serves only ${who}`);
    };
    await waitFor('A balancer serves', async () => (await get(urlA)) === 'stack-a');
    await waitFor('B balancer serves', async () => (await get(urlB)) === 'stack-b');
    await onlyOwn(urlA, 'stack-a');
    await onlyOwn(urlB, 'stack-b');

    // Each network holds only its own stack's containers.
    const members = async (stack: string) =>
      Object.keys((await docker.getNetwork(networkName(stack)).inspect()).Containers ?? {});
    const idsB = new Set((await stackContainers(b)).map((c) => c.Id));
    assert.ok(
      (await members(a)).every((id) => !idsB.has(id)),
      "no B container on A's network",
    );

    // A: scale up, roll, heal, scale down. B must not notice.
    const bBefore = await snapshot(b);
    ra.ctl.scale('web', 3);
    await waitFor('A at 3', ready(ra, 3));
    const hashA = new Set((await stackContainers(a)).map((c) => c.Labels['dev.flotilla.pod-template-hash']));
    ra.ctl.restart('web');
    await waitFor(
      'A rolled',
      async () =>
        (await ready(ra, 3)()) &&
        (await stackContainers(a)).every((c) => !hashA.has(c.Labels['dev.flotilla.pod-template-hash'])),
      90_000,
    );
    const victimA = (await stackContainers(a))[0];
    await docker.getContainer(victimA.Id).kill();
    await waitFor(
      'A healed',
      async () => (await ready(ra, 3)()) && ra.ctl.status().deployments[0].replicas.some((r) => r.restarts >= 1),
    );
    ra.ctl.scale('web', 1);
    await waitFor('A at 1', ready(ra, 1));
    await rb.ctl.idle();
    assert.deepEqual(await snapshot(b), bBefore, "B's containers are the same, never restarted");
    assert.equal(
      rb.ctl.status().deployments[0].replicas.reduce((s, r) => s + r.restarts, 0),
      0,
      'B counted no restarts',
    );
    await onlyOwn(urlB, 'stack-b');

    // B: heal one replica. A must not notice.
    const aBefore = await snapshot(a);
    const victimB = (await stackContainers(b))[0];
    await docker.getContainer(victimB.Id).kill();
    await waitFor(
      'B healed',
      async () => (await ready(rb, 2)()) && rb.ctl.status().deployments[0].replicas.some((r) => r.restarts >= 1),
    );
    await ra.ctl.idle();
    assert.deepEqual(await snapshot(a), aBefore, "A unchanged by B's healing");

    // Down A: B keeps running, its network and balancer intact.
    const bBeforeDown = await snapshot(b);
    await ra.stop();
    runs.splice(runs.indexOf(ra), 1);
    await downStack(docker, a, () => 1);
    assert.equal((await stackContainers(a)).length, 0);
    assert.deepEqual(await snapshot(b), bBeforeDown, "B unchanged by A's down");
    await docker.getNetwork(networkName(b)).inspect();
    await onlyOwn(urlB, 'stack-b');
  });

  it('a second folder cannot run a stack under a name that is already running', async () => {
    const ra = await startStack(writeStack({ 'flotilla.yaml': stackFile(a), 'k8s/app.yaml': web('first', 1) }));
    runs.push(ra);
    await waitFor(
      'first ready',
      async () => (await stackContainers(a)).filter((c: Docker.ContainerInfo) => c.State === 'running').length === 1,
    );
    const before = await snapshot(a);
    await assert.rejects(
      startStack(writeStack({ 'flotilla.yaml': stackFile(a), 'k8s/app.yaml': web('second', 3) })),
      /already running from/,
    );
    assert.deepEqual(await snapshot(a), before, 'the running stack is untouched');
  });
});
