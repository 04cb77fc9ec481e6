// A TreeDataProvider that serves a RowModel. `show(model)` swaps in the rows of a new
// snapshot and refreshes only what changed. Elements are interned by id: VS Code finds a
// row again (for reveal, for the argument of an inline action) by element identity.
import * as vscode from 'vscode';
import { changedRows, emptyModel, type Row, type RowModel } from './rows';

export class RowTreeProvider<N extends { id: string }> implements vscode.TreeDataProvider<N>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<N | N[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private model: RowModel<N> = emptyModel();
  private readonly nodes = new Map<string, N>();

  /** The rows on screen. */
  get rows(): RowModel<N> {
    return this.model;
  }

  /** Shows a new model; fires a change for the rows that differ (all of them when the roots did). */
  show(model: RowModel<N>): void {
    const changes = changedRows(this.model, model);
    this.model = model;
    for (const id of this.nodes.keys()) if (!model.rows.has(id)) this.nodes.delete(id);
    if (changes === 'all') this.changed.fire(undefined);
    else if (changes.length) this.changed.fire(changes.map((id) => this.node(id)).filter((n) => n !== undefined));
  }

  /** The element VS Code knows for a row id (undefined when no such row is shown). */
  node(id: string): N | undefined {
    const row = this.model.rows.get(id);
    if (!row) return undefined;
    let node = this.nodes.get(id);
    if (!node) {
      node = row.node;
      this.nodes.set(id, node);
    }
    return node;
  }

  getChildren(el?: N): N[] {
    const ids = el ? (this.model.rows.get(el.id)?.children ?? []) : this.model.roots;
    return ids.map((id) => this.node(id)).filter((n) => n !== undefined);
  }

  getParent(el: N): N | undefined {
    const parent = this.model.rows.get(el.id)?.parent;
    return parent === undefined ? undefined : this.node(parent);
  }

  getTreeItem(el: N): vscode.TreeItem {
    const row = this.model.rows.get(el.id);
    return row ? treeItem(row) : new vscode.TreeItem(el.id);
  }

  /** Hover text of rows with children, read when the user hovers (see Row.tooltip). */
  resolveTreeItem(item: vscode.TreeItem, el: N): vscode.TreeItem {
    item.tooltip ??= this.model.rows.get(el.id)?.tooltip;
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function treeItem<N>(row: Row<N>): vscode.TreeItem {
  const state =
    row.children.length === 0 && !row.branch
      ? vscode.TreeItemCollapsibleState.None
      : row.collapsed
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.Expanded;
  const item = new vscode.TreeItem(row.label, state);
  item.id = row.id;
  item.description = row.description;
  if (row.children.length === 0 && !row.branch) item.tooltip = row.tooltip;
  if (row.icon) {
    item.iconPath = new vscode.ThemeIcon(
      row.icon.id,
      row.icon.color ? new vscode.ThemeColor(row.icon.color) : undefined,
    );
  }
  item.contextValue = row.contextValue;
  item.accessibilityInformation = { label: row.accessibility };
  return item;
}
