// Cluster DNS without Docker: the message codec (compression, EDNS, truncation), the
// name → answer rules, and the server over UDP and TCP on loopback, relaying what is
// not its own to an upstream.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import {
  CLASS_IN,
  DnsFormatError,
  RCODE,
  TYPE,
  encodeMessage,
  encodeQuery,
  encodeReply,
  parseMessage,
  readName,
  udpLimit,
  type DnsSoa,
  type DnsSrv,
} from '../../extension/engine/proxy/dns-codec';
import { ClusterDns } from '../../extension/engine/proxy/dns-records';
import { DnsServer } from '../../extension/engine/proxy/dns-server';
import type { ProxyState } from '../../extension/engine/proxy/protocol';

const STATE: ProxyState = {
  services: [
    {
      name: 'web',
      namespace: 'default',
      clusterIP: '10.0.128.20',
      ports: [{ name: 'http', port: 80, protocol: 'TCP', endpoints: [] }],
      pods: [],
    },
    {
      name: 'api',
      namespace: 'shop',
      clusterIP: '10.0.128.21',
      ports: [{ port: 80, protocol: 'TCP', endpoints: [] }],
      pods: [],
    },
    {
      name: 'db',
      namespace: 'default',
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP', endpoints: [] }],
      pods: [{ ip: '10.0.0.5', hostname: 'db-0' }, { ip: '10.0.0.6', hostname: 'db-1' }, { ip: '10.0.0.7' }],
    },
    { name: 'empty', namespace: 'default', ports: [], pods: [] },
  ],
};

function zone(): ClusterDns {
  const z = new ClusterDns();
  z.setState(STATE);
  return z;
}

function ask(z: ClusterDns, name: string, type: number = TYPE.A) {
  const d = z.decide({ name, type, class: CLASS_IN });
  if (d.kind === 'forward') return 'forward';
  return { rcode: d.rcode, data: d.answers.map((a) => a.data), soa: d.authority.length };
}

