// The Prober's scheduling and events against an HTTP server on the host (route 'direct'
// to 127.0.0.1): no Docker needed. Docker-backed checks are in test/integration/probe*.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import type { ContainerSpec, Probe } from '../../extension/engine/model/types';
import { Prober, type ProberOptions } from '../../extension/engine/health/prober';

interface Server {
  port: number;
  status: Record<string, number>;
  location: Record<string, string>;
  hits: Record<string, number>;
  headers: Record<string, http.IncomingHttpHeaders>;
  close(): Promise<void>;
}

async function server(): Promise<Server> {
  const s: Omit<Server, 'port' | 'close'> = { status: {}, location: {}, hits: {}, headers: {} };
  const srv = http.createServer((req, res) => {
    const path = req.url ?? '/';
    s.hits[path] = (s.hits[path] ?? 0) + 1;
    s.headers[path] = req.headers;
    res.statusCode = s.status[path] ?? 200;
    if (s.location[path]) res.setHeader('Location', s.location[path]);
    res.end('x');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    ...s,
    port: (srv.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

const fast = {
  initialDelaySeconds: 0,
  periodSeconds: 0.02,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
};
function http_(path: string, port: number | string, over: Partial<Probe> = {}): Probe {
  return { httpGet: { path, port, scheme: 'HTTP', httpHeaders: [] }, ...fast, ...over };
}

/** Resolves when `cond` holds, checked on every event and on a short interval. */
function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(t);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 5);
  });
}

interface Recorded {
  ready: [boolean, string | undefined][];
  liveness: string[];
  started: number;
  failures: string[];
}

function prober(container: Partial<ContainerSpec>, extra: Partial<ProberOptions> = {}): { p: Prober; ev: Recorded } {
  const ev: Recorded = { ready: [], liveness: [], started: 0, failures: [] };
  const p = new Prober({
    docker: {} as Docker,
    replica: 'web-1',
    containerId: 'none',
    address: '127.0.0.1',
    container: { ports: [], ...container },
    route: 'direct',
    onReadyChange: (r, ready, msg) => {
      assert.equal(r, 'web-1');
      ev.ready.push([ready, msg]);
    },
    onLivenessFailed: (_r, reason) => ev.liveness.push(reason),
    onProbeFailed: (_r, msg) => ev.failures.push(msg),
    onStarted: () => ev.started++,
    ...extra,
  });
  return { p, ev };
}

