// Service throughput inside the stack network: wrk in a client pod of a real stack,
// against the Service's name (through the stack's proxy: DNS once at wrk's start,
// then ClusterIP:80 → the replica's 8080) and straight to the replica's address
// (10.x:8080), in the same run, interleaved round by round, same client, same backend.
//
//   npx tsx bench/service-proxy.ts [--duration 5] [--rounds 5] [--connections 50] [--replicas 1]
//
// wrk comes from apt (installed if missing, and the script says so) and runs in an image
// built here from the host's binary and its libraries on flotilla.local/busybox:1
// (flotilla.local/wrk:bench, kept for the next run like the base images). The backend is
// a small Node HTTP server (flotilla.local/node:20). The stack is removed at the end.
// "proxy CPU µs/req" is the proxy container's cgroup CPU time over the requests served.

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { downStack } from '../extension/engine/controller/controller';
import { createDocker } from '../extension/engine/docker/client';
import { LABELS } from '../extension/engine/docker/labels';
import { dockerExec } from '../extension/engine/health/checks';
import { proxyContainerName } from '../extension/engine/proxy/proxy-container';
import { createController, prepareStack } from '../extension/engine/runner';
import { parseWrk, type WrkResult } from './balancer-wrk';
import { median } from './support/stats';

const args = process.argv.slice(2);
const opt = (name: string, def: string): number => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 && args[i + 1] !== undefined ? args[i + 1] : def);
};
const duration = opt('duration', '5');
const rounds = opt('rounds', '5');
const connections = opt('connections', '50');
const replicas = opt('replicas', '1');
const WRK_IMAGE = 'flotilla.local/wrk:bench';
const docker = createDocker();

function ensureWrk(): string {
  const found = spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  console.log('wrk is missing: installing it with apt-get install -y wrk');
  execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], {
    stdio: 'inherit',
    // needrestart lists services only: nothing (dockerd least of all) is restarted by the install.
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', NEEDRESTART_MODE: 'l', NEEDRESTART_SUSPEND: '1' },
  });
  return spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim();
}