describe('DNS message codec', () => {
  it('round-trips a query with EDNS, keeping the name as written', () => {
    const q = parseMessage(encodeQuery('Web.Default.svc.cluster.local', { id: 4242, ednsUdpSize: 4096 }));
    assert.equal(q.id, 4242);
    assert.equal(q.rd, true);
    assert.equal(q.qr, false);
    assert.deepEqual(q.questions, [{ name: 'Web.Default.svc.cluster.local', type: TYPE.A, class: CLASS_IN }]);
    assert.equal(q.ednsUdpSize, 4096);
    assert.equal(udpLimit(q), 1232, 'capped at the flag-day size');
    assert.equal(udpLimit(parseMessage(encodeQuery('x'))), 512, 'no EDNS: 512 bytes');
  });

  it('writes A, SRV and SOA records and reads them back, answers pointing at the question', () => {
    const q = parseMessage(encodeQuery('db.default.svc.cluster.local', { id: 7 }));
    const buf = encodeReply(q, {
      rcode: RCODE.NOERROR,
      authoritative: true,
      answers: [
        { name: q.questions[0].name, type: TYPE.A, class: CLASS_IN, ttl: 5, data: '10.0.0.5' },
        {
          name: q.questions[0].name,
          type: TYPE.SRV,
          class: CLASS_IN,
          ttl: 5,
          data: { priority: 0, weight: 50, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
        },
      ],
      authority: [
        {
          name: 'cluster.local',
          type: TYPE.SOA,
          class: CLASS_IN,
          ttl: 5,
          data: {
            mname: 'ns.dns.cluster.local',
            rname: 'h.cluster.local',
            serial: 1,
            refresh: 2,
            retry: 3,
            expire: 4,
            minimum: 5,
          },
        },
      ],
    });
    // The first answer's name is a 2-byte pointer to offset 12 (the question).
    const afterQuestion = 12 + 'db.default.svc.cluster.local'.length + 2 + 4;
    assert.equal(buf.readUInt16BE(afterQuestion), 0xc00c);
    const r = parseMessage(buf);
    assert.equal(r.id, 7);
    assert.ok(r.qr && r.aa && r.ra && !r.tc);
    assert.equal(r.answers[0].data, '10.0.0.5');
    assert.equal(r.answers[0].name, 'db.default.svc.cluster.local');
    assert.deepEqual(r.answers[1].data, {
      priority: 0,
      weight: 50,
      port: 5432,
      target: 'db-0.db.default.svc.cluster.local',
    } satisfies DnsSrv);
    assert.equal((r.authority[0].data as DnsSoa).minimum, 5);
  });

  it('sets TC and drops the records when the answer does not fit the UDP size', () => {
    const q = parseMessage(encodeQuery('many.default.svc.cluster.local'));
    const answers = Array.from({ length: 40 }, (_, i) => ({
      name: q.questions[0].name,
      type: TYPE.A,
      class: CLASS_IN,
      ttl: 5,
      data: `10.0.1.${i}`,
    }));
    const small = parseMessage(encodeReply(q, { rcode: 0, answers, authoritative: true }, udpLimit(q)));
    assert.equal(small.tc, true);
    assert.equal(small.answers.length, 0);
    const full = parseMessage(encodeReply(q, { rcode: 0, answers, authoritative: true }, 65535));
    assert.equal(full.tc, false);
    assert.equal(full.answers.length, 40);
  });

  it('refuses malformed input: truncated messages, forward and looping pointers, long names', () => {
    assert.throws(() => parseMessage(Buffer.alloc(5)), DnsFormatError);
    const q = encodeQuery('web.default');
    assert.throws(() => parseMessage(q.subarray(0, q.length - 3)), DnsFormatError);
    const loop = Buffer.from([0xc0, 0x00]);
    assert.throws(() => readName(loop, 0), DnsFormatError, 'a pointer to itself');
    const fwd = Buffer.concat([Buffer.alloc(12), Buffer.from([0xc0, 20])]);
    assert.throws(() => readName(fwd, 12), DnsFormatError, 'a pointer forwards');
    const long = Buffer.concat([
      ...Array.from({ length: 5 }, () => Buffer.from([63, ...Buffer.alloc(63, 97)])),
      Buffer.from([0]),
    ]);
    assert.throws(() => readName(long, 0), /longer than 255/);
    assert.throws(() => encodeQuery(`${'a'.repeat(64)}.local`), /longer than 63/);
  });

  it('follows a compression pointer to an earlier name', () => {
    const head = encodeMessage({
      id: 1,
      qr: false,
      opcode: 0,
      aa: false,
      tc: false,
      rd: true,
      ra: false,
      rcode: 0,
      questions: [{ name: 'svc.cluster.local', type: TYPE.A, class: CLASS_IN }],
      answers: [],
      authority: [],
      additional: [],
    });
    const withPointer = Buffer.concat([head, Buffer.from([3, 119, 101, 98, 0xc0, 12])]);
    assert.deepEqual(readName(withPointer, head.length), { name: 'web.svc.cluster.local', next: withPointer.length });
  });
});

describe('cluster DNS answers', () => {
  it('answers a Service by NAME.NS.svc.cluster.local (any case) with its ClusterIP', () => {
    assert.deepEqual(ask(zone(), 'web.default.svc.cluster.local'), {
      rcode: RCODE.NOERROR,
      data: ['10.0.128.20'],
      soa: 0,
    });
    assert.deepEqual(ask(zone(), 'API.Shop.SVC.Cluster.Local.'), {
      rcode: RCODE.NOERROR,
      data: ['10.0.128.21'],
      soa: 0,
    });
  });

  it('answers NAME.NS and NAME.NS.svc asked without the search list, forwards a bare NAME and other names', () => {
    assert.deepEqual(ask(zone(), 'web.default'), { rcode: RCODE.NOERROR, data: ['10.0.128.20'], soa: 0 });
    assert.deepEqual(ask(zone(), 'api.shop.svc'), { rcode: RCODE.NOERROR, data: ['10.0.128.21'], soa: 0 });
    assert.equal(ask(zone(), 'web'), 'forward');
    assert.equal(ask(zone(), 'registry.npmjs.org'), 'forward');
    assert.equal(ask(zone(), 'web.other'), 'forward');
  });

  it('is authoritative for the domain: NXDOMAIN for unknown names, an empty answer for AAAA, both with the SOA', () => {
    assert.deepEqual(ask(zone(), 'nope.default.svc.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
    assert.deepEqual(ask(zone(), 'web.shop.svc.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
    // The search list's first tries for `web.default` and external names.
    assert.deepEqual(ask(zone(), 'web.default.default.svc.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
    assert.deepEqual(ask(zone(), 'registry.npmjs.org.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
    assert.deepEqual(ask(zone(), 'web.default.svc.cluster.local', TYPE.AAAA), {
      rcode: RCODE.NOERROR,
      data: [],
      soa: 1,
    });
    assert.deepEqual(ask(zone(), 'default.svc.cluster.local'), { rcode: RCODE.NOERROR, data: [], soa: 1 });
    assert.deepEqual(ask(zone(), 'nons.svc.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
  });

  it('answers a headless Service with its pods, a named pod by HOST.SERVICE, and a dashed address', () => {
    assert.deepEqual(ask(zone(), 'db.default.svc.cluster.local'), {
      rcode: RCODE.NOERROR,
      data: ['10.0.0.5', '10.0.0.6', '10.0.0.7'],
      soa: 0,
    });
    assert.deepEqual(ask(zone(), 'db-1.db.default.svc.cluster.local'), {
      rcode: RCODE.NOERROR,
      data: ['10.0.0.6'],
      soa: 0,
    });
    assert.deepEqual(ask(zone(), '10-0-0-7.db.default.svc.cluster.local'), {
      rcode: RCODE.NOERROR,
      data: ['10.0.0.7'],
      soa: 0,
    });
    assert.deepEqual(ask(zone(), 'db-9.db.default.svc.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
    // A ClusterIP Service gives its pods no names.
    assert.deepEqual(ask(zone(), 'db-0.web.default.svc.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
    // A headless Service without Ready pods exists, with no address.
    assert.deepEqual(ask(zone(), 'empty.default.svc.cluster.local'), { rcode: RCODE.NOERROR, data: [], soa: 1 });
  });

  it('answers SRV for a named port and A for pod names under NS.pod', () => {
    const srv = ask(zone(), '_http._tcp.web.default.svc.cluster.local', TYPE.SRV);
    assert.deepEqual(srv, {
      rcode: RCODE.NOERROR,
      data: [{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }],
      soa: 0,
    });
    const pods = ask(zone(), '_pg._tcp.db.default.svc.cluster.local', TYPE.SRV);
    assert.ok(typeof pods !== 'string');
    assert.deepEqual(
      pods.data.map((d) => (typeof d === 'object' && 'target' in d ? d.target : '')),
      [
        'db-0.db.default.svc.cluster.local',
        'db-1.db.default.svc.cluster.local',
        '10-0-0-7.db.default.svc.cluster.local',
      ],
    );
    assert.deepEqual(ask(zone(), '_nope._tcp.web.default.svc.cluster.local', TYPE.SRV), {
      rcode: RCODE.NXDOMAIN,
      data: [],
      soa: 1,
    });
    assert.deepEqual(ask(zone(), '10-1-2-3.default.pod.cluster.local'), {
      rcode: RCODE.NOERROR,
      data: ['10.1.2.3'],
      soa: 0,
    });
    assert.deepEqual(ask(zone(), '10-1-2-300.default.pod.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
  });

  it('follows a new state: a Service gone is NXDOMAIN', () => {
    const z = zone();
    z.setState({ services: STATE.services.filter((s) => s.name !== 'web') });
    assert.deepEqual(ask(z, 'web.default.svc.cluster.local'), { rcode: RCODE.NXDOMAIN, data: [], soa: 1 });
  });
});

describe('DNS server (loopback)', () => {
  let server: DnsServer;
  let upstream: dgram.Socket;
  let upstreamTcp: net.Server;
  const relayed: string[] = [];

  before(async () => {
    // A fake upstream that answers every name with 192.0.2.1, over UDP and TCP.
    const answer = (msg: Buffer): Buffer => {
      const q = parseMessage(msg);
      relayed.push(q.questions[0].name);
      return encodeReply(q, {
        rcode: 0,
        authoritative: false,
        answers: [{ name: q.questions[0].name, type: TYPE.A, class: CLASS_IN, ttl: 60, data: '192.0.2.1' }],
      });
    };
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (m, r) => upstream.send(answer(m), r.port, r.address));
    await new Promise<void>((res) => upstream.bind(0, '127.0.0.1', res));
    const port = upstream.address().port;
    upstreamTcp = net.createServer((s) =>
      s.on('data', (d: Buffer) => {
        const a = answer(d.subarray(2));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(a.length);
        s.end(Buffer.concat([len, a]));
      }),
    );
    await new Promise<void>((res) => upstreamTcp.listen(port, '127.0.0.1', res));
    server = new DnsServer(zone(), { host: '127.0.0.1', port: 0, upstream: { host: '127.0.0.1', port } });
    await server.listen();
  });

  after(() => {
    server.close();
    upstream.close();
    upstreamTcp.close();
  });

  function udp(name: string, type: number = TYPE.A) {
    return new Promise<ReturnType<typeof parseMessage>>((resolve, reject) => {
      const s = dgram.createSocket('udp4');
      const timer = setTimeout(() => reject(new Error('no answer')), 3000);
      s.on('message', (m) => {
        clearTimeout(timer);
        s.close();
        resolve(parseMessage(m));
      });
      s.send(encodeQuery(name, { type }), server.port, '127.0.0.1');
    });
  }

  function tcp(name: string) {
    return new Promise<ReturnType<typeof parseMessage>>((resolve, reject) => {
      const s = net.connect(server.port, '127.0.0.1');
      const q = encodeQuery(name);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(q.length);
      s.end(Buffer.concat([len, q]));
      let got = Buffer.alloc(0);
      s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
      s.on('close', () => (got.length > 2 ? resolve(parseMessage(got.subarray(2))) : reject(new Error('no answer'))));
      s.on('error', reject);
    });
  }

  it('answers cluster names itself over UDP and TCP', async () => {
    const u = await udp('web.default.svc.cluster.local');
    assert.equal(u.aa, true);
    assert.deepEqual(
      u.answers.map((a) => a.data),
      ['10.0.128.20'],
    );
    const t = await tcp('db.default.svc.cluster.local');
    assert.deepEqual(
      t.answers.map((a) => a.data),
      ['10.0.0.5', '10.0.0.6', '10.0.0.7'],
    );
    assert.equal((await udp('nope.default.svc.cluster.local')).rcode, RCODE.NXDOMAIN);
    assert.deepEqual(relayed, [], 'nothing of its own went upstream');
  });

  it('relays other names to the upstream over UDP and TCP, answers unchanged', async () => {
    const u = await udp('example.org');
    assert.equal(u.aa, false);
    assert.deepEqual(
      u.answers.map((a) => a.data),
      ['192.0.2.1'],
    );
    const t = await tcp('my-container');
    assert.deepEqual(
      t.answers.map((a) => a.data),
      ['192.0.2.1'],
    );
    assert.deepEqual(relayed, ['example.org', 'my-container']);
  });

  it('answers FORMERR to a malformed query that has a header', async () => {
    const got = await new Promise<Buffer>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.on('message', (m) => {
        s.close();
        resolve(m);
      });
      const bad = Buffer.from(encodeQuery('web.default.svc.cluster.local', { id: 99 }).subarray(0, 20));
      s.send(bad, server.port, '127.0.0.1');
    });
    assert.equal(got.readUInt16BE(0), 99);
    assert.equal(got.readUInt16BE(2) & 0xf, RCODE.FORMERR);
  });
});
