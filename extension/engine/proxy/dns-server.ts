// The cluster DNS server: UDP and TCP on one address. Names in the cluster domain
// (and bare Service names) are answered from ClusterDns; every other query is
// relayed unchanged to the upstream resolver (Docker's embedded DNS, 127.0.0.11,
// inside the proxy container), so pods keep resolving external and container names.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { DnsFormatError, RCODE, encodeReply, parseMessage, udpLimit, type DnsMessage } from './dns-codec';
import type { ClusterDns } from './dns-records';

export interface DnsServerOptions {
  host: string;
  port: number;
  upstream: { host: string; port: number };
  /** How long a relayed query may take before it is dropped (the client retries). */
  upstreamTimeoutMs?: number;
  log?: (line: string) => void;
}

export class DnsServer {
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  private readonly timeoutMs: number;
  private readonly tcpClients = new Set<net.Socket>();

  constructor(
    private readonly zone: ClusterDns,
    private readonly opts: DnsServerOptions,
  ) {
    this.timeoutMs = opts.upstreamTimeoutMs ?? 5000;
  }

  async listen(): Promise<void> {
    const udp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    udp.on('message', (msg, rinfo) => this.onUdp(udp, msg, rinfo));
    udp.on('error', (e) => this.opts.log?.(`dns udp: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: this.opts.host, port: this.opts.port }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.udp = udp;
    // Half-open: a client may send its query and close its side before a relayed answer comes back.
    const tcp = net.createServer({ allowHalfOpen: true }, (s) => this.onTcp(s));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      // The same port as UDP (port 0 in tests picks one for both).
      tcp.listen({ host: this.opts.host, port: udp.address().port }, () => {
        tcp.off('error', reject);
        tcp.on('error', (e) => this.opts.log?.(`dns tcp: ${e.message}`));
        resolve();
      });
    });
    this.tcp = tcp;
  }

  get port(): number {
    const a = this.udp?.address();
    return a ? a.port : this.opts.port;
  }

  close(): void {
    this.udp?.close();
    this.tcp?.close();
    for (const s of this.tcpClients) s.destroy();
  }

  /** The local answer for a query, or undefined when it must be relayed. */
  answer(query: DnsMessage, maxSize: number): Buffer | undefined {
    const q = query.questions[0];
    if (query.qr || query.opcode !== 0 || query.questions.length !== 1 || !q) {
      return encodeReply(query, { rcode: RCODE.NOTIMP, answers: [], authoritative: false }, maxSize);
    }
    const d = this.zone.decide(q);
    if (d.kind === 'forward') return undefined;
    return encodeReply(
      query,
      { rcode: d.rcode, answers: d.answers, authority: d.authority, authoritative: true },
      maxSize,
    );
  }

  private onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let reply: Buffer | undefined;
    try {
      const query = parseMessage(msg);
      reply = this.answer(query, udpLimit(query));
    } catch (e) {
      const err = formErr(msg, e);
      if (err) sock.send(err, rinfo.port, rinfo.address);
      return;
    }
    if (reply) return void sock.send(reply, rinfo.port, rinfo.address);
    this.relayUdp(msg, (answer) => sock.send(answer, rinfo.port, rinfo.address));
  }

  private relayUdp(msg: Buffer, done: (answer: Buffer) => void): void {
    const up = dgram.createSocket('udp4');
    const timer = setTimeout(() => up.close(), this.timeoutMs);
    up.on('error', () => {
      clearTimeout(timer);
      up.close();
    });
    up.on('message', (answer) => {
      clearTimeout(timer);
      up.close();
      done(answer);
    });
    up.send(msg, this.opts.upstream.port, this.opts.upstream.host);
  }

  private onTcp(s: net.Socket): void {
    this.tcpClients.add(s);
    s.setTimeout(30_000, () => s.destroy());
    s.on('close', () => this.tcpClients.delete(s));
    s.on('error', () => undefined);
    const conn = { pending: 0, ended: false };
    s.on('end', () => {
      conn.ended = true;
      if (conn.pending === 0) s.end();
    });
    let buf = Buffer.alloc(0);
    s.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        this.onTcpMessage(s, conn, Buffer.from(msg));
      }
    });
  }

  private onTcpMessage(s: net.Socket, conn: { pending: number; ended: boolean }, msg: Buffer): void {
    let reply: Buffer | undefined;
    try {
      reply = this.answer(parseMessage(msg), 65535);
    } catch (e) {
      const err = formErr(msg, e);
      if (err) s.write(framed(err));
      return;
    }
    if (reply) return void s.write(framed(reply));
    conn.pending++;
    const up = net.connect({ host: this.opts.upstream.host, port: this.opts.upstream.port });
    up.setTimeout(this.timeoutMs, () => up.destroy());
    up.on('error', () => undefined);
    up.on('close', () => {
      conn.pending--;
      if (conn.ended && conn.pending === 0 && !s.destroyed) s.end();
    });
    let got = Buffer.alloc(0);
    up.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        if (!s.destroyed) s.write(got.subarray(0, 2 + got.readUInt16BE(0)));
        up.destroy();
      }
    });
    up.write(framed(msg));
  }
}

function framed(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** FORMERR echoing the id, when at least a header arrived; nothing otherwise. */
function formErr(msg: Buffer, e: unknown): Buffer | undefined {
  if (!(e instanceof DnsFormatError) || msg.length < 12) return undefined;
  const out = Buffer.from(msg.subarray(0, 12));
  out.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x7900) | RCODE.FORMERR, 2);
  out.fill(0, 4, 12);
  return out;
}
