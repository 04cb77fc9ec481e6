// The cost curve: what a stack of N Deployments costs under Flotilla and under
// docker-compose, at several sizes, in one run.
//
//   npx tsx bench/curve.ts [--sizes 10,50,100] [--rounds 2] [--idle 60] [--kills 5]
//                          [--svg BENCHMARKS-curve.svg] [--json out.json] [--profile N]
//
// Each size writes a stack (bench/curve-stack.ts: N Deployments × 2 replicas of busybox
// httpd with a tcpSocket readiness probe every second, a Service each) and the equivalent
// compose file. Per round, in alternating order (and alternating across sizes), each side once
// the daemons are quiet:
//   compose: `docker-compose up -d` until every container answers HTTP; dockerd, containerd
//            and the shims' CPU over the idle window; `up -d --scale` of every service to 3
//            until every container answers; `down`.
//   flotilla: `flotilla up` (the bundled CLI, watching files as a user's would) until every
//            Service URL answers, every replica answers and every replica is Ready; the
//            controller's, dockerd's, containerd's, the shims' and the Service proxy's CPU over
//            the idle window; the controller's RSS; `flotilla status --json` latency (a fresh
//            CLI process, beside `node -e 0` as the machine's floor) and GET /v1/status; kills of
//            single replicas until the replacement answers and is Ready; every Deployment scaled
//            to 3 through the control API until every container answers; SIGINT; `down`.
// Both sides also count the CPU seconds each process used from the start of up until all
// answer (where up's time goes). `--profile N` adds one more flotilla round at size N with the
// controller's CPU profile (summarised up to all Ready), kept out of the medians.
// Medians per size go to Markdown tables on stdout and to an SVG chart drawn by
// bench/curve-report.ts, rewritten after every size. The load average is printed with every
// phase: on a shared machine, read same-run ratios.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import { ControllerClient } from '../extension/engine/api/client';
import type { StackStatus } from '../extension/engine/api/protocol';
import { LABELS } from '../extension/engine/docker/labels';
import { ensureBusyboxImage } from '../test/support/base-images';
import { writeCurveStack, type CurveStack, PORT } from './curve-stack';
import {
  type ComposeFigures,
  type FlotillaFigures,
  med,
  type SizeResult,
  summariseProfile,
  svg,
  table,
  upTable,
} from './curve-report';
import { cliBundle, run, stopUp } from './support/cli';
import {
  childrenCpuSeconds,
  containerFigures,
  cpuOver,
  cpuSeconds,
  cpuSecondsOf,
  loadAverage,
  pidsOf,
  rssBytes,
} from './support/procfs';
import { median } from './support/stats';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const SIZES = opt('sizes', '10,50,100').split(',').map(Number);
const ROUNDS = Number(opt('rounds', '2'));
const IDLE_MS = Number(opt('idle', '60')) * 1000;
const KILLS = Number(opt('kills', '5'));
const SVG = opt('svg', 'BENCHMARKS-curve.svg');
const JSON_OUT = opt('json', '');
const PROFILE = Number(opt('profile', '0'));
const COMPOSE = '/usr/bin/docker-compose';
const TIMEOUT_MS = 600_000;
const docker = new Dockerode();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)} load ${loadAverage()}] ${s}`);

function get(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

/**
 * Until `want` running containers carrying all of `labels` each answered GET / once (ms from
 * `t0`). A container replaced meanwhile no longer counts: only those running now do.
 */
async function everyContainerAnswers(labels: string[], want: number, t0: number): Promise<number> {
  const answered = new Set<string>();
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const list = await docker.listContainers({ filters: { label: labels } });
    const ips = new Map(
      list.map((c) => [c.Id, Object.values(c.NetworkSettings?.Networks ?? {}).find((x) => x.IPAddress)?.IPAddress]),
    );
    await Promise.all(
      [...ips].map(async ([id, ip]) => {
        if (ip && !answered.has(id) && (await get(`http://${ip}:${PORT}/`, 500)) === 200) answered.add(id);
      }),
    );
    if ([...answered].filter((id) => ips.has(id)).length >= want) return performance.now() - t0;
    if (Date.now() > deadline) {
      throw new Error(`${answered.size} of ${want} containers answered (${labels.join(', ')})`);
    }
    await sleep(50);
  }
}

// ---------------------------------------------------------------- compose

