// `flotilla status --json` from a fresh process, as a user runs it (the bundled CLI), against a running
// controller of R replicas: beside `node -e 0` (starting Node here), `flotilla help` (loading the CLI
// and nothing else) and GET /v1/status (the controller's own answer), optionally beside the CLI built
// from another commit (--ref), all interleaved in the same run.
//
//   npx tsx bench/status.ts [--replicas 120,20] [--runs 15] [--ref 3bc0e64]
//
// Per size: a stack of R/2 Deployments × 2 replicas (bench/curve-stack.ts: busybox httpd, a readiness
// probe, a Service each), `up --no-watch` from this checkout's bundle until every replica is Ready,
// then --runs rounds, each timing every command once in turn; then SIGINT and `down`. Prints median,
// quartiles and range per command, and its time less `node -e 0`'s in the same round, with the load
// average (a shared machine: read same-run differences).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ControllerClient } from '../extension/engine/api/client';
import type { StackStatus } from '../extension/engine/api/protocol';
import { ensureBusyboxImage } from '../test/support/base-images';
import { createDocker } from '../extension/engine/docker/client';
import { writeCurveStack } from './curve-stack';
import { stopUp } from './support/cli';
import { childrenCpuSeconds, loadAverage } from './support/procfs';
import { median, quantile } from './support/stats';

const ROOT = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
};
if (argv.includes('--help')) {
  console.log(fs.readFileSync(__filename, 'utf8').split('\nimport ')[0]);
  process.exit(0);
}
const SIZES = opt('--replicas', '120,20').split(',').map(Number);
const RUNS = Number(opt('--runs', '15'));
const REF = opt('--ref', '');
const TIMEOUT_MS = 300_000;
const NODE = 'node -e 0';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (s: string) => console.log(`${new Date().toISOString().slice(11, 19)} [load ${loadAverage()}] ${s}`);

/** A temp folder removed when the bench exits. */
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** This checkout's CLI bundles (and the Service proxy `up` needs), built into a temp folder. */
function buildHere(): string {
  const out = tempDir('flotilla-bench-status-');
  execFileSync('node', ['extension/scripts/bundle.mjs', '--outdir', out, '--only', 'cli,cli-engine,proxy'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  return path.join(out, 'cli.js');
}

/** The CLI bundle as commit `ref` built it: its sources exported beside this checkout's node_modules. */
function buildRef(ref: string): string {
  const dir = tempDir(`flotilla-bench-status-${ref}-`);
  const tar = execFileSync('git', ['archive', ref, 'extension', 'language-server', 'package.json'], {
    cwd: ROOT,
    maxBuffer: 1 << 30,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync('node', ['extension/scripts/bundle.mjs'], { cwd: dir, stdio: 'inherit' });
  return path.join(dir, 'dist/cli.js');
}

/** Wall time and the CPU time (user + system) the process used: the second moves less with the load. */
function timed(cmd: string, args: string[]): { ms: number; cpuMs: number; out: string } {
  const c = childrenCpuSeconds();
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpuMs: (childrenCpuSeconds() - c) * 1000, out: r.stdout };
}

async function measure(replicas: number, clis: Record<string, string>, here: string): Promise<void> {
  const s = writeCurveStack(replicas / 2, `st${randomBytes(2).toString('hex')}`);
  say(`${replicas} replicas: up (${s.name})`);
  const up = spawn('node', [here, 'up', '--no-watch', '--stack', s.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  up.stdout.on('data', (c: Buffer) => (log += c.toString()));
  up.stderr.on('data', (c: Buffer) => (log += c.toString()));
  try {
    const t0 = Date.now();
    let client: ControllerClient | undefined;
    while (!(client = await ControllerClient.connect(s.dir))) {
      if (up.exitCode !== null || Date.now() - t0 > TIMEOUT_MS) throw new Error(`no controller:\n${log}`);
      await sleep(100);
    }
    const ready = (st: StackStatus) => st.deployments.flatMap((d) => d.replicas).filter((r) => r.ready).length;
    while (ready(await client.status()) < replicas) {
      if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`not all ${replicas} replicas Ready:\n${log}`);
      await sleep(500);
    }
    say(`${replicas} replicas Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s; ${RUNS} rounds`);
    const times: Record<string, number[]> = {};
    const cpu: Record<string, number[]> = {};
    // Each command's time less `node -e 0`'s in the same round: the machine's load moves both.
    const overNode: Record<string, number[]> = {};
    const add = (k: string, r: { ms: number; cpuMs: number }) => {
      (times[k] ??= []).push(r.ms);
      (cpu[k] ??= []).push(r.cpuMs);
      if (k !== NODE) (overNode[k] ??= []).push(r.ms - times[NODE][times[NODE].length - 1]);
    };
    const loads: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      loads.push(loadAverage());
      add(NODE, timed('node', ['-e', '0']));
      for (const [label, cli] of Object.entries(clis)) {
        add(`${label}: help`, timed('node', [cli, 'help']));
        const r = timed('node', [cli, 'status', '--json', '--stack', s.dir]);
        const st: StackStatus = JSON.parse(r.out);
        if (!st.controller.running || ready(st) !== replicas) throw new Error(`${label}: unexpected status`);
        add(`${label}: status --json`, r);
        add(`${label}: status`, timed('node', [cli, 'status', '--stack', s.dir]));
        // The same answer through the engine's modules (the second bundle, where there is one).
        add(
          `${label}: status --json --target local`,
          timed('node', [cli, 'status', '--json', '--target', 'local', '--stack', s.dir]),
        );
      }
      const t = performance.now();
      await client.status();
      (times['GET /v1/status (in process)'] ??= []).push(performance.now() - t);
    }
    const f = (x: number) => x.toFixed(0);
    console.log(
      `\n${replicas} replicas, ${RUNS} runs each, load average ${Math.min(...loads)}–${Math.max(...loads)} (median ${median(loads).toFixed(1)})\n`,
    );
    console.log(
      '| command | median | quartiles | range | over node -e 0 (same round), median | CPU (user + sys), mean |',
    );
    console.log('|---|---|---|---|---|---|');
    for (const [k, xs] of Object.entries(times)) {
      const q = (p: number) => quantile(xs, p);
      const over = overNode[k] ? `${f(median(overNode[k]))} ms` : '';
      const c = cpu[k] ? `${f(cpu[k].reduce((x, y) => x + y, 0) / cpu[k].length)} ms` : '';
      console.log(
        `| ${k} | ${f(q(0.5))} ms | ${f(q(0.25))}–${f(q(0.75))} ms | ${f(q(0))}–${f(q(1))} ms | ${over} | ${c} |`,
      );
    }
    console.log('');
  } finally {
    await stopUp(up);
    // Under load dockerd may still hold an endpoint of a removed replica: down is tried again for a while.
    for (let t0 = Date.now(); ; await sleep(2000)) {
      const down = spawnSync('node', [here, 'down', '--stack', s.dir], { encoding: 'utf8' });
      if (down.status === 0) break;
      if (Date.now() - t0 > 60_000) {
        console.error(`down failed: ${down.stderr}`);
        break;
      }
    }
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await ensureBusyboxImage(createDocker());
  const here = buildHere();
  const clis: Record<string, string> = { 'this checkout': here };
  if (REF) clis[REF] = buildRef(REF);
  say(
    `CLIs: ${Object.entries(clis)
      .map(([k, v]) => `${k} = ${v} (${(fs.statSync(v).size / 1e3).toFixed(0)} kB)`)
      .join('; ')}`,
  );
  for (const n of SIZES) await measure(n, clis, here);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
