// Live update against the real engine: a save matching a sync rule is copied into every
// running replica (the Service answers with it), deletions too; replicas made later (scale
// up, a killed replica healed) start with the synced files; a burst of saves (new files, or
// files rewritten in place) is one sync; a rebuildOn file rebuilds and rolls; a broken
// manifest saved alongside changes nothing; a replica that cannot take the files (read-only
// root) falls back to rebuild and roll with one event, also when its process restarts in
// place; a Node server restarted in place (process: true) answers with the new code.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { EngineEvent } from '../../extension/engine/api/protocol';
import { dockerExec } from '../../extension/engine/health/checks';
import { liveUpdateOn } from '../../extension/cli/commands/up';
import { copyFiles } from '../../extension/engine/sync/live-files';
import { restartContainer } from '../../extension/engine/sync/live-sync';
import { StackWatcher } from '../../extension/engine/watch';
import { ensureBusyboxImage } from '../support/base-images';
import { deployment, manifests, service } from '../support/manifests';
import { ensureNodeImage, NODE_IMAGE } from '../support/node-image';
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

interface Harness {
  name: string;
  dir: string;
  run: Running;
  watcher: StackWatcher;
  events: EngineEvent[];
  said: string[];
}

async function start(
  prefix: string,
  files: (name: string) => Record<string, string>,
  liveUpdate = true,
): Promise<Harness> {
  const name = uniqueName(prefix);
  const dir = writeStack(files(name));
  const run = await startStack(dir);
  const events: EngineEvent[] = [];
  const said: string[] = [];
  run.ctl.on('event', (e) => events.push(e));
  const watcher = new StackWatcher(run.ctl, {}, (l) => said.push(l), 200, liveUpdate);
  watcher.start();
  await watcher.ready();
  return { name, dir, run, watcher, events, said };
}

async function stop(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.watcher.close();
  await h.run.stop();
  await removeStack(h.name);
  const imgs = await docker.listImages({ filters: { label: [`dev.flotilla.stack=${h.name}`] } });
  for (const i of imgs) {
    await docker
      .getImage(i.Id)
      .remove({ force: true })
      .catch(() => undefined); // still used by a container going away: the label keeps it findable
  }
}

/** Running app containers of a deployment. */
async function running(h: Harness, deploymentName: string): Promise<string[]> {
  return (await stackContainers(h.name))
    .filter(
      (c) =>
        c.State === 'running' &&
        c.Labels['dev.flotilla.deployment'] === deploymentName &&
        c.Labels['dev.flotilla.role'] !== 'sandbox',
    )
    .map((c) => c.Id);
}

async function sh(id: string, script: string): Promise<string> {
  const r = await dockerExec(docker, id, ['sh', '-c', script], 10_000);
  return r.output.trim();
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body.trim()));
      })
      .on('error', reject);
  });
}

function serviceUrl(h: Harness, svc: string): string {
  const url = h.run.ctl.status().services.find((s) => s.name === svc)?.ports[0]?.url;
  assert.ok(url, `service ${svc} has a URL`);
  return url;
}

function synced(h: Harness): EngineEvent[] {
  return h.events.filter((e) => e.reason === 'Synced');
}

function templateHashes(containers: { Labels: Record<string, string> }[]): Set<string> {
  return new Set(containers.map((c) => c.Labels['dev.flotilla.pod-template-hash'] ?? ''));
}

/** Saves v2 of the one-replica site and waits for a replica of a rebuilt image to serve it (the rebuild-and-roll path). */
async function saveV2AndAwaitRoll(hs: Harness): Promise<void> {
  await waitFor('running', async () => (await running(hs, 'site')).length === 1);
  const before = templateHashes(await stackContainers(hs.name));
  fs.writeFileSync(path.join(hs.dir, 'site/www/index.html'), 'v2\n');
  await waitFor(
    'rolled to a rebuilt image serving v2',
    async () => {
      const cs = (await stackContainers(hs.name)).filter((c) => c.State === 'running');
      if (cs.length !== 1 || before.has(cs[0].Labels['dev.flotilla.pod-template-hash'] ?? '')) return false;
      return (await sh(cs[0].Id, 'cat /www/index.html')) === 'v2';
    },
    120_000,
  );
}

const SITE_BUILD = (name: string) => `build:
  - image: ${name}/site
    context: site
    sync:
      - {src: "www/**", dest: /www}
    rebuildOn: [version.txt]
`;

