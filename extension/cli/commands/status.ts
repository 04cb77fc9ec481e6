// `flotilla status [--json] [--target swarm --host H]`: from the running controller, straight from Docker, or
// from a swarm's services and tasks (the same JSON shape).
import { readStatus } from '../../engine/api/read-status';
import { connectManager } from '../../engine/deploy/swarm/deploy';
import { swarmStatus } from '../../engine/deploy/swarm/status';
import { loadStackOrThrow } from '../../engine/model/load-stack';
import { type Args, stackDir } from '../args';
import { formatStatus } from '../output';
import { swarmFlags, target } from './deploy';

export async function status(args: Args): Promise<number> {
  const t = target(args);
  if (t === 'kubernetes') {
    throw new Error('status --target kubernetes: use kubectl get; Flotilla reads status from swarms and local engines');
  }
  const s =
    t === 'swarm'
      ? await swarmStatus(await connectManager(swarmFlags(args, false).host), loadStackOrThrow(stackDir(args)))
      : await readStatus(stackDir(args));
  process.stdout.write((args.flags.has('--json') ? JSON.stringify(s, null, 2) : formatStatus(s)) + '\n');
  return 0;
}
