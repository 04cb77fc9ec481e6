// The rows of a tree view, computed once per status snapshot as plain data, so every row
// of a view (and the status bar beside it) shows the same moment. A new snapshot is
// compared with the last one and only the rows that changed are refreshed: a refresh makes
// VS Code forget the row's children for a moment, and an inline action clicked on a
// forgotten row arrives without its row (see commands/row-arg.ts).

/** One row: what VS Code shows, and the element (`node`) commands receive for it. */
export interface Row<N> {
  id: string;
  node: N;
  parent?: string;
  children: string[];
  label: string;
  description?: string;
  /** Hover text. Rows with children get it on hover only, so a changing metric never refreshes them. */
  tooltip?: string;
  icon?: { id: string; color?: string };
  contextValue: string;
  /** Screen-reader label: it starts with what the row is ("deployment web ..."), never an icon name. */
  accessibility: string;
  /**
   * A row that holds others, even while it has none: it is shown expanded from the start.
   * (VS Code keeps a row it first saw without children collapsed when children arrive.)
   */
  branch?: boolean;
  /** Collapsed instead of expanded (branches only). */
  collapsed?: boolean;
}

export interface RowModel<N> {
  roots: string[];
  rows: Map<string, Row<N>>;
}

export function emptyModel<N>(): RowModel<N> {
  return { roots: [], rows: new Map() };
}

/** Adds a row under `parent` (or as a root) and returns it. */
export function addRow<N>(model: RowModel<N>, row: Row<N>): Row<N> {
  model.rows.set(row.id, row);
  if (row.parent === undefined) model.roots.push(row.id);
  else model.rows.get(row.parent)?.children.push(row.id);
  return row;
}

/**
 * What to refresh to go from `before` to `after`: 'all' when the roots changed, else the
 * ids of rows whose own content or list of children changed. VS Code re-reads a refreshed
 * row's children, so a row under a refreshed one needs no entry of its own.
 */
export function changedRows<N>(before: RowModel<N>, after: RowModel<N>): 'all' | string[] {
  if (!sameList(before.roots, after.roots)) return 'all';
  const changed: string[] = [];
  for (const [id, row] of after.rows) {
    const old = before.rows.get(id);
    if (!old) continue; // new rows appear through their parent's changed children
    if (!sameList(old.children, row.children) || !sameContent(old, row)) changed.push(id);
  }
  return changed;
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameContent<N>(a: Row<N>, b: Row<N>): boolean {
  const leaf = b.children.length === 0 && !b.branch;
  return (
    a.label === b.label &&
    a.description === b.description &&
    a.contextValue === b.contextValue &&
    a.accessibility === b.accessibility &&
    a.collapsed === b.collapsed &&
    a.branch === b.branch &&
    a.icon?.id === b.icon?.id &&
    a.icon?.color === b.icon?.color &&
    (!leaf || a.tooltip === b.tooltip) &&
    (a.children.length === 0 && !a.branch) === leaf
  );
}
