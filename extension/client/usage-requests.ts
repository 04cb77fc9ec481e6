// CPU and memory are read by the controller only for replicas someone looks at: while the
// Topology view is visible, it asks for the replicas of the shown snapshot (again when they
// change, and every 30 s to keep its one-minute lease), and says so when hidden.
import * as vscode from 'vscode';
import type { StackStatus } from '../engine/api/protocol';
import type { EngineConnection } from './engine-link';

const RENEW_MS = 30_000;

export class UsageRequests implements vscode.Disposable {
  private asked = '';
  private askedAt = 0;
  private readonly timer = setInterval(() => this.update(), RENEW_MS);

  constructor(
    private readonly view: vscode.TreeView<unknown>,
    private readonly connection: () => EngineConnection | undefined,
    private readonly status: () => StackStatus | undefined,
  ) {}

  /** Call after each snapshot and when the view's visibility changes. */
  update(): void {
    const conn = this.connection();
    const status = this.status();
    const replicas =
      this.view.visible && status ? status.deployments.flatMap((d) => d.replicas.map((r) => r.name)).sort() : [];
    const key = replicas.join(',');
    const due = Date.now() - this.askedAt > RENEW_MS - 1000;
    if (!conn || (key === this.asked && (!replicas.length || !due))) return;
    this.asked = key;
    this.askedAt = Date.now();
    // An older controller without the route, or one stopping: the figures are only missing.
    conn.post('/v1/usage', { replicas }).then(undefined, () => undefined);
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
