// Up and scale benchmark: how long until every container of a stack answers
// HTTP, with docker-compose (1.29, an equivalent compose file), with the floor
// (raw parallel Engine API create+start, nothing else), and with `flotilla up`.
//
//   npx tsx bench/up-vs-compose.ts [--stack examples/shop] [--rounds 5] [--scale web=10] [--with-flotilla]
//
// Each round runs on its own compose project / network / stack name, and
// removes everything it created. Readiness: a deployment with an httpGet
// readiness probe must answer it (200–399); one with ports but no probe must
// answer GET / with any status; one without ports (the shop's worker) counts
// once its container runs. Times are wall-clock from the first request to the
// last container answering. A shared 2-core machine is noisy: compare medians.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import { buildImage, withTag } from '../extension/engine/build';
import { loadStackOrThrow } from '../extension/engine/model/load-stack';
import type { DeploymentSpec, StackSpec } from '../extension/engine/model/types';
import { LABELS } from '../extension/engine/docker/labels';
import { composeFromStack, resolveEnv } from './up-vs-compose-compose';
import { cliBundle, run, stopUp } from './support/cli';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const STACK_DIR = path.resolve(opt('stack', 'examples/shop'));
const ROUNDS = Number(opt('rounds', '5'));
const [SCALE_DEPLOYMENT, SCALE_TO] = (() => {
  const [d, n] = opt('scale', 'web=10').split('=');
  return [d, Number(n)] as const;
})();
const WITH_FLOTILLA = args.includes('--with-flotilla');
const COMPOSE = '/usr/bin/docker-compose';
const BENCH_LABEL = 'dev.flotilla.bench';
const ANSWER_TIMEOUT_MS = 90_000;

const docker = new Dockerode();

/** How to tell that one replica of a deployment is up. */
interface Readiness {
  port?: number;
  path: string;
  /** Any HTTP status counts (no probe declared), or only 200–399. */
  anyStatus: boolean;
}

interface Figures {
  /** Until the command returned (compose) or all creates+starts resolved (floor). */
  upReturned: number;
  /** Until every container of every deployment answered. */
  upAnswered: number;
  scaleReturned: number;
  scaleAnswered: number;
  /** Floor only: creating its network, done before its clock starts (compose and flotilla up count theirs). */
  network?: number;
}

function readiness(d: DeploymentSpec): Readiness {
  const c = d.template.containers[0];
  const get = c.readinessProbe?.httpGet;
  const portOf = (p: number | string | undefined): number | undefined =>
    typeof p === 'number' ? p : c.ports.find((x) => x.name === p)?.containerPort;
  if (get) return { port: portOf(get.port), path: get.path || '/', anyStatus: false };
  if (c.ports.length > 0) return { port: c.ports[0].containerPort, path: '/', anyStatus: true };
  return { path: '/', anyStatus: true };
}

function httpAnswers(ip: string, r: Readiness): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: ip, port: r.port, path: r.path, timeout: 1000, agent: false }, (res) => {
      res.resume();
      const s = res.statusCode ?? 0;
      resolve(r.anyStatus || (s >= 200 && s < 400));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/** Whether the container runs and answers now; false if it is gone. */
async function answersOnce(id: string, r: Readiness): Promise<boolean> {
  const info = await docker
    .getContainer(id)
    .inspect()
    .catch(() => undefined);
  if (!info?.State.Running) return false;
  if (r.port === undefined) return true;
  const ip = Object.values(info.NetworkSettings.Networks ?? {})
    .map((n) => n.IPAddress)
    .find(Boolean);
  return ip !== undefined && (await httpAnswers(ip, r));
}

/** Polls until the container answers (or runs, for a deployment without a port). */
async function waitAnswering(id: string, r: Readiness, deadline: number): Promise<void> {
  for (;;) {
    const info = await docker.getContainer(id).inspect();
    if (info.State.Running) {
      if (r.port === undefined) return;
      const ip = Object.values(info.NetworkSettings.Networks ?? {})
        .map((n) => n.IPAddress)
        .find(Boolean);
      if (ip && (await httpAnswers(ip, r))) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`container ${id.slice(0, 12)} did not answer within ${ANSWER_TIMEOUT_MS} ms`);
    }
    await new Promise((res) => setTimeout(res, 25));
  }
}