describe('live update (real Docker)', function () {
  this.timeout(180_000);

  describe('a busybox site with two replicas', () => {
    let h: Harness | undefined;
    let url = '';
    before(async () => {
      h = await start('t-live', (name) => ({
        'flotilla.yaml': stackFile(name, SITE_BUILD(name)),
        'site/Dockerfile': 'FROM flotilla.local/busybox:1\nCOPY www /www\nCOPY version.txt /version.txt\n',
        'site/www/index.html': 'v1\n',
        'site/www/old.html': 'old\n',
        'site/version.txt': '1\n',
        'k8s/site.yaml': manifests(
          deployment('site', {
            replicas: 2,
            image: `${name}/site`,
            port: 8080,
            command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
          }),
          service('site'),
        ),
      }));
      await waitFor('two replicas', async () => (await running(h!, 'site')).length === 2);
      url = serviceUrl(h, 'site');
    });
    after(() => stop(h));

    it('copies a saved file into every replica, and the Service answers with it', async () => {
      const hs = h!;
      const before = templateHashes(await stackContainers(hs.name));
      fs.writeFileSync(path.join(hs.dir, 'site/www/index.html'), 'v2\n');
      await waitFor('both replicas hold v2', async () => {
        const ids = await running(hs, 'site');
        const bodies = await Promise.all(ids.map((id) => sh(id, 'cat /www/index.html')));
        return ids.length === 2 && bodies.every((b) => b === 'v2');
      });
      await waitFor('the Service answers v2', async () => (await get(url)) === 'v2');
      const ev = await waitFor('a Synced event', () => synced(hs)[0]);
      assert.deepEqual([ev.sync?.files, ev.sync?.replicas, ev.sync?.failed], [1, 2, undefined]);
      assert.match(ev.message, /synced 1 file to 2 replicas in \d+ ms/);
      // No rebuild, no roll: the same replicas run the same template.
      assert.deepEqual(templateHashes(await stackContainers(hs.name)), before);
      const replicas = hs.run.ctl.status().deployments.find((d) => d.name === 'site')!.replicas;
      assert.deepEqual(
        replicas.map((r) => r.liveUpdate),
        replicas.map(() => ({ state: 'synced', hash: ev.sync?.hash, files: 1 })),
      );
    });

    it('syncs a deletion', async () => {
      const hs = h!;
      fs.rmSync(path.join(hs.dir, 'site/www/old.html'));
      await waitFor('old.html gone from both replicas', async () => {
        const ids = await running(hs, 'site');
        const left = await Promise.all(ids.map((id) => sh(id, 'ls /www')));
        return ids.length === 2 && left.every((l) => l === 'index.html');
      });
      assert.equal(synced(hs).length, 2);
    });

    it('gives a replica created later (scale up, a killed one healed) the synced files', async () => {
      const hs = h!;
      const holds = async (id: string) => (await sh(id, 'cat /www/index.html; ls /www')) === 'v2\nindex.html';
      hs.run.ctl.scale('site', 3);
      await waitFor('three replicas, all synced', async () => {
        const ids = await running(hs, 'site');
        return ids.length === 3 && (await Promise.all(ids.map(holds))).every(Boolean);
      });
      const [victim] = await running(hs, 'site');
      await docker.getContainer(victim).remove({ force: true });
      await waitFor('the healed replica holds the files', async () => {
        const ids = await running(hs, 'site');
        return ids.length === 3 && !ids.includes(victim) && (await Promise.all(ids.map(holds))).every(Boolean);
      });
      const hash = synced(hs).at(-1)?.sync?.hash;
      await waitFor('status says every replica holds the synced set', () => {
        const replicas = hs.run.ctl.status().deployments.find((d) => d.name === 'site')!.replicas;
        return (
          replicas.length === 3 && replicas.every((r) => r.liveUpdate?.state === 'synced' && r.liveUpdate.hash === hash)
        );
      });
    });

    it('coalesces a burst of 500 saves into one sync', async () => {
      const hs = h!;
      const n = synced(hs).length;
      fs.mkdirSync(path.join(hs.dir, 'site/www/many'));
      for (let i = 0; i < 500; i++) fs.writeFileSync(path.join(hs.dir, `site/www/many/f${i}.txt`), `${i}\n`);
      await waitFor('500 files in every replica', async () => {
        const ids = await running(hs, 'site');
        const counts = await Promise.all(ids.map((id) => sh(id, 'ls /www/many | wc -l')));
        return ids.length === 3 && counts.every((c) => c === '500');
      });
      const after = synced(hs).slice(n);
      assert.deepEqual(
        after.map((e) => [e.sync?.files, e.sync?.replicas]),
        [[500, 3]],
      );
    });

    it('coalesces 500 files rewritten in place (no folder event) into one sync', async () => {
      const hs = h!;
      const inReplicas = (what: string, script: string) =>
        waitFor(what, async () => {
          const ids = await running(hs, 'site');
          const counts = await Promise.all(ids.map((id) => sh(id, script)));
          return ids.length > 0 && counts.every((c) => c === '500');
        });
      const file = (i: number) => path.join(hs.dir, `site/www/rewritten/f${i}.txt`);
      fs.mkdirSync(path.dirname(file(0)));
      for (let i = 0; i < 500; i++) fs.writeFileSync(file(i), `${i}\n`);
      await inReplicas('500 new files in every replica', 'ls /www/rewritten | wc -l');
      const n = synced(hs).length;
      for (let i = 0; i < 500; i++) fs.writeFileSync(file(i), `${i} again\n`);
      await inReplicas('the rewritten files in every replica', 'grep -l again /www/rewritten/* | wc -l');
      assert.deepEqual(
        synced(hs)
          .slice(n)
          .map((e) => e.sync?.files),
        [500],
      );
    });

    it('changes nothing when a broken manifest is saved with a synced file', async () => {
      const hs = h!;
      const n = synced(hs).length;
      const before = (await stackContainers(hs.name)).map((c) => c.Id).sort();
      const file = path.join(hs.dir, 'k8s/site.yaml');
      const good = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, good.replace('replicas: 2', 'replicas: -2'));
      fs.writeFileSync(path.join(hs.dir, 'site/www/index.html'), 'broken-batch\n');
      await waitFor('the error reported', () => hs.said.find((l) => /not applied/.test(l)));
      await hs.run.ctl.idle();
      assert.equal(synced(hs).length, n, 'no sync ran');
      assert.deepEqual((await stackContainers(hs.name)).map((c) => c.Id).sort(), before);
      for (const id of await running(hs, 'site')) assert.equal(await sh(id, 'cat /www/index.html'), 'v2');
      // Fixed again: the next batch (a reload, the manifest changed) applies both.
      fs.writeFileSync(path.join(hs.dir, 'site/www/index.html'), 'v2\n');
      fs.writeFileSync(file, good);
      await waitFor('reloaded', () => hs.said.find((l) => /^reloaded /.test(l)));
    });

    it('rebuilds and rolls on a rebuildOn file', async () => {
      const hs = h!;
      const before = templateHashes(await stackContainers(hs.name));
      fs.writeFileSync(path.join(hs.dir, 'site/version.txt'), '2\n');
      await waitFor(
        'rolled to the rebuilt image',
        async () => {
          const cs = (await stackContainers(hs.name)).filter((c) => c.State === 'running');
          const now = templateHashes(cs);
          return cs.length === 3 && now.size === 1 && ![...now].some((x) => before.has(x));
        },
        120_000,
      );
      for (const id of await running(hs, 'site')) {
        assert.equal(await sh(id, 'cat /version.txt; ls /www/many | wc -l'), '2\n500');
      }
      await waitFor('status says built', () =>
        hs.run.ctl
          .status()
          .deployments.find((d) => d.name === 'site')!
          .replicas.every((r) => r.liveUpdate?.state === 'built'),
      );
    });
  });

  for (const restart of ['', '{process: true}']) {
    describe(`a replica that cannot take the files${restart ? `, restart: ${restart}` : ''}`, () => {
      let h: Harness | undefined;
      after(() => stop(h));

      it('falls back to rebuild and roll, with one event', async () => {
        h = await start('t-live-ro', (name) => ({
          'flotilla.yaml': stackFile(name, SITE_BUILD(name) + (restart ? `    restart: ${restart}\n` : '')),
          'site/Dockerfile': 'FROM flotilla.local/busybox:1\nCOPY www /www\n',
          'site/www/index.html': 'v1\n',
          'site/version.txt': '1\n',
          'k8s/site.yaml': deployment('site', {
            replicas: 1,
            image: `${name}/site`,
            command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
            extra: { securityContext: { readOnlyRootFilesystem: true } },
          }),
        }));
        const hs = h;
        await saveV2AndAwaitRoll(hs);
        const failed = hs.events.filter((e) => e.reason === 'LiveUpdateFailed');
        assert.equal(failed.length, 1, JSON.stringify(hs.events));
        assert.match(
          failed[0].message,
          /live update of .*\/site failed \(replica site-.*read-only.*rebuilding and rolling/,
        );
        assert.equal(synced(hs).length, 0);
        // A restart in place copies while the container stops: it is started again all the same,
        // so its stop is no crash the controller would have to heal.
        const healed = hs.events.filter((e) => e.reason === 'Exited' || /^restarted/.test(e.message));
        assert.deepEqual(healed, []);
      });
    });
  }

  describe('restarting a container in place while copying', () => {
    let id = '';
    after(() =>
      docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined),
    );

    it('starts it again when the copy fails, and says why', async () => {
      const c = await docker.createContainer({
        Image: await ensureBusyboxImage(docker),
        Cmd: ['sleep', '300'],
        Labels: { 'dev.flotilla.test': uniqueName('t-live-rc') },
        HostConfig: { Init: true, ReadonlyRootfs: true },
      });
      id = c.id;
      await c.start();
      const startedAt = (await c.inspect()).State.StartedAt;
      const files = new Map([['/www/index.html', { content: Buffer.from('v2\n'), mode: 0o644 }]]);
      await assert.rejects(
        restartContainer(docker, id, 1, (cid) => copyFiles(docker, cid, files)),
        /read-only/,
      );
      const after = (await c.inspect()).State;
      assert.equal(after.Running, true, 'running again');
      assert.notEqual(after.StartedAt, startedAt, 'restarted');
    });
  });

  describe('with live update off', () => {
    let h: Harness | undefined;
    after(() => stop(h));

    it('a save a sync rule takes rebuilds and rolls; --no-live-update and FLOTILLA_LIVE_UPDATE=0 turn it off', async () => {
      assert.equal(liveUpdateOn({ flags: new Map() }, {}), true);
      assert.equal(liveUpdateOn({ flags: new Map([['--no-live-update', true]]) }, {}), false);
      assert.equal(liveUpdateOn({ flags: new Map() }, { FLOTILLA_LIVE_UPDATE: '0' }), false);
      h = await start(
        't-live-off',
        (name) => ({
          'flotilla.yaml': stackFile(name, SITE_BUILD(name)),
          'site/Dockerfile': 'FROM flotilla.local/busybox:1\nCOPY www /www\n',
          'site/www/index.html': 'v1\n',
          'site/version.txt': '1\n',
          'k8s/site.yaml': deployment('site', {
            replicas: 1,
            image: `${name}/site`,
            command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
          }),
        }),
        false,
      );
      const hs = h;
      await saveV2AndAwaitRoll(hs);
      assert.equal(synced(hs).length, 0);
      assert.equal(hs.events.filter((e) => e.reason === 'LiveUpdateFailed').length, 0);
    });
  });

  describe('a Node server restarted in place', () => {
    let h: Harness | undefined;
    after(() => stop(h));

    it('answers with the new code through its Service, Ready by its probe', async () => {
      await ensureNodeImage(docker);
      const server = (v: string) =>
        `require('http').createServer((q, s) => s.end('${v}')).listen(3000);\n` +
        `process.on('SIGTERM', () => process.exit(0));\n`;
      h = await start('t-live-node', (name) => ({
        'flotilla.yaml': stackFile(
          name,
          `build:
  - image: ${name}/api
    context: api
    sync:
      - {src: "*.js", dest: /app}
    restart: {process: true}
`,
        ),
        'api/Dockerfile': `FROM ${NODE_IMAGE}\nWORKDIR /app\nCOPY server.js ./\nCMD ["node", "server.js"]\n`,
        'api/server.js': server('v1'),
        'k8s/api.yaml': manifests(
          deployment('api', {
            replicas: 2,
            image: `${name}/api`,
            port: 3000,
            readinessProbe: { httpGet: { path: '/', port: 3000 }, periodSeconds: 1 },
          }),
          service('api'),
        ),
      }));
      const hs = h;
      await waitFor('two Ready replicas', () => hs.run.ctl.status().deployments[0]?.ready === 2, 60_000);
      const url = serviceUrl(hs, 'api');
      assert.equal(await get(url), 'v1');
      const ids = await running(hs, 'api');
      fs.writeFileSync(path.join(hs.dir, 'api/server.js'), server('v2'));
      await waitFor('a Synced event', () => synced(hs)[0], 60_000);
      await waitFor('two Ready replicas again', () => hs.run.ctl.status().deployments[0]?.ready === 2, 60_000);
      // Both replicas answer v2 (asked directly; the balancer may pick either).
      for (const id of ids) assert.equal(await sh(id, 'wget -qO- http://127.0.0.1:3000/'), 'v2');
      await waitFor('the Service answers v2', async () => (await get(url)) === 'v2');
      assert.deepEqual((await running(hs, 'api')).sort(), [...ids].sort(), 'the same containers, restarted in place');
      assert.equal(hs.events.filter((e) => e.reason === 'Exited').length, 0, 'the restart is no crash');
    });
  });
});
