// The Swarm view: a swarm deployment in the rows Topology uses (views/topology-model.ts, swarmRows): the
// stack's row holding the swarm's nodes, each holding the replicas it runs. Read with `flotilla status
// --target swarm --json` (the same StackStatus the local views show), after a deploy and on Refresh; the
// swarm is another machine's, so the view polls nothing by itself.
import type { StackStatus } from '../../engine/api/protocol';
import type { Ctx } from '../ctx';
import { RowTreeProvider } from '../views/row-tree';
import { addRow, emptyModel, type RowModel } from '../views/rows';
import { swarmRows, type TopologyNode } from '../views/topology-model';
import { runCli } from './deploy-command';

export class SwarmView extends RowTreeProvider<TopologyNode> {
  private status: StackStatus | undefined;
  private target: { host: string; stackDir: string } | undefined;

  constructor(private readonly ctx: Ctx) {
    super();
  }

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
    let error: string | undefined;
    try {
      this.status = r.code === 0 ? (JSON.parse(out) as StackStatus) : undefined;
      if (r.code !== 0) error = r.tail.pop() ?? 'status failed';
    } catch {
      this.status = undefined;
      error = 'the status could not be read';
    }
    this.show(this.status ? swarmRows(this.status, Date.now()) : messageRows(error ?? 'no status'));
    return this.status;
  }
}

/** One row saying why the swarm's status is not shown. */
function messageRows(text: string): RowModel<TopologyNode> {
  const model = emptyModel<TopologyNode>();
  addRow(model, {
    id: 'message',
    node: { kind: 'message', id: 'message' },
    children: [],
    label: text,
    icon: { id: 'error', color: 'testing.iconFailed' },
    contextValue: 'flotilla.swarmMessage',
    accessibility: `swarm status ${text}`,
  });
  return model;
}
