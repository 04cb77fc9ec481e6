// Everything that shows the stack (Topology, Endpoints, the status bar) renders from one
// committed snapshot. Snapshots arriving in a burst are coalesced into one commit, and a
// commit refreshes only the rows that changed, so a row is never refreshed away under a
// click it did not need to lose.
import * as vscode from 'vscode';
import type { BuildProgress, StackStatus } from '../../engine/api/protocol';
import { setContext } from '../notify';
import { PendingScale } from '../pending-scale';
import { StackStatusBar } from '../status-bar';
import { endpointRows } from './endpoints-model';
import { EndpointsProvider } from './endpoints';
import { TopologyProvider } from './topology';
import { topologyRows, type TopologyNode } from './topology-model';

/** Snapshots closer together than this are shown as one. */
const COALESCE_MS = 100;

export class StackViews implements vscode.Disposable {
  readonly topology = new TopologyProvider();
  readonly endpoints = new EndpointsProvider();
  readonly topologyView: vscode.TreeView<TopologyNode>;
  readonly pendingScale = new PendingScale();
  private readonly endpointsView: vscode.TreeView<unknown>;
  readonly statusBar = new StackStatusBar();
  private readonly committed = new vscode.EventEmitter<StackStatus | undefined>();
  /** Fires after each commit, with the snapshot every view now shows. */
  readonly onDidCommit = this.committed.event;
  private shown: StackStatus | undefined;
  private latest: StackStatus | undefined;
  private stackName: string | undefined;
  private builds: Map<string, BuildProgress> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private countdown: ReturnType<typeof setInterval> | undefined;
  private startingKey = false;

  constructor() {
    this.topologyView = vscode.window.createTreeView('flotilla.topology', {
      treeDataProvider: this.topology,
      showCollapseAll: true,
    });
    this.endpointsView = vscode.window.createTreeView('flotilla.endpoints', { treeDataProvider: this.endpoints });
  }

  /** The snapshot the views show. */
  get status(): StackStatus | undefined {
    return this.shown;
  }

  /** A new snapshot (undefined: the controller went away). The first and the last are shown at once. */
  push(status: StackStatus | undefined, stackName: string | undefined): void {
    this.latest = status;
    this.stackName = stackName;
    if (!status || !this.shown) {
      this.commit();
      return;
    }
    this.timer ??= setTimeout(() => this.commit(), COALESCE_MS);
  }

  /** While this editor's controller starts: the stack shows its builds instead of the Up welcome. */
  setStarting(starting: boolean): void {
    this.builds = starting ? new Map() : undefined;
    this.render();
  }

  get starting(): boolean {
    return this.builds !== undefined;
  }

  onBuild(b: BuildProgress): void {
    if (!this.builds) return;
    this.builds.set(b.image, b);
    this.render();
  }

  /** Shows the latest snapshot now, in every view. */
  commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.shown = this.latest;
    if (this.shown?.controller.running) this.builds = undefined; // started: the snapshot takes over
    const live = this.live();
    this.pendingScale.onSnapshot((name) => live?.deployments.find((d) => d.name === name)?.desired);
    this.render();
    this.endpoints.show(endpointRows(live));
    // Backoff countdowns tick locally from nextRetryAt, only while one is shown (leaf rows only).
    const ticking = live?.deployments.some((d) => d.replicas.some((r) => r.backoff)) ?? false;
    if (ticking && !this.countdown) this.countdown = setInterval(() => this.render(), 1000);
    if (!ticking && this.countdown) {
      clearInterval(this.countdown);
      this.countdown = undefined;
    }
    this.committed.fire(this.shown);
  }

  /** Re-renders the Topology rows and the status bar from the shown snapshot (builds, countdowns, clicks). */
  render(): void {
    const live = this.live();
    const desired = (name: string) => live?.deployments.find((d) => d.name === name)?.desired;
    this.topology.show(
      topologyRows({
        stackName: this.stackName,
        status: live,
        starting: this.builds && { builds: [...this.builds.values()] },
        pendingScale: this.pendingScale.targets(desired),
        now: Date.now(),
      }),
    );
    this.statusBar.update(this.shown?.stack ?? this.stackName, this.shown, this.starting);
    if (this.startingKey !== this.starting) {
      this.startingKey = this.starting;
      setContext('flotilla.starting', this.starting);
    }
  }

  /** The shown snapshot, unless the Docker engine cannot be reached (the welcome view then shows the fix). */
  private live(): StackStatus | undefined {
    return this.shown && this.shown.controller.dockerConnected !== false ? this.shown : undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearInterval(this.countdown);
    this.topology.dispose();
    this.endpoints.dispose();
    this.topologyView.dispose();
    this.endpointsView.dispose();
    this.statusBar.dispose();
    this.committed.dispose();
  }
}
