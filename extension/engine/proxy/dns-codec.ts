// DNS messages (RFC 1035), as much as a cluster DNS server needs: parse queries
// (with name compression and an EDNS OPT record), and write answers of A, AAAA,
// SRV and SOA records, setting TC when they do not fit the client's UDP size.
// Also parses responses, for the tests and for the DNS-polling endpoint source.

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
/** Without EDNS a UDP answer may not exceed this (RFC 1035 4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
/** What we advertise and accept at most over UDP with EDNS (the DNS flag day 2020 value). */
export const EDNS_UDP_SIZE = 1232;

export class DnsFormatError extends Error {}

export interface DnsQuestion {
  /** As received (case kept), without the trailing dot; '' for the root. */
  name: string;
  type: number;
  class: number;
}

export interface DnsRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Decoded for A/AAAA (address), SRV and names; raw otherwise. */
  data: string | DnsSrv | DnsSoa | Buffer;
}

export interface DnsSrv {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface DnsSoa {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authority: DnsRecord[];
  additional: DnsRecord[];
  /** The requester's UDP payload size from an OPT record, when it sent one. */
  ednsUdpSize?: number;
}

// ---- reading ----------------------------------------------------------------

export function parseMessage(buf: Buffer): DnsMessage {
  if (buf.length < 12) throw new DnsFormatError('message shorter than its header');
  const flags = buf.readUInt16BE(2);
  const counts = [buf.readUInt16BE(4), buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let off = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i++) {
    const n = readName(buf, off);
    off = n.next;
    need(buf, off, 4);
    questions.push({ name: n.name, type: buf.readUInt16BE(off), class: buf.readUInt16BE(off + 2) });
    off += 4;
  }
  const sections: DnsRecord[][] = [[], [], []];
  let ednsUdpSize: number | undefined;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const r = readRecord(buf, off);
      off = r.next;
      if (r.record.type === TYPE.OPT) ednsUdpSize = r.record.class;
      else sections[s].push(r.record);
    }
  }
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers: sections[0],
    authority: sections[1],
    additional: sections[2],
    ednsUdpSize,
  };
}

function need(buf: Buffer, off: number, n: number): void {
  if (off + n > buf.length) throw new DnsFormatError('message truncated');
}

