// `flotilla status [--json] [--target swarm --host H]`: from the running controller, straight from Docker, or
// from a swarm's services and tasks (the same JSON shape). The local path loads only what it
// needs: with a controller running, that is one HTTP request and the formatter.
import { readStatus } from '../../engine/api/read-status';
import type { StackStatus } from '../../engine/api/protocol';
import { type Args, stackDir } from '../args';
import { formatStatus } from '../output';
import type * as Deploy from './deploy';
import type * as SwarmDeploy from '../../engine/deploy/swarm/deploy';
import type * as SwarmStatus from '../../engine/deploy/swarm/status';
import type * as LoadStack from '../../engine/model/load-stack';

export async function status(args: Args): Promise<number> {
  const s = args.flags.has('--target') ? await remoteStatus(args) : await readStatus(stackDir(args));
  process.stdout.write((args.flags.has('--json') ? JSON.stringify(s, null, 2) : formatStatus(s)) + '\n');
  return 0;
}

/* eslint-disable @typescript-eslint/no-require-imports -- required here, not at the top: the local path never loads them */
async function remoteStatus(args: Args): Promise<StackStatus> {
  const { target, swarmFlags }: typeof Deploy = require('./deploy');
  const t = target(args);
  if (t === 'kubernetes') {
    throw new Error('status --target kubernetes: use kubectl get; Flotilla reads status from swarms and local engines');
  }
  if (t === undefined) return readStatus(stackDir(args));
  const { connectManager }: typeof SwarmDeploy = require('../../engine/deploy/swarm/deploy');
  const { swarmStatus }: typeof SwarmStatus = require('../../engine/deploy/swarm/status');
  const { loadStackOrThrow }: typeof LoadStack = require('../../engine/model/load-stack');
  return swarmStatus(await connectManager(swarmFlags(args, false).host), loadStackOrThrow(stackDir(args)));
}
/* eslint-enable @typescript-eslint/no-require-imports */
