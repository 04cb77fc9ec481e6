// Healing benchmark: time from a kill -9 of a replica's main process until a
// replacement answers HTTP, for
//   - flotilla up (a stack with a fast dev-loop backoff; the controller restarts the replica in place),
//   - Docker's own restart policy (--restart=always),
//   - the floor: the `die` event from the Engine API event stream → create+start a
//     new container → it answers (and, for reference, → start the same container again),
// side by side in one run, kills interleaved round by round.
//
//   npx tsx bench/heal.ts [--kills 20] [--readiness-period 1] [--targets 3]
//
// Every contestant runs the same container: the locally built flotilla.local/node:20
// image (`bash extension/scripts/base-images.sh`) with a tiny `node -e` HTTP server
// and Docker's init as PID 1, as Flotilla creates its replicas. A kill is
// `kill -9` of the container's main process (host PID from inspect State.Pid):
// Docker's restart policy ignores `docker kill`, not a process that dies.
//
// "Answers" means GET / on the container's bridge IP returns 200, polled every
// 5 ms once the container's `start` event (or the floor's start call) is seen.
// For Flotilla the run also reports when the controller's status says the
// replica is ready=true again (its readiness probe passed).
//
// Every measured kill is a *first* crash for the policies that back off:
// Docker's restart manager resets its delay after 10 s of running and Flotilla's
// CrashLoopBackOff after 2 × backoffMaxSeconds (8 s here), so each target is
// killed only after it has run for RESET_MS, and the kills rotate over several
// targets so the run is not all waiting. The run counts Flotilla's BackOff events
// to prove no kill was delayed by a backoff.
//
// Loopback and the local Docker engine only; everything created carries a unique
// label/stack name and is removed at the end (also on Ctrl-C).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import { ControllerClient } from '../extension/engine/api/client';
import { LABELS } from '../extension/engine/docker/labels';
import { cliBundle, run, stopUp } from './support/cli';
import { median, ms, p95 } from './support/stats';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const KILLS = Number(opt('kills', '20'));
const READINESS_PERIOD = Number(opt('readiness-period', '1'));
const TARGETS = Number(opt('targets', '3'));
const BACKOFF_BASE = 1;
const BACKOFF_MAX = 4;
/** Run time before a target may be killed again: above Docker's 10 s and Flotilla's 2 × BACKOFF_MAX. */
const RESET_MS = 11_000;
const STEP_TIMEOUT_MS = 30_000;
const IMAGE = 'flotilla.local/node:20';
const PORT = 8080;
const SERVER = `require('http').createServer((q,r)=>r.end('ok')).listen(${PORT});process.on('SIGTERM',()=>process.exit(0))`;
const BENCH_LABEL = 'dev.flotilla.bench';