/** A (possibly compressed) name at `off`; `next` is the offset after it in the original position. */
export function readName(buf: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let jumps = 0;
  let total = 0;
  for (;;) {
    need(buf, off, 1);
    const len = buf[off];
    if (len === 0) {
      if (next < 0) next = off + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      need(buf, off, 2);
      if (next < 0) next = off + 2;
      // A pointer may only go backwards; a bound on jumps stops loops built from many pointers.
      const target = buf.readUInt16BE(off) & 0x3fff;
      if (target >= off || ++jumps > 64) throw new DnsFormatError('bad compression pointer');
      off = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError('unknown label type');
    need(buf, off + 1, len);
    total += len + 1;
    if (total > 255) throw new DnsFormatError('name longer than 255 bytes');
    labels.push(buf.toString('latin1', off + 1, off + 1 + len));
    off += len + 1;
  }
  return { name: labels.join('.'), next };
}

function readRecord(buf: Buffer, off: number): { record: DnsRecord; next: number } {
  const n = readName(buf, off);
  off = n.next;
  need(buf, off, 10);
  const type = buf.readUInt16BE(off);
  const cls = buf.readUInt16BE(off + 2);
  const ttl = buf.readUInt32BE(off + 4);
  const len = buf.readUInt16BE(off + 8);
  off += 10;
  need(buf, off, len);
  const raw = buf.subarray(off, off + len);
  let data: DnsRecord['data'] = Buffer.from(raw);
  if (type === TYPE.A && len === 4) data = [...raw].join('.');
  else if (type === TYPE.AAAA && len === 16) data = ipv6Text(raw);
  else if (type === TYPE.SRV && len >= 7) {
    data = {
      priority: raw.readUInt16BE(0),
      weight: raw.readUInt16BE(2),
      port: raw.readUInt16BE(4),
      target: readName(buf, off + 6).name,
    };
  } else if (type === TYPE.CNAME || type === TYPE.PTR || type === TYPE.NS) data = readName(buf, off).name;
  else if (type === TYPE.SOA) {
    const m = readName(buf, off);
    const r = readName(buf, m.next);
    need(buf, r.next, 20);
    data = {
      mname: m.name,
      rname: r.name,
      serial: buf.readUInt32BE(r.next),
      refresh: buf.readUInt32BE(r.next + 4),
      retry: buf.readUInt32BE(r.next + 8),
      expire: buf.readUInt32BE(r.next + 12),
      minimum: buf.readUInt32BE(r.next + 16),
    };
  }
  return { record: { name: n.name, type, class: cls, ttl, data }, next: off + len };
}

function ipv6Text(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(':');
}

// ---- writing ----------------------------------------------------------------

/** Writes a message. Names are written in full except a record named like the first question (a pointer to it). */
export function encodeMessage(m: DnsMessage): Buffer {
  const out = new Writer();
  let flags = (m.opcode & 0xf) << 11;
  if (m.qr) flags |= 0x8000;
  if (m.aa) flags |= 0x0400;
  if (m.tc) flags |= 0x0200;
  if (m.rd) flags |= 0x0100;
  if (m.ra) flags |= 0x0080;
  flags |= m.rcode & 0xf;
  const opt = m.ednsUdpSize !== undefined ? 1 : 0;
  out.u16(m.id);
  out.u16(flags);
  out.u16(m.questions.length);
  out.u16(m.answers.length);
  out.u16(m.authority.length);
  out.u16(m.additional.length + opt);
  const first = m.questions[0]?.name.toLowerCase();
  for (const q of m.questions) {
    out.name(q.name);
    out.u16(q.type);
    out.u16(q.class);
  }
  const record = (r: DnsRecord): void => {
    if (first !== undefined && r.name.toLowerCase() === first) out.u16(0xc00c);
    else out.name(r.name);
    out.u16(r.type);
    out.u16(r.class);
    out.u32(r.ttl);
    const lenAt = out.reserve(2);
    const start = out.length;
    writeData(out, r);
    out.patch16(lenAt, out.length - start);
  };
  m.answers.forEach(record);
  m.authority.forEach(record);
  m.additional.forEach(record);
  if (opt) {
    out.u8(0); // root name
    out.u16(TYPE.OPT);
    out.u16(m.ednsUdpSize ?? EDNS_UDP_SIZE);
    out.u32(0);
    out.u16(0);
  }
  return out.done();
}

function writeData(out: Writer, r: DnsRecord): void {
  const d = r.data;
  if (Buffer.isBuffer(d)) return out.bytes(d);
  if (typeof d === 'string') {
    if (r.type === TYPE.A) {
      for (const part of d.split('.')) out.u8(Number(part));
      return;
    }
    if (r.type === TYPE.AAAA) return out.bytes(ipv6Bytes(d));
    return out.name(d);
  }
  if ('port' in d) {
    out.u16(d.priority);
    out.u16(d.weight);
    out.u16(d.port);
    return out.name(d.target);
  }
  out.name(d.mname);
  out.name(d.rname);
  for (const n of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) out.u32(n);
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}

class Writer {
  private buf = Buffer.alloc(512);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.grow(1);
    this.buf.writeUInt8(v & 0xff, this.length);
    this.length += 1;
  }

  u16(v: number): void {
    this.grow(2);
    this.buf.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
  }

  u32(v: number): void {
    this.grow(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
  }

  bytes(b: Buffer): void {
    this.grow(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  name(name: string): void {
    for (const label of name.split('.')) {
      if (label === '') continue;
      const b = Buffer.from(label, 'latin1');
      if (b.length > 63) throw new DnsFormatError(`label longer than 63 bytes in ${name}`);
      this.u8(b.length);
      this.bytes(b);
    }
    this.u8(0);
  }

  reserve(n: number): number {
    this.grow(n);
    const at = this.length;
    this.length += n;
    return at;
  }

  patch16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  done(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

// ---- helpers ------------------------------------------------------------------

export interface QueryOptions {
  id?: number;
  type?: number;
  rd?: boolean;
  ednsUdpSize?: number;
}

export function encodeQuery(name: string, opts: QueryOptions = {}): Buffer {
  return encodeMessage({
    id: opts.id ?? Math.floor(Math.random() * 0x10000),
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: opts.rd ?? true,
    ra: false,
    rcode: 0,
    questions: [{ name, type: opts.type ?? TYPE.A, class: CLASS_IN }],
    answers: [],
    authority: [],
    additional: [],
    ednsUdpSize: opts.ednsUdpSize,
  });
}

/**
 * The reply to `query`, limited to `maxSize` bytes: when the records do not fit
 * (UDP), they are dropped and TC is set, so the client asks again over TCP.
 */
export function encodeReply(
  query: DnsMessage,
  reply: { rcode: number; answers: DnsRecord[]; authority?: DnsRecord[]; authoritative: boolean },
  maxSize = Infinity,
): Buffer {
  const msg: DnsMessage = {
    id: query.id,
    qr: true,
    opcode: query.opcode,
    aa: reply.authoritative,
    tc: false,
    rd: query.rd,
    ra: true,
    rcode: reply.rcode,
    questions: query.questions.slice(0, 1),
    answers: reply.answers,
    authority: reply.authority ?? [],
    additional: [],
    ednsUdpSize: query.ednsUdpSize !== undefined ? EDNS_UDP_SIZE : undefined,
  };
  const full = encodeMessage(msg);
  if (full.length <= maxSize) return full;
  return encodeMessage({ ...msg, tc: true, answers: [], authority: [] });
}

/** The largest UDP answer this query allows. */
export function udpLimit(query: DnsMessage): number {
  if (query.ednsUdpSize === undefined) return CLASSIC_UDP_SIZE;
  return Math.max(CLASSIC_UDP_SIZE, Math.min(query.ednsUdpSize, EDNS_UDP_SIZE));
}
