// `flotilla status [--json]`: from the running controller, or straight from Docker.
import { readStatus } from '../../engine/api/read-status';
import { type Args, stackDir } from '../args';
import { formatStatus } from '../output';

export async function status(args: Args): Promise<number> {
  const s = await readStatus(stackDir(args));
  process.stdout.write((args.flags.has('--json') ? JSON.stringify(s, null, 2) : formatStatus(s)) + '\n');
  return 0;
}