const docker = new Dockerode();
const runId = `flotillaheal${randomBytes(3).toString('hex')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

// ---------------------------------------------------------------- Docker events

interface DockerEvent {
  action: string;
  id: string;
  attrs: Record<string, string>;
  /** performance.now() when this process read it. */
  at: number;
}

const waiters = new Set<{ match: (e: DockerEvent) => boolean; resolve: (e: DockerEvent) => void }>();
let eventStream: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;

async function openEvents(): Promise<void> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['die', 'start'] },
  })) as NodeJS.ReadableStream & { destroy?: () => void };
  eventStream = stream;
  let buf = '';
  stream.on('data', (chunk: Buffer) => {
    const at = now();
    buf += chunk.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line) continue;
      const raw = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
      const e: DockerEvent = {
        action: (raw.Action ?? '').split(':')[0],
        id: raw.Actor?.ID ?? '',
        attrs: raw.Actor?.Attributes ?? {},
        at,
      };
      for (const w of [...waiters]) {
        if (w.match(e)) {
          waiters.delete(w);
          w.resolve(e);
        }
      }
    }
  });
}

/** Registers before the action that causes the event, so it cannot be missed. */
function nextEvent(
  match: (e: DockerEvent) => boolean,
  what: string,
): { promise: Promise<DockerEvent>; cancel: () => void } {
  let waiter!: { match: (e: DockerEvent) => boolean; resolve: (e: DockerEvent) => void };
  let timer!: NodeJS.Timeout;
  const promise = new Promise<DockerEvent>((resolve, reject) => {
    waiter = {
      match,
      resolve: (e) => {
        clearTimeout(timer);
        resolve(e);
      },
    };
    waiters.add(waiter);
    timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(new Error(`no ${what} event within ${STEP_TIMEOUT_MS} ms`));
    }, STEP_TIMEOUT_MS);
  });
  return {
    promise,
    cancel: () => {
      clearTimeout(timer);
      waiters.delete(waiter);
    },
  };
}

// ---------------------------------------------------------------- HTTP

function answers(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: ip, port: PORT, path: '/', timeout: 200, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function ipOf(id: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  const ip = Object.values(info.NetworkSettings.Networks ?? {})
    .map((n) => n.IPAddress)
    .find(Boolean);
  if (!ip) throw new Error(`container ${id.slice(0, 12)} has no IP`);
  return ip;
}

/** performance.now() of the first 200 from the container. */
async function waitAnswer(id: string): Promise<number> {
  const ip = await ipOf(id);
  const deadline = now() + STEP_TIMEOUT_MS;
  for (;;) {
    if (await answers(ip)) return now();
    if (now() > deadline) {
      throw new Error(`container ${id.slice(0, 12)} (${ip}) did not answer within ${STEP_TIMEOUT_MS} ms`);
    }
    await sleep(5);
  }
}

// ---------------------------------------------------------------- contestants

type Kind = 'flotilla' | 'docker-restart' | 'floor-create' | 'floor-restart';

interface Target {
  /** Flotilla replica name, or the container name. */
  name: string;
  id: string;
  /** performance.now() when it last answered after a (re)start. */
  answeredAt: number;
}

interface Sample {
  /** kill → die event received. */
  die: number;
  /** kill → the replacement started (start event, or the floor's start call returned). */
  started: number;
  /** kill → it answers HTTP. */
  answer: number;
  /** kill → the controller reports ready=true again (Flotilla only; NaN: not within STEP_TIMEOUT_MS). */
  ready?: number;
}

interface Contestant {
  kind: Kind;
  label: string;
  targets: Target[];
  samples: Sample[];
  /** Whether a running target must first run RESET_MS (a policy that backs off). */
  backsOff: boolean;
}

const network = `${runId}-net`;

function containerConfig(name: string, restart: 'always' | 'no'): Dockerode.ContainerCreateOptions {
  return {
    name,
    Image: IMAGE,
    Entrypoint: ['node', '-e', SERVER],
    Labels: { [BENCH_LABEL]: runId },
    ExposedPorts: { [`${PORT}/tcp`]: {} },
    HostConfig: { Init: true, NetworkMode: network, RestartPolicy: { Name: restart } },
  };
}

let seq = 0;
async function createStarted(kind: Kind, restart: 'always' | 'no'): Promise<string> {
  const c = await docker.createContainer(containerConfig(`${runId}-${kind}-${seq++}`, restart));
  await c.start();
  return c.id;
}

// ---------------------------------------------------------------- flotilla up

interface FlotillaRun {
  dir: string;
  up: ChildProcess;
  log: () => string;
  client: ControllerClient;
}

function writeStack(dir: string): void {
  fs.mkdirSync(path.join(dir, 'k8s'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'flotilla.yaml'),
    [
      `name: ${runId}`,
      'manifests: ["k8s/*.yaml"]',
      'settings:',
      '  # a fast dev loop: first crash restarts at once, then 1 s, 2 s, 4 s; reset after 8 s running',
      `  backoffBaseSeconds: ${BACKOFF_BASE}`,
      `  backoffMaxSeconds: ${BACKOFF_MAX}`,
      '  terminationGracePeriodSeconds: 2',
      '',
    ].join('\n'),
  );
  const probe =
    READINESS_PERIOD > 0
      ? [
          '          readinessProbe:',
          `            httpGet: {path: /, port: ${PORT}}`,
          `            periodSeconds: ${READINESS_PERIOD}`,
        ]
      : [];
  fs.writeFileSync(
    path.join(dir, 'k8s', 'echo.yaml'),
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: echo}',
      'spec:',
      `  replicas: ${TARGETS}`,
      '  selector: {matchLabels: {app: echo}}',
      '  template:',
      '    metadata: {labels: {app: echo}}',
      '    spec:',
      '      containers:',
      '        - name: echo',
      `          image: ${IMAGE}`,
      `          command: ${JSON.stringify(['node', '-e', SERVER])}`,
      `          ports: [{containerPort: ${PORT}}]`,
      '          resources: {requests: {cpu: 10m, memory: 32Mi}, limits: {cpu: "1", memory: 128Mi}}',
      ...probe,
      '',
    ].join('\n'),
  );
}

async function startFlotilla(dir: string): Promise<FlotillaRun> {
  writeStack(dir);
  const up = spawn('node', [await cliBundle(), 'up', '--no-watch', '--stack', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  up.stdout.on('data', (c) => (log += c));
  up.stderr.on('data', (c) => (log += c));
  const deadline = now() + 60_000;
  for (;;) {
    if (up.exitCode !== null) throw new Error(`flotilla up exited ${up.exitCode}:\n${log}`);
    const client = await ControllerClient.connect(dir);
    if (client) {
      const s = await client.status();
      const reps = s.deployments.find((d) => d.name === 'echo')?.replicas ?? [];
      if (reps.length === TARGETS && reps.every((r) => r.ready)) return { dir, up, log: () => log, client };
    }
    if (now() > deadline) throw new Error(`flotilla up: replicas not ready within 60 s:\n${log}`);
    await sleep(100);
  }
}

async function flotillaTargets(): Promise<Target[]> {
  const list = await docker.listContainers({ filters: { label: [`${LABELS.stack}=${runId}`] } });
  return Promise.all(
    list.map(async (c) => ({ name: c.Labels[LABELS.replica], id: c.Id, answeredAt: await waitAnswer(c.Id) })),
  );
}

/**
 * performance.now() when the controller says `replica` is ready with more than
 * `before` restarts; undefined (with the status printed) when it does not within
 * STEP_TIMEOUT_MS: a finding, not a reason to stop the run.
 */
async function waitControllerReady(
  flotilla: FlotillaRun,
  replica: string,
  before: number,
): Promise<number | undefined> {
  const deadline = now() + STEP_TIMEOUT_MS;
  for (;;) {
    const s = await flotilla.client.status(2000);
    const r = s.deployments.flatMap((d) => d.replicas).find((x) => x.name === replica);
    if (r && r.restarts > before && r.ready) return now();
    if (now() > deadline) {
      console.log(
        `!! controller did not report ${replica} ready within ${STEP_TIMEOUT_MS} ms; its status: ${JSON.stringify(r)}`,
      );
      console.log(`!! last lines of flotilla up:\n${flotilla.log().split('\n').slice(-15).join('\n')}`);
      return undefined;
    }
    await sleep(20);
  }
}

async function restartsOf(client: ControllerClient, replica: string): Promise<number> {
  const s = await client.status(2000);
  return s.deployments.flatMap((d) => d.replicas).find((x) => x.name === replica)?.restarts ?? 0;
}

// ---------------------------------------------------------------- one kill

async function killOnce(c: Contestant, t: Target, flotilla: FlotillaRun): Promise<Sample> {
  if (c.backsOff) {
    const wait = t.answeredAt + RESET_MS - now();
    if (wait > 0) await sleep(wait);
  }
  const info = await docker.getContainer(t.id).inspect();
  if (!info.State.Running || !info.State.Pid) throw new Error(`${c.label}: ${t.name} is not running before the kill`);
  const before = c.kind === 'flotilla' ? await restartsOf(flotilla.client, t.name) : 0;
  const die = nextEvent((e) => e.action === 'die' && e.id === t.id, `${t.name} die`);
  const start =
    c.kind === 'flotilla'
      ? nextEvent(
          (e) => e.action === 'start' && e.attrs[LABELS.stack] === runId && e.attrs[LABELS.replica] === t.name,
          `${t.name} start`,
        )
      : c.kind === 'docker-restart'
        ? nextEvent((e) => e.action === 'start' && e.id === t.id, `${t.name} start`)
        : undefined;

  const t0 = now();
  process.kill(info.State.Pid, 'SIGKILL');
  const ready = c.kind === 'flotilla' ? waitControllerReady(flotilla, t.name, before) : undefined;
  ready?.catch(() => undefined);
  const died = await die.promise;
  let newId: string;
  let startedAt: number;
  if (c.kind === 'floor-create') {
    newId = await createStarted(c.kind, 'no');
    startedAt = now();
  } else if (c.kind === 'floor-restart') {
    await docker.getContainer(t.id).start();
    newId = t.id;
    startedAt = now();
  } else {
    const e = await start!.promise;
    newId = e.id;
    startedAt = e.at;
  }
  const answeredAt = await waitAnswer(newId);
  const readyAt = ready ? await ready : undefined;
  if (c.kind === 'floor-create') {
    // The dead one goes after the measurement; the next kill targets the new container.
    void docker
      .getContainer(t.id)
      .remove({ force: true })
      .catch(() => undefined);
  }
  t.id = newId;
  t.answeredAt = answeredAt;
  return {
    die: died.at - t0,
    started: startedAt - t0,
    answer: answeredAt - t0,
    ready: c.kind !== 'flotilla' ? undefined : readyAt === undefined ? NaN : readyAt - t0,
  };
}

// ---------------------------------------------------------------- main

let cleanup: (() => Promise<void>) | undefined;

async function main(): Promise<void> {
  await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`${IMAGE} is missing: run bash extension/scripts/base-images.sh`);
    });
  const version = (await docker.version()) as { Version?: string };
  console.log(
    `healing: ${KILLS} kills per contestant, ${os.cpus().length} cpus, Docker ${version.Version}; run ${runId}`,
  );
  console.log(
    `flotilla: backoffBaseSeconds ${BACKOFF_BASE}, backoffMaxSeconds ${BACKOFF_MAX}, readiness probe ${READINESS_PERIOD > 0 ? `every ${READINESS_PERIOD} s` : 'none'}; each target killed after ≥ ${RESET_MS / 1000} s of running`,
  );

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${runId}-`));
  let flotilla: FlotillaRun | undefined;
  cleanup = async () => {
    cleanup = undefined;
    eventStream?.destroy?.();
    if (flotilla) {
      if ((await stopUp(flotilla.up)) === 'killed') {
        console.log('flotilla up did not exit within 15 s of SIGINT; killed it');
      }
    }
    const cli = await cliBundle();
    await run('node', [cli, 'down', '--stack', dir]).catch((e: Error) =>
      console.error(`flotilla down failed: ${e.message}`),
    );
    const mine = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } });
    await Promise.all(
      mine.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await openEvents();
    await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: { [BENCH_LABEL]: runId } });
    const targets = async (kind: Kind, restart: 'always' | 'no', n: number): Promise<Target[]> =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const id = await createStarted(kind, restart);
          return { name: id.slice(0, 12), id, answeredAt: await waitAnswer(id) };
        }),
      );
    const contestants: Contestant[] = [
      { kind: 'flotilla', label: 'flotilla up', targets: [], samples: [], backsOff: true },
      {
        kind: 'docker-restart',
        label: 'docker --restart=always',
        targets: await targets('docker-restart', 'always', TARGETS),
        samples: [],
        backsOff: true,
      },
      {
        kind: 'floor-create',
        label: 'floor: die → create+start',
        targets: await targets('floor-create', 'no', 1),
        samples: [],
        backsOff: false,
      },
      {
        kind: 'floor-restart',
        label: 'floor: die → start again',
        targets: await targets('floor-restart', 'no', 1),
        samples: [],
        backsOff: false,
      },
    ];
    flotilla = await startFlotilla(dir);
    contestants[0].targets = await flotillaTargets();

    for (let k = 0; k < KILLS; k++) {
      // Rotate the order so no contestant always follows the same one.
      const order = contestants.map((_, i) => contestants[(i + k) % contestants.length]);
      const line: string[] = [];
      for (const c of order) {
        const t = c.targets[k % c.targets.length];
        const s = await killOnce(c, t, flotilla);
        c.samples.push(s);
        line.push(`${c.kind} ${Math.round(s.answer)}${s.ready !== undefined ? `/${Math.round(s.ready)}` : ''}`);
        await sleep(200);
      }
      console.log(`kill ${String(k + 1).padStart(2)}: ${line.join(', ')} ms`);
    }

    const backoffs = (flotilla.log().match(/BackOff/g) ?? []).length;
    console.log(`\nflotilla BackOff events during the run: ${backoffs} (0 means every kill was restarted at once)`);
    for (const l of flotilla
      .log()
      .split('\n')
      .filter((x) => /BackOff|ReconcileError|Failed/.test(x))) {
      console.log(`  ${l}`);
    }
    const floor = median(contestants[2].samples.map((s) => s.answer));
    const dockerMedian = median(contestants[1].samples.map((s) => s.answer));
    console.log('\nkill → answers HTTP (median, p95), with the median of each stage:');
    console.log(
      `${'contestant'.padEnd(28)} ${'median'.padStart(8)} ${'p95'.padStart(8)}  ${'×floor'.padStart(6)} ${'×docker'.padStart(7)} | ${'die'.padStart(7)} ${'started'.padStart(8)} | ready=true (median, p95)`,
    );
    for (const c of contestants) {
      const a = c.samples.map((s) => s.answer);
      const r = c.samples.map((s) => s.ready).filter((x): x is number => x !== undefined && !Number.isNaN(x));
      const missing = c.samples.filter((s) => Number.isNaN(s.ready)).length;
      console.log(
        `${c.label.padEnd(28)} ${ms(median(a)).padStart(8)} ${ms(p95(a)).padStart(8)}  ${(median(a) / floor).toFixed(2).padStart(6)} ${(median(a) / dockerMedian).toFixed(2).padStart(7)} | ` +
          `${ms(median(c.samples.map((s) => s.die))).padStart(7)} ${ms(median(c.samples.map((s) => s.started))).padStart(8)} | ${r.length ? `${ms(median(r))}, ${ms(p95(r))}` : '-'}${missing ? ` (${missing} never ready within ${STEP_TIMEOUT_MS / 1000} s)` : ''}`,
      );
    }
    console.log(`\nall samples (kill → answers, ms):`);
    for (const c of contestants) {
      console.log(`  ${c.kind.padEnd(15)} ${c.samples.map((s) => Math.round(s.answer)).join(' ')}`);
    }
    console.log(
      `  ${'flotilla ready'.padEnd(15)} ${contestants[0].samples.map((s) => (Number.isNaN(s.ready) ? 'never' : Math.round(s.ready!))).join(' ')}`,
    );
  } finally {
    await cleanup?.();
  }
}

process.once('SIGINT', () => {
  console.error('interrupted: cleaning up');
  void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
});

main().catch(async (e: Error) => {
  console.error(e.stack ?? e.message);
  await cleanup?.().catch(() => undefined);
  process.exit(1);
});
