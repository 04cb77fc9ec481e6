// What a command was run on. VS Code passes the row's element as the first argument of an
// inline or context-menu action and passes nothing from the palette. When the row was
// refreshed away at the moment of the click, it passes `undefined`: such a click gets a
// clear message instead of a quick pick the user never asked for.
import type { EndpointNode } from '../views/endpoints-model';
import type { TopologyNode } from '../views/topology-model';

export type RowNode = TopologyNode | EndpointNode;

export type Invocation =
  /** From the palette or a keybinding: no argument at all. */
  | { from: 'palette' }
  /** From a row (or a test passing a name). */
  | { from: 'row'; node: RowNode | string }
  /** From a row VS Code no longer knew. */
  | { from: 'lost' };

export const ROW_LOST = 'Flotilla: that row was being updated as you clicked it; click it again.';

export function invocation(args: readonly unknown[]): Invocation {
  if (args.length === 0) return { from: 'palette' };
  const [first] = args;
  if (typeof first === 'string') return { from: 'row', node: first };
  if (isRowNode(first)) return { from: 'row', node: first };
  return { from: 'lost' };
}

const KINDS: readonly string[] = ['stack', 'deployment', 'replica', 'build', 'service', 'url', 'endpoint'];

function isRowNode(v: unknown): v is RowNode {
  return typeof v === 'object' && v !== null && 'kind' in v && typeof v.kind === 'string' && KINDS.includes(v.kind);
}

/** The deployment a row stands for (a deployment's or a replica's row). */
export function rowDeployment(node: RowNode | string | undefined): string | undefined {
  if (typeof node === 'string') return node;
  return node?.kind === 'deployment' || node?.kind === 'replica' ? node.deployment : undefined;
}
