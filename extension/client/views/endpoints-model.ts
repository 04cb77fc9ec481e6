// The Endpoints view's rows for one moment: services → URLs (the stable 127.0.0.1
// balancer ports) → endpoints. A service's "n/m endpoints ready" counts exactly the
// endpoint rows listed under it, so the numbers and the list never disagree.
import type { EndpointStatus, ServicePortStatus, ServiceStatus, StackStatus } from '../../engine/api/protocol';
import { addRow, emptyModel, type RowModel } from './rows';

export type EndpointNode =
  | { kind: 'service'; id: string; service: string }
  | { kind: 'url'; id: string; service: string; url: string; port: number }
  | { kind: 'endpoint'; id: string; service: string; url: string; replica: string };

export function endpointRows(status: StackStatus | undefined): RowModel<EndpointNode> {
  const model = emptyModel<EndpointNode>();
  for (const svc of status?.services ?? []) serviceRows(model, svc);
  return model;
}

function serviceRows(model: RowModel<EndpointNode>, svc: ServiceStatus): void {
  const id = `service/${svc.name}`;
  const published = svc.ports.filter((p) => p.url);
  // Endpoints are listed under each URL they serve; without a URL, under the service itself.
  const groups = published.length
    ? published.map((port) => ({ port, endpoints: endpointsFor(svc, port) }))
    : [{ port: undefined, endpoints: svc.endpoints }];
  const listed = new Map<string, EndpointStatus>();
  for (const g of groups) for (const e of g.endpoints) listed.set(`${e.replica} ${e.address}`, e);
  const ready = [...listed.values()].filter((e) => e.ready).length;
  const errors = svc.ports.filter((p) => p.error).map((p) => `${p.port}: ${p.error}`);
  const description = `${ready}/${listed.size} endpoints ready${errors.length ? ' · ⚠' : ''}`;
  addRow(model, {
    id,
    node: { kind: 'service', id, service: svc.name },
    children: [],
    branch: true,
    label: svc.name,
    description,
    tooltip: errors.length ? errors.join('\n') : `${svc.name}: ${description}`,
    icon: { id: 'server-process' },
    contextValue: 'flotilla.service',
    accessibility: `service ${svc.name} ${description}`,
  });
  for (const g of groups) {
    let parent = id;
    let url = '';
    if (g.port?.url) {
      url = g.port.url;
      parent = `url/${svc.name}/${url}`;
      const text = `port ${g.port.port} → ${g.port.targetPort}`;
      addRow(model, {
        id: parent,
        node: { kind: 'url', id: parent, service: svc.name, url, port: g.port.port },
        parent: id,
        children: [],
        branch: true,
        label: url,
        description: text,
        tooltip: `${svc.name}: ${url} (${text})`,
        icon: { id: 'globe' },
        contextValue: 'flotilla.url',
        accessibility: `url ${svc.name} ${url}`,
      });
    }
    for (const e of g.endpoints) endpointRow(model, svc, parent, url, e);
  }
}

function endpointRow(
  model: RowModel<EndpointNode>,
  svc: ServiceStatus,
  parent: string,
  url: string,
  e: EndpointStatus,
): void {
  const id = `endpoint/${svc.name}/${url}/${e.replica}`;
  const description = `${e.address} · ${e.ready ? 'ready' : 'not ready'}`;
  const tooltip = [`${e.replica} at ${e.address}: ${e.ready ? 'ready' : 'not ready'}`];
  if (e.activeConnections !== undefined) {
    tooltip.push(`connections: ${e.activeConnections} active, ${e.totalConnections ?? 0} in all`);
  }
  if (e.connectErrors) tooltip.push(`${e.connectErrors} connect errors`);
  addRow(model, {
    id,
    node: { kind: 'endpoint', id, service: svc.name, url, replica: e.replica },
    parent,
    children: [],
    label: e.replica,
    description,
    tooltip: tooltip.join('\n'),
    icon: e.ready
      ? { id: 'pass-filled', color: 'testing.iconPassed' }
      : { id: 'circle-slash', color: 'testing.iconFailed' },
    contextValue: 'flotilla.endpoint',
    accessibility: `endpoint ${e.replica} ${description}`,
  });
}

/** Endpoints that serve a given port: those whose address port is its target port. */
function endpointsFor(svc: ServiceStatus, port: ServicePortStatus): EndpointStatus[] {
  if (typeof port.targetPort !== 'number' || svc.ports.length === 1) return svc.endpoints;
  const suffix = `:${port.targetPort}`;
  const matching = svc.endpoints.filter((e) => e.address.endsWith(suffix));
  return matching.length ? matching : svc.endpoints;
}
