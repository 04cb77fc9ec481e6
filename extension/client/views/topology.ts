// Topology view: stack → deployments → replicas, rebuilt from each StackStatus the
// controller pushes. Element ids are stable (names), so expansion and selection survive
// refreshes and the graph can reveal any deployment.
import * as vscode from 'vscode';
import type { DeploymentStatus, ReplicaStatus, StackStatus } from '../../engine/api/protocol';
import type { StackSession } from '../session';
import {
  backoffSeconds,
  deploymentDescription,
  deploymentIcon,
  replicaDescription,
  replicaIcon,
  stackHealth,
  stackTotals,
} from './format';

export type TopologyNode =
  | { kind: 'stack'; id: string }
  | { kind: 'deployment'; id: string; deployment: string }
  | { kind: 'replica'; id: string; deployment: string; replica: string };

export class TopologyProvider implements vscode.TreeDataProvider<TopologyNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TopologyNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private countdown: ReturnType<typeof setInterval> | undefined;
  private readonly nodes = new Map<string, TopologyNode>();

  constructor(private readonly session: () => StackSession | undefined) {}

  private get status(): StackStatus | undefined {
    const s = this.session()?.status;
    // An unreachable Docker engine shows the welcome view with its fix instead.
    return s && s.controller.dockerConnected !== false ? s : undefined;
  }

  refresh(): void {
    this.changed.fire(undefined);
    // Backoff countdowns tick locally from nextRetryAt; only while one is shown.
    const ticking = this.status?.deployments.some((d) => d.replicas.some((r) => r.backoff)) ?? false;
    if (ticking && !this.countdown) this.countdown = setInterval(() => this.changed.fire(undefined), 1000);
    if (!ticking && this.countdown) {
      clearInterval(this.countdown);
      this.countdown = undefined;
    }
  }

  /** Interned nodes: TreeView.reveal needs the same element the provider returned. */
  node(n: TopologyNode): TopologyNode {
    const existing = this.nodes.get(n.id);
    if (existing) return existing;
    this.nodes.set(n.id, n);
    return n;
  }

  deploymentNode(name: string): TopologyNode | undefined {
    return this.status?.deployments.some((d) => d.name === name)
      ? this.node({ kind: 'deployment', id: `deployment/${name}`, deployment: name })
      : undefined;
  }

  getChildren(el?: TopologyNode): TopologyNode[] {
    const s = this.status;
    if (!s) return [];
    if (!el) return [this.node({ kind: 'stack', id: `stack/${s.stack}` })];
    if (el.kind === 'stack') {
      return s.deployments.map((d) =>
        this.node({ kind: 'deployment', id: `deployment/${d.name}`, deployment: d.name }),
      );
    }
    if (el.kind === 'deployment') {
      const d = s.deployments.find((x) => x.name === el.deployment);
      return (d?.replicas ?? []).map((r) =>
        this.node({ kind: 'replica', id: `replica/${r.name}`, deployment: el.deployment, replica: r.name }),
      );
    }
    return [];
  }

  getParent(el: TopologyNode): TopologyNode | undefined {
    const s = this.status;
    if (!s || el.kind === 'stack') return undefined;
    if (el.kind === 'deployment') return this.node({ kind: 'stack', id: `stack/${s.stack}` });
    return this.deploymentNode(el.deployment);
  }

  getTreeItem(el: TopologyNode): vscode.TreeItem {
    const s = this.status;
    if (el.kind === 'stack') return stackItem(el, s);
    const d = s?.deployments.find((x) => x.name === el.deployment);
    if (el.kind === 'deployment') return d ? deploymentItem(el, d) : new vscode.TreeItem(el.deployment);
    const r = d?.replicas.find((x) => x.name === el.replica);
    return r ? replicaItem(el, r) : new vscode.TreeItem(el.replica);
  }

  dispose(): void {
    if (this.countdown) clearInterval(this.countdown);
    this.changed.dispose();
  }
}

function stackItem(el: TopologyNode, s: StackStatus | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(s?.stack ?? 'stack', vscode.TreeItemCollapsibleState.Expanded);
  const health = stackHealth(s);
  const { ready, desired } = stackTotals(s);
  item.id = el.id;
  item.description = `${health} · ${ready}/${desired} ready`;
  item.iconPath = new vscode.ThemeIcon(health === 'up' ? 'vm-running' : health === 'degraded' ? 'vm-outline' : 'vm');
  item.contextValue = s?.controller.running ? 'flotilla.stack.up' : 'flotilla.stack.down';
  item.accessibilityInformation = { label: `stack ${item.label} ${item.description}` };
  item.tooltip = s?.controller.lastError ? `${s.dir}\n${s.controller.lastError}` : s?.dir;
  return item;
}

function deploymentItem(el: TopologyNode, d: DeploymentStatus): vscode.TreeItem {
  const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = el.id;
  item.description = deploymentDescription(d);
  const icon = deploymentIcon(d);
  item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
  item.contextValue = 'flotilla.deployment';
  item.accessibilityInformation = { label: `deployment ${d.name} ${item.description}` };
  const lines = [`${d.name}: ${d.ready}/${d.desired} ready`];
  if (d.images?.length) lines.push(`images: ${d.images.join(', ')}`);
  if (d.rollout) {
    lines.push(
      `rollout: ${d.rollout.state} (${d.rollout.strategy})${d.rollout.message ? ` ${d.rollout.message}` : ''}`,
    );
  }
  if (d.hpa) {
    lines.push(
      `HPA ${d.hpa.name}: ${d.hpa.currentReplicas}→${d.hpa.desiredReplicas}${d.hpa.lastReason ? `, ${d.hpa.lastReason}` : ''}${d.hpa.unableReason ? `, cannot act: ${d.hpa.unableReason}` : ''}`,
    );
  }
  item.tooltip = lines.join('\n');
  return item;
}

function replicaItem(el: TopologyNode, r: ReplicaStatus): vscode.TreeItem {
  const item = new vscode.TreeItem(r.name, vscode.TreeItemCollapsibleState.None);
  item.id = el.id;
  item.description = replicaDescription(r, Date.now());
  const icon = replicaIcon(r);
  item.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
  item.contextValue = r.container && r.state !== 'Pending' ? 'flotilla.replica.live' : 'flotilla.replica';
  item.accessibilityInformation = { label: `replica ${r.name} ${item.description}` };
  const lines = [
    `${r.name}: ${r.state}${r.ready ? ', Ready' : ''}`,
    `node: ${r.node || '—'}`,
    `restarts: ${r.restarts}`,
  ];
  if (r.address) lines.push(`address: ${r.address}`);
  if (r.backoff) {
    lines.push(`${r.backoff.reason}: next restart in ${backoffSeconds(r, Date.now())}s`);
    if (r.backoff.lastExitCode !== undefined) lines.push(`last exit code: ${r.backoff.lastExitCode}`);
    if (r.backoff.lastProbeFailure) lines.push(`probe: ${r.backoff.lastProbeFailure}`);
  }
  if (r.pendingReason) lines.push(`pending: ${r.pendingReason}`);
  item.tooltip = lines.join('\n');
  return item;
}
