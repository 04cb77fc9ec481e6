// Live update benchmark: from saving a one-line change to a Node service until the new code
// answers, for
//   - sync:     flotilla's live update (sync rule + restart {process: true}), 2 replicas,
//               measured through the Service URL;
//   - rebuild:  the same stack with live update off (rebuild the image, roll both replicas);
//   - rebuild1: the same with 1 replica (what the rebuild costs without the rolling order);
//   - floor:    by hand, `docker cp` of the file into 2 plain containers of the same image and
//               `docker restart` of both, measured on the containers' own addresses;
//   - build:    by hand, `docker build` of the same context and `docker run` of 2 containers
//               from it, measured on their addresses (the rebuild path's floor);
//   - build1:   the same with 1 container (rebuild1's floor),
// interleaved round by round in one run.
//
//   npx tsx bench/live-update.ts [--rounds 7]
//
// "Answers" means 4 GETs in a row return the new version (through the Service, the balancer
// alternates replicas), or every container returns it (the floors). Polled every 10 ms. The
// save is a writeFile of server.js; the watchers run in this process as `flotilla up` runs
// them (default debounce). Needs flotilla.local/node:20 (bash extension/scripts/base-images.sh).
// Everything created carries a unique stack name or label and is removed at the end.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import type { BuildProgress } from '../extension/engine/api/protocol';
import type { StackController } from '../extension/engine/controller/controller';
import { downStack } from '../extension/engine/controller/controller';
import { createController, prepareStack } from '../extension/engine/runner';
import { StackWatcher } from '../extension/engine/watch';
import { median, ms } from './support/stats';

const run = promisify(execFile);
const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const ROUNDS = Number(opt('rounds', '7'));
const docker = new Dockerode();
const NODE_IMAGE = 'flotilla.local/node:20';
const tag = randomBytes(3).toString('hex');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-live-'));

const server = (v: string) =>
  `const V = '${v}';\n` +
  `require('http').createServer((q, s) => s.end(V)).listen(3000);\n` +
  `process.on('SIGTERM', () => process.exit(0));\n`;
const DOCKERFILE = `FROM ${NODE_IMAGE}\nWORKDIR /app\nCOPY server.js ./\nCMD ["node", "server.js"]\n`;

function get(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body.trim()));
      res.on('error', () => resolve(''));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
  });
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out: ${what}`);
}

/** 4 answers in a row from the Service say `v`. */
async function serviceSays(url: string, v: string): Promise<boolean> {
  for (let i = 0; i < 4; i++) if ((await get(url)) !== v) return false;
  return true;
}

interface FlotillaStack {
  name: string;
  dir: string;
  ctl: StackController;
  watcher: StackWatcher;
  url: string;
  replicas: number;
}

async function flotillaStack(kind: string, liveUpdate: boolean, replicas = 2): Promise<FlotillaStack> {
  const name = `b-live-${kind}-${tag}`;
  const dir = path.join(root, kind);
  const files: Record<string, string> = {
    'flotilla.yaml': `name: ${name}
manifests: ["k8s/*.yaml"]
settings: {terminationGracePeriodSeconds: 5}
build:
  - image: ${name}/api
    context: api
    sync:
      - {src: "*.js", dest: /app}
    restart: {process: true}
    rebuildOn: [Dockerfile]
