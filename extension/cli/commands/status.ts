// `flotilla status [--json] [--target swarm --host H]`: from the running controller, straight from Docker, or
// from a swarm's services and tasks (the same JSON shape). With a controller running this is one
// small request and the formatter, all in the CLI's first bundle; the other paths are in its second
// (../engine-commands.ts), required only when they run.
import { ControllerClient } from '../../engine/api/client';
import type { StackStatus } from '../../engine/api/protocol';
import { type Args, stackDir } from '../args';
import { formatStatus } from '../output';
import type * as EngineCommands from '../engine-commands';

export async function status(args: Args): Promise<number> {
  const s = args.flags.has('--target') ? await engine().remoteStatus(args) : await localStatus(stackDir(args));
  process.stdout.write((args.flags.has('--json') ? JSON.stringify(s, null, 2) : formatStatus(s)) + '\n');
  return 0;
}

/** The running controller's in-memory status when one answers, else the stack files' and Docker's. */
async function localStatus(dir: string): Promise<StackStatus> {
  const client = await ControllerClient.connect(dir);
  return client ? client.status() : engine().statusWithoutController(dir);
}

function engine(): typeof EngineCommands {
  return require('../engine-commands'); // eslint-disable-line @typescript-eslint/no-require-imports -- see the header
}
