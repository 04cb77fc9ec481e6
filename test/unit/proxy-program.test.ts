// The proxy program without Docker: its command line, the state protocol, both
// endpoint sources, the state the controller builds, and the server on loopback
// (listening exactly while a Service has an endpoint: refused otherwise).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { EndpointTarget } from '../../extension/engine/controller/status';
import { DEFAULT_SETTINGS } from '../../extension/engine/model/stack-file';
import type { DeploymentSpec, ServiceSpec, StackSpec } from '../../extension/engine/model/types';
import { parseHostAddresses, AddressManager } from '../../extension/engine/proxy/addresses';
import { parseOptions } from '../../extension/engine/proxy/main';
import { parseStateMessage, stateMessage, type ProxyState } from '../../extension/engine/proxy/protocol';
import { ProxyServer } from '../../extension/engine/proxy/proxy-server';
import { buildProxyState } from '../../extension/engine/proxy/proxy-state';
import { DnsPollSource, StdinSource } from '../../extension/engine/proxy/sources';

const src = { file: '/s/k8s/x.yaml', line: 1, column: 1 };

describe('proxy program', () => {
  describe('command line', () => {
    it('defaults to stdin with the cluster domain and Docker DNS as upstream', () => {
      const o = parseOptions(['--interface', 'eth0', '--dns', '10.0.128.10', '--state-file', '/tmp/s.json']);
      assert.equal(o.source, 'stdin');
      assert.equal(o.iface, 'eth0');
      assert.deepEqual(o.dns, { host: '10.0.128.10', port: 53 });
      assert.deepEqual(o.dnsUpstream, { host: '127.0.0.11', port: 53 });
      assert.equal(o.domain, 'cluster.local');
      assert.equal(o.algorithm, 'RoundRobin');
    });

    it('reads single-Service mode: ports with targets and names, lookup defaulting to tasks.NAME', () => {
      const o = parseOptions([
        '--source',
        'dns',
        '--service',
        'web',
        '--listen',
        '0.0.0.0',
        '--port',
        '80:8080/http',
        '--port',
        '9090',
      ]);
      assert.equal(o.lookup, 'tasks.web');
      assert.deepEqual(o.ports, [
        { name: 'http', port: 80, targetPort: 8080 },
        { name: undefined, port: 9090, targetPort: 9090 },
      ]);
    });

    it('refuses bad input with a message saying what is expected', () => {
      assert.throws(() => parseOptions(['--source', 'dns', '--listen', '0.0.0.0', '--port', '80']), /needs --service/);
      assert.throws(
        () => parseOptions(['--source', 'dns', '--service', 'w', '--listen', '0.0.0.0']),
        /at least one --port/,
      );
      assert.throws(() => parseOptions(['--source', 'dns', '--service', 'w', '--port', '80']), /needs --listen/);
      assert.throws(() => parseOptions(['--port', '80:99999']), /PORT\[:TARGET\]/);
      assert.throws(() => parseOptions(['--algorithm', 'Random']), /RoundRobin or LeastConnections/);
      assert.throws(() => parseOptions(['--source', 'file']), /stdin or dns/);
      assert.throws(() => parseOptions(['--bogus']), /bogus/);
    });
  });

  describe('state protocol and sources', () => {
    const state: ProxyState = {
      services: [
        {
          name: 'web',
          namespace: 'default',
          clusterIP: '10.0.128.20',
          ports: [
            { name: 'http', port: 80, protocol: 'TCP', endpoints: [{ replica: 'web-1', ip: '10.0.0.2', port: 8080 }] },
          ],
          pods: [],
        },
      ],
    };

    it('round-trips a state line and names what is wrong in a bad one', () => {
      assert.deepEqual(parseStateMessage(stateMessage(state)), state);
      assert.throws(() => parseStateMessage('{"v":2,"type":"state","state":{"services":[]}}'), /protocol version 2/);
      assert.throws(
        () =>
          parseStateMessage(
            '{"v":1,"type":"state","state":{"services":[{"name":"x","ports":[{"port":0,"endpoints":[]}]}]}}',
          ),
        /services\[0\]\.ports\[0\]\.port must be a port/,
      );
      assert.throws(
        () =>
          parseStateMessage(
            '{"v":1,"type":"state","state":{"services":[{"name":"x","clusterIP":"10.0.0.999","ports":[]}]}}',
          ),
        /clusterIP must be an IPv4 address/,
      );
    });

    it('stdin: applies each whole line, skips half a line a killed writer left, keeps the state at EOF', () => {
      const input = new PassThrough();
      const got: ProxyState[] = [];
      const logs: string[] = [];
      new StdinSource(input, (l) => logs.push(l)).start((s) => got.push(s));
      input.write('{"v":1,"type":"sta'); // a controller killed mid-line
      input.write(`\n${stateMessage(state)}\n`); // the next attach starts with a newline
      input.write(stateMessage({ services: [] }).slice(0, 10));
      input.write(stateMessage({ services: [] }).slice(10) + '\n');
      input.end();
      assert.deepEqual(got, [state, { services: [] }]);
      assert.equal(logs.filter((l) => l.startsWith('skipped a line')).length, 1);
    });

    it('DNS polling: A records become endpoints on each port; "no such name" means none; other errors keep the last', async () => {
      const answers: (string[] | NodeJS.ErrnoException)[] = [
        ['10.0.0.3', '10.0.0.2'],
        ['10.0.0.2', '10.0.0.3'],
        Object.assign(new Error('timeout'), { code: 'ETIMEOUT' }),
        Object.assign(new Error('queryA ENOTFOUND tasks.web'), { code: 'ENOTFOUND' }),
      ];
      const got: ProxyState[] = [];
      const src = new DnsPollSource({
        service: 'web',
        namespace: 'default',
        lookup: 'tasks.web',
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        intervalMs: 1,
        resolve4: async () => {
          const a = answers.shift();
          if (a === undefined) return new Promise<string[]>(() => undefined); // stop here
          if (a instanceof Error) throw a;
          return a;
        },
        log: () => undefined,
      });
      src.start((s) => got.push(s));
      const until = Date.now() + 2000;
      while (got.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      src.stop();
      assert.equal(got.length, 2, 'unchanged and failed lookups do not repeat the state');
      assert.deepEqual(
        got[0].services[0].ports[0].endpoints.map((e) => `${e.ip}:${e.port}`),
        ['10.0.0.2:8080', '10.0.0.3:8080'],
      );
      assert.deepEqual(got[1].services[0].ports[0].endpoints, []);
      assert.equal(got[0].services[0].clusterIP, undefined);
    });
  });

  it('builds the state from the controller: target ports per replica, ClusterIPs, headless pods named by subdomain', () => {
    const dep = (name: string, extra: Partial<DeploymentSpec['template']> = {}): DeploymentSpec => ({
      name,
      source: src,
      selector: { matchLabels: { app: name }, matchExpressions: [] },
      template: {
        labels: { app: name },
        annotations: {},
        containers: [],
        nodeSelector: {},
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 30,
        ...extra,
      },
      strategy: { type: 'RollingUpdate', maxSurge: 1, maxUnavailable: 0 },
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
    });
    const svc = (name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec => ({
      name,
      source: src,
      type: 'ClusterIP',
      selector: { app: name },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      publishNotReadyAddresses: false,
      ...extra,
    });
    const stack: StackSpec = {
      name: 's',
      dir: '/s',
      file: '/s/flotilla.yaml',
      manifestFiles: [],
      builds: [],
      nodes: [],
      jobs: [],
      cronJobs: [],
      deployments: [dep('web'), dep('db', { subdomain: 'db' }), dep('cache', { hostname: 'c', subdomain: 'other' })],
      services: [svc('web'), svc('db', { clusterIP: 'None' }), svc('cache', { clusterIP: 'None' }), svc('lost')],
      hpas: [],
      configMaps: [],
      secrets: [],
      claims: [],
      ignored: [],
      warnings: [],
      settings: DEFAULT_SETTINGS,
    };
    const target = (replica: string, deployment: string, host: string, port: number): EndpointTarget => ({
      replica,
      deployment,
      host,
      ports: [{ port: 80, name: 'http', targetPort: port }],
      ready: true,
    });
    const endpoints = new Map([
      ['web', [target('web-a', 'web', '10.0.0.2', 8080), target('web-b', 'web', '10.0.0.3', 8081)]],
      ['db', [target('db-0', 'db', '10.0.0.4', 5432)]],
      ['cache', [target('cache-x', 'cache', '10.0.0.5', 6379)]],
    ]);
    const st = buildProxyState(stack, endpoints, new Map([['default/web', '10.0.128.20']]));
    assert.deepEqual(
      st.services.map((s) => s.name),
      ['web', 'db', 'cache'],
      'a Service without a ClusterIP yet is left out',
    );
    assert.deepEqual(st.services[0].ports[0].endpoints, [
      { replica: 'web-a', ip: '10.0.0.2', port: 8080 },
      { replica: 'web-b', ip: '10.0.0.3', port: 8081 },
    ]);
    assert.equal(st.services[0].clusterIP, '10.0.128.20');
    assert.deepEqual(st.services[1].pods, [{ ip: '10.0.0.4', hostname: 'db-0' }]);
    assert.deepEqual(st.services[2].pods, [{ ip: '10.0.0.5' }], 'subdomain names another Service');
  });

  it('manages only /32 addresses on the interface', async () => {
    assert.deepEqual(
      parseHostAddresses(
        '2: eth0    inet 10.0.0.2/16 brd 10.0.255.255 scope global eth0\n2: eth0    inet 10.0.128.20/32 scope global eth0\n',
      ),
      ['10.0.128.20'],
    );
    const calls: string[] = [];
    const m = new AddressManager('eth0', async (args) => {
      calls.push(args.join(' '));
      if (args[0] === '-4') return 'inet 10.0.0.2/16\ninet 10.0.128.20/32\ninet 10.0.128.21/32\n';
      if (args.includes('10.0.128.23/32')) throw new Error('ip addr add: RTNETLINK answers: Operation not permitted');
      return '';
    });
    await m.retain(new Set(['10.0.128.20']));
    const failed = await m.add(['10.0.128.20', '10.0.128.22', '10.0.128.23']);
    assert.deepEqual(calls, [
      '-4 -o addr show dev eth0',
      'addr del 10.0.128.21/32 dev eth0',
      'addr add 10.0.128.22/32 dev eth0',
      'addr add 10.0.128.23/32 dev eth0',
    ]);
    assert.match(failed.get('10.0.128.23') ?? '', /not permitted/);
  });

  describe('server on loopback', () => {
    let backend: http.Server;
    let backendPort: number;
    let port: number;
    let server: ProxyServer;
    let dir: string;

    before(async () => {
      backend = http.createServer((_q, s) => s.end('backend'));
      await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
      backendPort = (backend.address() as net.AddressInfo).port;
      port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-proxy-'));
      server = new ProxyServer({
        listenAddress: '127.0.0.1',
        stateFile: path.join(dir, 'state.json'),
        log: () => undefined,
      });
    });

    after(async () => {
      await server.close();
      backend.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const withEndpoints = (eps: { ip: string; port: number }[]): ProxyState => ({
      services: [
        {
          name: 'web',
          namespace: 'default',
          clusterIP: '10.0.128.20',
          ports: [{ port, protocol: 'TCP', endpoints: eps.map((e) => ({ replica: 'r', ...e })) }],
          pods: [],
        },
      ],
    });

    const get = () =>
      new Promise<string>((resolve) => {
        http
          .get({ host: '127.0.0.1', port, agent: false }, (r) => {
            let b = '';
            r.on('data', (d: Buffer) => (b += d.toString()));
            r.on('end', () => resolve(b));
          })
          .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });

    it('refuses while the Service has no endpoint, serves once it has one, refuses again when it goes', async () => {
      await server.apply(withEndpoints([]));
      assert.equal(await get(), 'ECONNREFUSED');
      await server.apply(withEndpoints([{ ip: '127.0.0.1', port: backendPort }]));
      assert.equal(await get(), 'backend');
      assert.deepEqual(server.snapshot(), [{ key: `127.0.0.1:${port}`, listening: true, endpoints: 1 }]);
      await server.apply(withEndpoints([]));
      assert.equal(await get(), 'ECONNREFUSED');
    });

    it('retries the next endpoint when one refuses, before the first byte', async () => {
      await server.apply(
        withEndpoints([
          { ip: '127.0.0.1', port: 1 },
          { ip: '127.0.0.1', port: backendPort },
        ]),
      );
      for (let i = 0; i < 4; i++) assert.equal(await get(), 'backend');
    });

    it('keeps the last state in its file, for a restarted container to serve at once', async () => {
      await server.apply(withEndpoints([{ ip: '127.0.0.1', port: backendPort }]));
      const again = new ProxyServer({
        listenAddress: '127.0.0.1',
        stateFile: path.join(dir, 'state.json'),
        log: () => undefined,
      });
      assert.deepEqual(again.loadSaved(), withEndpoints([{ ip: '127.0.0.1', port: backendPort }]));
    });
  });
});
