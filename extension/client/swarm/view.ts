// The Swarm view: a swarm deployment's replicas by node (node → replica, with its workload and state), read
// with `flotilla status --target swarm --json` (the same StackStatus the local views show). Loaded after a
// deploy and on Refresh; the swarm is another machine's, so the view polls nothing by itself.
import * as vscode from 'vscode';
import type { ReplicaStatus, StackStatus } from '../../engine/api/protocol';
import type { Ctx } from '../ctx';
import { replicasByNode } from './by-node';
import { runCli } from './deploy-command';

export type SwarmNode =
  | { kind: 'node'; id: string; node: string }
  | { kind: 'replica'; id: string; node: string; deployment: string; replica: ReplicaStatus }
  | { kind: 'message'; id: string; text: string };

export class SwarmView implements vscode.TreeDataProvider<SwarmNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SwarmNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private status: StackStatus | undefined;
  private error: string | undefined;
  private target: { host: string; stackDir: string } | undefined;

  constructor(private readonly ctx: Ctx) {}

  get current(): StackStatus | undefined {
    return this.status;
  }

  /** Reads the deployment's status from the swarm (the last target when none is given). */
  async load(target = this.target): Promise<StackStatus | undefined> {
    if (!target) return undefined;
    this.target = target;
    let out = '';
    const r = await runCli(
      this.ctx,
      ['status', '--target', 'swarm', '--host', target.host, '--stack', target.stackDir, '--json'],
      (l) => (out += l + '\n'),
    );
    try {
      this.status = r.code === 0 ? (JSON.parse(out) as StackStatus) : undefined;
      this.error = r.code === 0 ? undefined : (r.tail.pop() ?? 'status failed');
    } catch {
      this.status = undefined;
      this.error = 'the status could not be read';
    }
    this.changed.fire(undefined);
    return this.status;
  }

  getTreeItem(n: SwarmNode): vscode.TreeItem {
    if (n.kind === 'message') return new vscode.TreeItem(n.text);
    if (n.kind === 'node') {
      const item = new vscode.TreeItem(n.node, vscode.TreeItemCollapsibleState.Expanded);
      item.iconPath = new vscode.ThemeIcon('server');
      item.id = n.id;
      item.contextValue = 'flotilla.swarmNode';
      return item;
    }
    const item = new vscode.TreeItem(n.replica.name);
    item.id = n.id;
    item.description = `${n.deployment} · ${n.replica.state}${n.replica.ready ? '' : ' (not ready)'}`;
    item.iconPath = new vscode.ThemeIcon(n.replica.ready ? 'pass' : 'circle-outline');
    item.tooltip = `${n.replica.name} on ${n.node}${n.replica.address ? ` at ${n.replica.address}` : ''}, restarts ${n.replica.restarts}`;
    item.contextValue = 'flotilla.swarmReplica';
    return item;
  }

  getChildren(n?: SwarmNode): SwarmNode[] {
    if (!n) {
      if (this.error) return [{ kind: 'message', id: 'error', text: this.error }];
      if (!this.status) return [];
      return [...replicasByNode(this.status).keys()].map((node) => ({ kind: 'node', id: `node/${node}`, node }));
    }
    if (n.kind !== 'node' || !this.status) return [];
    return (replicasByNode(this.status).get(n.node) ?? []).map((x) => ({
      kind: 'replica',
      id: `replica/${n.node}/${x.replica.name}`,
      node: n.node,
      deployment: x.deployment,
      replica: x.replica,
    }));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