describe('Prober (host HTTP server)', function () {
  this.timeout(20_000);
  let srv: Server;
  const probers: Prober[] = [];
  beforeEach(async () => {
    srv = await server();
  });
  afterEach(async () => {
    for (const p of probers.splice(0)) p.stop();
    await srv.close();
  });
  const make = (c: Partial<ContainerSpec>, extra: Partial<ProberOptions> = {}): { p: Prober; ev: Recorded } => {
    const r = prober(c, extra);
    probers.push(r.p);
    return r;
  };

  it('is ready and started at once without probes', () => {
    const { p, ev } = make({});
    assert.equal(p.ready, false);
    p.start();
    assert.equal(p.ready, true);
    assert.equal(p.started, true);
    assert.deepEqual(ev.ready, [[true, undefined]]);
    assert.equal(ev.started, 1);
  });

  it('readiness starts false and toggles with the endpoint', async () => {
    const { p, ev } = make({ readinessProbe: http_('/ready', srv.port, { failureThreshold: 2 }) });
    p.start();
    assert.equal(p.ready, false);
    await until(() => p.ready, 'ready');
    srv.status['/ready'] = 503;
    await until(() => !p.ready, 'not ready');
    assert.deepEqual(ev.ready[1], [false, 'Readiness probe failed: HTTP probe failed with statuscode: 503']);
    srv.status['/ready'] = 204;
    await until(() => p.ready, 'ready again');
    assert.deepEqual(
      ev.ready.map(([r]) => r),
      [true, false, true],
    );
    assert.equal(ev.liveness.length, 0, 'readiness never restarts');
  });

  it('liveness reports once after failureThreshold consecutive failures, then holds', async () => {
    const { p, ev } = make({ livenessProbe: http_('/live', srv.port, { failureThreshold: 3 }) });
    p.start();
    await until(() => (srv.hits['/live'] ?? 0) >= 3, 'a few healthy probes');
    const healthyHits = srv.hits['/live'];
    srv.status['/live'] = 500;
    await until(() => ev.liveness.length > 0, 'liveness failure');
    assert.deepEqual(ev.liveness, ['Liveness probe failed: HTTP probe failed with statuscode: 500']);
    assert.equal(ev.failures.length, 3, 'reported at the third consecutive failure');
    assert.equal(srv.hits['/live'] - healthyHits, 3, 'and not probed again after it');
    assert.equal(p.lastFailure, 'Liveness probe failed: HTTP probe failed with statuscode: 500');
    assert.equal(p.ready, true, 'no readiness probe: stays ready');
  });

  it('3xx passes, 400 fails', async () => {
    srv.status['/redirect'] = 302;
    srv.status['/bad'] = 400;
    const a = make({ readinessProbe: http_('/redirect', srv.port) });
    const b = make({ livenessProbe: http_('/bad', srv.port, { failureThreshold: 1 }) });
    a.p.start();
    b.p.start();
    await until(() => a.p.ready && b.ev.liveness.length > 0, 'both results');
    assert.equal(b.ev.liveness[0], 'Liveness probe failed: HTTP probe failed with statuscode: 400');
  });

  it('follows same-host redirects like the kubelet: the final status decides', async () => {
    srv.status['/moved'] = 301;
    srv.location['/moved'] = '/broken';
    srv.status['/broken'] = 500;
    srv.status['/elsewhere'] = 302;
    srv.location['/elsewhere'] = 'http://flotilla.invalid/';
    srv.status['/loop'] = 302;
    srv.location['/loop'] = '/loop';
    const a = make({ livenessProbe: http_('/moved', srv.port, { failureThreshold: 1 }) });
    const b = make({ readinessProbe: http_('/elsewhere', srv.port) });
    const c = make({ livenessProbe: http_('/loop', srv.port, { failureThreshold: 1 }) });
    for (const x of [a, b, c]) x.p.start();
    await until(() => a.ev.liveness.length > 0 && b.p.ready && c.ev.liveness.length > 0, 'all three results');
    assert.equal(a.ev.liveness[0], 'Liveness probe failed: HTTP probe failed with statuscode: 500');
    assert.ok(srv.hits['/broken'] >= 1);
    assert.equal(
      c.ev.liveness[0],
      `Liveness probe failed: Get "http://127.0.0.1:${srv.port}/loop": stopped after 10 redirects`,
    );
    assert.equal(srv.hits['/loop'], 11);
  });

  it('resolves a named port and sends headers with the kubelet’s User-Agent', async () => {
    const probe = http_('/h', 'web', {});
    probe.httpGet!.httpHeaders = [
      { name: 'X-Probe', value: 'yes' },
      { name: 'accept', value: 'text/plain' },
    ];
    const { p } = make({ ports: [{ name: 'web', containerPort: srv.port, protocol: 'TCP' }], readinessProbe: probe });
    p.start();
    await until(() => p.ready, 'ready');
    const h = srv.headers['/h'];
    assert.equal(h['x-probe'], 'yes');
    assert.equal(h['accept'], 'text/plain');
    assert.match(h['user-agent'] ?? '', /^kube-probe\//);
  });

  it('an unknown port name errors', async () => {
    const { p, ev } = make({ livenessProbe: http_('/', 'nope', { failureThreshold: 1 }) });
    p.start();
    await until(() => ev.liveness.length > 0, 'liveness failure');
    assert.equal(ev.liveness[0], 'Liveness probe errored: port nope not found');
  });

  it('connection refused uses Go’s wording', async () => {
    const port = srv.port;
    await srv.close();
    srv = await server();
    const { p, ev } = make({
      livenessProbe: http_('/x', port, { failureThreshold: 1 }),
      readinessProbe: { tcpSocket: { port }, ...fast, failureThreshold: 1 },
    });
    p.start();
    await until(() => ev.liveness.length > 0 && ev.failures.some((f) => f.startsWith('Readiness')), 'failures');
    assert.equal(
      ev.liveness[0],
      `Liveness probe failed: Get "http://127.0.0.1:${port}/x": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
    assert.ok(ev.failures.includes(`Readiness probe failed: dial tcp 127.0.0.1:${port}: connect: connection refused`));
    assert.equal(p.ready, false);
  });

  it('tcpSocket passes against a listening port', async () => {
    const { p } = make({ readinessProbe: { tcpSocket: { port: srv.port }, ...fast } });
    p.start();
    await until(() => p.ready, 'ready');
  });

  it('liveness and readiness wait for the startup probe', async () => {
    srv.status['/startup'] = 500;
    const { p, ev } = make({
      startupProbe: http_('/startup', srv.port, { failureThreshold: 1000 }),
      livenessProbe: http_('/live', srv.port),
      readinessProbe: http_('/ready', srv.port),
    });
    p.start();
    await until(() => (srv.hits['/startup'] ?? 0) >= 5, 'startup attempts');
    assert.equal(srv.hits['/live'] ?? 0, 0);
    assert.equal(srv.hits['/ready'] ?? 0, 0);
    assert.equal(p.started, false);
    assert.equal(p.ready, false);
    srv.status['/startup'] = 200;
    await until(() => p.ready, 'ready after startup');
    assert.equal(ev.started, 1);
    const startupHits = srv.hits['/startup'];
    await until(() => (srv.hits['/live'] ?? 0) >= 3, 'liveness running');
    assert.equal(srv.hits['/startup'], startupHits, 'startup probe stops once passed');
  });

  it('without a readiness probe, ready follows the startup probe', async () => {
    srv.status['/startup'] = 500;
    const { p, ev } = make({ startupProbe: http_('/startup', srv.port, { failureThreshold: 1000 }) });
    p.start();
    await until(() => (srv.hits['/startup'] ?? 0) >= 2, 'startup attempts');
    assert.equal(p.ready, false);
    srv.status['/startup'] = 200;
    await until(() => p.ready, 'ready');
    assert.deepEqual(ev.ready, [[true, undefined]]);
  });

  it('a failing startup probe is reported as a liveness failure', async () => {
    srv.status['/startup'] = 500;
    const { p, ev } = make({
      startupProbe: http_('/startup', srv.port, { failureThreshold: 2 }),
      livenessProbe: http_('/live', srv.port),
    });
    p.start();
    await until(() => ev.liveness.length > 0, 'startup failure');
    assert.deepEqual(ev.liveness, ['Startup probe failed: HTTP probe failed with statuscode: 500']);
    assert.equal(srv.hits['/startup'], 2);
    assert.equal(srv.hits['/live'] ?? 0, 0);
  });

  it('honours initialDelaySeconds from the container start', async () => {
    // The container "started" long ago: the delay has passed, the first probe runs at once.
    const { p } = make(
      { readinessProbe: http_('/ready', srv.port, { initialDelaySeconds: 3600 }) },
      { startedAt: Date.now() - 3_600_000 },
    );
    p.start();
    await until(() => p.ready, 'ready');
    // Started now with a long delay: no probe happens while another prober runs many.
    const late = make({ readinessProbe: http_('/late', srv.port, { initialDelaySeconds: 3600 }) });
    late.p.start();
    await until(() => (srv.hits['/ready'] ?? 0) >= 10, 'other prober runs');
    assert.equal(srv.hits['/late'] ?? 0, 0);
  });

  it('stop() cancels every timer and drops results', async () => {
    const a = make({ readinessProbe: http_('/a', srv.port), livenessProbe: http_('/a2', srv.port) });
    const b = make({ readinessProbe: http_('/b', srv.port) });
    a.p.start();
    b.p.start();
    await until(() => a.p.ready && (srv.hits['/a2'] ?? 0) > 0, 'a ready');
    a.p.stop();
    const hitsA = (srv.hits['/a'] ?? 0) + (srv.hits['/a2'] ?? 0);
    const hitsB = srv.hits['/b'] ?? 0;
    srv.status['/a'] = 500;
    await until(() => (srv.hits['/b'] ?? 0) >= hitsB + 10, 'b keeps probing');
    // One request may have been in flight when stop() ran.
    assert.ok((srv.hits['/a'] ?? 0) + (srv.hits['/a2'] ?? 0) <= hitsA + 2);
    assert.deepEqual(a.ev.ready, [[true, undefined]]);
    assert.equal(a.ev.liveness.length, 0);
  });
});
