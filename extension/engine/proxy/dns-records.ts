// Name → answer, as a cluster's DNS gives it (pure, no sockets):
// - `NAME.NS.svc.cluster.local` → the Service's ClusterIP, or for a headless Service
//   the addresses of its pods (Ready ones, or all with publishNotReadyAddresses);
// - `HOST.NAME.NS.svc.cluster.local` → the pod of a headless Service whose hostname
//   (and subdomain) say so, or whose address is HOST with dashes (1-2-3-4);
// - `_PORT._PROTO.NAME.NS.svc.cluster.local` SRV → the named port;
// - `A-B-C-D.NS.pod.cluster.local` → A.B.C.D;
// - `NAME.NS`, `NAME.NS.svc` asked as they are (a client without the search list) →
//   the Service, when one matches. A bare `NAME` is not answered here: pods reach it
//   through their namespace's search domain, so a Service of another namespace never
//   answers to it. Anything else outside the domain goes to the upstream resolver.
// The server is authoritative for its domain: an unknown name there is NXDOMAIN, a
// known one asked for another type (AAAA) has an empty answer, both with the SOA.
import { CLASS_IN, RCODE, TYPE, type DnsQuestion, type DnsRecord } from './dns-codec';
import { isIPv4, type ProxyService, type ProxyState } from './protocol';

export const DEFAULT_DOMAIN = 'cluster.local';
/** CoreDNS' default in a cluster: short, so a moved endpoint is seen quickly. */
export const DEFAULT_TTL = 5;

export type DnsDecision =
  { kind: 'answer'; rcode: number; answers: DnsRecord[]; authority: DnsRecord[] } | { kind: 'forward' };

export class ClusterDns {
  readonly domain: string;
  private readonly ttl: number;
  private services = new Map<string, ProxyService>();
  private namespaces = new Set<string>();

  constructor(opts: { domain?: string; ttl?: number } = {}) {
    this.domain = (opts.domain ?? DEFAULT_DOMAIN).toLowerCase().replace(/^\.+|\.+$/g, '');
    this.ttl = opts.ttl ?? DEFAULT_TTL;
  }

  setState(state: ProxyState): void {
    const services = new Map<string, ProxyService>();
    const namespaces = new Set<string>(['default']);
    for (const s of state.services) {
      const ns = s.namespace.toLowerCase();
      services.set(`${s.name.toLowerCase()}.${ns}`, s);
      namespaces.add(ns);
    }
    this.services = services;
    this.namespaces = namespaces;
  }

  decide(q: DnsQuestion): DnsDecision {
    const name = q.name.toLowerCase().replace(/\.+$/, '');
    if (q.class !== CLASS_IN && q.class !== 255) return { kind: 'forward' };
    if (name === this.domain || name.endsWith(`.${this.domain}`)) return this.inDomain(q, name);
    const labels = name.split('.');
    let svc: ProxyService | undefined;
    if (labels.length === 2 || (labels.length === 3 && labels[2] === 'svc')) {
      svc = this.services.get(`${labels[0]}.${labels[1]}`);
    }
    return svc ? this.serviceAnswer(q, svc) : { kind: 'forward' };
  }