async function composeRound(s: CurveStack): Promise<ComposeFigures> {
  const project = `${s.name}c${randomBytes(2).toString('hex')}`;
  // docker-compose 1.29 runs each service's containers in a nested parallel step under one global
  // limit (64): with more services than that, `up --scale` holds every slot and waits forever.
  const env = { ...process.env, COMPOSE_PARALLEL_LIMIT: String(Math.max(64, 4 * s.deployments.length)) };
  const compose = (...a: string[]) => run(COMPOSE, ['-p', project, '-f', s.composeFile, ...a], { cwd: s.dir, env });
  const label = `com.docker.compose.project=${project}`;
  const n = s.deployments.length;
  try {
    say(`compose ${n}: up`);
    const cpu0 = cpuNow({ compose: childrenCpuSeconds });
    const t0 = performance.now();
    await compose('up', '-d');
    const up = await everyContainerAnswers([label], 2 * n, t0);
    const upCpu = cpuSince(cpu0);
    say(`compose ${n}: every container answers at ${(up / 1000).toFixed(1)} s; idle ${IDLE_MS / 1000} s`);
    const load = loadAverage();
    const idle = await cpuOver(IDLE_MS, daemons());
    const t1 = performance.now();
    await compose('up', '-d', '--no-recreate', ...s.deployments.flatMap((d) => ['--scale', `${d}=3`]));
    const scale = await everyContainerAnswers([label], 3 * n, t1);
    say(`compose ${n}: scaled to 3 each in ${(scale / 1000).toFixed(1)} s`);
    return { up, upCpu, scale, idle, load };
  } finally {
    await compose('down', '--timeout', '1').catch((e: Error) => console.error(`compose down failed: ${e.message}`));
  }
}

/** CPU seconds so far of the daemons and of `more`, to take a difference from with cpuSince. */
function cpuNow(more: Record<string, () => number>): [Record<string, () => number>, Record<string, number>] {
  const subjects = { ...more, ...daemons() };
  return [subjects, Object.fromEntries(Object.entries(subjects).map(([k, f]) => [k, f()]))];
}

function cpuSince([subjects, before]: ReturnType<typeof cpuNow>): Record<string, number> {
  return Object.fromEntries(Object.entries(subjects).map(([k, f]) => [k, f() - before[k]]));
}

/**
 * The machine's engine (the dockerd of /var/run/docker.pid, its containerd and shims): tests of
 * other engineers start private daemons that come and go, and must not count.
 */
function daemons(): Record<string, () => number> {
  const dockerd = Number(fs.readFileSync('/var/run/docker.pid', 'utf8').trim());
  const ours = (cmd: string) => cmd.includes(ENGINE_CONTAINERD);
  return {
    dockerd: () => cpuSeconds(dockerd),
    containerd: () => cpuSecondsOf(['containerd'], ours),
    shims: () => cpuSecondsOf(['containerd-shim-runc-v2', 'containerd-shim'], ours),
  };
}
/**
 * Runs a side once the daemons are quiet: after the other side's down of hundreds of containers,
 * dockerd and containerd go on tearing them down for seconds (load average 15–38 seen at the
 * next side's start), which the side that starts next would pay for.
 */
