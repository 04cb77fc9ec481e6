// ClusterIPs: the stack network's subnet is split in two halves. Docker hands
// container addresses out of the lower half (the network's IPRange); the upper half
// is the Service range. Its first addresses are reserved (offset 10 is the proxy's
// own address, where cluster DNS answers, like kube-dns' 10.96.0.10); each Service
// gets a stable offset, chosen from a hash of NAMESPACE/NAME and kept in
// <stackDir>/.flotilla/cluster-ips.json with the subnet. Offsets, not addresses,
// are kept, so a network recreated on another subnet keeps each Service's place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STATE_DIR } from '../api/protocol';

export const CLUSTER_IPS_FILE = 'cluster-ips.json';
/** Offset of the proxy (and DNS) address in the Service range. */
export const PROXY_OFFSET = 10;
/** Offsets below this are never given to a Service. */
const FIRST_SERVICE_OFFSET = PROXY_OFFSET + 1;

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`not an IPv4 CIDR: ${text}`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) throw new Error(`not an IPv4 CIDR: ${text}`);
  const ip = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  return { base: (ip & mask(prefix)) >>> 0, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function ipText(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function cidrText(c: Cidr): string {
  return `${ipText(c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** The two halves of a subnet: containers (Docker's IPRange) and Services. Undefined when too small to split usefully. */
export function splitSubnet(subnet: string): { containers: string; services: string; gateway: string } | undefined {
  const c = parseCidr(subnet);
  if (c.prefix > 26) return undefined; // 32 addresses per half at least: the reserved ones plus some Services
  const half = { base: c.base, prefix: c.prefix + 1 };
  const upper = { base: (c.base + cidrSize(half)) >>> 0, prefix: c.prefix + 1 };
  return { containers: cidrText(half), services: cidrText(upper), gateway: ipText(c.base + 1) };
}

export function contains(range: Cidr, ip: string): boolean {
  const n = parseCidr(`${ip}/32`).base;
  return (n & mask(range.prefix)) >>> 0 === range.base;
}

/** The proxy's address in a Service range. */
export function proxyAddress(services: string): string {
  return ipText(parseCidr(services).base + PROXY_OFFSET);
}

/** Offsets a Service may get: after the reserved ones, and never the last (the subnet's broadcast). */
function usable(size: number): { first: number; count: number } {
  return { first: FIRST_SERVICE_OFFSET, count: Math.max(0, size - FIRST_SERVICE_OFFSET - 1) };
}

/**
 * Offsets for `keys` (NAMESPACE/NAME): kept ones stay, new ones start at a hash of the
 * key and take the next free offset. Returns the complete map (kept + new); throws
 * when the range is full.
 */
export function allocateOffsets(
  keys: readonly string[],
  kept: Readonly<Record<string, number>>,
  rangeSize: number,
): Record<string, number> {
  const { first, count } = usable(rangeSize);
  const out: Record<string, number> = {};
  const taken = new Set<number>();
  for (const [k, off] of Object.entries(kept)) {
    if (Number.isInteger(off) && off >= first && off < first + count && !taken.has(off)) {
      out[k] = off;
      taken.add(off);
    }
  }
  for (const key of [...keys].sort()) {
    if (out[key] !== undefined) continue;
    if (taken.size >= count) {
      throw new Error(`no free ClusterIP left for ${key}: the Service range has ${count} addresses`);
    }
    let i = fnv1a(key) % count;
    while (taken.has(first + i)) i = (i + 1) % count;
    out[key] = first + i;
    taken.add(first + i);
  }
  return out;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export interface ClusterIpFile {
  version: 1;
  /** The stack network's subnet when these were chosen; a new network asks for it again first. */
  subnet?: string;
  offsets: Record<string, number>;
}

/** <stackDir>/.flotilla/cluster-ips.json, written atomically. */
export class ClusterIpStore {
  readonly file: string;

  constructor(stackDir: string) {
    this.file = path.join(stackDir, STATE_DIR, CLUSTER_IPS_FILE);
  }

  read(): ClusterIpFile {
    try {
      const v: unknown = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      if (typeof v !== 'object' || v === null) throw new Error('not an object');
      const subnet = 'subnet' in v && typeof v.subnet === 'string' ? v.subnet : undefined;
      const offsets: Record<string, number> = {};
      const raw = 'offsets' in v && typeof v.offsets === 'object' && v.offsets !== null ? v.offsets : {};
      for (const [k, o] of Object.entries(raw)) if (Number.isInteger(o)) offsets[k] = Number(o);
      return { version: 1, subnet, offsets };
    } catch {
      return { version: 1, offsets: {} };
    }
  }

  write(f: ClusterIpFile): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(f, null, 2) + '\n');
    fs.renameSync(tmp, this.file);
  }

  /** ClusterIPs for the keys in the Service range, allocating (and keeping) new ones. */
  assign(keys: readonly string[], services: string, subnet: string): Map<string, string> {
    const f = this.read();
    const range = parseCidr(services);
    const offsets = allocateOffsets(keys, f.offsets, cidrSize(range));
    if (f.subnet !== subnet || JSON.stringify(offsets) !== JSON.stringify(f.offsets)) {
      this.write({ version: 1, subnet, offsets });
    }
    return new Map(keys.map((k) => [k, ipText(range.base + offsets[k])]));
  }

  /** The ClusterIPs kept, without allocating (status without a controller). */
  kept(): Map<string, string> {
    const f = this.read();
    const halves = f.subnet ? splitSubnet(f.subnet) : undefined;
    if (!halves) return new Map();
    const base = parseCidr(halves.services).base;
    return new Map(Object.entries(f.offsets).map(([k, off]) => [k, ipText(base + off)]));
  }

  rememberSubnet(subnet: string): void {
    const f = this.read();
    if (f.subnet !== subnet) this.write({ ...f, subnet });
  }
}
