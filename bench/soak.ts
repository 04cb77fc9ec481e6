// Soak: a 3-replica Service behind Flotilla's balancer under constant, bounded
// loopback load while replicas are killed at random, the deployment is restarted
// once (rolling) and scaled 3 → 6 → 3. Reports requests served, failed requests
// by cause, recovery times and the controller's memory at start and end.
//
//   npx tsx bench/soak.ts [--minutes 5.5] [--concurrency 8] [--kills 8] [--json out.json]
//   npx tsx bench/soak.ts --minutes 1 --kill-every 5    hard kills only, one every 5 s (no restart or scale)
//
// The controller is the real `flotilla up` in its own process (its RSS is read
// from /proc); the backend is a tiny Node HTTP server in flotilla.local/node:20
// (built by extension/scripts/base-images.sh when missing). Load goes to
// 127.0.0.1 only, from `concurrency` request loops, each waiting for its answer
// before sending the next. Exit code 1 when the stack does not recover, when a
// request fails outside a disruption, or when the controller's memory grows
// beyond noise (last-minute median > first-minute median × 1.25 + 16 MiB).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControllerClient } from '../extension/engine/api/client';
import { createDocker } from '../extension/engine/docker/client';
import { ensureNodeImage } from '../test/support/node-image';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const MINUTES = Number(opt('minutes', '5.5'));
const CONCURRENCY = Number(opt('concurrency', '8'));
const KILLS = Number(opt('kills', '8'));
const JSON_OUT = opt('json', '');
/** Seconds between kills; when set, the run is kills only, on a fixed beat. */
const KILL_EVERY = Number(opt('kill-every', '0'));
const ROOT = path.resolve(__dirname, '..');
const docker = createDocker();
const name = `soak-${Math.random().toString(36).slice(2, 7)}`;

const SERVER =
  "require('http').createServer((q,s)=>{s.setHeader('x-replica',require('os').hostname());s.end('ok')}).listen(8080)";

function stackFiles(dir: string): void {
  fs.mkdirSync(path.join(dir, 'k8s'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'flotilla.yaml'),
    `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {backoffBaseSeconds: 1, terminationGracePeriodSeconds: 5, resyncSeconds: 10}\n`,
  );
  fs.writeFileSync(
    path.join(dir, 'k8s/web.yaml'),
    `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: flotilla.local/node:20
          command: ["node", "-e", ${JSON.stringify(SERVER)}]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1, failureThreshold: 1}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`,
  );
}

// ---- load ------------------------------------------------------------------

interface Window {
  label: string;
  from: number;
  to?: number;
}
const windows: Window[] = [];
const failures: { at: number; cause: string }[] = [];
let served = 0;
let stopLoad = false;
const latencies: number[] = [];

function causeOf(e: NodeJS.ErrnoException | Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code) return code;
  if (/timeout/i.test(e.message)) return 'timeout';
  if (/socket hang up/i.test(e.message)) return 'socket hang up';
  return e.message.slice(0, 40);
}

function one(port: number, agent: http.Agent): Promise<void> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) {
          served++;
          if (latencies.length < 2_000_000) latencies.push(performance.now() - t0);
        } else failures.push({ at: Date.now(), cause: `HTTP ${res.statusCode}` });
        resolve();
      });
      res.on('error', (e) => {
        failures.push({ at: Date.now(), cause: causeOf(e) });
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => {
      failures.push({ at: Date.now(), cause: causeOf(e) });
      resolve();
    });
  });
}

async function loop(port: number, agent: http.Agent): Promise<void> {
  while (!stopLoad) await one(port, agent);
}

