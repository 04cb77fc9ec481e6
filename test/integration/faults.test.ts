// Crash safety of the controller: the real `flotilla up` is SIGKILLed in the middle
// of a scale-up and in the middle of a rolling restart, then started again. It must
// converge to the desired state with no duplicate replicas, no orphaned containers
// and no lost intent; a stale .flotilla/controller.json must not block the next `up`.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { loadStackOrThrow } from '../../extension/engine/model/load-stack';
import { containerOptions, podTemplateHash, replicaName } from '../../extension/engine/controller/pod-spec';
import { ensureNetwork } from '../../extension/engine/docker/network';
import {
  docker,
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

function flotilla(args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

interface Up {
  proc: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function startUp(dir: string): Up {
  const proc = spawn(process.execPath, [...CLI, 'up', '--stack', dir, '--no-watch'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  proc.stdout.on('data', (c) => (log += c));
  proc.stderr.on('data', (c) => (log += c));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return { proc, log: () => log, exited };
}

/** Resolves once the controller of `up` answers on its control port. */
async function controllerUp(up: Up, dir: string): Promise<void> {
  await waitFor(
    'the controller to answer',
    async () => {
      if (up.proc.exitCode !== null) throw new Error(`up exited early (${up.proc.exitCode}):\n${up.log()}`);
      return /controller running \(pid/.test(up.log()) && fs.existsSync(path.join(dir, '.flotilla/controller.json'));
    },
    60_000,
  );
}

async function sigkill(up: Up): Promise<void> {
  up.proc.kill('SIGKILL');
  await up.exited;
}

/** Resolves with the first `create` event of one of the stack's containers after `since`. */
async function firstCreate(
  stack: string,
  deployment: string,
  matches: (labels: Record<string, string>) => boolean,
): Promise<void> {
  const stream = (await docker.getEvents({
    filters: {
      type: ['container'],
      event: ['create', 'start'],
      label: [`dev.flotilla.stack=${stack}`, `dev.flotilla.deployment=${deployment}`],
    },
  })) as NodeJS.ReadableStream & { destroy(): void };
  try {
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      stream.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const e = JSON.parse(buf.slice(0, nl)) as { Action: string; Actor: { Attributes: Record<string, string> } };
          buf = buf.slice(nl + 1);
          if (e.Action === 'create' && matches(e.Actor.Attributes)) resolve();
        }
      });
      stream.on('error', reject);
    });
  } finally {
    stream.destroy();
  }
}

function byReplica(list: Docker.ContainerInfo[]): Map<string, Docker.ContainerInfo[]> {
  const m = new Map<string, Docker.ContainerInfo[]>();
  for (const c of list) {
    m.set(c.Labels['dev.flotilla.replica'], [...(m.get(c.Labels['dev.flotilla.replica']) ?? []), c]);
  }
  return m;
}

/** Exactly `n` replicas, each one container, all running, all on one template hash (when given). */
function converged(list: Docker.ContainerInfo[], n: number, hash?: (h: string) => boolean): boolean {
  if (
    list.length === n &&
    byReplica(list).size === n &&
    list.every((c) => c.State === 'running' && (!hash || hash(c.Labels['dev.flotilla.pod-template-hash'])))
  ) {
    return true;
  }
  // Thrown, so waitFor's timeout message says what was there instead.
  throw new Error(`want ${n}, have ${list.length}: ${list.map((c) => `${c.Names[0]}:${c.State}`).join(', ')}`);
}

describe('controller crash safety (real Docker, SIGKILL of flotilla up)', function () {
  this.timeout(180_000);
  let name: string;
  let dir: string;
  const ups: Up[] = [];

  before(() => ensureBusyboxImage(docker));
  beforeEach(() => {
    name = uniqueName('t-fault');
  });
  afterEach(async () => {
    for (const u of ups.splice(0)) if (u.proc.exitCode === null && u.proc.signalCode === null) await sigkill(u);
    await removeStack(name);
  });

  it('SIGKILL in the middle of a scale-up: the next up reaches the scale with no duplicate and no orphan', async () => {
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 1) });
    const first = startUp(dir);
    ups.push(first);
    await controllerUp(first, dir);
    await waitFor('1 replica', async () => converged(await stackContainers(name), 1));
    const [original] = await stackContainers(name);

    const created = firstCreate(
      name,
      'web',
      (l) => l['dev.flotilla.replica'] !== original.Labels['dev.flotilla.replica'],
    );
    assert.equal(flotilla(['scale', '--stack', dir, 'web', '6']).code, 0);
    await created;
    await sigkill(first);
    const atKill = await stackContainers(name);
    assert.ok(
      atKill.length < 6 || atKill.some((c) => c.State !== 'running'),
      `the kill landed before the scale-up finished (${atKill.length} containers)`,
    );
    assert.ok(fs.existsSync(path.join(dir, '.flotilla/controller.json')), 'SIGKILL leaves the handle file behind');

    // The stale handle names a dead pid: status works without a controller and keeps the intent.
    const offline = JSON.parse(flotilla(['status', '--stack', dir, '--json']).out);
    assert.equal(offline.controller.running, false);
    assert.equal(offline.deployments[0].desired, 6, 'the scale intent survived the kill');

    const second = startUp(dir);
    ups.push(second);
    await controllerUp(second, dir);
    await waitFor(
      '6 running replicas, one container each',
      async () => converged(await stackContainers(name), 6),
      60_000,
    );
    const s = JSON.parse(flotilla(['status', '--stack', dir, '--json']).out);
    assert.equal(s.controller.running, true);
    assert.equal(s.deployments[0].desired, 6);
    await waitFor(
      '6 ready in status',
      () => JSON.parse(flotilla(['status', '--stack', dir, '--json']).out).deployments[0].ready === 6 || undefined,
      60_000,
    );
    const after = await stackContainers(name);
    assert.ok(
      converged(after, 6),
      `still exactly 6 running replicas: ${after.map((c) => `${c.Names[0]}:${c.State}`).join(', ')}`,
    );
    assert.ok(
      after.some((c) => c.Id === original.Id),
      'the original replica was adopted, not replaced',
    );
  });

  it('SIGKILL in the middle of a rolling restart: the next up finishes the rollout on the new template only', async () => {
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 3) });
    const first = startUp(dir);
    ups.push(first);
    await controllerUp(first, dir);
    await waitFor('3 replicas', async () => converged(await stackContainers(name), 3));
    const oldHashes = new Set((await stackContainers(name)).map((c) => c.Labels['dev.flotilla.pod-template-hash']));
    assert.equal(oldHashes.size, 1);

    const created = firstCreate(name, 'web', (l) => !oldHashes.has(l['dev.flotilla.pod-template-hash']));
    assert.equal(flotilla(['restart', '--stack', dir, 'web']).code, 0);
    await created;
    await sigkill(first);
    const atKill = await stackContainers(name);
    assert.ok(
      atKill.some((c) => oldHashes.has(c.Labels['dev.flotilla.pod-template-hash'])),
      'old replicas remained at the kill: it landed mid-rollout',
    );

    const second = startUp(dir);
    ups.push(second);
    await controllerUp(second, dir);
    await waitFor(
      '3 running replicas, all on the new template',
      async () => converged(await stackContainers(name), 3, (h) => !oldHashes.has(h)),
      90_000,
    );
    const status = JSON.parse(flotilla(['status', '--stack', dir, '--json']).out);
    assert.equal(status.deployments[0].desired, 3);
    const hashes = new Set((await stackContainers(name)).map((c) => c.Labels['dev.flotilla.pod-template-hash']));
    assert.equal(hashes.size, 1, 'one template hash: the restart intent was kept and the rollout finished');
  });

  it('SIGKILL in the middle of a scale-down: the next up ends at the new scale with nothing left over', async () => {
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 5) });
    const first = startUp(dir);
    ups.push(first);
    await controllerUp(first, dir);
    await waitFor('5 replicas', async () => converged(await stackContainers(name), 5), 60_000);
    // Kill the controller as soon as Docker reports the first replica stopping.
    const stream = (await docker.getEvents({
      filters: { type: ['container'], event: ['kill', 'die', 'stop'], label: [`dev.flotilla.stack=${name}`] },
    })) as NodeJS.ReadableStream & { destroy(): void };
    const stopping = new Promise<void>((resolve) => stream.once('data', () => resolve()));
    assert.equal(flotilla(['scale', '--stack', dir, 'web', '1']).code, 0);
    await stopping;
    stream.destroy();
    await sigkill(first);
    assert.ok((await stackContainers(name)).length > 1, 'the kill landed before the scale-down finished');

    const second = startUp(dir);
    ups.push(second);
    await controllerUp(second, dir);
    await waitFor(
      '1 running replica and no stopped leftovers',
      async () => converged(await stackContainers(name), 1),
      60_000,
    );
    await waitFor(
      '1 ready in status',
      () => JSON.parse(flotilla(['status', '--stack', dir, '--json']).out).deployments[0].ready === 1 || undefined,
      30_000,
    );
    assert.ok(converged(await stackContainers(name), 1));
  });

  it('a replica left created-but-never-started by a killed controller is started or replaced, never left stuck', async () => {
    dir = writeStack({ 'flotilla.yaml': stackFile(name), 'k8s/app.yaml': httpDeployment('web', 2) });
    // What a controller killed between create and start leaves behind: one replica of the
    // current template whose container exists in state "created".
    await ensureBusyboxImage(docker);
    const stack = loadStackOrThrow(dir);
    await ensureNetwork(docker, stack.name, stack.dir);
    const d = stack.deployments[0];
    const imageIds: Record<string, string> = {};
    const hash = podTemplateHash({ stack, imageIds }, d);
    const [opts] = containerOptions({ stack, imageIds }, d, {
      replica: replicaName('web', hash),
      node: 'local',
      hash,
      createdAt: Date.now(),
    });
    const stuck = await docker.createContainer(opts);

    const up = startUp(dir);
    ups.push(up);
    await controllerUp(up, dir);
    await waitFor('2 running replicas and nothing else', async () => converged(await stackContainers(name), 2), 60_000);
    await waitFor(
      '2 ready in status',
      () => JSON.parse(flotilla(['status', '--stack', dir, '--json']).out).deployments[0].ready === 2 || undefined,
      30_000,
    );
    const list = await stackContainers(name);
    assert.ok(converged(list, 2));
    const left = list.find((c) => c.Id === stuck.id);
    assert.ok(!left || left.State === 'running', 'the created container was started or removed');
  });
});
