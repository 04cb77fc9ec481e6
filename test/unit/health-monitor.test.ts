// ProbeMonitor: readiness aggregation and liveness reporting per replica, with probes
// against an HTTP server on the host (route 'direct' to 127.0.0.1, no Docker).
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import type { ObservedPod } from '../../extension/engine/docker/observe';
import type { ContainerSpec, DeploymentSpec, Probe } from '../../extension/engine/model/types';
import { ProbeMonitor } from '../../extension/engine/health/monitor';

const fast = {
  initialDelaySeconds: 0,
  periodSeconds: 0.02,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 1,
};

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

describe('ProbeMonitor', function () {
  this.timeout(20_000);
  let srv: http.Server;
  let port = 0;
  const status: Record<string, number> = {};
  const hits: Record<string, number> = {};
  let monitor: ProbeMonitor;
  let calls: { readiness: [string, boolean][]; liveness: [string, string][]; events: string[] };

  before(async () => {
    srv = http.createServer((req, res) => {
      hits[req.url!] = (hits[req.url!] ?? 0) + 1;
      res.statusCode = status[req.url!] ?? 200;
      res.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    port = (srv.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => srv.close(() => r())));
  beforeEach(() => {
    for (const k of Object.keys(status)) delete status[k];
    calls = { readiness: [], liveness: [], events: [] };
    monitor = new ProbeMonitor(
      {} as Docker,
      {
        stack: { name: 'unit' },
        onReadiness: (r, ready) => calls.readiness.push([r, ready]),
        onLivenessFailure: (r, msg) => void calls.liveness.push([r, msg]),
        emitEvent: (_t, reason, _o, msg) => calls.events.push(`${reason}: ${msg}`),
      },
      { route: 'direct' },
    );
  });
  afterEach(() => monitor.stop());

  const probe = (path: string, over: Partial<Probe> = {}): Probe => ({
    httpGet: { path, port, scheme: 'HTTP', httpHeaders: [] },
    ...fast,
    ...over,
  });
  const container = (name: string, over: Partial<ContainerSpec>): ContainerSpec => ({
    name,
    image: 'x',
    env: [],
    envFrom: [],
    ports: [],
    requests: {},
    limits: {},
    ...over,
  });
  const deployment = (containers: ContainerSpec[]): DeploymentSpec => ({
    name: 'web',
    source: { file: 'x', line: 1, column: 1 },
    selector: { matchLabels: {}, matchExpressions: [] },
    template: {
      labels: {},
      annotations: {},
      containers,
      nodeSelector: {},
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 1,
    },
    strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: '25%' },
    minReadySeconds: 0,
    progressDeadlineSeconds: 600,
  });
  const pod = (replica: string, names: string[], idSuffix = ''): ObservedPod => ({
    replica,
    deployment: 'web',
    hash: 'h',
    node: 'n',
    createdAt: 0,
    cpuMilli: 0,
    memoryBytes: 0,
    containers: names.map((n, i) => ({
      id: `${replica}-${n}${idSuffix}`,
      name: n,
      podContainer: n,
      state: 'running',
      ip: i === 0 ? '127.0.0.1' : undefined,
      image: 'x',
    })),
  });

  it('reports a replica Ready only when every container is, and not Ready again on a failure', async () => {
    const d = deployment([
      container('app', { readinessProbe: probe('/app') }),
      container('side', { readinessProbe: probe('/side') }),
    ]);
    status['/side'] = 503;
    monitor.watch(pod('web-1', ['app', 'side']), d);
    await until(() => (hits['/app'] ?? 0) >= 3 && (hits['/side'] ?? 0) >= 3, 'probes running');
    assert.deepEqual(calls.readiness, [], 'one container not Ready: nothing to report');
    status['/side'] = 200;
    await until(() => calls.readiness.length === 1, 'ready');
    assert.deepEqual(calls.readiness, [['web-1', true]]);
    status['/app'] = 500;
    await until(() => calls.readiness.length === 2, 'not ready');
    assert.deepEqual(calls.readiness[1], ['web-1', false]);
    assert.ok(calls.events.includes('Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500'));
  });

  it('readiness failures before the first Ready are start-up news (Normal), after it Warnings', async () => {
    const typed: string[] = [];
    const m = new ProbeMonitor(
      {} as Docker,
      {
        stack: { name: 'unit' },
        onReadiness: (r, ready) => calls.readiness.push([r, ready]),
        onLivenessFailure: () => undefined,
        emitEvent: (type, reason) => typed.push(`${type} ${reason}`),
      },
      { route: 'direct', minStartupMs: 0 },
    );
    try {
      status['/slow'] = 503;
      // A generous start-up time (1000 × 20 ms): the server is still starting.
      m.watch(
        pod('web-1', ['app']),
        deployment([container('app', { readinessProbe: probe('/slow', { failureThreshold: 1000 }) })]),
      );
      await until(() => typed.length >= 3, 'failures while starting');
      assert.deepEqual([...new Set(typed)], ['Normal Starting']);
      status['/slow'] = 200;
      await until(() => calls.readiness.length === 1, 'ready');
      status['/slow'] = 503;
      await until(() => typed.includes('Warning Unhealthy'), 'a failure after Ready');
      m.unwatch('web-1');
      // Start-up time spent (0.1 s + 1 × 20 ms) without ever being Ready: failures are Warnings again.
      typed.length = 0;
      m.watch(
        pod('web-2', ['app']),
        deployment([container('app', { readinessProbe: probe('/slow', { initialDelaySeconds: 0.1 }) })]),
      );
      await until(() => typed.includes('Warning Unhealthy'), 'a failure past the start-up time');
      assert.deepEqual(calls.readiness, [['web-1', true]], 'web-2 was never Ready');
    } finally {
      m.stop();
    }
  });

  it('says nothing for a replica whose containers have no readiness probe and no startup probe', async () => {
    monitor.watch(pod('web-1', ['app']), deployment([container('app', { livenessProbe: probe('/live') })]));
    await until(() => (hits['/live'] ?? 0) >= 3, 'liveness running');
    assert.deepEqual(calls.readiness, []);
  });

  it('reports not Ready until a startup probe passes, when there is no readiness probe', async () => {
    status['/start'] = 500;
    monitor.watch(
      pod('web-1', ['app']),
      deployment([container('app', { startupProbe: probe('/start', { failureThreshold: 1000 }) })]),
    );
    await until(() => calls.readiness.length === 1, 'initial not ready');
    assert.deepEqual(calls.readiness, [['web-1', false]]);
    status['/start'] = 200;
    await until(() => calls.readiness.length === 2, 'ready');
    assert.deepEqual(calls.readiness[1], ['web-1', true]);
  });

  it('reports one liveness failure per watch even when two containers fail', async () => {
    status['/a'] = 500;
    status['/b'] = 500;
    const d = deployment([
      container('a', { livenessProbe: probe('/a') }),
      container('b', { livenessProbe: probe('/b') }),
    ]);
    monitor.watch(pod('web-1', ['a', 'b']), d);
    await until(
      () => calls.liveness.length > 0 && (hits['/a'] ?? 0) >= 1 && (hits['/b'] ?? 0) >= 1,
      'liveness failure',
    );
    await until(() => calls.events.filter((e) => e.startsWith('Unhealthy: Liveness')).length >= 2, 'both failed');
    assert.equal(calls.liveness.length, 1);
    assert.equal(calls.liveness[0][1], 'Liveness probe failed: HTTP probe failed with statuscode: 500');
    // The restarted container (same ids after unwatch + watch) is reported again.
    monitor.unwatch('web-1');
    monitor.watch(pod('web-1', ['a', 'b']), d);
    await until(() => calls.liveness.length === 2, 'second report');
  });

  it('watch is idempotent for the same containers; new container ids restart the probers', async () => {
    const d = deployment([container('app', { readinessProbe: probe('/r') })]);
    monitor.watch(pod('web-1', ['app']), d);
    monitor.watch(pod('web-1', ['app']), d);
    await until(() => calls.readiness.length === 1, 'ready');
    assert.deepEqual(monitor.watched(), ['web-1']);
    monitor.watch(pod('web-1', ['app'], '-new'), d);
    await until(() => calls.readiness.length === 2, 'the new container reported');
    assert.deepEqual(
      calls.readiness,
      [
        ['web-1', true],
        ['web-1', true],
      ],
      'a new generation starts from not Ready, as the controller resets it on exit',
    );
  });

  it('a removed container ends the watch probing it, and only that one', async () => {
    const d = deployment([container('app', { readinessProbe: probe('/r') })]);
    monitor.watch(pod('web-1', ['app', 'side']), d);
    monitor.watch(pod('web-2', ['app']), d);
    monitor.containerGone('web-9-app');
    assert.deepEqual(monitor.watched().sort(), ['web-1', 'web-2']);
    monitor.containerGone('web-1-side');
    assert.deepEqual(monitor.watched(), ['web-2']);
  });

  it('unwatch and stop silence everything', async () => {
    const d = deployment([container('app', { readinessProbe: probe('/q'), livenessProbe: probe('/q2') })]);
    monitor.watch(pod('web-1', ['app']), d);
    monitor.watch(pod('web-2', ['app']), d);
    await until(() => calls.readiness.length === 2, 'both ready');
    monitor.unwatch('web-1');
    assert.deepEqual(monitor.watched(), ['web-2']);
    monitor.stop();
    assert.deepEqual(monitor.watched(), []);
    status['/q'] = 500;
    status['/q2'] = 500;
    const before = (hits['/q'] ?? 0) + (hits['/q2'] ?? 0);
    // Another monitor keeps probing; the stopped one must not report or probe.
    const other = new ProbeMonitor(
      {} as Docker,
      { stack: { name: 'unit' }, onReadiness: () => undefined, onLivenessFailure: () => undefined },
      { route: 'direct' },
    );
    other.watch(pod('web-3', ['app']), deployment([container('app', { readinessProbe: probe('/other') })]));
    await until(() => (hits['/other'] ?? 0) >= 10, 'other monitor probing');
    other.stop();
    assert.ok((hits['/q'] ?? 0) + (hits['/q2'] ?? 0) <= before + 4, 'at most the in-flight attempts');
    assert.equal(calls.liveness.length, 0);
    assert.equal(calls.readiness.length, 2);
  });
});
