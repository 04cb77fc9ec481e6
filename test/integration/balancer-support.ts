// Real-engine helpers for the balancer, stats and autoscale tests: labelled containers
// from flotilla.local/node:20 on the default bridge, reached at their bridge IPs, and
// removal of exactly what one test run labelled.

import Docker from 'dockerode';
import * as http from 'node:http';
import * as crypto from 'node:crypto';
import { ensureNodeImage } from '../support/node-image';

export const docker = new Docker({ socketPath: '/var/run/docker.sock' });
export const STACK_LABEL = 'dev.flotilla.stack';

export function testStack(): string {
  return `test-lb-${crypto.randomBytes(4).toString('hex')}`;
}

/** An HTTP server answering its ID (and the path) to every request. */
export const HTTP_SERVER = `require('http').createServer((q,s)=>{s.setHeader('x-id',process.env.ID);s.end(process.env.ID)}).listen(8080)`;

export interface TestContainer {
  id: string;
  ip: string;
  name: string;
}

const networks = new Map<string, Promise<string>>();

/** A bridge network of the test's own (labelled like everything else), not Docker's default bridge. */
function stackNetwork(stack: string): Promise<string> {
  let n = networks.get(stack);
  if (!n) {
    n = docker.createNetwork({ Name: stack, Driver: 'bridge', Labels: { [STACK_LABEL]: stack } }).then(() => stack);
    networks.set(stack, n);
  }
  return n;
}

export async function runContainer(
  stack: string,
  name: string,
  script: string,
  env: Record<string, string> = {},
): Promise<TestContainer> {
  const [image, network] = await Promise.all([ensureNodeImage(docker), stackNetwork(stack)]);
  const c = await docker.createContainer({
    Image: image,
    name: `${stack}-${name}`,
    Cmd: ['node', '-e', script],
    Env: Object.entries({ ID: name, ...env }).map(([k, v]) => `${k}=${v}`),
    Labels: { [STACK_LABEL]: stack },
    HostConfig: { Init: true, NetworkMode: network },
  });
  await c.start();
  const info = await c.inspect();
  return { id: c.id, ip: info.NetworkSettings.Networks[network].IPAddress, name };
}

/** Removes exactly the containers and networks labelled with this test stack. */
export async function removeStackContainers(stack: string): Promise<void> {
  const filters = { label: [`${STACK_LABEL}=${stack}`] };
  const list = await docker.listContainers({ all: true, filters });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
  const nets = await docker.listNetworks({ filters });
  await Promise.all(
    nets.map((n) =>
      docker
        .getNetwork(n.Id)
        .remove()
        .catch(() => undefined),
    ),
  );
  networks.delete(stack);
}

export function httpGet(port: number, host = '127.0.0.1', path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `total` GETs with `concurrency` in flight, each on a new connection; collects bodies and errors. */
export async function load(
  port: number,
  total: number,
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<{ bodies: Map<string, number>; errors: string[] }> {
  const bodies = new Map<string, number>();
  const errors: string[] = [];
  let started = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      try {
        const r = await httpGet(port);
        if (r.status !== 200) errors.push(`status ${r.status}`);
        else bodies.set(r.body, (bodies.get(r.body) ?? 0) + 1);
      } catch (e) {
        errors.push((e as Error).message);
      }
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { bodies, errors };
}
