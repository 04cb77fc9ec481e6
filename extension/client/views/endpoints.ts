// Endpoints view: services → URLs (the stable 127.0.0.1 balancer ports) → endpoints
// with readiness and connection counts, as the controller's balancers report them.
import * as vscode from 'vscode';
import type { EndpointStatus, ServicePortStatus, ServiceStatus, StackStatus } from '../../engine/api/protocol';
import type { StackSession } from '../session';

export type EndpointNode =
  | { kind: 'service'; service: string }
  | { kind: 'url'; service: string; url: string; port: number }
  | { kind: 'endpoint'; service: string; url: string; replica: string };

export class EndpointsProvider implements vscode.TreeDataProvider<EndpointNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EndpointNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly session: () => StackSession | undefined) {}

  private get status(): StackStatus | undefined {
    return this.session()?.status;
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  private service(name: string): ServiceStatus | undefined {
    return this.status?.services.find((s) => s.name === name);
  }

  getChildren(el?: EndpointNode): EndpointNode[] {
    const s = this.status;
    if (!s) return [];
    if (!el) return s.services.map((svc) => ({ kind: 'service', service: svc.name }));
    const svc = this.service(el.service);
    if (!svc) return [];
    if (el.kind === 'service') {
      return svc.ports.filter((p) => p.url).map((p) => ({ kind: 'url', service: svc.name, url: p.url!, port: p.port }));
    }
    if (el.kind === 'url') {
      const port = svc.ports.find((p) => p.url === el.url);
      return endpointsFor(svc, port).map((e) => ({
        kind: 'endpoint',
        service: svc.name,
        url: el.url,
        replica: e.replica,
      }));
    }
    return [];
  }

  getTreeItem(el: EndpointNode): vscode.TreeItem {
    const svc = this.service(el.service);
    if (el.kind === 'service') {
      const item = new vscode.TreeItem(el.service, vscode.TreeItemCollapsibleState.Expanded);
      const ready = svc?.endpoints.filter((e) => e.ready).length ?? 0;
      const errors = svc?.ports.filter((p) => p.error).map((p) => `${p.port}: ${p.error}`) ?? [];
      item.id = `service/${el.service}`;
      item.description = `${ready}/${svc?.endpoints.length ?? 0} endpoints ready${errors.length ? ' · ⚠' : ''}`;
      item.tooltip = errors.length ? errors.join('\n') : undefined;
      item.iconPath = new vscode.ThemeIcon('server-process');
      item.contextValue = 'flotilla.service';
      item.accessibilityInformation = { label: `service ${el.service} ${item.description}` };
      return item;
    }
    if (el.kind === 'url') {
      const item = new vscode.TreeItem(el.url, vscode.TreeItemCollapsibleState.Expanded);
      const port = svc?.ports.find((p) => p.url === el.url);
      item.id = `url/${el.service}/${el.url}`;
      item.description = port ? `port ${port.port} → ${port.targetPort}` : undefined;
      item.iconPath = new vscode.ThemeIcon('globe');
      item.contextValue = 'flotilla.url';
      item.accessibilityInformation = { label: `url ${el.service} ${el.url}` };
      item.tooltip = `${el.service}: ${el.url}`;
      return item;
    }
    const e = svc?.endpoints.find((x) => x.replica === el.replica);
    const item = new vscode.TreeItem(el.replica, vscode.TreeItemCollapsibleState.None);
    item.id = `endpoint/${el.service}/${el.url}/${el.replica}`;
    if (e) {
      const conns =
        e.activeConnections !== undefined ? ` · ${e.activeConnections} active / ${e.totalConnections ?? 0} total` : '';
      item.description = `${e.address} · ${e.ready ? 'ready' : 'not ready'}${conns}`;
      item.iconPath = new vscode.ThemeIcon(
        e.ready ? 'pass-filled' : 'circle-slash',
        new vscode.ThemeColor(e.ready ? 'testing.iconPassed' : 'testing.iconFailed'),
      );
      item.tooltip = e.connectErrors ? `${e.connectErrors} connect errors` : undefined;
    }
    item.contextValue = 'flotilla.endpoint';
    item.accessibilityInformation = { label: `endpoint ${el.replica} ${item.description ?? ''}` };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Endpoints that serve a given port: those whose address port is its target port. */
function endpointsFor(svc: ServiceStatus, port: ServicePortStatus | undefined): EndpointStatus[] {
  if (!port || typeof port.targetPort !== 'number' || svc.ports.length === 1) return svc.endpoints;
  const suffix = `:${port.targetPort}`;
  const matching = svc.endpoints.filter((e) => e.address.endsWith(suffix));
  return matching.length ? matching : svc.endpoints;
}
