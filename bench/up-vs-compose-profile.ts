// Where `flotilla up` and a scale spend their time: the same steps as the CLI's
// `up` (connect, load, lint, build-cache check, node pool, network, balancers,
// event stream, reconcile, create+start of each replica, readiness), run in
// this process with every Docker Engine API call timed, plus the CLI's own
// start-up cost measured on the bundled `cli.js`.
//
//   npx tsx bench/up-vs-compose-profile.ts [--stack examples/shop] [--rounds 5] [--scale web=10]
//
// Works on a renamed copy of the stack (without its .flotilla/ state) and
// removes what it created. Times are ms from the start of `up` (or of the scale).

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import Dockerode from 'dockerode';
import { lintForEngine } from '../extension/cli/lint-bridge';
import { downStack } from '../extension/engine/controller/controller';
import { connectDocker } from '../extension/engine/docker/client';
import { LABELS } from '../extension/engine/docker/labels';
import { loadStack } from '../extension/engine/model/load-stack';
import type { DeploymentSpec } from '../extension/engine/model/types';
import { createController, prepareStack } from '../extension/engine/runner';
import { cliBundle } from './support/cli';
import { median } from './support/stats';

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

// ---------------------------------------------------------------- Docker call log

interface Call {
  what: string;
  start: number;
  end?: number;
}
let calls: Call[] = [];
let origin = performance.now();
const requireCjs = createRequire(__filename);
const at = () => performance.now() - origin;

/** Wraps the promise-returning methods of dockerode's classes so every Engine API call is logged. */
function instrument(): void {
  const classes: [string, { prototype: Record<string, unknown> }][] = [
    ['docker', Dockerode as unknown as { prototype: Record<string, unknown> }],
    ['container', requireCjs('dockerode/lib/container')],
    ['image', requireCjs('dockerode/lib/image')],
    ['network', requireCjs('dockerode/lib/network')],
  ];
  const methods: Record<string, string[]> = {
    docker: [
      'ping',
      'info',
      'version',
      'listContainers',
      'listNetworks',
      'createNetwork',
      'createContainer',
      'getEvents',
      'buildImage',
      'listImages',
    ],
    container: ['start', 'inspect', 'stop', 'remove', 'kill'],
    image: ['inspect'],
    network: ['inspect', 'remove'],
  };
  for (const [name, cls] of classes) {
    for (const m of methods[name]) {
      const orig = cls.prototype[m] as (...a: unknown[]) => unknown;
      if (typeof orig !== 'function') continue;
      cls.prototype[m] = function (this: unknown, ...a: unknown[]) {
        const call: Call = { what: `${name}.${m}`, start: at() };
        calls.push(call);
        const r = orig.apply(this, a);
        if (r && typeof (r as Promise<unknown>).then === 'function') {
          return (r as Promise<unknown>).then(
            (v) => {
              call.end = at();
              return v;
            },
            (e) => {
              call.end = at();
              throw e;
            },
          );
        }
        call.end = at();
        return r;
      };
    }
  }
}

// ---------------------------------------------------------------- readiness (as the up benchmark)

function readinessOf(d: DeploymentSpec): { port?: number; path: string } {
  const c = d.template.containers[0];
  const get = c.readinessProbe?.httpGet;
  const portOf = (p: number | string | undefined) =>
    typeof p === 'number' ? p : c.ports.find((x) => x.name === p)?.containerPort;
  if (get) return { port: portOf(get.port), path: get.path || '/' };
  return { port: c.ports[0]?.containerPort, path: '/' };
}

