// Topology view: stack → deployments → replicas (or, while the stack starts, the images
// being built), from the rows topology-model.ts computes for each snapshot. Row ids are
// names, so expansion and selection survive updates and the graph can reveal any deployment.
import { RowTreeProvider } from './row-tree';
import { deploymentId, type TopologyNode } from './topology-model';

export type { TopologyNode } from './topology-model';

export class TopologyProvider extends RowTreeProvider<TopologyNode> {
  /** The row of a deployment, for TreeView.reveal (undefined when it is not shown). */
  deploymentNode(name: string): TopologyNode | undefined {
    return this.node(deploymentId(name));
  }
}
