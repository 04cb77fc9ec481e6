// The cost curve: what a stack of N Deployments costs under Flotilla and under
// docker-compose, at several sizes, in one run.
//
//   npx tsx bench/curve.ts [--sizes 10,50,100] [--rounds 2] [--idle 60] [--kills 5]
//                          [--svg BENCHMARKS-curve.svg] [--json out.json] [--profile N]
//
// Each size writes a stack (bench/curve-stack.ts: N Deployments × 2 replicas of busybox
// httpd with a tcpSocket readiness probe every second, a Service each) and the equivalent
// compose file. Per round, in alternating order:
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
// Medians per size go to a Markdown table on stdout and to an SVG chart drawn here. The load
// average is printed with every phase: on a shared machine, read same-run ratios.
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
import { run, stopUp } from './support/cli';
import { containerFigures, cpuOver, cpuSeconds, cpuSecondsOf, loadAverage, pidsOf, rssBytes } from './support/procfs';
import { median } from './support/stats';
import { chart, type Panel } from './support/svg-chart';

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

interface ComposeFigures {
  up: number;
  scale: number;
  idle: Record<string, number>;
  load: number;
}

async function composeRound(s: CurveStack): Promise<ComposeFigures> {
  const project = `${s.name}c${randomBytes(2).toString('hex')}`;
  const compose = (...a: string[]) => run(COMPOSE, ['-p', project, '-f', s.composeFile, ...a], { cwd: s.dir });
  const label = `com.docker.compose.project=${project}`;
  const n = s.deployments.length;
  try {
    say(`compose ${n}: up`);
    const t0 = performance.now();
    await compose('up', '-d');
    const up = await everyContainerAnswers([label], 2 * n, t0);
    say(`compose ${n}: every container answers at ${(up / 1000).toFixed(1)} s; idle ${IDLE_MS / 1000} s`);
    const load = loadAverage();
    const idle = await cpuOver(IDLE_MS, daemons());
    const t1 = performance.now();
    await compose('up', '-d', '--no-recreate', ...s.deployments.flatMap((d) => ['--scale', `${d}=3`]));
    const scale = await everyContainerAnswers([label], 3 * n, t1);
    say(`compose ${n}: scaled to 3 each in ${(scale / 1000).toFixed(1)} s`);
    return { up, scale, idle, load };
  } finally {
    await compose('down', '--timeout', '1').catch((e: Error) => console.error(`compose down failed: ${e.message}`));
  }
}

function daemons(): Record<string, () => number> {
  return {
    dockerd: () => cpuSecondsOf(['dockerd']),
    containerd: () => cpuSecondsOf(['containerd']),
    shims: () => cpuSecondsOf(['containerd-shim-runc-v2', 'containerd-shim']),
  };
}

// ---------------------------------------------------------------- flotilla

interface FlotillaFigures {
  servicesAnswer: number;
  replicasAnswer: number;
  allReady: number;
  proxyUp: number;
  scale: number;
  scaleReady: number;
  idle: Record<string, number>;
  load: number;
  rss: number;
  proxyMemory: number;
  statusCli: number;
  nodeFloor: number;
  statusHttp: number;
  killAnswer: number[];
  killReady: number[];
  stop: 'exited' | 'killed';
  stopMs: number;
}

/** dist/cli.js as `npm run build` makes it (the program `npm run flotilla` and the extension run), with dist/proxy.js beside it. */
function buildDist(): string {
  execFileSync('node', [path.join(ROOT, 'extension/scripts/bundle.mjs')], { cwd: ROOT, stdio: 'inherit' });
  return path.join(ROOT, 'dist/cli.js');
}
const ROOT = path.resolve(__dirname, '..');
let CLI = '';

