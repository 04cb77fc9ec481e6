// Endpoints view: services → URLs (the stable 127.0.0.1 balancer ports) → endpoints with
// readiness, from the rows endpoints-model.ts computes for each snapshot.
import { RowTreeProvider } from './row-tree';
import type { EndpointNode } from './endpoints-model';

export type { EndpointNode } from './endpoints-model';

export class EndpointsProvider extends RowTreeProvider<EndpointNode> {}
