import { strict as assert } from 'node:assert';
import type { Probe } from '../../extension/engine/model/types';
import {
  ProbeTracker,
  withProbeDefaults,
  probeMessage,
  initialResult,
  PROBE_DEFAULTS,
} from '../../extension/engine/health/probe-state';
import { resolvePort, probeUrl } from '../../extension/engine/health/checks';

function probe(over: Partial<Probe> = {}): Probe {
  return {
    tcpSocket: { port: 80 },
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
    ...over,
  };
}

describe('probe defaults', () => {
  it('are Kubernetes’ own', () => {
    assert.deepEqual(PROBE_DEFAULTS, {
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });
  it('fill zeroes and invalid values', () => {
    const p = withProbeDefaults(
      'readiness',
      probe({
        periodSeconds: 0,
        timeoutSeconds: -1,
        successThreshold: 0,
        failureThreshold: Number.NaN,
        initialDelaySeconds: -5,
      }),
    );
    assert.deepEqual(
      [p.initialDelaySeconds, p.periodSeconds, p.timeoutSeconds, p.successThreshold, p.failureThreshold],
      [0, 10, 1, 1, 3],
    );
  });
  it('keep explicit values', () => {
    const p = withProbeDefaults(
      'readiness',
      probe({ initialDelaySeconds: 5, periodSeconds: 2, timeoutSeconds: 3, successThreshold: 2, failureThreshold: 1 }),
    );
    assert.deepEqual(
      [p.initialDelaySeconds, p.periodSeconds, p.timeoutSeconds, p.successThreshold, p.failureThreshold],
      [5, 2, 3, 2, 1],
    );
  });
  it('force successThreshold 1 for liveness and startup', () => {
    assert.equal(withProbeDefaults('liveness', probe({ successThreshold: 3 })).successThreshold, 1);
    assert.equal(withProbeDefaults('startup', probe({ successThreshold: 3 })).successThreshold, 1);
  });
  it('start readiness as failure, liveness as success, startup as unknown', () => {
    assert.deepEqual(
      [initialResult('readiness'), initialResult('liveness'), initialResult('startup')],
      ['failure', 'success', 'unknown'],
    );
  });
});

describe('ProbeTracker', () => {
  const feed = (t: ProbeTracker, outcomes: boolean[]): (string | undefined)[] => outcomes.map((o) => t.record(o));

  it('readiness turns ready after successThreshold consecutive successes', () => {
    const t = new ProbeTracker('readiness', { successThreshold: 2, failureThreshold: 3 });
    assert.deepEqual(feed(t, [true, false, true, true, true]), [undefined, undefined, undefined, 'success', undefined]);
    assert.equal(t.result, 'success');
  });
  it('readiness turns unready after failureThreshold consecutive failures, and back', () => {
    const t = new ProbeTracker('readiness', { successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(feed(t, [true, false, false, true, false, false, false, true]), [
      'success',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'failure',
      'success',
    ]);
  });
  it('readiness already failing reports nothing more', () => {
    const t = new ProbeTracker('readiness', { successThreshold: 1, failureThreshold: 1 });
    assert.deepEqual(feed(t, [false, false]), [undefined, undefined]);
  });
  it('liveness fails once after failureThreshold, then holds until reset', () => {
    const t = new ProbeTracker('liveness', { successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(feed(t, [true, false, false, false, false, true]), [
      undefined,
      undefined,
      undefined,
      'failure',
      undefined,
      undefined,
    ]);
    assert.equal(t.onHold, true);
    t.reset();
    assert.equal(t.onHold, false);
    assert.equal(t.result, 'success');
    assert.deepEqual(feed(t, [false, false, false]), [undefined, undefined, 'failure']);
  });
  it('liveness with failureThreshold 1 fails at the first failure', () => {
    const t = new ProbeTracker('liveness', { successThreshold: 1, failureThreshold: 1 });
    assert.equal(t.record(false), 'failure');
  });
  it('startup passes at the first success, or fails after failureThreshold', () => {
    const ok = new ProbeTracker('startup', { successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(feed(ok, [false, false, true]), [undefined, undefined, 'success']);
    const bad = new ProbeTracker('startup', { successThreshold: 1, failureThreshold: 2 });
    assert.deepEqual(feed(bad, [false, false, true]), [undefined, 'failure', undefined]);
  });
});

describe('probe messages', () => {
  it('use the kubelet’s wording', () => {
    assert.equal(
      probeMessage('liveness', { ok: false, output: 'HTTP probe failed with statuscode: 500' }),
      'Liveness probe failed: HTTP probe failed with statuscode: 500',
    );
    assert.equal(probeMessage('readiness', { ok: false, output: 'x' }), 'Readiness probe failed: x');
    assert.equal(
      probeMessage('startup', { ok: false, output: 'port http not found', errored: true }),
      'Startup probe errored: port http not found',
    );
  });
});

describe('probe ports and URLs', () => {
  const ports = [
    { name: 'http', containerPort: 8080, protocol: 'TCP' as const },
    { name: 'dns', containerPort: 53, protocol: 'UDP' as const },
  ];
  it('resolves numbers and named TCP ports', () => {
    assert.equal(resolvePort(81, ports), 81);
    assert.equal(resolvePort('82', ports), 82);
    assert.equal(resolvePort('http', ports), 8080);
  });
  it('refuses unknown and UDP names', () => {
    assert.equal((resolvePort('admin', ports) as Error).message, 'port admin not found');
    assert.ok(resolvePort('dns', ports) instanceof Error);
  });
  it('builds the URL from scheme, address, port and path', () => {
    assert.equal(
      probeUrl({ path: '/healthz', port: 80, scheme: 'HTTP', httpHeaders: [] }, '172.18.0.2', 80),
      'http://172.18.0.2:80/healthz',
    );
    assert.equal(
      probeUrl({ path: 'ready', port: 1, scheme: 'HTTPS', httpHeaders: [] }, 'fd00::2', 8443),
      'https://[fd00::2]:8443/ready',
    );
    assert.equal(
      probeUrl({ path: '', port: 1, scheme: 'HTTP', httpHeaders: [] }, '10.0.0.1', 80),
      'http://10.0.0.1:80/',
    );
  });
});
