// The CLI as it ships, built by the project's bundler: dist/cli.js answers `status` from a running
// controller on its own, with the controller's state, and requires dist/cli-engine.js for every
// other command and for status with no controller; exit codes hold across the two bundles.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControllerClient } from '../../extension/engine/api/client';
import type { StackStatus } from '../../extension/engine/api/protocol';
import { ensureBusyboxImage } from '../support/base-images';
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

const ROOT = path.resolve(__dirname, '../..');

describe('flotilla CLI bundles (real Docker)', function () {
  this.timeout(240_000);
  let out: string;
  let name: string;
  let dir: string;
  let upProc: ChildProcess | undefined;

  /** Runs the bundled CLI; `loaded` lists the files Node loaded (written by a preload at exit). */
  function flotilla(args: string[]): { code: number; out: string; err: string; loaded: string[] } {
    const list = path.join(out, 'loaded.txt');
    fs.rmSync(list, { force: true });
    const r = spawnSync(
      process.execPath,
      ['--require', path.join(out, 'record-loaded.cjs'), path.join(out, 'cli.js'), ...args],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, FLOTILLA_TEST_LOADED: list },
      },
    );
    const loaded = fs.existsSync(list) ? fs.readFileSync(list, 'utf8').split('\n') : [];
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr, loaded };
  }
  const engineLoaded = (loaded: string[]) => loaded.includes(path.join(out, 'cli-engine.js'));

  before(async () => {
    await ensureBusyboxImage(docker);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-bundle-'));
    const build = spawnSync(
      process.execPath,
      ['extension/scripts/bundle.mjs', '--outdir', out, '--only', 'cli,cli-engine,proxy'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(build.status, 0, build.stderr);
    fs.writeFileSync(
      path.join(out, 'record-loaded.cjs'),
      `process.on('exit', () => require('node:fs').writeFileSync(process.env.FLOTILLA_TEST_LOADED, Object.keys(require.cache).join('\\n')));\n`,
    );
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));
  beforeEach(() => {
    name = uniqueName('t-cli-bundle');
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 2) });
  });
  afterEach(async () => {
    await endProcess(upProc);
    upProc = undefined;
    await removeStack(name);
  });

  it('help from the first bundle alone; exit codes for errors raised in the second', () => {
    const help = flotilla(['help']);
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /usage: flotilla <command>/);
    assert.equal(engineLoaded(help.loaded), false, 'help does not load the engine bundle');
    const unknown = flotilla(['fly']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /unknown command "fly"/);
    const scale = flotilla(['scale', '--stack', dir]);
    assert.equal(scale.code, 2, 'a UsageError thrown in cli-engine.js still exits 2');
    assert.match(scale.err, /usage: flotilla scale/);
    assert.equal(engineLoaded(scale.loaded), true);
    const target = flotilla(['status', '--target', 'nope', '--stack', dir]);
    assert.equal(target.code, 2);
    assert.match(target.err, /--target nope: use swarm or kubernetes/);
    const kube = flotilla(['status', '--target', 'kubernetes', '--stack', dir]);
    assert.equal(kube.code, 1);
    assert.match(kube.err, /status --target kubernetes: use kubectl get/);
  });

  it("status answers from the first bundle with the running controller's state; without a controller, from the second", async () => {
    upProc = spawn(process.execPath, [path.join(out, 'cli.js'), 'up', '--stack', dir, '--no-watch'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    upProc.stdout!.on('data', (c) => (log += c));
    upProc.stderr!.on('data', (c) => (log += c));
    const client = await waitFor('the controller', () => ControllerClient.connect(dir), 60_000);
    await waitFor('2 ready replicas', async () => (await client.status()).deployments[0]?.ready === 2, 60_000);

    const r = flotilla(['status', '--json', '--stack', dir]);
    assert.equal(r.code, 0, r.err);
    assert.equal(engineLoaded(r.loaded), false, 'status with a controller does not load the engine bundle');
    assert.ok(r.loaded.includes(path.join(out, 'cli.js')), 'the preload saw the CLI load');
    const cli: StackStatus = JSON.parse(r.out);
    const ctl = await client.status();
    assert.deepEqual(cli.controller, ctl.controller);
    assert.equal(cli.controller.running, true);
    assert.equal(cli.controller.pid, upProc.pid);
    const shape = (s: StackStatus) => ({
      stack: s.stack,
      deployments: s.deployments.map((d) => ({
        name: d.name,
        desired: d.desired,
        ready: d.ready,
        replicas: d.replicas.map((x) => [x.name, x.container, x.ready]),
      })),
      services: s.services.map((x) => ({ name: x.name, urls: x.urls, endpoints: x.endpoints.map((e) => e.replica) })),
    });
    assert.deepEqual(shape(cli), shape(ctl));

    const text = flotilla(['status', '--stack', dir]);
    assert.equal(text.code, 0, text.err);
    assert.equal(engineLoaded(text.loaded), false);
    assert.match(text.out, new RegExp(`stack ${name} — controller running \\(pid ${upProc.pid}\\)`));
    for (const x of ctl.deployments[0].replicas) assert.ok(text.out.includes(x.name), `${x.name} listed`);

    upProc.kill('SIGINT');
    await new Promise((res) => upProc!.once('exit', res));
    assert.match(log, /replicas keep running/, 'up ran from the engine bundle and stopped on SIGINT');
    const offline = flotilla(['status', '--json', '--target', 'local', '--stack', dir]);
    assert.equal(offline.code, 0, offline.err);
    assert.equal(engineLoaded(offline.loaded), true, 'without a controller status reads Docker through the engine');
    const s: StackStatus = JSON.parse(offline.out);
    assert.equal(s.controller.running, false);
    assert.equal(s.deployments[0].desired, 2);
    assert.deepEqual(
      s.deployments[0].replicas.map((x) => x.name).sort(),
      ctl.deployments[0].replicas.map((x) => x.name).sort(),
    );

    const down = flotilla(['down', '--stack', dir]);
    assert.equal(down.code, 0, down.err);
    assert.equal((await stackContainers(name)).length, 0);
  });
});