async function flotillaRound(s: CurveStack, profileDir?: string): Promise<FlotillaFigures> {
  const cli = CLI;
  const n = s.deployments.length;
  const label = `${LABELS.stack}=${s.name}`;
  const replicasLabel = [label, LABELS.replica];
  const flags = profileDir ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`] : [];
  say(`flotilla ${n}: up`);
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
    say(
      `flotilla ${n}: Services answer at ${(servicesAnswer / 1000).toFixed(1)} s, replicas at ${(replicasAnswer / 1000).toFixed(1)} s, all Ready at ${(allReady / 1000).toFixed(1)} s; idle ${IDLE_MS / 1000} s`,
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
    const idle = await cpuOver(IDLE_MS, {
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
      .slice(0, KILLS);
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

// ---------------------------------------------------------------- profile

/** Self time by function in the controller's CPU profile, top 25. */
function summariseProfile(dir: string): string {
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return '(no profile written)';
  const p: {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const by = new Map<string, number>();
  let total = 0;
  for (const node of p.nodes) {
    const t = self.get(node.id) ?? 0;
    total += t;
    const f = node.callFrame;
    const where = f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    by.set(key, (by.get(key) ?? 0) + t);
  }
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([k, t]) => `  ${(t / 1000).toFixed(0).padStart(7)} ms  ${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
}

// ---------------------------------------------------------------- report

interface SizeResult {
  n: number;
  compose: ComposeFigures[];
  flotilla: FlotillaFigures[];
  /** dockerd, containerd and shims over an idle window with neither side's stack running (other work on the machine). */
  baseline: Record<string, number>[];
}

const med = (xs: number[]) => median(xs.filter(Number.isFinite));
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (x: number) => `${x.toFixed(2)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

function table(results: SizeResult[]): string {
  const rows = [
    '| N (replicas) | flotilla up: Services answer | every replica answers | all Ready | compose up | up ratio (Services / replicas) | scale to 3: flotilla / compose | controller idle CPU | dockerd + containerd idle: flotilla / compose / neither | shims idle: flotilla / compose | proxy up at, idle CPU, memory | controller RSS | status --json (node -e 0) | GET /v1/status | kill → answers / Ready | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const f = (k: keyof FlotillaFigures) => med(r.flotilla.map((x) => Number(x[k])));
    const fi = (k: string) => med(r.flotilla.map((x) => x.idle[k]));
    const ci = (k: string) => med(r.compose.map((x) => x.idle[k]));
    const cu = med(r.compose.map((x) => x.up));
    const cs = med(r.compose.map((x) => x.scale));
    const daemonsF = fi('dockerd') + fi('containerd');
    const daemonsC = ci('dockerd') + ci('containerd');
    const kills = (k: 'killAnswer' | 'killReady') => med(r.flotilla.flatMap((x) => x[k]));
    rows.push(
      `| ${r.n} (${2 * r.n}) | ${s1(f('servicesAnswer'))} | ${s1(f('replicasAnswer'))} | ${s1(f('allReady'))} | ${s1(cu)} | ${(f('servicesAnswer') / cu).toFixed(2)}× / ${(f('replicasAnswer') / cu).toFixed(2)}× | ${s1(f('scale'))} / ${s1(cs)} (${(f('scale') / cs).toFixed(2)}×) | ${pct(fi('controller'))} | ${pct(daemonsF)} / ${pct(daemonsC)} / ${pct(med(r.baseline.map((b) => b.dockerd + b.containerd)))} | ${pct(fi('shims'))} / ${pct(ci('shims'))} | ${s1(f('proxyUp'))}, ${pct(fi('proxy'))}, ${mib(f('proxyMemory'))} | ${mib(f('rss'))} | ${f('statusCli').toFixed(0)} ms (${f('nodeFloor').toFixed(0)} ms) | ${f('statusHttp').toFixed(1)} ms | ${kills('killAnswer').toFixed(0)} / ${kills('killReady').toFixed(0)} ms | ${med([...r.flotilla.map((x) => x.load), ...r.compose.map((x) => x.load)]).toFixed(1)} |`,
    );
  }
  return rows.join('\n');
}

function svg(results: SizeResult[]): string {
  const x = (r: SizeResult) => 2 * r.n;
  const f = (r: SizeResult, g: (x: FlotillaFigures) => number) => med(r.flotilla.map(g));
  const c = (r: SizeResult, g: (x: ComposeFigures) => number) => med(r.compose.map(g));
  const panels: Panel[] = [
    {
      title: 'up until it answers',
      xLabel: 'replicas (2 per Deployment)',
      yLabel: 'seconds',
      series: [
        {
          label: 'flotilla: every Service',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.servicesAnswer) / 1000]),
        },
        {
          label: 'flotilla: every replica',
          color: '#1f77b4',
          dashed: true,
          points: results.map((r) => [x(r), f(r, (v) => v.replicasAnswer) / 1000]),
        },
        {
          label: 'compose: every container',
          color: '#d62728',
          points: results.map((r) => [x(r), c(r, (v) => v.up) / 1000]),
        },
      ],
    },
    {
      title: 'at rest: CPU over 60 s',
      xLabel: 'replicas',
      yLabel: '% of one core',
      series: [
        {
          label: 'flotilla controller',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.idle.controller)]),
        },
        {
          label: 'dockerd+containerd (flotilla)',
          color: '#2ca02c',
          points: results.map((r) => [x(r), f(r, (v) => v.idle.dockerd + v.idle.containerd)]),
        },
        {
          label: 'dockerd+containerd (compose)',
          color: '#d62728',
          points: results.map((r) => [x(r), c(r, (v) => v.idle.dockerd + v.idle.containerd)]),
        },
        {
          label: 'Service proxy container',
          color: '#9467bd',
          dashed: true,
          points: results.map((r) => [x(r), f(r, (v) => v.idle.proxy)]),
        },
      ],
    },
    {
      title: 'status --json',
      xLabel: 'replicas',
      yLabel: 'ms',
      series: [
        {
          label: 'flotilla status --json (CLI)',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.statusCli)]),
        },
        {
          label: 'node -e 0 (process start)',
          color: '#7f7f7f',
          dashed: true,
          points: results.map((r) => [x(r), f(r, (v) => v.nodeFloor)]),
        },
        { label: 'GET /v1/status', color: '#2ca02c', points: results.map((r) => [x(r), f(r, (v) => v.statusHttp)]) },
      ],
    },
    {
      title: 'controller memory, kill → replaced',
      xLabel: 'replicas',
      yLabel: 'MiB / seconds ×100',
      series: [
        {
          label: 'controller RSS (MiB)',
          color: '#1f77b4',
          points: results.map((r) => [x(r), f(r, (v) => v.rss) / 2 ** 20]),
        },
        {
          label: 'kill → answers (s ×100)',
          color: '#ff7f0e',
          points: results.map((r) => [x(r), med(r.flotilla.flatMap((v) => v.killAnswer)) / 10]),
        },
        {
          label: 'kill → Ready (s ×100)',
          color: '#ff7f0e',
          dashed: true,
          points: results.map((r) => [x(r), med(r.flotilla.flatMap((v) => v.killReady)) / 10]),
        },
      ],
    },
  ];
  const load = med(results.flatMap((r) => [...r.flotilla.map((v) => v.load), ...r.compose.map((v) => v.load)]));
  return chart(
    'Flotilla vs docker-compose: the cost curve',
    `bench/curve.ts, ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} cores, median of ${ROUNDS} round(s), load average ${load.toFixed(1)}`,
    panels,
  );
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
  CLI = buildDist();
  say(
    `sizes ${SIZES.join(', ')}; ${ROUNDS} round(s); idle ${IDLE_MS / 1000} s; dockerd pids ${pidsOf('dockerd').join(',')}`,
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
        const composeFirst = round % 2 === 0;
        if (composeFirst) r.compose.push(await composeRound(s));
        const profileDir =
          PROFILE === n && round === 0 ? fs.mkdtempSync(path.join(os.tmpdir(), 'curve-prof-')) : undefined;
        r.flotilla.push(await flotillaRound(s, profileDir));
        if (!composeFirst) r.compose.push(await composeRound(s));
        if (profileDir) {
          console.log(`\nprofile of flotilla up at N=${n} (self time):\n${summariseProfile(profileDir)}\n`);
        }
      }
    } finally {
      fs.rmSync(s.dir, { recursive: true, force: true });
    }
    console.log(`\n${table(results)}\n`);
  }
  const hung = results.flatMap((r) => r.flotilla).filter((f) => f.stop === 'killed').length;
  console.log(
    `flotilla up ended on SIGINT in ${results.flatMap((r) => r.flotilla).length - hung} of ${results.flatMap((r) => r.flotilla).length} rounds (median ${med(results.flatMap((r) => r.flotilla.map((f) => f.stopMs))).toFixed(0)} ms)`,
  );
  if (results.length > 1) {
    const a = results[0];
    const b = results[results.length - 1];
    const rss = (r: SizeResult) => med(r.flotilla.map((f) => f.rss));
    console.log(
      `controller RSS growth: ${((rss(b) - rss(a)) / 2 ** 20 / (2 * (b.n - a.n))).toFixed(3)} MiB per replica (${a.n} → ${b.n} Deployments)`,
    );
  }
  fs.writeFileSync(SVG, svg(results));
  console.log(`chart written to ${SVG}`);
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