`,
    'api/Dockerfile': DOCKERFILE,
    'api/server.js': server('v0'),
    'k8s/api.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: ${name}/api
          ports: [{name: http, containerPort: 3000}]
          readinessProbe: {httpGet: {path: /, port: 3000}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const p = await prepareStack(docker, dir, { network: true });
  const ctl = createController(docker, p);
  await ctl.start();
  ctl.on('event', (e) => {
    if (process.env.BENCH_TRACE) {
      console.log(`  ${(performance.now() - traceFrom).toFixed(0)} ms ${kind}: ${e.reason} ${e.object} ${e.message}`);
    }
    if (e.reason === 'Synced' && e.sync) syncMs.push(e.sync.ms);
    if (e.reason === 'Scheduled') milestone(kind, 'started');
  });
  const prep = { onBuild: (b: BuildProgress) => b.state === 'built' && milestone(kind, 'built') };
  const watcher = new StackWatcher(ctl, prep, () => undefined, undefined, liveUpdate);
  watcher.start();
  await watcher.ready();
  await until(`${kind}: ${replicas} Ready`, () => Promise.resolve(ctl.status().deployments[0]?.ready === replicas));
  const url = ctl.status().services[0]?.ports[0]?.url;
  if (!url) throw new Error(`${kind}: no Service URL`);
  await until(`${kind}: answers`, () => serviceSays(url, 'v0'));
  return { name, dir, ctl, watcher, url, replicas };
}

let traceFrom = 0;
/** Per contestant, this round's milestones in ms after the save: the image built, the first new replica started. */
type Milestone = 'built' | 'started';
let round: Record<string, Partial<Record<Milestone, number>>> = {};
const milestones: Record<string, Record<Milestone, number[]>> = {};
function milestone(kind: string, m: Milestone): void {
  (round[kind] ??= {})[m] ??= performance.now() - traceFrom;
}
/** Keeps this round's milestones of `kind` for the medians. */
function keepMilestones(kind: string): void {
  const all = (milestones[kind] ??= { built: [], started: [] });
  for (const m of ['built', 'started'] as const) {
    const t = round[kind]?.[m];
    if (t !== undefined) all[m].push(t);
  }
}

async function flotillaRound(s: FlotillaStack, kind: string, v: string): Promise<number> {
  const t0 = performance.now();
  traceFrom = t0;
  round = {};
  fs.writeFileSync(path.join(s.dir, 'api/server.js'), server(v));
  await until(`${s.name} answers ${v}`, () => serviceSays(s.url, v));
  const t = performance.now() - t0;
  // Settle before the next contestant: both replicas Ready, no rollout left.
  await until('settled', async () => {
    await s.ctl.idle();
    const d = s.ctl.status().deployments[0];
    return d?.ready === s.replicas && d.replicas.length === s.replicas;
  });
  keepMilestones(kind);
  return t;
}

const LABEL = `dev.flotilla.bench=live-${tag}`;
/** The controller's own figure per sync: files read, copied into both replicas, both restarted. */
const syncMs: number[] = [];

async function address(id: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  return info.NetworkSettings.Networks.bridge?.IPAddress ?? '';
}

async function containersSay(ids: string[], v: string): Promise<boolean> {
  const bodies = await Promise.all(ids.map(async (id) => get(`http://${await address(id)}:3000/`)));
  return bodies.every((b) => b === v);
}

async function startContainers(image: string, count = 2): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const c = await docker.createContainer({ Image: image, Labels: { 'dev.flotilla.bench': `live-${tag}` } });
      await c.start();
      return c.id;
    }),
  );
}

/** docker cp + docker restart of both containers, by hand. */
async function floorRound(dir: string, ids: string[], v: string): Promise<number> {
  const file = path.join(dir, 'server.js');
  const t0 = performance.now();
  fs.writeFileSync(file, server(v));
  await Promise.all(
    ids.map(async (id) => {
      await run('docker', ['cp', file, `${id}:/app/server.js`]);
      await run('docker', ['restart', '-t', '5', id]);
    }),
  );
  await until(`floor answers ${v}`, () => containersSay(ids, v));
  return performance.now() - t0;
}

/** docker build + `count` × docker run, by hand; the containers are removed after. */
async function buildRound(dir: string, kind: string, v: string, count: number): Promise<number> {
  const image = `b-live-build-${tag}:latest`;
  const t0 = performance.now();
  traceFrom = t0;
  round = {};
  fs.writeFileSync(path.join(dir, 'server.js'), server(v));
  await run('docker', ['build', '-q', '--label', LABEL, '-t', image, dir]);
  milestone(kind, 'built');
  const ids = await startContainers(image, count);
  await until(`build answers ${v}`, () => containersSay(ids, v));
  const t = performance.now() - t0;
  keepMilestones(kind);
  await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true })));
  return t;
}

