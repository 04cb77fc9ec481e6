// The `flotilla` CLI contract, end to end against the real engine: exit codes,
// the status JSON shape, intents through a running controller, refusal of a
// broken manifest before anything changes, and down.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  docker,
  endProcess,
  httpDeployment,
  removeStack,
  stackContainers,
  stackFile,
  uniqueName,
  waitFor,
  writeStack,
} from '../support/stack-fixture';
import { ensureBusyboxImage } from '../support/base-images';

const ROOT = path.resolve(__dirname, '../..');
const CLI = ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts')];

function flotilla(args: string[], cwd = ROOT): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('flotilla CLI (real Docker)', function () {
  this.timeout(180_000);
  let name: string;
  let dir: string;
  let upProc: ChildProcess | undefined;

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-cli');
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 2) });
  });
  afterEach(async () => {
    await endProcess(upProc);
    upProc = undefined;
    await removeStack(name);
  });

  it('exits 2 with a usage line for an unknown command, 1 for an unknown deployment', () => {
    const bad = flotilla(['fly']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown command "fly"/);
    const scale = flotilla(['scale', '--stack', dir, 'nope', '3']);
    assert.equal(scale.code, 1);
    assert.match(scale.err, /no deployment "nope".*deployments: web/);
  });

  it('says how to start Docker when no engine answers', () => {
    const r = spawnSync(process.execPath, [...CLI, 'status', '--stack', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock.*Start Docker/);
  });

  it('refuses a broken manifest with file and line, and changes nothing', async () => {
    const broken = httpDeployment('web', 1).replace('replicas: 1', 'replicas: "three"');
    const line = broken.split('\n').findIndex((l) => l.includes('replicas: "three"')) + 1;
    fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), broken);
    const r = flotilla(['up', '--stack', dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`k8s/app\\.yaml:${line}:\\d+ .*spec\\.replicas: expected an integer`));
    assert.equal((await stackContainers(name)).length, 0);
    const nets = await docker.listNetworks({ filters: { label: [`dev.flotilla.stack=${name}`] } });
    assert.equal(nets.length, 0);
  });

  it('refuses a stack only the shared rules reject, and takes back the network it made meanwhile', async () => {
    fs.writeFileSync(
      path.join(dir, 'k8s/cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {n: 5}\n',
    );
    const r = flotilla(['up', '--stack', dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /k8s\/cm\.yaml:4:\d+ FK2002 /);
    assert.equal((await stackContainers(name)).length, 0);
    const nets = await docker.listNetworks({ filters: { label: [`dev.flotilla.stack=${name}`] } });
    assert.equal(nets.length, 0, 'no network left behind');
  });

  it('runs up in the foreground; status, scale and restart reach it; the replicas outlive it; down removes them', async () => {
    upProc = spawn(process.execPath, [...CLI, 'up', '--stack', dir, '--no-watch'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    upProc.stdout!.on('data', (c) => (log += c));
    upProc.stderr!.on('data', (c) => (log += c));
    await waitFor('controller handle', () => fs.existsSync(path.join(dir, '.flotilla/controller.json')), 60_000);
    const status = await waitFor(
      '2 ready replicas in status --json',
      () => {
        const s = JSON.parse(flotilla(['status', '--stack', dir, '--json']).out);
        return s.deployments[0].ready === 2 ? s : undefined;
      },
      60_000,
    );
    assert.equal(status.stack, name);
    assert.equal(status.controller.running, true);
    const d = status.deployments[0];
    assert.deepEqual(
      Object.keys(d)
        .filter((k) => ['name', 'desired', 'ready', 'replicas'].includes(k))
        .sort(),
      ['desired', 'name', 'ready', 'replicas'],
    );
    for (const r of d.replicas) {
      for (const k of ['name', 'container', 'node', 'state', 'ready', 'restarts']) {
        assert.ok(k in r, `replica has ${k}`);
      }
    }
    assert.ok(
      Array.isArray(status.services[0].endpoints) &&
        'replica' in status.services[0].endpoints[0] &&
        'address' in status.services[0].endpoints[0],
    );
    assert.ok(Array.isArray(status.pending));

    assert.equal(flotilla(['scale', '--stack', dir, 'web', '3']).code, 0);
    await waitFor(
      '3 replicas',
      async () => (await stackContainers(name)).filter((c) => c.State === 'running').length === 3,
    );
    const before = new Set((await stackContainers(name)).map((c) => c.Labels['dev.flotilla.pod-template-hash']));
    assert.equal(flotilla(['restart', '--stack', dir, 'web']).code, 0);
    await waitFor(
      'a new template hash on all 3 replicas',
      async () => {
        const list = await stackContainers(name);
        return (
          list.length === 3 &&
          list.every((c) => c.State === 'running' && !before.has(c.Labels['dev.flotilla.pod-template-hash']))
        );
      },
      60_000,
    );

    upProc.kill('SIGINT');
    await new Promise((r) => upProc!.once('exit', r));
    assert.match(log, /replicas keep running/);
    assert.equal((await stackContainers(name)).length, 3, 'replicas outlive the controller');
    const offline = JSON.parse(flotilla(['status', '--stack', dir, '--json']).out);
    assert.equal(offline.controller.running, false);
    assert.equal(offline.deployments[0].desired, 3);

    const down = flotilla(['down', '--stack', dir]);
    assert.equal(down.code, 0, down.err);
    assert.equal((await stackContainers(name)).length, 0);
  });
});
