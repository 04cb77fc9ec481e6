// Only its own: containers, networks and images the stack did not create are
// never changed or removed, however much they look like the stack's. Decoys with
// the same Docker names, look-alike labels and another stack's labels sit next
// to a stack that builds, scales up and down, rolls, heals and goes down; each
// decoy must come out exactly as it went in (same id, state, start time, tags).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { downStack } from '../../extension/engine/controller/controller';
import { networkName } from '../../extension/engine/docker/labels';
import {
  docker,
  httpDeployment,
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

const BUSYBOX = 'flotilla.local/busybox:1';

interface Snapshot {
  id: string;
  state: string;
  startedAt: string;
  restartCount: number;
  finishedAt: string;
}

async function snap(id: string): Promise<Snapshot> {
  const i = await docker.getContainer(id).inspect();
  return {
    id: i.Id,
    state: i.State.Status,
    startedAt: i.State.StartedAt,
    restartCount: i.RestartCount,
    finishedAt: i.State.FinishedAt,
  };
}

describe('decoys: the stack touches only what it created (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let run: Running | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-decoy');
  });
  afterEach(async () => {
    await run?.stop();
    run = undefined;
    await removeStack(name);
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function container(opts: Docker.ContainerCreateOptions, start: boolean): Promise<string> {
    const c = await docker.createContainer({ Image: BUSYBOX, HostConfig: { Init: true }, ...opts });
    cleanups.push(() => c.remove({ force: true }));
    if (start) await c.start();
    return c.id;
  }

  it('containers, networks and images that only look like the stack survive build, scale, rollout, healing and down', async () => {
    const image = `${name}/web`;
    const dir = writeStack({
      'flotilla.yaml': stackFile(name, `build:\n  - {image: ${image}, context: app}\n`),
      'app/Dockerfile': `FROM ${BUSYBOX}\nRUN echo v1 > /version\n`,
      'k8s/app.yaml': httpDeployment('web', 2, { image }),
    });

    // -- decoy images: the tag the stack builds, held by another stack's image; a look-alike tag; an image with our stack label but another tag.
    const tagBuild = async (tag: string, label: Record<string, string>) => {
      const dockerfile = `FROM ${BUSYBOX}\nLABEL ${Object.entries(label)
        .map(([k, v]) => `"${k}"="${v}"`)
        .join(' ')}\nRUN echo ${tag} > /decoy\n`;
      const r = spawnSync('docker', ['build', '-q', '-t', tag, '-'], { input: dockerfile, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const i = await docker.getImage(tag).inspect();
      cleanups.push(() => docker.getImage(i.Id).remove({ force: true }));
      return i.Id;
    };
    const imgSameTag = await tagBuild(`${image}:latest`, {
      'dev.flotilla.stack': `${name}-other`,
      'dev.flotilla.context-hash': 'x',
    });
    const imgLookAlike = await tagBuild(`${image}-decoy:latest`, { 'dev.flotilla.stack': name });

    // -- decoy containers
    const decoys: Record<string, string> = {
      // the Docker name a replica of this stack would have, no labels
      sameName: await container({ name: `${name}_web-0000000000-decoy`, Cmd: ['sleep', '600'] }, true),
      // another stack whose name extends ours, same deployment, same service alias
      otherStack: await container(
        {
          name: `${name}-other_web-1`,
          Cmd: ['sleep', '600'],
          Labels: {
            'dev.flotilla.stack': `${name}-other`,
            'dev.flotilla.deployment': 'web',
            'dev.flotilla.replica': 'web-1111111111-abcde',
            'dev.flotilla.pod-template-hash': '1111111111',
            'dev.flotilla.node': 'local',
          },
        },
        true,
      ),
      // another stack's replica that exited: must not be restarted by our controller
      otherExited: await container(
        {
          Cmd: ['sh', '-c', 'exit 3'],
          Labels: {
            'dev.flotilla.stack': `${name}-other`,
            'dev.flotilla.deployment': 'web',
            'dev.flotilla.replica': 'web-1111111111-fghjk',
          },
        },
        true,
      ),
      // our deployment and replica labels, but no stack label
      noStack: await container(
        {
          Cmd: ['sleep', '600'],
          Labels: { 'dev.flotilla.deployment': 'web', 'dev.flotilla.replica': 'web-2222222222-abcde' },
        },
        true,
      ),
      // look-alike label keys and values
      lookAlikeKey: await container(
        {
          Cmd: ['sleep', '600'],
          Labels: {
            'dev.flotilla.stack-name': name,
            'dev.flotilla.stackx': name,
            'com.docker.compose.project': name,
            'dev.flotilla.deployment': 'web',
          },
        },
        true,
      ),
      caseVariant: await container(
        {
          Cmd: ['sleep', '600'],
          Labels: {
            'dev.flotilla.stack': name.toUpperCase(),
            'dev.flotilla.deployment': 'web',
            'dev.flotilla.replica': 'web-3333333333-abcde',
          },
        },
        true,
      ),
      prefixVariant: await container(
        {
          Cmd: ['sleep', '600'],
          Labels: {
            'dev.flotilla.stack': name.slice(0, -1),
            'dev.flotilla.deployment': 'web',
            'dev.flotilla.replica': 'web-4444444444-abcde',
          },
        },
        true,
      ),
      // created, never started, with another stack's labels
      otherCreated: await container(
        {
          Cmd: ['sleep', '600'],
          Labels: {
            'dev.flotilla.stack': `${name}-other`,
            'dev.flotilla.deployment': 'web',
            'dev.flotilla.replica': 'web-5555555555-abcde',
          },
        },
        false,
      ),
    };
    await waitFor('the exited decoy to exit', async () => (await snap(decoys.otherExited)).state === 'exited');

    // -- decoy networks: another stack's (name extends ours) and an unlabelled look-alike
    const netOther = await docker.createNetwork({
      Name: networkName(`${name}-other`),
      Labels: { 'dev.flotilla.stack': `${name}-other` },
    });
    cleanups.push(() => netOther.remove());
    const netPlain = await docker.createNetwork({ Name: `${networkName(name)}_decoy` });
    cleanups.push(() => netPlain.remove());
    await docker
      .getNetwork(netOther.id)
      .connect({ Container: decoys.otherStack, EndpointConfig: { Aliases: ['web'] } });

    const before = new Map<string, Snapshot>();
    for (const [k, id] of Object.entries(decoys)) before.set(k, await snap(id));

    // -- exercise the stack: build + up, scale up, scale down, rolling restart, heal, down
    run = await startStack(dir);
    const running = async (n: number) => {
      const list = await stackContainers(name);
      return list.length === n && list.every((c) => c.State === 'running');
    };
    await waitFor('2 replicas', () => running(2));
    run.ctl.scale('web', 4);
    await waitFor('4 replicas', () => running(4));
    run.ctl.scale('web', 1);
    await waitFor('1 replica', () => running(1));
    const hashBefore = (await stackContainers(name))[0].Labels['dev.flotilla.pod-template-hash'];
    run.ctl.restart('web');
    await waitFor(
      'rolled to a new template',
      async () =>
        (await running(1)) && (await stackContainers(name))[0].Labels['dev.flotilla.pod-template-hash'] !== hashBefore,
    );
    // A decoy from the other stack dies: our controller must not react.
    await docker.getContainer(decoys.otherStack).kill();
    const mine = (await stackContainers(name))[0];
    await docker.getContainer(mine.Id).kill();
    await waitFor(
      'our replica restarted',
      async () =>
        (await snap(mine.Id)).state === 'running' && run!.ctl.status().deployments[0].replicas[0]?.restarts >= 1,
    );
    await run.ctl.idle();
    await run.stop();
    run = undefined;
    await downStack(docker, name, () => 1);
    assert.equal((await stackContainers(name)).length, 0, 'the stack removed its own replicas');

    // -- every decoy as it was (the other stack's replica was killed by the test itself)
    for (const [k, id] of Object.entries(decoys)) {
      const now = await snap(id).catch(() => undefined);
      assert.ok(now, `decoy ${k} still exists`);
      const was = before.get(k)!;
      if (k === 'otherStack') {
        assert.equal(now.state, 'exited', 'the killed decoy of another stack was not restarted');
        assert.equal(now.startedAt, was.startedAt);
        continue;
      }
      assert.deepEqual(now, was, `decoy ${k} unchanged`);
    }
    const nets = await docker.listNetworks();
    assert.ok(
      nets.some((n) => n.Id === netOther.id),
      "the other stack's network remains",
    );
    assert.ok(
      nets.some((n) => n.Id === netPlain.id),
      'the look-alike network remains',
    );
    assert.ok(!nets.some((n) => n.Name === networkName(name)), 'our network is gone');
    // Images: the other stack's image that held our tag is still there (untagged by our build, never removed); the look-alike keeps its tag.
    await docker.getImage(imgSameTag).inspect();
    const lookAlike = await docker.getImage(imgLookAlike).inspect();
    assert.ok(lookAlike.RepoTags?.includes(`${image}-decoy:latest`));
    const ours = await docker.getImage(`${image}:latest`).inspect();
    assert.equal(ours.Config.Labels?.['dev.flotilla.stack'], name, 'our tag now points at the image this stack built');
    cleanups.push(() => docker.getImage(ours.Id).remove({ force: true }));
  });

  it("refuses to take over a network of the stack's name that Flotilla did not create, and leaves it", async () => {
    const net = await docker.createNetwork({ Name: networkName(name) });
    cleanups.push(() => net.remove());
    const dir = writeStack({
      'flotilla.yaml': stackFile(name),
      'k8s/app.yaml': httpDeployment('web', 1, { image: BUSYBOX }),
    });
    await assert.rejects(startStack(dir), /was not created by Flotilla/);
    await downStack(docker, name, () => 0);
    const after = await docker.getNetwork(net.id).inspect();
    assert.equal(after.Name, networkName(name), 'the network is still there');
    assert.equal((await stackContainers(name)).length, 0);
    fs.rmSync(path.join(dir), { recursive: true, force: true });
  });
});
