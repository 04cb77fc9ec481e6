// `flotilla deploy --watch` on a swarm: placeholder until the autoscaler loop lands.
import type { StackSpec } from '../../model/types';

export async function watchSwarm(opts: {
  host: string;
  stack: StackSpec;
  onOutput: (l: string) => void;
}): Promise<void> {
  opts.onOutput(`--watch: not available yet for stack ${opts.stack.name}`);
}
