// The controller at rest, against the floor of its own probes.
//
//   npx tsx bench/rest.ts [--replicas 120] [--periods 1,10] [--idle 30] [--rounds 3]
//
// Per readiness period P: the cost curve's stack (bench/curve-stack.ts: replicas/2 Deployments
// × 2 replicas of busybox httpd, a tcpSocket readiness probe every P s, a Service each) under
// `flotilla up` until every replica is Ready. Then, alternating per round, each over the idle
// window, each measured from /proc:
//   controller: the `flotilla up` process at rest (probes, resyncs, its timers and GC);
//   probe floor: a bare Node process doing only what those probes must do, one TCP connect and
//                close to every replica's address every P s, all in one batch (the cheapest way:
//                one wake-up per period), while the controller is paused (SIGSTOP), so that the
//                kernel's work for its probes is not charged to the floor.
// The difference is what the controller costs at rest beyond its probes. CPU is % of one core.
import { spawn } from 'node:child_process';
import Dockerode from 'dockerode';
import { ControllerClient } from '../extension/engine/api/client';
import { ensureBusyboxImage } from '../test/support/base-images';
import { PORT, writeCurveStack } from './curve-stack';
import { cliBundle, run, stopUp } from './support/cli';
import { cpuOver, cpuSeconds, loadAverage } from './support/procfs';
import { median } from './support/stats';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const REPLICAS = Number(opt('replicas', '120'));
const PERIODS = opt('periods', '1,10').split(',').map(Number);
const IDLE_MS = Number(opt('idle', '30')) * 1000;
const ROUNDS = Number(opt('rounds', '3'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (s: string) => console.log(`[${new Date().toISOString().slice(11, 19)} load ${loadAverage()}] ${s}`);

/** The probes' floor: connect and close to each address every period, all at once (one wake-up per period). */
const FLOOR = `
const net = require('node:net');
const [addrs, port, periodMs] = [process.argv[1].split(','), Number(process.argv[2]), Number(process.argv[3])];
setInterval(() => addrs.forEach((host) => {
  const s = net.connect({ host, port });
  s.once('connect', () => s.destroy());
  s.once('error', () => s.destroy());
}), periodMs);
`;

interface Row {
  period: number;
  controller: number[];
  floor: number[];
  load: number[];
}

async function measure(period: number, cli: string): Promise<Row> {
  const s = writeCurveStack(REPLICAS / 2, Math.random().toString(16).slice(2, 9), period);
  const up = spawn('node', [cli, 'up', '--stack', s.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  up.stdout.on('data', (c: Buffer) => (log += c.toString()));
  up.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const row: Row = { period, controller: [], floor: [], load: [] };
  try {
    let client: ControllerClient | undefined;
    while (!(client = await ControllerClient.connect(s.dir))) {
      if (up.exitCode !== null) throw new Error(`flotilla up exited ${up.exitCode}:\n${log}`);
      await sleep(100);
    }
    let addresses: string[] = [];
    for (;;) {
      const replicas = (await client.status(30_000)).deployments.flatMap((d) => d.replicas);
      if (replicas.length === REPLICAS && replicas.every((r) => r.ready)) {
        addresses = replicas.map((r) => r.address ?? '');
        break;
      }
      await sleep(250);
    }
    say(`period ${period} s: ${REPLICAS} replicas Ready; settling 5 s`);
    await sleep(5000);
    for (let round = 0; round < ROUNDS; round++) {
      const pid = up.pid ?? 0;
      const c = await cpuOver(IDLE_MS, { controller: () => cpuSeconds(pid) });
      // The controller is paused (SIGSTOP) while the floor runs, so the floor's figure holds
      // only its own connects: the kernel's work for the controller's is charged to whichever
      // process it interrupts. The replicas keep running; nothing probes them meanwhile.
      process.kill(pid, 'SIGSTOP');
      const floor = spawn('node', ['-e', FLOOR, addresses.join(','), String(PORT), String(period * 1000)], {
        stdio: 'ignore',
      });
      let f: Record<string, number>;
      try {
        await sleep(2000); // its own start is not probing
        f = await cpuOver(IDLE_MS, { floor: () => cpuSeconds(floor.pid ?? 0) });
      } finally {
        floor.kill();
        process.kill(pid, 'SIGCONT');
      }
      await sleep(3000); // the controller catches up on the probes it missed before the next window
      row.controller.push(c.controller);
      row.floor.push(f.floor);
      row.load.push(loadAverage());
      say(
        `period ${period} s, round ${round + 1}: controller ${c.controller.toFixed(2)}%, probe floor ${f.floor.toFixed(2)}%`,
      );
    }
  } finally {
    await stopUp(up);
    // dockerd 20.10 sometimes keeps a stale endpoint on a network whose containers are gone: down says so.
    await run('node', [cli, 'down', '--stack', s.dir]).catch((e: unknown) => say(`down: ${String(e)}`));
  }
  return row;
}

void (async () => {
  await ensureBusyboxImage(new Dockerode());
  const cli = await cliBundle();
  const rows: Row[] = [];
  for (const p of PERIODS) rows.push(await measure(p, cli));
  console.log(`\n| replicas | readiness period | controller at rest | probe floor | controller − floor | load avg |`);
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    const c = median(r.controller);
    const f = median(r.floor);
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
    console.log(
      `| ${REPLICAS} | ${r.period} s | ${c.toFixed(2)}% (${range(r.controller)}) | ${f.toFixed(2)}% (${range(r.floor)}) | ${(c - f).toFixed(2)}% | ${median(r.load).toFixed(1)} |`,
    );
  }
})().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
