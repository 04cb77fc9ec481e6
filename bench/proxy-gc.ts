// GC pauses in the Service proxy's forwarding code: the proxy's ServiceBalancer in a child
// Node process on loopback, once with Node's defaults and once with the proxy image's
// flags (PROXY_NODE_FLAGS), alternating round by round, wrk -t2 -c50 keep-alive through it
// to a small Node HTTP server. Each GC pause stops every connection through the proxy,
// so how many there are and how long they last (wall time, so a pause that lost its core
// on a busy machine counts in full) bears on the p99.
//
//   npx tsx bench/proxy-gc.ts [--duration 5] [--rounds 4] [--connections 50]

import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import * as readline from 'node:readline';
import { ServiceBalancer } from '../extension/engine/balancer/service-balancer';
import { PROXY_NODE_FLAGS } from '../extension/engine/proxy/proxy-image';
import { freePort, runWrk } from './balancer-wrk';
import { median } from './support/stats';

const args = process.argv.slice(2);
const opt = (name: string, def: string): number => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def);
};

/** The child: the balancer in front of the backend; each line on stdin is answered with the GC pauses since the last. */
async function serve(port: number, backend: number): Promise<void> {
  const b = new ServiceBalancer({ service: 'bench', port: 80, hostPort: port, bindAddress: '127.0.0.1' });
  b.setEndpoints([{ replica: 'backend', host: '127.0.0.1', port: backend }]);
  await b.listen();
  let pauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(e.duration);
  }).observe({ entryTypes: ['gc'] });
  readline.createInterface({ input: process.stdin }).on('line', () => {
    process.stdout.write(`${JSON.stringify(pauses)}\n`);
    pauses = [];
  });
  process.stdout.write('ready\n');
}

interface Proxy {
  child: ChildProcess;
  port: number;
  ask(): Promise<string>;
}

async function startProxy(flags: string[], backend: number): Promise<Proxy> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...flags, '--import', 'tsx', __filename, '--serve', String(port), '--backend', String(backend)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout });
  const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
  await next(); // ready
  return {
    child,
    port,
    ask: () => {
      const answer = next();
      child.stdin.write('\n');
      return answer;
    },
  };
}

async function main(): Promise<void> {
  const duration = opt('duration', '5');
  const rounds = opt('rounds', '4');
  const connections = opt('connections', '50');
  const backend = await freePort();
  const server = spawn(process.execPath, [
    '-e',
    `require('http').createServer((q, s) => s.end('hello')).listen(${backend}, '127.0.0.1', () => console.log('up'))`,
  ]);
  await new Promise((r) => server.stdout.once('data', r));
  const setups = { 'Node defaults': [] as string[], 'proxy image flags': PROXY_NODE_FLAGS };
  const proxies = new Map<string, Proxy>();
  for (const [label, flags] of Object.entries(setups)) proxies.set(label, await startProxy(flags, backend));
  console.log(
    `wrk -t2 -c${connections} -d${duration}s on loopback, ${rounds} round(s), node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg()[0].toFixed(1)}`,
  );
  console.log(`flags: ${PROXY_NODE_FLAGS.join(' ')}\n`);
  const rows = new Map<string, { n: number; total: number; max: number; rps: number; p99: number }[]>();
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [...proxies.keys()] : [...proxies.keys()].reverse();
      for (const label of order) {
        const p = proxies.get(label)!;
        await p.ask(); // forget the pauses of the idle time
        const res = await runWrk(`http://127.0.0.1:${p.port}/`, connections, duration);
        const pauses = JSON.parse(await p.ask()) as number[];
        const row = {
          n: pauses.length,
          total: pauses.reduce((a, x) => a + x, 0),
          max: Math.max(0, ...pauses),
          rps: res.rps,
          p99: res.p99Ms,
        };
        rows.set(label, [...(rows.get(label) ?? []), row]);
        console.log(
          `round ${r + 1} ${label.padEnd(17)} ${Math.round(row.rps)} req/s  p99 ${row.p99.toFixed(2)} ms  GC pauses ${row.n}, ${row.total.toFixed(1)} ms in all, longest ${row.max.toFixed(1)} ms`,
        );
      }
    }
  } finally {
    for (const p of proxies.values()) p.child.kill();
    server.kill();
  }
  console.log(
    '\n| setup | req/s | p99 ms | GC pauses per round | pause ms per round | longest pause ms |\n|---|---|---|---|---|---|',
  );
  for (const [label, xs] of rows) {
    const m = (f: (x: (typeof xs)[number]) => number) => median(xs.map(f));
    console.log(
      `| ${label} | ${Math.round(m((x) => x.rps))} | ${m((x) => x.p99).toFixed(2)} | ${m((x) => x.n)} | ${m((x) => x.total).toFixed(1)} | ${m((x) => x.max).toFixed(1)} |`,
    );
  }
}

const fail = (e: unknown): void => {
  console.error(e);
  process.exitCode = 1;
};
if (args.includes('--serve')) serve(opt('serve', '0'), opt('backend', '0')).catch(fail);
else main().catch(fail);