// ---- controller --------------------------------------------------------------

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function flotilla(dir: string, ...a: string[]): string {
  const r = spawnSync(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts'), ...a, '--stack', dir],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`flotilla ${a.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))] : NaN;
};

async function main(): Promise<void> {
  await ensureNodeImage(docker);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-soak-'));
  stackFiles(dir);
  const up: ChildProcess = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts'), 'up', '--stack', dir, '--no-watch'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let upLog = '';
  up.stdout!.on('data', (c) => (upLog += c));
  up.stderr!.on('data', (c) => (upLog += c));
  const cleanup = () => {
    stopLoad = true;
    if (up.exitCode === null) up.kill('SIGTERM');
    spawnSync(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(ROOT, 'extension/cli/main.ts'), 'down', '--stack', dir],
      { cwd: ROOT },
    );
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  let exitCode = 0;
  try {
    const client = await until(
      'the controller',
      async () => (up.exitCode === null ? ControllerClient.connect(dir) : Promise.reject(new Error(upLog))),
      180_000,
    );
    const status = () => client.status(5000);
    const settle = (n: number, hash?: (h: string | undefined) => boolean) => async () => {
      const s = await status();
      const d = s.deployments[0];
      return d.ready === n &&
        d.replicas.length === n &&
        d.replicas.every((r) => r.ready && (!hash || hash(r.templateHash)))
        ? s
        : undefined;
    };
    const first = await until('3 ready replicas', settle(3), 120_000);
    const url = new URL(first.services[0].urls[0]);
    const port = Number(url.port);
    console.log(
      `stack ${name} up; balancer ${url.href}; controller pid ${up.pid}; load: ${CONCURRENCY} loops for ${MINUTES} min`,
    );

    const mem: { t: number; mib: number }[] = [];
    const memTimer = setInterval(() => {
      const m = rssMiB(up.pid!);
      if (m) mem.push({ t: Date.now(), mib: m });
    }, 2000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const t0 = Date.now();
    const end = t0 + MINUTES * 60_000;
    const loops = Array.from({ length: CONCURRENCY }, () => loop(port, agent));

    const recovery: Record<string, number[]> = { kill: [] };
    const note = (label: string, ms: number) => {
      (recovery[label] ??= []).push(ms);
      console.log(`  ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  ${label}: recovered in ${ms} ms`);
    };
    const disruption = async (label: string, act: () => Promise<void>, done: () => Promise<unknown>) => {
      const w: Window = { label, from: Date.now() };
      windows.push(w);
      const t = Date.now();
      await act();
      await until(`recovery from ${label}`, done, 180_000);
      w.to = Date.now();
      note(label, w.to - t);
    };
    const killOne = async () => {
      const s = await status();
      const live = s.deployments[0].replicas.filter((r) => r.ready && r.container);
      const victim = live[Math.floor(Math.random() * live.length)];
      await disruption(
        'kill',
        () =>
          docker
            .getContainer(victim.container)
            .kill()
            .then(() => undefined),
        async () => {
          const d = (await status()).deployments[0];
          const r = d.replicas.find((x) => x.name === victim.name);
          return r && r.restarts > victim.restarts && r.ready && d.ready === d.desired;
        },
      );
    };
    // Schedule: kills spread over the run; restart at 35 %, scale up at 60 %, down at 75 %.
    const total = end - t0;
    const plan: { at: number; run: () => Promise<void> }[] = [];
    if (KILL_EVERY > 0) {
      for (let at = t0 + KILL_EVERY * 1000; at < end - 1000; at += KILL_EVERY * 1000) plan.push({ at, run: killOne });
    } else {
      for (let i = 0; i < KILLS; i++) {
        plan.push({ at: t0 + total * (0.05 + (0.9 * (i + Math.random() * 0.5)) / KILLS), run: killOne });
      }
      plan.push({
        at: t0 + total * 0.35,
        run: async () => {
          const before = new Set((await status()).deployments[0].replicas.map((r) => r.templateHash));
          await disruption(
            'rolling restart',
            async () => {
              flotilla(dir, 'restart', 'web');
            },
            settle(3, (h) => !before.has(h)),
          );
        },
      });
      plan.push({
        at: t0 + total * 0.6,
        run: () =>
          disruption(
            'scale 3→6',
            async () => {
              flotilla(dir, 'scale', 'web', '6');
            },
            settle(6),
          ),
      });
      plan.push({
        at: t0 + total * 0.75,
        run: () =>
          disruption(
            'scale 6→3',
            async () => {
              flotilla(dir, 'scale', 'web', '3');
            },
            settle(3),
          ),
      });
    }
    plan.sort((a, b) => a.at - b.at);
    for (const step of plan) {
      if (step.at > Date.now()) await sleep(step.at - Date.now());
      await step.run();
    }
    if (end > Date.now()) await sleep(end - Date.now());
    stopLoad = true;
    await Promise.all(loops);
    clearInterval(memTimer);
    agent.destroy();

    // ---- report --------------------------------------------------------------
    const elapsed = (Date.now() - t0) / 1000;
    const inWindow = (f: { at: number }) => windows.some((w) => f.at >= w.from && f.at <= (w.to ?? Infinity) + 2000);
    const byCause = new Map<string, { during: number; outside: number }>();
    for (const f of failures) {
      const e = byCause.get(f.cause) ?? { during: 0, outside: 0 };
      if (inWindow(f)) e.during++;
      else e.outside++;
      byCause.set(f.cause, e);
    }
    const firstMin = mem.filter((m) => m.t - t0 < 60_000).map((m) => m.mib);
    const lastMin = mem.filter((m) => Date.now() - m.t < 60_000).map((m) => m.mib);
    const memStart = median(firstMin);
    const memEnd = median(lastMin);
    const memOk = memEnd <= memStart * 1.25 + 16;
    const outside = [...byCause.values()].reduce((a, e) => a + e.outside, 0);
    const final = await status();
    const finalOk = final.deployments[0].ready === 3 && final.deployments[0].replicas.length === 3;

    const lines: string[] = [];
    lines.push(`| duration | requests served | req/s | p50 ms | p99 ms | failed | failed outside disruptions |`);
    lines.push(`|---|---|---|---|---|---|---|`);
    lines.push(
      `| ${elapsed.toFixed(0)} s | ${served} | ${(served / elapsed).toFixed(0)} | ${pct(latencies, 0.5).toFixed(2)} | ${pct(latencies, 0.99).toFixed(2)} | ${failures.length} (${((100 * failures.length) / (served + failures.length)).toFixed(3)} %) | ${outside} |`,
    );
    lines.push('');
    lines.push(`| failure cause | during a disruption | outside |`);
    lines.push(`|---|---|---|`);
    if (!byCause.size) lines.push(`| (none) | 0 | 0 |`);
    for (const [c, e] of [...byCause].sort((a, b) => b[1].during + b[1].outside - a[1].during - a[1].outside)) {
      lines.push(`| ${c} | ${e.during} | ${e.outside} |`);
    }
    lines.push('');
    lines.push(`| disruption | count | recovery median ms | max ms |`);
    lines.push(`|---|---|---|---|`);
    for (const [k, v] of Object.entries(recovery)) {
      if (v.length) lines.push(`| ${k} | ${v.length} | ${median(v)} | ${Math.max(...v)} |`);
    }
    lines.push('');
    lines.push(`| controller RSS | first minute (median) | last minute (median) | min | max |`);
    lines.push(`|---|---|---|---|---|`);
    lines.push(
      `| MiB | ${memStart.toFixed(1)} | ${memEnd.toFixed(1)} | ${Math.min(...mem.map((m) => m.mib)).toFixed(1)} | ${Math.max(...mem.map((m) => m.mib)).toFixed(1)} |`,
    );
    console.log('\n' + lines.join('\n'));
    console.log(
      `\nfinal: ${final.deployments[0].ready}/${final.deployments[0].desired} ready, ${final.deployments[0].replicas.length} replicas; memory ${memOk ? 'flat' : 'GREW'}; ${outside} failures outside disruptions`,
    );
    if (JSON_OUT) {
      fs.writeFileSync(
        JSON_OUT,
        JSON.stringify(
          {
            name,
            elapsed,
            served,
            failures: Object.fromEntries(byCause),
            recovery,
            mem,
            memStart,
            memEnd,
            p50: pct(latencies, 0.5),
            p99: pct(latencies, 0.99),
          },
          null,
          2,
        ),
      );
    }
    if (!memOk || outside > 0 || !finalOk) exitCode = 1;
  } catch (e) {
    console.error(`soak failed: ${(e as Error).message}\n--- up log ---\n${upLog.slice(-4000)}`);
    exitCode = 1;
  } finally {
    cleanup();
  }
  process.exit(exitCode);
}

void main();
