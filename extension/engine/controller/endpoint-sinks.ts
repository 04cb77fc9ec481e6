// Several EndpointSinks behind the controller's one: the host load balancers and the
// in-network Service proxy both receive every endpoint change.
import type { StackStatus } from '../api/protocol';
import type { StackSpec } from '../model/types';
import type { EndpointSink } from './hooks';
import type { EndpointTarget } from './status';

export class EndpointSinks implements EndpointSink {
  constructor(private readonly sinks: readonly EndpointSink[]) {}

  update(stack: StackSpec, endpoints: Map<string, EndpointTarget[]>): void {
    for (const s of this.sinks) s.update(stack, endpoints);
  }

  async applyServices(stack: StackSpec): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.applyServices?.(stack)));
  }

  decorate(stack: StackSpec, status: StackStatus): StackStatus {
    return this.sinks.reduce((st, s) => s.decorate?.(stack, st) ?? st, status);
  }

  async close(graceMs: number): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close?.(graceMs)));
  }
}
