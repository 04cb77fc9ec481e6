// Status bar item: the stack's state (up, degraded, down) and ready/desired totals.
// Clicking it focuses the Topology view.
import * as vscode from 'vscode';
import type { StackStatus } from '../engine/api/protocol';
import { stackHealth, stackTotals } from './views/format';

export class StackStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('flotilla.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Flotilla Stack';
    this.item.command = 'flotilla.topology.focus';
  }

  update(stackName: string | undefined, status: StackStatus | undefined): void {
    if (!stackName) {
      this.item.hide();
      return;
    }
    const health = stackHealth(status);
    const { ready, desired } = stackTotals(status);
    const icon = health === 'up' ? '$(vm-running)' : health === 'degraded' ? '$(warning)' : '$(vm-outline)';
    this.item.text =
      health === 'down' ? `${icon} ${stackName}: down` : `${icon} ${stackName}: ${health} ${ready}/${desired}`;
    this.item.tooltip = `Flotilla stack ${stackName} is ${health}${health === 'down' ? '' : `: ${ready} of ${desired} replicas ready`}`;
    this.item.backgroundColor =
      health === 'degraded' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
