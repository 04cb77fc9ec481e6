// Load-balancer benchmark: requests/s and p50/p99 latency through Flotilla's
// ServiceBalancer versus nginx round robin (HTTP upstream with keepalive, and the L4
// `stream` proxy when its module is installed) versus direct, over the same three
// nginx backends, all in one run, on 127.0.0.1 only. Every wrk run is bounded.
//
//   npx tsx bench/balancer.ts [--duration 8] [--connections 50] [--rounds 1] [--algorithm RoundRobin]
//
// wrk and nginx come from apt; wrk is installed if missing (and the script says so).
// nginx runs with our own config, prefix and pid file under a temp dir; the system
// nginx service is neither used nor changed.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServiceBalancer } from '../extension/engine/balancer/service-balancer';
import type { Algorithm } from '../extension/engine/balancer/picker';
import { freePort, runWrk, type WrkResult } from './balancer-wrk';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def;
};
const duration = Number(opt('duration', '8'));
const connections = Number(opt('connections', '50'));
const rounds = Number(opt('rounds', '1'));
const algorithm = opt('algorithm', 'RoundRobin') as Algorithm;
const NGINX = '/usr/sbin/nginx';
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  console.log('wrk is missing: installing it with apt-get install -y wrk');
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** CPU seconds (user+sys) of an nginx instance's master and workers, from /proc. */
function nginxCpuSeconds(pidFile: string): number {
  const master = Number(fs.readFileSync(pidFile, 'utf8').trim());
  const pids = [master];
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === master) pids.push(Number(p));
    } catch {
      // exited
    }
  }
  const tick = 100; // USER_HZ on Linux
  return pids.reduce((a, pid) => {
    try {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return a + (Number(parts[11]) + Number(parts[12])) / tick;
    } catch {
      return a;
    }
  }, 0);
}

function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function startNginx(dir: string, name: string, conf: string): () => void {
  const prefix = path.join(dir, name);
  fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  const file = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(file, conf);
  execFileSync(NGINX, ['-p', prefix, '-c', file, '-g', `pid ${prefix}/nginx.pid; error_log ${prefix}/logs/error.log;`]);
  return () =>
    spawnSync(NGINX, [
      '-p',
      prefix,
      '-c',
      file,
      '-g',
      `pid ${prefix}/nginx.pid; error_log ${prefix}/logs/error.log;`,
      '-s',
      'stop',
    ]);
}

async function main(): Promise<void> {
  ensureWrk();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lb-bench-'));
  const stops: (() => void)[] = [];
  try {
    const backendPorts = [await freePort(), await freePort(), await freePort()];
    const events = 'events { worker_connections 4096; }';
    const common = 'access_log off; keepalive_requests 1000000; keepalive_timeout 60s;';
    stops.push(
      startNginx(
        dir,
        'backends',
        `worker_processes 1; daemon on; ${events}
http { ${common}
${backendPorts.map((p) => `server { listen 127.0.0.1:${p}; location / { return 200 "hello from ${p}\\n"; } }`).join('\n')}
}`,
      ),
    );
    const upstream = backendPorts.map((p) => `server 127.0.0.1:${p};`).join(' ');
    const nginxHttpPort = await freePort();
    const nginxStreamPort = await freePort();
    const haveStream = fs.existsSync(STREAM_MODULE);
    stops.push(
      startNginx(
        dir,
        'lb',
        `${haveStream ? `load_module ${STREAM_MODULE};` : ''}
worker_processes auto; daemon on; ${events}
http { ${common}
  upstream be { ${upstream} keepalive 64; }
  server { listen 127.0.0.1:${nginxHttpPort};
    location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
${haveStream ? `stream { upstream sbe { ${upstream} } server { listen 127.0.0.1:${nginxStreamPort}; proxy_pass sbe; } }` : ''}`,
      ),
    );
    const lb = new ServiceBalancer({
      service: 'bench',
      port: 80,
      hostPort: await freePort(),
      bindAddress: '127.0.0.1',
      algorithm,
    });
    await lb.listen();
    lb.setEndpoints(backendPorts.map((p, i) => ({ replica: `bench-${i}`, host: '127.0.0.1', port: p })));

    const lbPid = path.join(dir, 'lb', 'nginx.pid');
    const nginxCpu = (): number => nginxCpuSeconds(lbPid);
    const targets: [string, number, (() => number) | undefined][] = [
      ['direct (one backend)', backendPorts[0], undefined],
      ['nginx http round robin', nginxHttpPort, nginxCpu],
      ...(haveStream
        ? ([['nginx stream (L4) round robin', nginxStreamPort, nginxCpu]] as [string, number, () => number][])
        : []),
      [`flotilla ServiceBalancer (${algorithm})`, lb.address.port, ownCpuSeconds],
    ];
    console.log(
      `wrk -t2 -c${connections} -d${duration}s, ${rounds} round(s), node ${process.version}, ${os.cpus().length} cpus`,
    );
    const results = new Map<string, (WrkResult & { cpuUsPerReq: number })[]>();
    for (let r = 0; r < rounds; r++) {
      for (const [name, port, cpu] of targets) {
        const c0 = cpu?.() ?? 0;
        const res = await runWrk(`http://127.0.0.1:${port}/`, connections, duration);
        const cpuUsPerReq = cpu ? ((cpu() - c0) * 1e6) / res.requests : NaN;
        (results.get(name) ?? results.set(name, []).get(name)!).push({ ...res, cpuUsPerReq });
      }
    }
    const rows = [...results].map(([name, rs]) => {
      const med = (f: (r: WrkResult & { cpuUsPerReq: number }) => number): number =>
        rs.map(f).sort((a, b) => a - b)[Math.floor(rs.length / 2)];
      return {
        name,
        rps: med((r) => r.rps),
        p50: med((r) => r.p50Ms),
        p99: med((r) => r.p99Ms),
        cpu: med((r) => r.cpuUsPerReq),
        errors: rs.reduce((a, r) => a + r.errors, 0),
      };
    });
    console.log('\n| setup | req/s | p50 ms | p99 ms | proxy CPU µs/req | errors |\n|---|---|---|---|---|---|');
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${Number.isNaN(r.cpu) ? '–' : r.cpu.toFixed(1)} | ${r.errors} |`,
      );
    }
    const ours = rows[rows.length - 1];
    console.log('');
    for (const ng of rows.filter((r) => r.name.startsWith('nginx'))) {
      console.log(
        `flotilla / ${ng.name}: ${(ours.rps / ng.rps).toFixed(2)}x req/s, p99 ${(ours.p99 / ng.p99).toFixed(2)}x`,
      );
    }
    const spread = lb
      .stats()
      .map((s) => `${s.replica}=${s.totalConnections}`)
      .join(' ');
    console.log(`connections per endpoint through flotilla: ${spread}`);
    await lb.close(0);
  } finally {
    for (const s of stops.reverse()) s();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