  private inDomain(q: DnsQuestion, name: string): DnsDecision {
    const rest = name === this.domain ? '' : name.slice(0, -(this.domain.length + 1));
    const labels = rest === '' ? [] : rest.split('.');
    const last = labels[labels.length - 1];
    if (labels.length === 0) return this.empty();
    if (last === 'svc') {
      const l = labels.slice(0, -1);
      if (l.length === 0) return this.empty();
      if (l.length === 1) return this.namespaces.has(l[0]) ? this.empty() : this.nx();
      if (l.length === 2) {
        const svc = this.services.get(`${l[0]}.${l[1]}`);
        return svc ? this.serviceAnswer(q, svc) : this.nx();
      }
      if (l.length === 3) {
        const svc = this.services.get(`${l[1]}.${l[2]}`);
        return svc ? this.podAnswer(q, svc, l[0]) : this.nx();
      }
      if (l.length === 4 && l[0].startsWith('_') && (l[1] === '_tcp' || l[1] === '_udp')) {
        const svc = this.services.get(`${l[2]}.${l[3]}`);
        const proto = l[1] === '_tcp' ? 'TCP' : 'UDP';
        const port = svc?.ports.find((p) => p.name?.toLowerCase() === l[0].slice(1) && p.protocol === proto);
        if (!svc || !port) return this.nx();
        return this.srvAnswer(q, svc, port.port);
      }
      return this.nx();
    }
    if (last === 'pod') {
      if (labels.length === 1) return this.empty();
      if (labels.length === 2) return this.namespaces.has(labels[0]) ? this.empty() : this.nx();
      const ip = labels[0].replace(/-/g, '.');
      if (labels.length !== 3 || !isIPv4(ip)) return this.nx();
      return this.addresses(q, [ip]);
    }
    return this.nx();
  }

  private serviceAnswer(q: DnsQuestion, svc: ProxyService): DnsDecision {
    const ips = svc.clusterIP !== undefined ? [svc.clusterIP] : unique(svc.pods.map((p) => p.ip));
    return this.addresses(q, ips);
  }

  private podAnswer(q: DnsQuestion, svc: ProxyService, host: string): DnsDecision {
    // Only headless Services give their pods names, as in a cluster.
    if (svc.clusterIP !== undefined) return this.nx();
    const dashed = host.replace(/-/g, '.');
    const ips = unique(
      svc.pods
        .filter((p) => p.hostname?.toLowerCase() === host || (isIPv4(dashed) && p.ip === dashed))
        .map((p) => p.ip),
    );
    return ips.length ? this.addresses(q, ips) : this.nx();
  }

  private srvAnswer(q: DnsQuestion, svc: ProxyService, port: number): DnsDecision {
    if (q.type !== TYPE.SRV && q.type !== TYPE.ANY) return this.empty();
    const base = `${svc.name}.${svc.namespace}.svc.${this.domain}`;
    const targets =
      svc.clusterIP !== undefined
        ? [base]
        : unique(svc.pods.map((p) => `${p.hostname ?? p.ip.replace(/\./g, '-')}.${base}`));
    const weight = targets.length ? Math.floor(100 / targets.length) : 0;
    return {
      kind: 'answer',
      rcode: RCODE.NOERROR,
      answers: targets.map((target) => ({
        name: q.name,
        type: TYPE.SRV,
        class: CLASS_IN,
        ttl: this.ttl,
        data: { priority: 0, weight, port, target },
      })),
      authority: targets.length ? [] : [this.soa()],
    };
  }

  private addresses(q: DnsQuestion, ips: string[]): DnsDecision {
    if (q.type !== TYPE.A && q.type !== TYPE.ANY) return this.empty();
    const answers: DnsRecord[] = ips.map((ip) => ({
      name: q.name,
      type: TYPE.A,
      class: CLASS_IN,
      ttl: this.ttl,
      data: ip,
    }));
    return { kind: 'answer', rcode: RCODE.NOERROR, answers, authority: answers.length ? [] : [this.soa()] };
  }

  private empty(): DnsDecision {
    return { kind: 'answer', rcode: RCODE.NOERROR, answers: [], authority: [this.soa()] };
  }

  private nx(): DnsDecision {
    return { kind: 'answer', rcode: RCODE.NXDOMAIN, answers: [], authority: [this.soa()] };
  }

  /** Negative answers carry the zone's SOA, whose minimum is the time to cache them. */
  private soa(): DnsRecord {
    return {
      name: this.domain,
      type: TYPE.SOA,
      class: CLASS_IN,
      ttl: this.ttl,
      data: {
        mname: `ns.dns.${this.domain}`,
        rname: `hostmaster.${this.domain}`,
        serial: 1,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.ttl,
      },
    };
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
