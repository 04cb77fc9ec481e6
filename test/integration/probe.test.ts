// Probes against the real Docker engine: busybox httpd with a flippable CGI endpoint.
import { strict as assert } from 'node:assert';
import type { ContainerSpec, Probe } from '../../extension/engine/model/types';
import { Prober } from '../../extension/engine/health/prober';
import type { ProbeRoute } from '../../extension/engine/health/checks';
import { detectProbeRoute } from '../../extension/engine/health/reachability';
import { HealthTestEnv, HTTPD_CMD, until } from './probe-support';

// Generous timeouts: the machine is shared, and a slow docker exec must not read as a failure.
const fast = {
  initialDelaySeconds: 0,
  periodSeconds: 0.2,
  timeoutSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
};
const httpProbe = (path: string, port: number | string, over: Partial<Probe> = {}): Probe => ({
  httpGet: { path, port, scheme: 'HTTP', httpHeaders: [] },
  ...fast,
  ...over,
});
const PORTS: ContainerSpec['ports'] = [{ name: 'http', containerPort: 8080, protocol: 'TCP' }];

interface Watched {
  prober: Prober;
  ready: boolean[];
  liveness: string[];
  failures: string[];
}

describe('Prober against the real engine', function () {
  this.timeout(120_000);
  const env = new HealthTestEnv();
  const probers: Prober[] = [];
  before(async () => env.setup());
  afterEach(() => {
    for (const p of probers.splice(0)) p.stop();
  });
  after(async () => env.teardown());

  function watch(
    c: { id: string; ip: string },
    container: Partial<ContainerSpec>,
    route: ProbeRoute = 'direct',
  ): Watched {
    const w: Watched = { ready: [], liveness: [], failures: [] } as unknown as Watched;
    w.prober = new Prober({
      docker: env.docker,
      replica: 'web-1',
      containerId: c.id,
      address: c.ip,
      container: { ports: PORTS, ...container },
      route,
      onReadyChange: (_r, ready) => w.ready.push(ready),
      onLivenessFailed: (_r, reason) => w.liveness.push(reason),
      onProbeFailed: (_r, msg) => w.failures.push(msg),
    });
    probers.push(w.prober);
    w.prober.start();
    return w;
  }

  it('detects that container IPs are routable from this host', async () => {
    const c = await env.run('route', HTTPD_CMD);
    assert.equal(await detectProbeRoute(c.ip), 'direct');
  });

  it('lets FLOTILLA_PROBE_ROUTE force the route', async () => {
    const saved = process.env.FLOTILLA_PROBE_ROUTE;
    try {
      process.env.FLOTILLA_PROBE_ROUTE = 'exec';
      assert.equal(await detectProbeRoute('127.0.0.1'), 'exec');
    } finally {
      if (saved === undefined) delete process.env.FLOTILLA_PROBE_ROUTE;
      else process.env.FLOTILLA_PROBE_ROUTE = saved;
    }
  });

  for (const route of ['direct', 'exec'] as const) {
    describe(`route ${route}`, () => {
      it('HTTP liveness: 200, then 500 → failure after failureThreshold', async () => {
        const c = await env.run(`live-${route}`, HTTPD_CMD);
        const w = watch(c, { livenessProbe: httpProbe('/cgi-bin/health', 8080) }, route);
        // No readiness probe: Ready as soon as it runs.
        assert.equal(w.prober.ready, true);
        const before = w.failures.length;
        await env.exec(c.id, ['touch', '/tmp/fail']);
        await until(() => w.liveness.length > 0, 'liveness failure');
        assert.equal(w.liveness.length, 1, 'reported once');
        assert.match(
          w.liveness[0],
          /^Liveness probe failed: (HTTP probe failed with statuscode: 500|.*(deadline|timeout).*)$/,
        );
        // At least failureThreshold failures came before the report (exact counting is the
        // ProbeTracker's unit test; on a loaded machine one of them may be a timeout).
        const after = w.failures.slice(before);
        assert.ok(after.length >= 3, `failureThreshold failures before the report: ${after.join(' | ')}`);
        assert.ok(
          after.some((f) => f.endsWith('statuscode: 500')),
          after.join(' | '),
        );
      });

      it('HTTP readiness toggles with a named port', async () => {
        const c = await env.run(`ready-${route}`, HTTPD_CMD);
        const w = watch(c, { readinessProbe: httpProbe('/cgi-bin/ready', 'http', { failureThreshold: 1 }) }, route);
        assert.equal(w.prober.ready, false, 'readiness starts false');
        await until(() => w.prober.ready, 'ready');
        await env.exec(c.id, ['touch', '/tmp/unready']);
        await until(() => !w.prober.ready, 'not ready');
        await env.exec(c.id, ['rm', '/tmp/unready']);
        await until(() => w.prober.ready, 'ready again');
        assert.deepEqual(w.ready, [true, false, true]);
        assert.equal(w.liveness.length, 0);
        assert.ok(
          w.failures.includes('Readiness probe failed: HTTP probe failed with statuscode: 500'),
          w.failures.join('\n'),
        );
      });

      it('tcpSocket: an open port passes, a closed one is refused', async () => {
        const c = await env.run(`tcp-${route}`, HTTPD_CMD);
        const w = watch(
          c,
          {
            readinessProbe: { tcpSocket: { port: 'http' }, ...fast },
            livenessProbe: { tcpSocket: { port: 9999 }, ...fast, failureThreshold: 2 },
          },
          route,
        );
        await until(() => w.prober.ready && w.liveness.length > 0, 'ready and liveness failure');
        assert.deepEqual(w.liveness, [`Liveness probe failed: dial tcp ${c.ip}:9999: connect: connection refused`]);
      });
    });
  }

  it('HTTP probe of a stopped server: connection refused, in Go’s words', async () => {
    const c = await env.run('refused', ['sleep', '3600']);
    const w = watch(c, { livenessProbe: httpProbe('/x', 8080, { failureThreshold: 1 }) });
    await until(() => w.liveness.length > 0, 'liveness failure');
    assert.equal(
      w.liveness[0],
      `Liveness probe failed: Get "http://${c.ip}:8080/x": dial tcp ${c.ip}:8080: connect: connection refused`,
    );
  });

  it('exec probe: exit code 0 passes, the output explains a failure', async () => {
    const c = await env.run('exec', HTTPD_CMD);
    const w = watch(c, {
      readinessProbe: { exec: { command: ['cat', '/tmp/ready-flag'] }, ...fast },
      livenessProbe: { exec: { command: ['sh', '-c', 'test ! -f /tmp/dead'] }, ...fast, failureThreshold: 2 },
    });
    await until(() => w.failures.length >= 2, 'readiness failures');
    assert.equal(w.prober.ready, false);
    assert.match(
      w.failures[0],
      /^Readiness probe failed: cat: can't open '\/tmp\/ready-flag': No such file or directory/,
    );
    await env.exec(c.id, ['touch', '/tmp/ready-flag']);
    await until(() => w.prober.ready, 'ready');
    await env.exec(c.id, ['touch', '/tmp/dead']);
    await until(() => w.liveness.length > 0, 'liveness failure');
    assert.equal(w.liveness[0], 'Liveness probe failed: command "sh -c test ! -f /tmp/dead" exited with code 1');
  });

  it('exec probe timeout', async () => {
    const c = await env.run('exec-timeout', ['sleep', '3600']);
    const w = watch(c, {
      livenessProbe: { exec: { command: ['sleep', '30'] }, ...fast, timeoutSeconds: 1, failureThreshold: 1 },
    });
    await until(() => w.liveness.length > 0, 'liveness failure');
    assert.equal(w.liveness[0], 'Liveness probe failed: command "sleep 30" timed out');
  });

  it('startup probe gates liveness and readiness', async () => {
    const c = await env.run('startup', HTTPD_CMD);
    await env.exec(c.id, ['touch', '/tmp/fail']); // liveness would fail at once if it ran
    const w = watch(c, {
      startupProbe: { exec: { command: ['test', '-f', '/tmp/started'] }, ...fast, failureThreshold: 1000 },
      livenessProbe: httpProbe('/cgi-bin/health', 8080, { failureThreshold: 1 }),
      readinessProbe: httpProbe('/cgi-bin/ready', 'http'),
    });
    await until(() => w.failures.length >= 5, 'startup attempts');
    assert.ok(
      w.failures.every((f) => f.startsWith('Startup probe failed')),
      w.failures.join('\n'),
    );
    assert.equal(w.prober.started, false);
    assert.equal(w.prober.ready, false);
    assert.equal(w.liveness.length, 0);
    await env.exec(c.id, ['rm', '/tmp/fail']);
    await env.exec(c.id, ['touch', '/tmp/started']);
    await until(() => w.prober.ready, 'ready after startup');
    assert.equal(w.prober.started, true);
    assert.equal(w.liveness.length, 0);
  });

  it('a failing startup probe reports a liveness failure', async () => {
    const c = await env.run('startup-fail', HTTPD_CMD);
    const w = watch(c, { startupProbe: httpProbe('/missing', 8080, { failureThreshold: 2 }) });
    await until(() => w.liveness.length > 0, 'startup failure');
    assert.deepEqual(w.liveness, ['Startup probe failed: HTTP probe failed with statuscode: 404']);
    assert.equal(w.prober.ready, false);
  });
});