/** wrk and the shared libraries it links, on the local busybox image. */
function ensureWrkImage(wrk: string): void {
  if (spawnSync('docker', ['image', 'inspect', WRK_IMAGE]).status === 0) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-wrk-'));
  try {
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    fs.copyFileSync(fs.realpathSync(wrk), path.join(root, 'usr/bin/wrk'));
    fs.chmodSync(path.join(root, 'usr/bin/wrk'), 0o755);
    const libs = execFileSync('ldd', [wrk], { encoding: 'utf8' }).match(/\/[^ ]+\.so[^ ]*/g) ?? [];
    for (const lib of libs) {
      fs.mkdirSync(path.join(root, path.dirname(lib)), { recursive: true });
      fs.copyFileSync(fs.realpathSync(lib), path.join(root, lib));
    }
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM flotilla.local/busybox:1\nCOPY root/ /\n');
    execFileSync('docker', ['build', '-q', '-t', WRK_IMAGE, '--label', 'dev.flotilla.base=1', dir], {
      stdio: 'ignore',
    });
    console.log(`built ${WRK_IMAGE} from ${wrk}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function manifests(): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: backend}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec:
      containers:
        - name: backend
          image: flotilla.local/node:20
          command: [node, -e, "require('http').createServer((q, s) => s.end('hello')).listen(8080)"]
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: backend}
spec:
  selector: {app: backend}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client}
spec:
  replicas: 1
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers:
        - {name: client, image: ${WRK_IMAGE}, command: [sleep, "86400"]}
`;
}

async function running(stack: string, deployment: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    filters: { label: [`${LABELS.stack}=${stack}`, `${LABELS.deployment}=${deployment}`], status: ['running'] },
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function proxyCpuNs(id: string): number {
  for (const f of [
    `/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`,
  ]) {
    try {
      const text = fs.readFileSync(f, 'utf8');
      const usec = /usage_usec (\d+)/.exec(text);
      return usec ? Number(usec[1]) * 1000 : Number(text.trim());
    } catch {
      // the other cgroup layout
    }
  }
  return NaN;
}

async function wrk(client: string, url: string): Promise<WrkResult> {
  const cmd = ['wrk', '-t2', `-c${connections}`, `-d${duration}s`, '--timeout', '5s', '--latency', url];
  const r = await dockerExec(docker, client, cmd, (duration + 30) * 1000);
  const parsed = parseWrk(r.output);
  if (!parsed) throw new Error(`wrk failed (${r.exitCode}): ${r.output}`);
  return parsed;
}

async function main(): Promise<void> {
  ensureWrkImage(ensureWrk());
  const name = `bench-svc-${Math.random().toString(36).slice(2, 7)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-svc-'));
  fs.mkdirSync(path.join(dir, 'k8s'));
  fs.writeFileSync(
    path.join(dir, 'flotilla.yaml'),
    `name: ${name}\nmanifests: ["k8s/*.yaml"]\nsettings: {terminationGracePeriodSeconds: 1}\n`,
  );
  fs.writeFileSync(path.join(dir, 'k8s/app.yaml'), manifests());
  const ctl = createController(docker, await prepareStack(docker, dir));
  await ctl.start();
  try {
    await until('every replica Ready', async () =>
      ctl.status().deployments.every((d) => d.ready === d.desired) ? true : undefined,
    );
    const [client] = await running(name, 'client');
    const backends = await running(name, 'backend');
    const replicaIP = Object.values(backends[0].NetworkSettings.Networks)[0].IPAddress;
    const proxy = await until('the Service proxy', async () => {
      const c = await docker.getContainer(proxyContainerName(name)).inspect();
      return c.State.Running ? c.Id : undefined;
    });
    const clusterIP = ctl.status().services[0].clusterIP;
    await until('the Service to answer', async () => {
      const r = await dockerExec(docker, client.Id, ['wget', '-q', '-O-', 'http://backend/'], 5000);
      return r.output.includes('hello') ? true : undefined;
    });
    const direct = `http://${replicaIP}:8080/`;
    const service = 'http://backend:80/'; // an explicit port: the image has no /etc/services for "http"
    console.log(
      `wrk -t2 -c${connections} -d${duration}s in a client pod, ${rounds} round(s), ${replicas} backend replica(s), node ${process.version}, ${os.cpus().length} cpus`,
    );
    console.log(`direct: ${direct}   service: ${service} (ClusterIP ${clusterIP}:80 → :8080 through the proxy)`);
    const results: Record<'direct' | 'service', WrkResult[]> = { direct: [], service: [] };
    const cpu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: ('direct' | 'service')[] = r % 2 === 0 ? ['direct', 'service'] : ['service', 'direct'];
      for (const which of order) {
        const before = proxyCpuNs(proxy);
        const res = await wrk(client.Id, which === 'direct' ? direct : service);
        if (which === 'service') cpu.push((proxyCpuNs(proxy) - before) / 1000 / Math.max(1, res.requests));
        results[which].push(res);
        console.log(
          `round ${r + 1} ${which.padEnd(7)} ${Math.round(res.rps)} req/s  p50 ${res.p50Ms.toFixed(2)} ms  p99 ${res.p99Ms.toFixed(2)} ms  errors ${res.errors}`,
        );
      }
    }
    const row = (label: string, xs: WrkResult[], cpuUs?: number) =>
      `| ${label} | ${Math.round(median(xs.map((x) => x.rps)))} | ${median(xs.map((x) => x.p50Ms)).toFixed(2)} | ${median(xs.map((x) => x.p99Ms)).toFixed(2)} | ${cpuUs === undefined ? '–' : cpuUs.toFixed(1)} | ${xs.reduce((a, x) => a + x.errors, 0)} |`;
    console.log('\n| setup | req/s | p50 ms | p99 ms | proxy CPU µs/req | errors |\n|---|---|---|---|---|---|');
    console.log(row('direct to the replica (10.x:8080)', results.direct));
    console.log(row('Service name through the proxy (:80)', results.service, median(cpu)));
    const rps = median(results.service.map((x) => x.rps)) / median(results.direct.map((x) => x.rps));
    const p99 = median(results.service.map((x) => x.p99Ms)) / median(results.direct.map((x) => x.p99Ms));
    console.log(`\nService / direct: ${rps.toFixed(2)}× req/s, ${p99.toFixed(2)}× p99 (goal: ≥ 0.5× and ≤ 2×)`);
    // Each round's pair ran back to back, so its ratio is less exposed to the machine's load moving.
    const pairs = results.direct.map((d, i) => ({ d, s: results.service[i] }));
    console.log(
      `per-round ratios (median): ${median(pairs.map((x) => x.s.rps / x.d.rps)).toFixed(2)}× req/s, ${median(pairs.map((x) => x.s.p99Ms / x.d.p99Ms)).toFixed(2)}× p99; p99 ratio range ${Math.min(...pairs.map((x) => x.s.p99Ms / x.d.p99Ms)).toFixed(2)}–${Math.max(...pairs.map((x) => x.s.p99Ms / x.d.p99Ms)).toFixed(2)}×`,
    );
  } finally {
    await ctl.stop(false);
    await downStack(docker, name, () => 1);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