async function waitAll(containers: { id: string; deployment: string }[], stack: StackSpec): Promise<void> {
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  const byName = new Map(stack.deployments.map((d) => [d.name, readiness(d)]));
  await Promise.all(containers.map((c) => waitAnswering(c.id, byName.get(c.deployment)!, deadline)));
}

function expectedReplicas(stack: StackSpec): number {
  return stack.deployments.reduce((n, d) => n + (d.replicas ?? 1), 0);
}

// ---------------------------------------------------------------- compose

async function benchCompose(stack: StackSpec, images: Record<string, string>, round: number): Promise<Figures> {
  const project = `flotillabench${randomBytes(3).toString('hex')}r${round}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${project}-`));
  fs.writeFileSync(
    path.join(dir, 'docker-compose.yml'),
    composeFromStack(stack, { images, labels: { [BENCH_LABEL]: project } }),
  );
  const compose = (...a: string[]) =>
    run(COMPOSE, ['-p', project, '-f', path.join(dir, 'docker-compose.yml'), ...a], { cwd: dir });
  const list = async () =>
    (await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } })).map(
      (c) => ({
        id: c.Id,
        deployment: c.Labels['com.docker.compose.service'],
      }),
    );
  try {
    const t0 = performance.now();
    await compose('up', '-d');
    const upReturned = performance.now() - t0;
    await waitAll(await list(), stack);
    const upAnswered = performance.now() - t0;

    const t1 = performance.now();
    await compose('up', '-d', '--no-recreate', '--scale', `${SCALE_DEPLOYMENT}=${SCALE_TO}`);
    const scaleReturned = performance.now() - t1;
    const scaled = (await list()).filter((c) => c.deployment === SCALE_DEPLOYMENT);
    if (scaled.length !== SCALE_TO) {
      throw new Error(`compose: ${scaled.length} ${SCALE_DEPLOYMENT} containers, expected ${SCALE_TO}`);
    }
    await waitAll(scaled, stack);
    return { upReturned, upAnswered, scaleReturned, scaleAnswered: performance.now() - t1 };
  } finally {
    await compose('down', '--timeout', '1').catch((e: Error) => console.error(`compose down failed: ${e.message}`));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- floor

async function benchFloor(stack: StackSpec, images: Record<string, string>, round: number): Promise<Figures> {
  const id = `flotilla-bench-floor-${randomBytes(3).toString('hex')}-r${round}`;
  const tn = performance.now();
  const network = await docker.createNetwork({ Name: id, Driver: 'bridge', Labels: { [BENCH_LABEL]: id } });
  const networkMs = performance.now() - tn;
  let n = 0;
  const create = async (d: DeploymentSpec) => {
    const c = d.template.containers[0];
    const aliases = [
      d.name,
      ...stack.services
        .filter((s) => Object.entries(s.selector).every(([k, v]) => d.template.labels[k] === v))
        .map((s) => s.name),
    ];
    const container = await docker.createContainer({
      name: `${id}-${d.name}-${n++}`,
      Image: images[c.image] ?? c.image,
      Entrypoint: c.command,
      Cmd: c.args,
      WorkingDir: c.workingDir,
      Env: Object.entries(resolveEnv(stack, c)).map(([k, v]) => `${k}=${v}`),
      Labels: { [BENCH_LABEL]: id },
      HostConfig: {
        NetworkMode: id,
        NanoCpus: c.limits.cpuMilli ? c.limits.cpuMilli * 1e6 : undefined,
        Memory: c.limits.memoryBytes,
        MemoryReservation: c.requests.memoryBytes,
      },
      NetworkingConfig: { EndpointsConfig: { [id]: { Aliases: [...new Set(aliases)] } } },
    });
    await container.start();
    return { id: container.id, deployment: d.name };
  };
  try {
    const t0 = performance.now();
    const first = await Promise.all(
      stack.deployments.flatMap((d) => Array.from({ length: d.replicas ?? 1 }, () => create(d))),
    );
    const upReturned = performance.now() - t0;
    await waitAll(first, stack);
    const upAnswered = performance.now() - t0;

    const d = stack.deployments.find((x) => x.name === SCALE_DEPLOYMENT)!;
    const have = first.filter((c) => c.deployment === d.name);
    const t1 = performance.now();
    const more = await Promise.all(Array.from({ length: SCALE_TO - have.length }, () => create(d)));
    const scaleReturned = performance.now() - t1;
    await waitAll([...have, ...more], stack);
    return { upReturned, upAnswered, scaleReturned, scaleAnswered: performance.now() - t1, network: networkMs };
  } finally {
    const mine = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${id}`] } });
    await Promise.all(
      mine.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await network.remove().catch(() => undefined);
  }
}

// ---------------------------------------------------------------- flotilla up
// ===== FLOTILLA UP: the `flotilla up` side, owned by the CLI. =====
// Runs the CLI on a copy of the stack under a unique stack name (so a stack a
// developer is running is never touched), measures until every replica
// answers, scales with `flotilla scale`, then `flotilla down`. Adjust the
// command line here if the CLI's flags change.
async function benchFlotillaUp(stack: StackSpec, round: number): Promise<Figures> {
  const name = `flotillabench${randomBytes(3).toString('hex')}r${round}`;
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  // Not .flotilla/: its ports and scale intents belong to the stack a developer may be running.
  fs.cpSync(stack.dir, copy, { recursive: true, filter: (src) => path.basename(src) !== '.flotilla' });
  const stackFile = path.join(copy, path.basename(stack.file));
  fs.writeFileSync(stackFile, fs.readFileSync(stackFile, 'utf8').replace(/^name:.*$/m, `name: ${name}`));
  const cli = ['node', [await cliBundle()]];
  const flotilla = (...a: string[]) => run(cli[0] as string, [...(cli[1] as string[]), ...a, '--stack', copy]);
  const list = async () =>
    (await docker.listContainers({ all: true, filters: { label: [`${LABELS.stack}=${name}`] } })).map((c) => ({
      id: c.Id,
      deployment: c.Labels[LABELS.deployment],
    }));
  // The controller may replace a container while we look (a failed probe, a
  // rollout), so each pass re-lists and checks every replica once.
  const waitReplicas = async (deployment: string | undefined, want: number) => {
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    const byName = new Map(stack.deployments.map((d) => [d.name, readiness(d)]));
    for (;;) {
      const cs = (await list()).filter((c) => deployment === undefined || c.deployment === deployment);
      if (cs.length >= want) {
        const ok = await Promise.all(cs.map((c) => answersOnce(c.id, byName.get(c.deployment)!)));
        if (ok.every(Boolean)) return;
      }
      if (Date.now() > deadline) {
        throw new Error(`flotilla: not all ${want} replicas answered within ${ANSWER_TIMEOUT_MS} ms`);
      }
      await new Promise((res) => setTimeout(res, 25));
    }
  };
  const t0 = performance.now();
  const up = spawn(cli[0] as string, [...(cli[1] as string[]), 'up', '--no-watch', '--stack', copy], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  // When each line of the CLI's output arrived, relative to the spawn: where `up` spends its time.
  const seen: { at: number; line: string }[] = [];
  let partial = '';
  const onOut = (c: Buffer) => {
    const at = performance.now() - t0;
    log += c;
    partial += c.toString();
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      seen.push({ at, line: partial.slice(0, nl) });
      partial = partial.slice(nl + 1);
    }
  };
  up.stdout.on('data', onOut);
  up.stderr.on('data', onOut);
  const first = (re: RegExp, after = 0) => seen.find((s) => s.at >= after && re.test(s.line))?.at;
  const last = (re: RegExp, after = 0) => seen.filter((s) => s.at >= after && re.test(s.line)).at(-1)?.at;
  try {
    await waitReplicas(undefined, expectedReplicas(stack));
    const upAnswered = performance.now() - t0;
    const t1 = performance.now();
    await flotilla('scale', SCALE_DEPLOYMENT, String(SCALE_TO));
    const scaleReturned = performance.now() - t1;
    await waitReplicas(SCALE_DEPLOYMENT, SCALE_TO);
    const scaleAnswered = performance.now() - t1;
    const sinceScale = t1 - t0;
    const m: Milestones = {
      firstOutput: seen[0]?.at,
      imagesChecked: last(/is up to date|^built /),
      controllerRunning: first(/controller running/),
      firstScheduled: first(/Scheduled/),
      lastScheduled: undefined,
      upAnswered,
      scaleEvent: rel(first(/ScalingReplicaSet/, sinceScale), sinceScale),
      scaleFirstScheduled: rel(first(/Scheduled/, sinceScale), sinceScale),
      scaleLastScheduled: rel(last(/Scheduled/, sinceScale), sinceScale),
      scaleAnswered,
    };
    // Up's own Scheduled lines are those before the scale started.
    m.lastScheduled =
      last(/Scheduled/) !== undefined
        ? seen.filter((s) => s.at < sinceScale && /Scheduled/.test(s.line)).at(-1)?.at
        : undefined;
    milestones.push(m);
    // `up` runs in the foreground, so "returned" is when the replicas exist, not a command exit.
    return { upReturned: upAnswered, upAnswered, scaleReturned, scaleAnswered };
  } catch (e) {
    throw new Error(`${(e as Error).message}\nflotilla up output:\n${log}`);
  } finally {
    if ((await stopUp(up)) === 'killed') {
      upHung++;
      console.error(`flotilla up did not exit within 15 s of SIGINT (round ${round}); killed it`);
    }
    // A second try: a `down` right after the controller stopped has been seen to find the
    // network still holding an endpoint of a replica that was just removed.
    await flotilla('down')
      .catch((e: Error) => {
        console.error(`flotilla down failed, retrying in 1 s: ${e.message.trim()}`);
        return new Promise((r) => setTimeout(r, 1000)).then(() => flotilla('down'));
      })
      .catch((e: Error) => console.error(`flotilla down failed: ${e.message}`));
    fs.rmSync(copy, { recursive: true, force: true });
  }
}

/** Arrival times (ms) of `flotilla up`'s output lines: up milestones from the spawn, scale ones from `flotilla scale`. */
interface Milestones {
  firstOutput?: number;
  imagesChecked?: number;
  controllerRunning?: number;
  firstScheduled?: number;
  lastScheduled?: number;
  upAnswered: number;
  scaleEvent?: number;
  scaleFirstScheduled?: number;
  scaleLastScheduled?: number;
  scaleAnswered: number;
}
const milestones: Milestones[] = [];
/** Rounds where `flotilla up` did not exit on SIGINT and was killed. */
let upHung = 0;
const rel = (at: number | undefined, from: number) => (at === undefined ? undefined : at - from);

// ===== end of FLOTILLA UP =====

// ---------------------------------------------------------------- report

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function report(label: string, rounds: Figures[]): void {
  const f = (k: Exclude<keyof Figures, 'network'>) => `${Math.round(median(rounds.map((r) => r[k])))} ms`.padStart(9);
  console.log(
    `${label.padEnd(18)} up: returned ${f('upReturned')}, all answer ${f('upAnswered')} | scale ${SCALE_DEPLOYMENT} →${SCALE_TO}: returned ${f('scaleReturned')}, all answer ${f('scaleAnswered')}`,
  );
}

async function main(): Promise<void> {
  const stack = loadStackOrThrow(STACK_DIR);
  if (!stack.deployments.some((d) => d.name === SCALE_DEPLOYMENT)) {
    throw new Error(`no deployment ${SCALE_DEPLOYMENT} in ${STACK_DIR}`);
  }
  console.log(
    `stack ${stack.name}: ${stack.deployments.length} deployments, ${expectedReplicas(stack)} replicas; ${ROUNDS} round(s); ${os.cpus().length} cpus`,
  );
  const images: Record<string, string> = {};
  for (const b of stack.builds) {
    const r = await buildImage(docker, b, { stack: stack.name, stackDir: stack.dir });
    images[b.image] = r.image;
    console.log(`image ${r.image} ${r.cached ? 'up to date' : 'built'}`);
  }
  for (const d of stack.deployments) {
    const img = d.template.containers[0].image;
    images[img] ??= withTag(img);
  }
  const results: Record<string, Figures[]> = { compose: [], floor: [], flotilla: [] };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither side always runs on a warmer daemon.
    const order = round % 2 === 0 ? ['compose', 'floor', 'flotilla'] : ['floor', 'compose', 'flotilla'];
    for (const which of order) {
      if (which === 'compose') results.compose.push(await benchCompose(stack, images, round));
      if (which === 'floor') results.floor.push(await benchFloor(stack, images, round));
      if (which === 'flotilla' && WITH_FLOTILLA) results.flotilla.push(await benchFlotillaUp(stack, round));
    }
    console.log(
      `round ${round + 1}: ${Object.entries(results)
        .filter(([, r]) => r.length > round)
        .map(
          ([k, r]) => `${k} up ${Math.round(r[round].upAnswered)} ms, scale ${Math.round(r[round].scaleAnswered)} ms`,
        )
        .join('; ')}`,
    );
  }
  console.log('\nmedians:');
  report('docker-compose 1.29', results.compose);
  report('floor (Engine API)', results.floor);
  const net = median(results.floor.map((r) => r.network ?? 0));
  console.log(
    `${'floor + network'.padEnd(18)} up: all answer ${`${Math.round(net + median(results.floor.map((r) => r.upAnswered)))} ms`.padStart(9)} (creating the network took ${Math.round(net)} ms, before the floor's clock)`,
  );
  if (WITH_FLOTILLA) {
    report('flotilla up', results.flotilla);
    const ratio = (k: Exclude<keyof Figures, 'network'>, peer: Figures[]) =>
      (median(results.flotilla.map((r) => r[k])) / median(peer.map((r) => r[k]))).toFixed(2);
    console.log(
      `flotilla / floor: up ${ratio('upAnswered', results.floor)}×, scale ${ratio('scaleAnswered', results.floor)}×; flotilla / compose: up ${ratio('upAnswered', results.compose)}×, scale ${ratio('scaleAnswered', results.compose)}×`,
    );
    console.log(
      `flotilla / (floor + network): up ${(median(results.flotilla.map((r) => r.upAnswered)) / (net + median(results.floor.map((r) => r.upAnswered)))).toFixed(2)}×`,
    );
    if (upHung) {
      console.log(
        `flotilla up hung after SIGINT in ${upHung} of ${results.flotilla.length} rounds (killed after 15 s)`,
      );
    }
    console.log(
      '\nflotilla up, when its output lines arrived (median ms; up from the spawn, scale from `flotilla scale`):',
    );
    for (const k of Object.keys(milestones[0] ?? {}) as (keyof Milestones)[]) {
      const xs = milestones.map((m) => m[k]).filter((x): x is number => x !== undefined);
      console.log(
        `  ${k.padEnd(20)} ${xs.length ? `${Math.round(median(xs))} ms`.padStart(9) : '        -'}   [${xs.map(Math.round).join(', ')}]`,
      );
    }
  } else console.log('flotilla up         (not run: pass --with-flotilla)');
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
