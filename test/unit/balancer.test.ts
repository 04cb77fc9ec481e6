import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServiceBalancer, type ServiceBalancerOptions } from '../../extension/engine/balancer/service-balancer';
import { BalancerSet, resolveTargetPort } from '../../extension/engine/balancer/balancer-set';
import { Picker, type Pickable } from '../../extension/engine/balancer/picker';
import type { ServiceSpec } from '../../extension/engine/model/types';

// Loopback echo backends that answer "<id>:<bytes>" to every chunk.
interface TestBackend {
  id: string;
  port: number;
  server: net.Server;
  sockets: Set<net.Socket>;
}

function backend(id: string, mode: 'echo' | 'drop' = 'echo'): Promise<TestBackend> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (d) => {
      if (mode === 'drop') s.resetAndDestroy();
      else s.write(`${id}:${d.toString()}`);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ id, port: (server.address() as net.AddressInfo).port, server, sockets }),
    ),
  );
}

async function closedPort(): Promise<number> {
  const b = await backend('closed');
  await new Promise<void>((r) => b.server.close(() => r()));
  return b.port;
}

class Client {
  readonly socket: net.Socket;
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d) => {
      this.buf += d.toString();
      this.waiters.splice(0).forEach((w) => w());
    });
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  /** Sends msg and resolves with the id of the backend that echoed it. */
  async ask(msg: string): Promise<string> {
    const start = this.buf.length;
    this.socket.write(msg);
    while (!this.buf.slice(start).endsWith(`:${msg}`)) {
      if (this.closed) throw new Error(`closed before an answer to ${msg}`);
      await new Promise<void>((r) => this.waiters.push(r));
    }
    return this.buf.slice(start).split(':')[0];
  }

  async waitClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  end(): void {
    this.socket.end();
  }
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('ServiceBalancer', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function lb(opts: Partial<ServiceBalancerOptions> = {}): Promise<ServiceBalancer> {
    const b = new ServiceBalancer({ service: 'web', port: 80, hostPort: 0, bindAddress: '127.0.0.1', ...opts });
    await b.listen();
    cleanup.push(() => b.close(0));
    return b;
  }
  async function backends(...ids: string[]): Promise<TestBackend[]> {
    const bs = await Promise.all(ids.map((id) => backend(id)));
    for (const b of bs) {
      cleanup.push(() => {
        b.sockets.forEach((s) => s.destroy());
        return new Promise<void>((r) => b.server.close(() => r()));
      });
    }
    return bs;
  }
  function client(b: ServiceBalancer): Client {
    const c = new Client(b.address.port);
    cleanup.push(() => void c.socket.destroy());
    return c;
  }
  const eps = (bs: TestBackend[]) => bs.map((b) => ({ replica: b.id, host: '127.0.0.1', port: b.port }));

  it('spreads new connections round robin', async () => {
    const bs = await backends('a', 'b', 'c');
    const b = await lb();
    b.setEndpoints(eps(bs));
    const seen: string[] = [];
    for (let i = 0; i < 9; i++) {
      const c = client(b);
      seen.push(await c.ask(`m${i}`));
      c.end();
    }
    assert.deepEqual(seen, ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
    assert.deepEqual(
      b.stats().map((s) => [s.replica, s.totalConnections]),
      [
        ['a', 3],
        ['b', 3],
        ['c', 3],
      ],
    );
  });

  it('least connections picks the endpoint with fewest open connections', async () => {
    const bs = await backends('a', 'b', 'c');
    const b = await lb({ algorithm: 'LeastConnections' });
    b.setEndpoints(eps(bs));
    const c1 = client(b);
    const c2 = client(b);
    const c3 = client(b);
    assert.deepEqual([await c1.ask('1'), await c2.ask('2'), await c3.ask('3')], ['a', 'b', 'c']);
    c2.end();
    await until(() => b.stats().find((s) => s.replica === 'b')!.activeConnections === 0, 'b to close');
    // Round robin would pick a next; b has no open connection.
    assert.equal(await client(b).ask('4'), 'b');
  });

  it('retries the next endpoint when one refuses, and tries the refusing one last for a while', async () => {
    const [good] = await backends('good');
    const dead = await closedPort();
    const b = await lb();
    b.setEndpoints([{ replica: 'dead', host: '127.0.0.1', port: dead }, ...eps([good])]);
    for (let i = 0; i < 6; i++) assert.equal(await client(b).ask(`r${i}`), 'good');
    const st = b.stats().find((s) => s.replica === 'dead')!;
    assert.equal(st.connectErrors, 1, 'the refusing endpoint is skipped after its first failure');
    assert.equal(b.stats().find((s) => s.replica === 'good')!.totalConnections, 6);
  });

  it('moves on when a connect attempt times out (an address that never answers)', async () => {
    const [good] = await backends('good');
    // 192.0.2.1 (TEST-NET-1) is never assigned: the connect hangs or is unreachable; either way it fails.
    const b = await lb({ connectTimeoutMs: 50 });
    b.setEndpoints([{ replica: 'blackhole', host: '192.0.2.1', port: 9 }, ...eps([good])]);
    assert.equal(await client(b).ask('t'), 'good');
    assert.equal(b.stats().find((s) => s.replica === 'blackhole')!.connectErrors, 1);
  });

  it('replays a request that an endpoint dropped before answering', async () => {
    const drop = await backend('drop', 'drop');
    cleanup.push(() => new Promise<void>((r) => drop.server.close(() => r())));
    const [good] = await backends('good');
    const b = await lb();
    b.setEndpoints([{ replica: 'drop', host: '127.0.0.1', port: drop.port }, ...eps([good])]);
    assert.equal(await client(b).ask('GET /'), 'good');
    assert.equal(b.stats().find((s) => s.replica === 'drop')!.connectErrors, 1);
  });

  it('replays a request at most twice, so a request every endpoint drops is not sent on forever', async () => {
    const drops = await Promise.all(['d1', 'd2', 'd3'].map((id) => backend(id, 'drop')));
    for (const d of drops) cleanup.push(() => new Promise<void>((r) => d.server.close(() => r())));
    const b = await lb();
    b.setEndpoints(drops.map((d) => ({ replica: d.id, host: '127.0.0.1', port: d.port })));
    const c = client(b);
    await assert.rejects(c.ask('poison'), /closed before an answer/);
    assert.equal(
      b.stats().reduce((a, s) => a + (s.totalConnections ?? 0), 0),
      3,
      'the first attempt and two replays',
    );
  });

  it('drains a removed endpoint: no new connections, open ones keep working', async () => {
    const bs = await backends('a', 'b');
    const b = await lb();
    b.setEndpoints(eps(bs));
    const old = client(b);
    assert.equal(await old.ask('x'), 'a');
    b.setEndpoints(eps([bs[1]]));
    for (let i = 0; i < 3; i++) assert.equal(await client(b).ask(`n${i}`), 'b');
    assert.equal(await old.ask('still'), 'a');
    const a = b.stats().find((s) => s.replica === 'a')!;
    assert.equal(a.ready, false);
    assert.equal(a.activeConnections, 1);
    old.end();
    await until(() => !b.stats().some((s) => s.replica === 'a'), 'a to leave after draining');
  });

  it('destroys connections to a removed endpoint when the drain grace ends', async () => {
    const bs = await backends('a', 'b');
    const b = await lb({ drainGraceMs: 50 });
    b.setEndpoints(eps(bs));
    const old = client(b);
    assert.equal(await old.ask('x'), 'a');
    b.setEndpoints(eps([bs[1]]));
    await old.waitClosed();
    assert.ok(!b.stats().some((s) => s.replica === 'a'));
  });

  it('holds a new client while no endpoint is ready, and serves it when one appears', async () => {
    const [a] = await backends('a');
    const b = await lb();
    const c = client(b);
    const answer = c.ask('wait');
    await until(() => b.stats().length === 0 && c.socket.bytesWritten > 0, 'the request to be sent');
    b.setEndpoints(eps([a]));
    assert.equal(await answer, 'a');
  });

  it('closes a held client after holdMs without endpoints', async () => {
    const b = await lb({ holdMs: 50 });
    const c = client(b);
    c.socket.write('nobody');
    await c.waitClosed();
    assert.equal(c.socket.bytesRead, 0);
  });

  it('counts bytes per endpoint and reports per-replica connection metrics', async () => {
    const [a] = await backends('a');
    const b = await lb();
    b.setEndpoints(eps([a]));
    const c = client(b);
    await c.ask('hello'); // 5 bytes in, "a:hello" 7 bytes out
    const st = b.stats()[0];
    assert.equal(st.bytesIn, 5);
    assert.equal(st.bytesOut, 7);
    assert.equal(st.activeConnections, 1);
    const m = b.podMetrics().get('a')!;
    assert.equal(m.activeConnections, 1);
    assert.ok(m.connectionsPerSecond > 0);
    c.end();
    await until(() => b.stats()[0].activeConnections === 0, 'close');
    assert.equal(b.stats()[0].bytesIn, 5);
    assert.equal(b.stats()[0].bytesOut, 7);
  });

  it('close() stops accepting at once and lets open connections finish within the grace', async () => {
    const [a] = await backends('a');
    const b = new ServiceBalancer({ service: 'web', port: 80, hostPort: 0, bindAddress: '127.0.0.1' });
    await b.listen();
    b.setEndpoints(eps([a]));
    const port = b.address.port;
    const open = new Client(port);
    assert.equal(await open.ask('before'), 'a');
    const closing = b.close(10_000);
    const refused = await new Promise<boolean>((r) =>
      net
        .connect(port, '127.0.0.1')
        .on('error', () => r(true))
        .on('connect', () => r(false)),
    );
    assert.equal(refused, true);
    assert.equal(await open.ask('during'), 'a');
    open.end();
    await closing;
    await open.waitClosed();
  });

  it('carries half-closed connections: the answer still arrives after the client ends', async () => {
    const server = net.createServer({ allowHalfOpen: true }, (s) => {
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('end', () => s.end(`len=${got.length}`));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const b = await lb();
    b.setEndpoints([{ replica: 'h', host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }]);
    const s = net.connect(b.address.port, '127.0.0.1');
    let reply = '';
    s.on('data', (d) => (reply += d));
    s.end('x'.repeat(100_000));
    await new Promise((r) => s.on('close', r));
    assert.equal(reply, 'len=100000');
  });
});

describe('Picker', () => {
  const mk = (active: number, failedUntil = 0): Pickable => ({ active, failedUntil });
  it('round robin skips excluded and recently failed endpoints, but falls back to a failed one', () => {
    const p = new Picker<Pickable>('RoundRobin');
    const [a, b, c] = [mk(0), mk(0, 1e15), mk(0)];
    assert.equal(p.pick([a, b, c], 0), a);
    assert.equal(p.pick([a, b, c], 0), c);
    assert.equal(p.pick([a, b, c], 0, new Set([a, c])), b);
    assert.equal(p.pick([a, b, c], 0, new Set([a, b, c])), undefined);
  });
});

describe('BalancerSet', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lb-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const svc = (name: string, port: number, targetPort: number | string, nodePort?: number): ServiceSpec => ({
    name,
    source: { file: 'x.yaml', line: 1, column: 1 },
    type: nodePort ? 'NodePort' : 'ClusterIP',
    selector: { app: name },
    ports: [{ port, targetPort, nodePort, protocol: 'TCP' }],
    publishNotReadyAddresses: false,
  });

  it('reports a host port clash as an error for that Service port and does not move it', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const taken = (squatter.address() as net.AddressInfo).port;
    const set = new BalancerSet({ stackDir: dir, bindAddress: '127.0.0.1' });
    try {
      const s = svc('web', 80, 8080, taken);
      await set.apply([s]);
      const st = set.status(s);
      assert.equal(st.ports[0].hostPort, taken);
      assert.match(st.ports[0].error ?? '', /in use/);
      assert.deepEqual(st.urls, []);
    } finally {
      await set.close();
      squatter.close();
    }
  });

  it('keeps the chosen host port across restarts and resolves named target ports', async () => {
    const [a] = [await backend('a')];
    const s = svc('api', 80, 'http');
    const set1 = new BalancerSet({ stackDir: dir, bindAddress: '127.0.0.1' });
    await set1.apply([s]);
    const port1 = set1.status(s).ports[0].hostPort!;
    set1.setPods('api', [
      { replica: 'api-1', host: '127.0.0.1', ports: [{ name: 'http', containerPort: a.port, protocol: 'TCP' }] },
    ]);
    assert.equal(await new Client(port1).ask('q'), 'a');
    assert.equal(set1.status(s).endpoints[0].replica, 'api-1');
    assert.ok(set1.podMetrics().get('api-1')!.flotilla_active_connections >= 0);
    await set1.close();
    const set2 = new BalancerSet({ stackDir: dir, bindAddress: '127.0.0.1' });
    await set2.apply([s]);
    assert.equal(set2.status(s).ports[0].hostPort, port1);
    assert.equal(set2.status(s).urls[0], `http://127.0.0.1:${port1}`);
    await set2.close();
    a.sockets.forEach((x) => x.destroy());
    a.server.close();
  });

  it('maps the target port through portMap (published ports)', async () => {
    const [a] = [await backend('pub')];
    const s = svc('pub', 80, 8080);
    const set = new BalancerSet({ stackDir: dir, bindAddress: '127.0.0.1' });
    try {
      await set.apply([s]);
      set.setPods('pub', [{ replica: 'pub-1', host: '127.0.0.1', ports: [], portMap: { 8080: a.port } }]);
      assert.equal(set.status(s).endpoints[0].address, `127.0.0.1:${a.port}`);
      assert.equal(await new Client(set.status(s).ports[0].hostPort!).ask('m'), 'pub');
    } finally {
      await set.close();
      a.sockets.forEach((x) => x.destroy());
      a.server.close();
    }
  });

  it('resolves numeric and named target ports', () => {
    const ports = [{ name: 'http', containerPort: 8080, protocol: 'TCP' as const }];
    assert.equal(resolveTargetPort({ port: 80, targetPort: 9000, protocol: 'TCP' }, ports), 9000);
    assert.equal(resolveTargetPort({ port: 80, targetPort: 'http', protocol: 'TCP' }, ports), 8080);
    assert.equal(resolveTargetPort({ port: 80, targetPort: 'grpc', protocol: 'TCP' }, ports), undefined);
  });
});