async function settled<T>(side: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  for (let calm = 0; calm < 3 && performance.now() - t0 < 90_000;) {
    const c = await cpuOver(1000, daemons());
    calm = c.dockerd + c.containerd + c.shims < 10 ? calm + 1 : 0;
  }
  say(`daemons quiet (under 10% of a core for 3 s) after ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return side();
}

/** In the command line of the engine's containerd (its config) and of its shims (its socket). */
const ENGINE_CONTAINERD = '/var/run/docker/containerd/containerd.';

// ---------------------------------------------------------------- flotilla

let CLI = '';

/**
 * One round of `flotilla up` on the stack. A profiling round (`profileDir`) writes the controller's
 * CPU profile there and skips the idle window and the kills: the profiler's own sampling would
 * count as idle CPU, so its figures are never mixed with the measured rounds'.
 */
async function flotillaRound(s: CurveStack, profileDir?: string): Promise<FlotillaFigures> {
  const cli = CLI;
  const idleMs = profileDir ? 1000 : IDLE_MS;
  const kills = profileDir ? 0 : KILLS;
  const n = s.deployments.length;
  const label = `${LABELS.stack}=${s.name}`;
  const replicasLabel = [label, LABELS.replica];
  const flags = profileDir ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`] : [];
  say(`flotilla ${n}: up${profileDir ? ' (profiled, not measured)' : ''}`);
  const cpu0 = cpuNow({});
  const t0 = performance.now();
  const up: ChildProcess = spawn('node', [...flags, cli, 'up', '--stack', s.dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  up.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  up.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  let stop: 'exited' | 'killed' = 'exited';
  let stopMs = NaN;
  try {
    let client: ControllerClient | undefined;
    while (!(client = await ControllerClient.connect(s.dir))) {
      if (up.exitCode !== null) throw new Error(`flotilla up exited ${up.exitCode}:\n${log}`);
      await sleep(50);
    }
    const controllerUp = performance.now() - t0;
    const c = client;
    const status = () => c.status(30_000);
    let urls: string[] = [];
    while (urls.length < n) {
      urls = (await status()).services.flatMap((x) => x.urls.slice(0, 1));
      await sleep(50);
    }
    // Every Service URL answers (through the host balancer to a Ready replica).
    const pending = new Set(urls);
    while (pending.size) {
      await Promise.all([...pending].map(async (u) => ((await get(u)) === 200 ? pending.delete(u) : undefined)));
      if (pending.size) await sleep(50);
    }
    const servicesAnswer = performance.now() - t0;
    const replicasAnswer = await everyContainerAnswers(replicasLabel, 2 * n, t0);
    const allReady = await untilReady(status, 2 * n, t0);
    const upCpu = { controller: cpuSeconds(up.pid!), ...cpuSince(cpu0) };
    say(
      `flotilla ${n}: Services answer at ${(servicesAnswer / 1000).toFixed(1)} s, replicas at ${(replicasAnswer / 1000).toFixed(1)} s, all Ready at ${(allReady / 1000).toFixed(1)} s; idle ${idleMs / 1000} s`,
    );
    // The in-network Service proxy (ClusterIPs, cluster DNS) is made beside the replicas.
    let proxy: Dockerode.ContainerInfo | undefined;
    while (!(proxy = (await docker.listContainers({ filters: { label: [label, LABELS.proxy] } }))[0])) {
      if (performance.now() - t0 > TIMEOUT_MS) throw new Error('no Service proxy container');
      await sleep(100);
    }
    const proxyUp = performance.now() - t0;
    const pid = up.pid!;
    const load = loadAverage();
    const proxyId = proxy.Id;
    const idle = await cpuOver(idleMs, {
      controller: () => cpuSeconds(pid),
      ...daemons(),
      proxy: () => containerFigures(proxyId)?.cpuSeconds ?? NaN,
    });
    const rss = rssBytes(pid);
    const proxyMemory = containerFigures(proxyId)?.memoryBytes ?? NaN;

    // status --json from a fresh CLI process, beside a bare `node -e 0` (this machine's process start).
    const cliTimes: number[] = [];
    const nodeTimes: number[] = [];
    for (let i = 0; i < 7; i++) {
      let t = performance.now();
      const r = spawnSync('node', [cli, 'status', '--json', '--stack', s.dir], { encoding: 'utf8' });
      cliTimes.push(performance.now() - t);
      if (r.status !== 0) throw new Error(`status --json failed: ${r.stderr}`);
      t = performance.now();
      spawnSync('node', ['-e', '0']);
      nodeTimes.push(performance.now() - t);
    }
    const httpTimes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await status();
      httpTimes.push(performance.now() - t);
    }
    say(
      `flotilla ${n}: status --json ${median(cliTimes).toFixed(0)} ms (node -e 0: ${median(nodeTimes).toFixed(0)} ms)`,
    );

    // Kills: one replica at a time (each a first crash), until the replacement answers and is Ready.
    const killAnswer: number[] = [];
    const killReady: number[] = [];
    const victims = (await status()).deployments
      .flatMap((d) => d.replicas)
      .sort(() => Math.random() - 0.5)
      .slice(0, kills);
    for (const v of victims) {
      const info = await docker.getContainer(v.container).inspect();
      const ip = v.address ?? '';
      const before = v.restarts;
      const tk = performance.now();
      process.kill(info.State.Pid, 'SIGKILL');
      // Wait for it to go, then for it to answer again.
      while ((await get(`http://${ip}:${PORT}/`, 200)) === 200 && performance.now() - tk < 5000) await sleep(5);
      let answered = NaN;
      let ready = NaN;
      while (performance.now() - tk < 60_000 && (Number.isNaN(answered) || Number.isNaN(ready))) {
        if (Number.isNaN(answered) && (await get(`http://${ip}:${PORT}/`, 200)) === 200) {
          answered = performance.now() - tk;
        }
        if (Number.isNaN(ready)) {
          const r = (await status()).deployments.flatMap((d) => d.replicas).find((x) => x.name === v.name);
          if (r?.ready && r.restarts > before) ready = performance.now() - tk;
        }
        await sleep(10);
      }
      killAnswer.push(answered);
      killReady.push(ready);
    }
    say(
      `flotilla ${n}: kill → answers ${median(killAnswer).toFixed(0)} ms, → Ready ${median(killReady).toFixed(0)} ms`,
    );

    // Every Deployment to 3, through the control API (as the editor's Scale does), at once.
    const t1 = performance.now();
    await Promise.all(s.deployments.map((d) => c.post('/v1/scale', { deployment: d, replicas: 3 })));
    const scale = await everyContainerAnswers(replicasLabel, 3 * n, t1);
    const scaleReady = await untilReady(status, 3 * n, t1);
    say(
      `flotilla ${n}: scaled to 3 each in ${(scale / 1000).toFixed(1)} s (Ready ${(scaleReady / 1000).toFixed(1)} s)`,
    );
    const ts = performance.now();
    stop = await stopUp(up);
    stopMs = performance.now() - ts;
    return {
      controllerUp,
      upCpu,
      servicesAnswer,
      replicasAnswer,
      allReady,
      proxyUp,
      scale,
      scaleReady,
      idle,
      load,
      rss,
      proxyMemory,
      statusCli: median(cliTimes),
      nodeFloor: median(nodeTimes),
      statusHttp: median(httpTimes),
      killAnswer,
      killReady,
      stop,
      stopMs,
    };
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\nflotilla up output (last lines):\n${log.split('\n').slice(-30).join('\n')}`,
    );
  } finally {
    if (up.exitCode === null) stop = await stopUp(up);
    await run('node', [cli, 'down', '--stack', s.dir]).catch((e: Error) => console.error(`down failed: ${e.message}`));
  }
}

async function untilReady(status: () => Promise<StackStatus>, want: number, t0: number): Promise<number> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const s = await status();
    const ready = s.deployments.flatMap((d) => d.replicas).filter((r) => r.ready).length;
    if (ready >= want) return performance.now() - t0;
    if (Date.now() > deadline) throw new Error(`${ready} of ${want} replicas Ready`);
    await sleep(100);
  }
}

/** Debian's docker-compose 1.29 (the reference the earlier up/scale bench used), installed when missing. */
function ensureCompose(): void {
  if (fs.existsSync(COMPOSE)) return;
  console.log('docker-compose is missing: installing it with apt-get install -y docker-compose');
  execFileSync('apt-get', ['install', '-y', '-qq', 'docker-compose'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

async function main(): Promise<void> {
  ensureCompose();
  await ensureBusyboxImage(docker);
  CLI = await cliBundle();
  say(
    `sizes ${SIZES.join(', ')}; ${ROUNDS} round(s); idle ${IDLE_MS / 1000} s; dockerd pid ${fs.readFileSync('/var/run/docker.pid', 'utf8').trim()} (others: ${pidsOf('dockerd').join(',')})`,
  );
  const results: SizeResult[] = [];
  for (const n of SIZES) {
    const r: SizeResult = { n, compose: [], flotilla: [], baseline: [] };
    results.push(r);
    const s = writeCurveStack(n, randomBytes(2).toString('hex'));
    try {
      for (let round = 0; round < ROUNDS; round++) {
        say(`baseline: idle ${IDLE_MS / 1000} s with no bench stack running`);
        r.baseline.push(await cpuOver(IDLE_MS, daemons()));
        // Sizes alternate too, so a single round per size does not always run one side first.
        const composeFirst = (round + SIZES.indexOf(n)) % 2 === 0;
        if (composeFirst) r.compose.push(await settled(() => composeRound(s)));
        r.flotilla.push(await settled(() => flotillaRound(s)));
        if (!composeFirst) r.compose.push(await settled(() => composeRound(s)));
      }
      if (PROFILE === n) {
        const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'curve-prof-'));
        const p = await flotillaRound(s, profileDir);
        console.log(
          `\nprofile of flotilla up at N=${n}, up to all Ready at ${(p.allReady / 1000).toFixed(1)} s (self time):`,
        );
        console.log(`${summariseProfile(profileDir, p.allReady)}\n`);
      }
    } finally {
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
    // Everything so far is written after every size, so a run cut short still leaves its figures.
    report(results);
  }
}

function report(unsorted: SizeResult[]): void {
  const results = [...unsorted].sort((a, b) => a.n - b.n);
  console.log(
    `\n${table(results)}\n\nwhere up's time goes (CPU seconds used from the start of up until all answer):\n${upTable(results)}\n`,
  );
  const all = results.flatMap((r) => r.flotilla);
  const hung = all.filter((f) => f.stop === 'killed').length;
  console.log(
    `flotilla up ended on SIGINT in ${all.length - hung} of ${all.length} rounds (median ${med(all.map((f) => f.stopMs)).toFixed(0)} ms)`,
  );
  if (results.length > 1) {
    const a = results[0];
    const b = results[results.length - 1];
    const rss = (r: SizeResult) => med(r.flotilla.map((f) => f.rss));
    console.log(
      `controller RSS growth: ${((rss(b) - rss(a)) / 2 ** 20 / (2 * (b.n - a.n))).toFixed(3)} MiB per replica (${a.n} → ${b.n} Deployments)`,
    );
  }
  fs.writeFileSync(SVG, svg(results, ROUNDS));
  console.log(`chart written to ${SVG}`);
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
