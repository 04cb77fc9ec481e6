// Ready sooner within Kubernetes' rules: when a fresh container's probe port opens, the
// prober checks once more at once. A success counts (Ready without waiting for the next
// period); a failure of that extra check does not (failures count once per period), and
// nothing runs before initialDelaySeconds. Against an HTTP server on the host; the port
// opening is signalled by the test. The /proc parsing of listening sockets is checked too.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Docker from 'dockerode';
import type { Probe } from '../../extension/engine/model/types';
import { Prober } from '../../extension/engine/health/prober';
import { listening } from '../../extension/engine/health/port-watch';

interface Server {
  port: number;
  status: number;
  hits: number;
  close(): Promise<void>;
}

const PATH = `/probe-port-open-${process.pid}`;

async function server(): Promise<Server> {
  const s = { status: 503, hits: 0 };
  const srv = http.createServer((req, res) => {
    // Only this test's prober asks for PATH: a stray check from elsewhere in the run that lands
    // on a reused port is not counted.
    if (req.url === PATH) s.hits++;
    res.statusCode = s.status;
    res.end('x');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  return Object.assign(s, {
    port,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  });
}

function probe(port: number, over: Partial<Probe> = {}): Probe {
  return {
    httpGet: { path: PATH, port, scheme: 'HTTP', httpHeaders: [] },
    initialDelaySeconds: 0,
    periodSeconds: 60,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 2,
    ...over,
  };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Prober: one more check when the probe port opens', () => {
  let srv: Server;
  let p: Prober | undefined;
  let open: (() => void) | undefined;
  let watchedPort: number | undefined;
  beforeEach(async () => {
    srv = await server();
    open = undefined;
    watchedPort = undefined;
  });
  afterEach(async () => {
    p?.stop();
    await srv.close();
  });

  function make(container: { readinessProbe?: Probe; startupProbe?: Probe }, events: string[]): Prober {
    p = new Prober({
      docker: {} as Docker,
      replica: 'web-1',
      containerId: 'none',
      address: '127.0.0.1',
      container: { ports: [], ...container },
      route: 'direct',
      onReadyChange: (_r, ready) => events.push(ready ? 'ready' : 'unready'),
      onLivenessFailed: () => events.push('liveness failed'),
      portOpen: (port, onOpen) => {
        watchedPort = port;
        open = onOpen;
        return () => (open = undefined);
      },
    });
    return p;
  }

  it('turns Ready at the port opening, not a period later', async () => {
    const events: string[] = [];
    make({ readinessProbe: probe(srv.port) }, events).start();
    await until(() => srv.hits === 1, 'the first periodic check');
    assert.equal(watchedPort, srv.port);
    assert.deepEqual(events, [], 'the first check failed (503): not Ready');
    srv.status = 200;
    open!();
    await until(() => events.length > 0, 'Ready');
    assert.deepEqual(events, ['ready']);
    assert.equal(srv.hits, 2, 'one extra check, with the next periodic one 60 s away');
  });

  it('does not count a failing extra check: failures still count once per period', async () => {
    const events: string[] = [];
    // A startup probe with failureThreshold 2: one periodic failure, then a failing extra check.
    make({ startupProbe: probe(srv.port) }, events).start();
    await until(() => srv.hits === 1, 'the first periodic check');
    open!();
    await until(() => srv.hits === 2, 'the extra check');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(events, [], 'two failures, but only one counted: no liveness failure');
  });

  it('checks nothing before initialDelaySeconds', async () => {
    const events: string[] = [];
    srv.status = 200;
    make({ readinessProbe: probe(srv.port, { initialDelaySeconds: 30 }) }, events).start();
    open!();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(srv.hits, 0);
    assert.deepEqual(events, []);
  });

  it('reads LISTEN sockets from /proc/net/tcp and tcp6 tables', () => {
    const head = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
    const tcp6 =
      head +
      '   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4010491 1\n';
    assert.equal(listening(tcp6, 8080), true);
    assert.equal(listening(tcp6, 80), false);
    const established =
      head + '   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4010492 1\n';
    assert.equal(listening(established, 8080), false, 'a connection on the port is not a listener');
    assert.equal(listening(head, 8080), false);
  });
});