function answers(ip: string, port: number, p: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: ip, port, path: p, timeout: 500, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

/** Per container id: ms from origin when it first answered (or ran, without a port). */
async function waitAnswered(
  docker: Dockerode,
  stack: string,
  deps: DeploymentSpec[],
  want: number,
  filter?: string,
): Promise<Map<string, number>> {
  const answered = new Map<string, number>();
  const deadline = Date.now() + 90_000;
  for (;;) {
    // Plain HTTP polling, not through the instrumented classes, so the log holds the engine's calls only.
    const list = await listRaw(docker, stack);
    const mine = list.filter((c) => !filter || c.deployment === filter);
    await Promise.all(
      mine
        .filter((c) => !answered.has(c.id) && c.state === 'running')
        .map(async (c) => {
          const d = deps.find((x) => x.name === c.deployment)!;
          const r = readinessOf(d);
          if (r.port === undefined || (c.ip && (await answers(c.ip, r.port, r.path)))) answered.set(c.id, at());
        }),
    );
    if (mine.length >= want && mine.every((c) => answered.has(c.id))) return answered;
    if (Date.now() > deadline) throw new Error('replicas did not answer within 90 s');
    await new Promise((res) => setTimeout(res, 20));
  }
}

async function listRaw(
  docker: Dockerode,
  stack: string,
): Promise<{ id: string; deployment: string; state: string; ip?: string }[]> {
  const opts = {
    path: '/containers/json?',
    method: 'GET',
    options: { all: true, filters: { label: [`${LABELS.stack}=${stack}`] } },
    statusCodes: { 200: true },
  };
  const list = await new Promise<Dockerode.ContainerInfo[]>((resolve, reject) =>
    docker.modem.dial(opts, (err: unknown, data: unknown) =>
      err ? reject(err) : resolve(data as Dockerode.ContainerInfo[]),
    ),
  );
  return list.map((c) => ({
    id: c.Id,
    deployment: c.Labels[LABELS.deployment],
    state: c.State,
    ip: Object.values(c.NetworkSettings?.Networks ?? {})[0]?.IPAddress || undefined,
  }));
}

// ---------------------------------------------------------------- one round

type Milestones = Record<string, number>;

async function round(i: number): Promise<{ up: Milestones; scale: Milestones; upCalls: Call[]; scaleCalls: Call[] }> {
  const name = `flotillaprof${randomBytes(3).toString('hex')}r${i}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  fs.cpSync(STACK_DIR, dir, { recursive: true, filter: (src) => path.basename(src) !== '.flotilla' });
  const file = path.join(dir, 'flotilla.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^name:.*$/m, `name: ${name}`));
  const up: Milestones = {};
  const scale: Milestones = {};
  let upCalls: Call[] = [];
  let docker: Dockerode | undefined;
  let ctl: ReturnType<typeof createController> | undefined;
  try {
    calls = [];
    origin = performance.now();
    docker = await connectDocker();
    up.connect = at();
    const loaded = loadStack(dir);
    up.load = at();
    const deps = loaded.stack!.deployments;
    const want = deps.reduce((n, d) => n + (d.replicas ?? 1), 0);
    const prepared = await prepareStack(docker, dir, {
      lint: async (d) => {
        up.lintStart = at();
        const r = await lintForEngine(d);
        up.lintEnd = at();
        return r;
      },
    });
    up.prepared = at();
    ctl = createController(docker, prepared);
    let scheduled = 0;
    ctl.on('event', (e) => {
      if (e.reason === 'Scheduled') {
        scheduled++;
        if (scheduled === 1) up.firstScheduled ??= at();
        if (scheduled === want) up.lastScheduled ??= at();
      }
    });
    await ctl.start();
    up.controllerStarted = at();
    const answered = await waitAnswered(docker, name, deps, want);
    up.firstAnswered = Math.min(...answered.values());
    up.allAnswered = Math.max(...answered.values());
    // Controller readiness (probes) for every replica.
    for (;;) {
      const s = ctl.status();
      if (s.deployments.reduce((n, d) => n + d.ready, 0) >= want) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    up.controllerAllReady = at();
    upCalls = calls;

    // ---- scale
    calls = [];
    origin = performance.now();
    scheduled = 0;
    let scaledScheduled = 0;
    const more = SCALE_TO - (deps.find((d) => d.name === SCALE_DEPLOYMENT)!.replicas ?? 1);
    ctl.removeAllListeners('event');
    ctl.on('event', (e) => {
      if (e.reason === 'Scheduled') {
        scaledScheduled++;
        if (scaledScheduled === 1) scale.firstScheduled = at();
        if (scaledScheduled === more) scale.lastScheduled = at();
      }
    });
    ctl.scale(SCALE_DEPLOYMENT, SCALE_TO);
    scale.intent = at();
    const sAnswered = await waitAnswered(docker, name, deps, SCALE_TO, SCALE_DEPLOYMENT);
    scale.allAnswered = Math.max(...sAnswered.values());
    for (;;) {
      const s = ctl.status();
      if ((s.deployments.find((d) => d.name === SCALE_DEPLOYMENT)?.ready ?? 0) >= SCALE_TO) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    scale.controllerAllReady = at();
    return { up, scale, upCalls, scaleCalls: calls };
  } finally {
    if (ctl) {
      await ctl.stop(false);
      // A reconcile may still be creating replicas: let it finish before removing them.
      await Promise.race([ctl.idle(), new Promise((res) => setTimeout(res, 30_000))]);
    }
    if (docker) {
      const d = docker;
      await downStack(d, name, () => 2)
        .catch(() => new Promise((res) => setTimeout(res, 2000)).then(() => downStack(d, name, () => 2)))
        .catch((e: Error) => console.error(`down failed: ${e.message}`));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

function callSummary(cs: Call[]): string[] {
  const by = new Map<string, Call[]>();
  for (const c of cs) by.set(c.what, [...(by.get(c.what) ?? []), c]);
  return [...by].map(([what, list]) => {
    const d = list.filter((c) => c.end !== undefined).map((c) => c.end! - c.start);
    const first = Math.min(...list.map((c) => c.start));
    const last = Math.max(...list.map((c) => c.end ?? c.start));
    return `    ${what.padEnd(26)} ×${String(list.length).padEnd(3)} each ${Math.round(median(d))} ms (max ${Math.round(Math.max(...d))}), first sent at ${Math.round(first)}, last done at ${Math.round(last)}`;
  });
}

function cliStartCost(bundle: string): { help: number; bare: number } {
  const time = (argv: string[]) => {
    const t = performance.now();
    spawnSync('node', argv, { stdio: 'ignore' });
    return performance.now() - t;
  };
  const help: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 5; i++) {
    bare.push(time(['-e', '0']));
    help.push(time([bundle, 'help']));
  }
  return { help: median(help), bare: median(bare) };
}

async function main(): Promise<void> {
  instrument();
  const bundle = await cliBundle();
  const cli = cliStartCost(bundle);
  console.log(
    `CLI start: node -e 0 ${Math.round(cli.bare)} ms; node cli.js help ${Math.round(cli.help)} ms (bundle ${(fs.statSync(bundle).size / 1e6).toFixed(1)} MB) → loading the CLI costs ${Math.round(cli.help - cli.bare)} ms`,
  );
  const results: Awaited<ReturnType<typeof round>>[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round(i);
    results.push(r);
    console.log(
      `round ${i + 1}: up ${Object.entries(r.up)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ')}`,
    );
    console.log(
      `         scale ${Object.entries(r.scale)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ')}`,
    );
  }
  const med = (pick: (r: (typeof results)[0]) => Milestones) => {
    const keys = Object.keys(pick(results[0]));
    return keys
      .map(
        (k) =>
          `    ${k.padEnd(20)} ${String(Math.round(median(results.map((r) => pick(r)[k]).filter((x) => x !== undefined)))).padStart(6)} ms`,
      )
      .join('\n');
  };
  console.log('\nup (in-process, median ms from the start):');
  console.log(med((r) => r.up));
  console.log('  Engine API calls (last round):');
  for (const l of callSummary(results.at(-1)!.upCalls)) console.log(l);
  console.log(`\nscale ${SCALE_DEPLOYMENT} → ${SCALE_TO} (median ms from the intent):`);
  console.log(med((r) => r.scale));
  console.log('  Engine API calls (last round):');
  for (const l of callSummary(results.at(-1)!.scaleCalls)) console.log(l);
}

main().then(
  // Exit explicitly: the esbuild service or a stopped controller's leftovers must not keep a finished run alive.
  () => process.exit(0),
  (e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
  },
);
