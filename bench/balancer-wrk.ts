// Helpers for the load-balancer benchmarks: a free loopback port, and a bounded wrk
// run parsed into requests/s and latency percentiles.

import { spawn } from 'node:child_process';
import * as net from 'node:net';

export interface WrkResult {
  rps: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function toMs(v: string, unit: string): number {
  const n = Number(v);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  return n;
}

/** wrk's --latency report as numbers; undefined when it holds no Requests/sec line (wrk failed). */
export function parseWrk(out: string): WrkResult | undefined {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) return undefined;
  const pct = (q: string): number => {
    const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const err = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const reqs = /(\d+) requests in/.exec(out);
  return {
    rps: Number(rps[1]),
    requests: reqs ? Number(reqs[1]) : 0,
    p50Ms: pct('50'),
    p99Ms: pct('99'),
    errors: (err ? err.slice(1).reduce((a, x) => a + Number(x), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0),
  };
}

export function runWrk(url: string, connections: number, seconds: number): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '--latency', url]);
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => p.kill('SIGKILL'), (seconds + 20) * 1000);
    p.on('close', (code) => {
      clearTimeout(killer);
      const r = parseWrk(out);
      if (!r) return reject(new Error(`wrk failed (${code}): ${out}`));
      resolve(r);
    });
  });
}
