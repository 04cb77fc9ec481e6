// `flotilla status --target swarm --host H`: the stack's services and tasks on a swarm, in the
// local status's JSON shape (`--target local` is the local status). In the CLI's second bundle
// (see ../engine-commands.ts), with the swarm modules required only on that path.
import { readStatus } from '../../engine/api/read-status';
import type { StackStatus } from '../../engine/api/protocol';
import { type Args, stackDir } from '../args';
import type * as Deploy from './deploy';
import type * as SwarmDeploy from '../../engine/deploy/swarm/deploy';
import type * as SwarmStatus from '../../engine/deploy/swarm/status';
import type * as LoadStack from '../../engine/model/load-stack';

/* eslint-disable @typescript-eslint/no-require-imports -- required here, not at the top: --target local never loads them */
export async function remoteStatus(args: Args): Promise<StackStatus> {
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