async function main(): Promise<void> {
  const stacks: FlotillaStack[] = [];
  const floorIds: string[] = [];
  const results: Record<string, number[]> = { sync: [], rebuild: [], floor: [], build: [], rebuild1: [], build1: [] };
  try {
    stacks.push(await flotillaStack('sync', true));
    stacks.push(await flotillaStack('rebuild', false));
    stacks.push(await flotillaStack('rebuild1', false, 1));
    const [sync, rebuild, rebuild1] = stacks as [FlotillaStack, FlotillaStack, FlotillaStack];
    const floorDir = path.join(root, 'floor');
    fs.mkdirSync(floorDir, { recursive: true });
    fs.writeFileSync(path.join(floorDir, 'Dockerfile'), DOCKERFILE);
    fs.writeFileSync(path.join(floorDir, 'server.js'), server('v0'));
    await run('docker', ['build', '-q', '--label', LABEL, '-t', `b-live-floor-${tag}:latest`, floorDir]);
    floorIds.push(...(await startContainers(`b-live-floor-${tag}:latest`)));
    await until('floor answers', () => containersSay(floorIds, 'v0'));
    const buildDir = path.join(root, 'build');
    fs.mkdirSync(buildDir, { recursive: true });
    fs.writeFileSync(path.join(buildDir, 'Dockerfile'), DOCKERFILE);
    console.log(
      `rounds: ${ROUNDS}; load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    for (let r = 1; r <= ROUNDS; r++) {
      const v = `r${r}`;
      // Each contestant saves its own text: no build reuses a layer another one just built.
      const row = {
        sync: await flotillaRound(sync, 'sync', `${v}-sync`),
        floor: await floorRound(floorDir, floorIds, `${v}-floor`),
        rebuild: await flotillaRound(rebuild, 'rebuild', `${v}-rebuild`),
        build: await buildRound(buildDir, 'build', `${v}-build`, 2),
        rebuild1: await flotillaRound(rebuild1, 'rebuild1', `${v}-rebuild1`),
        build1: await buildRound(buildDir, 'build1', `${v}-build1`, 1),
      };
      for (const [k, x] of Object.entries(row)) results[k].push(x);
      console.log(
        `round ${r}: sync ${ms(row.sync)}  floor ${ms(row.floor)}  (${(row.sync / row.floor).toFixed(2)}×)   ` +
          `rebuild ${ms(row.rebuild)}  build ${ms(row.build)}  (${(row.rebuild / row.build).toFixed(2)}×)   ` +
          `rebuild1 ${ms(row.rebuild1)}  build1 ${ms(row.build1)}  (${(row.rebuild1 / row.build1).toFixed(2)}×)`,
      );
    }
    const m = Object.fromEntries(Object.entries(results).map(([k, xs]) => [k, median(xs)]));
    console.log('\nmedians (save → new code answering):');
    console.log(
      `  sync    ${ms(m.sync)}   floor (docker cp + docker restart) ${ms(m.floor)}   ratio ${(m.sync / m.floor).toFixed(2)}×`,
    );
    console.log(
      `  rebuild ${ms(m.rebuild)}   floor (docker build + docker run) ${ms(m.build)}   ratio ${(m.rebuild / m.build).toFixed(2)}×`,
    );
    console.log(
      `  rebuild, 1 replica ${ms(m.rebuild1)}   floor (docker build + 1 docker run) ${ms(m.build1)}   ratio ${(m.rebuild1 / m.build1).toFixed(2)}×`,
    );
    console.log(`  of the sync, copy + restart (the Synced event's ms): ${ms(median(syncMs))}`);
    for (const k of ['rebuild', 'build', 'rebuild1', 'build1']) {
      const m = milestones[k];
      if (!m) continue;
      const started = m.started.length ? `, first new replica started ${ms(median(m.started))}` : '';
      console.log(`  ${k}: save → image built ${ms(median(m.built))}${started}`);
    }
    console.log(
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    for (const s of stacks) {
      await s.watcher.close();
      await s.ctl.stop(false);
      await downStack(docker, s.name, () => 0, s.dir);
    }
    await Promise.all(
      floorIds.map((id) =>
        docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    const images = await docker.listImages({ filters: { label: [LABEL] } });
    for (const s of stacks) {
      images.push(...(await docker.listImages({ filters: { label: [`dev.flotilla.stack=${s.name}`] } })));
    }
    for (const i of images) {
      await docker
        .getImage(i.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
