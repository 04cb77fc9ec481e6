// The client side of Service addresses: an env value or a ConfigMap value that names a Service
// of the stack with a port (`catalog:3550`, `http://api:8080/x`, `db.shop.svc.cluster.local:5432`)
// must use one of that Service's ports (FX1014), and go-to-definition leads from the address to
// the Service. Names resolve as cluster DNS does: NAME, NAME.NS, NAME.NS.svc and
// NAME.NS.svc.cluster.local, NAME alone in the client's own namespace.
import { isScalar, type Node } from 'yaml';
import type { Range } from '../core/types';
import type { Resource } from '../k8s/resources';
import { getIn, items, mapPairs, nodeRange, type AnyNode } from '../yaml/parse';
import { containerInfos, WORKLOADS } from './links';

export interface Address {
  host: string;
  port: number;
  /** Offset of `host:port` in the value. */
  index: number;
  length: number;
}

// host[:port] after a scheme, a separator or the start; hosts are DNS names, ports numbers
const ADDRESS =
  /(?:^|[\s"'=,;(@]|:\/\/)([a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*):(\d{1,5})(?![\d.])/g;

export function addressesIn(value: string): Address[] {
  const out: Address[] = [];
  for (const m of value.matchAll(ADDRESS)) {
    const host = m[1];
    const index = (m.index ?? 0) + m[0].length - host.length - 1 - m[4].length;
    out.push({ host, port: Number(m[4]), index, length: host.length + 1 + m[4].length });
  }
  return out;
}

/** The Service a host names from a client in `namespace`, if the stack has it. */
export function serviceFor(host: string, namespace: string, services: Resource[]): Resource | undefined {
  const parts = host.split('.');
  const [name, ns] = parts;
  const rest = parts.slice(2).join('.');
  if (parts.length > 2 && rest !== 'svc' && rest !== 'svc.cluster.local') return undefined;
  const wanted = parts.length === 1 ? namespace : ns;
  return services.find((s) => s.name === name && (s.namespace ?? 'default') === wanted);
}

export function servicePorts(svc: Resource): number[] {
  return items(svc.doc, getIn(svc.doc, svc.root, 'spec', 'ports'))
    .map((p) => getIn(svc.doc, p, 'port'))
    .flatMap((n) => (isScalar(n) && typeof n.value === 'number' ? [n.value] : []));
}

export interface ClientAddress {
  /** The resource holding the value (a workload or a ConfigMap). */
  r: Resource;
  node: Node;
  address: Address;
  service: Resource;
  /** The address's own range when the scalar is on one line as written, else the value's. */
  range: Range;
}

/** Every address naming a Service of the stack, in env values of workloads and in ConfigMap data. */
export function clientAddresses(all: Resource[]): ClientAddress[] {
  const services = all.filter((r) => r.kind === 'Service');
  if (!services.length) return [];
  const out: ClientAddress[] = [];
  const scan = (r: Resource, node: AnyNode) => {
    if (!isScalar(node) || typeof node.value !== 'string' || !node.value.includes(':')) return;
    for (const a of addressesIn(node.value)) {
      const service = serviceFor(a.host, r.namespace ?? 'default', services);
      if (!service) continue;
      out.push({ r, node, address: a, service, range: addressRange(r, node, a) });
    }
  };
  for (const r of all) {
    if (WORKLOADS.has(r.kind)) {
      for (const c of containerInfos(r)) {
        for (const e of items(r.doc, getIn(r.doc, c.node, 'env'))) scan(r, getIn(r.doc, e, 'value'));
      }
    } else if (r.kind === 'ConfigMap') {
      for (const p of mapPairs(getIn(r.doc, r.root, 'data'))) scan(r, p.value);
    }
  }
  return out;
}

function addressRange(r: Resource, node: Node, a: Address): Range {
  const whole = nodeRange(r.y.lines, node)!;
  const source = node.range ? r.y.text.slice(node.range[0], node.range[1]) : '';
  const quoted = source.startsWith('"') || source.startsWith("'");
  const inner = quoted ? source.slice(1) : source;
  // only when the text as written holds the value as is (no escapes, one line)
  if (!node.range || source.includes('\n') || inner.slice(a.index, a.index + a.length) !== `${a.host}:${a.port}`) {
    return whole;
  }
  const start = node.range[0] + (quoted ? 1 : 0) + a.index;
  return r.y.lines.range(start, start + a.length);
}

/** FX1014: a client address naming a port its Service does not have. */
export function wrongPorts(all: Resource[]): { r: Resource; range: Range; message: string }[] {
  const out: { r: Resource; range: Range; message: string }[] = [];
  for (const ca of clientAddresses(all)) {
    const ports = servicePorts(ca.service);
    const { host, port } = ca.address;
    if (!ports.length || ports.includes(port)) continue;
    const target = items(ca.service.doc, getIn(ca.service.doc, ca.service.root, 'spec', 'ports')).find((p) => {
      const t = getIn(ca.service.doc, p, 'targetPort');
      return isScalar(t) && t.value === port;
    });
    const via = target ? getIn(ca.service.doc, target, 'port') : undefined;
    const hint =
      isScalar(via) && typeof via.value === 'number'
        ? ` ${port} is its targetPort: clients use the Service port ${via.value}.`
        : '';
    out.push({
      r: ca.r,
      range: ca.range,
      message: `${host}:${port} names Service ${ca.service.name}, which has no port ${port} (its ports: ${ports.join(', ')}).${hint}`,
    });
  }
  return out;
}
