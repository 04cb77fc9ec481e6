// Status bar item: the stack's state (starting, up, degraded, down) and ready/desired
// totals, from the same snapshot as the tree. Clicking it focuses the Topology view. Its
// screen-reader label is a sentence, never the icon's name.
import * as vscode from 'vscode';
import type { StackStatus } from '../engine/api/protocol';
import { stackHealth, stackTotals } from './views/format';

export class StackStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('flotilla.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'Flotilla Stack';
    this.item.command = 'flotilla.topology.focus';
  }

  /** The text shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  get accessibilityLabel(): string | undefined {
    return this.item.accessibilityInformation?.label;
  }

  update(stackName: string | undefined, status: StackStatus | undefined, starting = false): void {
    if (!stackName) {
      this.item.hide();
      return;
    }
    const health = stackHealth(status);
    const { ready, desired } = stackTotals(status);
    let icon: string;
    let text: string;
    let said: string;
    if (health === 'down' && starting) {
      [icon, text, said] = ['$(sync~spin)', 'starting', 'is starting'];
    } else if (health === 'down') {
      [icon, text, said] = ['$(vm-outline)', 'down', 'is down'];
    } else {
      icon = health === 'up' ? '$(vm-running)' : '$(warning)';
      text = `${health} ${ready}/${desired}`;
      said = `is ${health}: ${ready} of ${desired} replicas ready`;
    }
    this.item.text = `${icon} ${stackName}: ${text}`;
    this.item.tooltip = `Flotilla stack ${stackName} ${said}`;
    this.item.accessibilityInformation = { label: `Flotilla stack ${stackName} ${said}`, role: 'button' };
    this.item.backgroundColor =
      health === 'degraded' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
