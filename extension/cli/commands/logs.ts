// `flotilla logs [-f] [--tail N] [--timestamps] TARGET`: one replica, or every replica of
// a deployment with each line prefixed by its replica name (and, asked, its timestamp).
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import { connectDocker } from '../../engine/docker/client';
import { LineSplitter } from '../../engine/util/lines';
import { observeStack } from '../../engine/docker/observe';
import { type Args, stackDir, UsageError } from '../args';
import { requireStack } from './intents';

export async function logs(args: Args): Promise<number> {
  const [target] = args.positionals;
  if (!target) {
    throw new UsageError('usage: flotilla logs [--stack DIR] [-f] [--tail N] [--timestamps] REPLICA|DEPLOYMENT');
  }
  const stack = requireStack(stackDir(args));
  const docker = await connectDocker();
  const pods = (await observeStack(docker, stack.name)).filter((p) => p.replica === target || p.deployment === target);
  if (!pods.length) throw new Error(`no replica or deployment "${target}" is running in stack ${stack.name}`);
  const follow = args.flags.has('--follow');
  const tail = args.flags.get('--tail');
  const prefix = pods.length > 1 || args.flags.has('--prefix');
  const timestamps = args.flags.has('--timestamps');
  await Promise.all(
    pods.flatMap((p) =>
      p.containers.map((c) =>
        stream(docker, c.id, prefix ? `[${p.replica}${p.containers.length > 1 ? `/${c.podContainer}` : ''}] ` : '', {
          follow,
          timestamps,
          tail: typeof tail === 'string' ? Number(tail) : undefined,
        }),
      ),
    ),
  );
  return 0;
}

interface StreamOptions {
  follow: boolean;
  /** Docker's RFC 3339 timestamp at the start of each line. */
  timestamps: boolean;
  tail?: number;
}

async function stream(docker: Docker, id: string, prefix: string, opts: StreamOptions): Promise<void> {
  const { follow, timestamps, tail } = opts;
  const c = docker.getContainer(id);
  const base = { stdout: true, stderr: true, timestamps, ...(tail !== undefined ? { tail } : {}) };
  const out = new PassThrough();
  const err = new PassThrough();
  lines(out, (l) => process.stdout.write(prefix + l + '\n'));
  lines(err, (l) => process.stderr.write(prefix + l + '\n'));
  if (follow) {
    const s = await c.logs({ ...base, follow: true });
    docker.modem.demuxStream(s, out, err);
    await new Promise<void>((r) => {
      s.on('end', r);
      s.on('close', r);
    });
  } else {
    const buf = await c.logs({ ...base, follow: false });
    const s = new PassThrough();
    docker.modem.demuxStream(s, out, err);
    s.end(buf);
    await new Promise<void>((r) => s.on('end', r));
  }
  out.end();
  err.end();
}

function lines(s: PassThrough, onLine: (l: string) => void): void {
  const splitter = new LineSplitter(onLine);
  s.on('data', (chunk: Buffer) => splitter.push(chunk));
  s.on('end', () => splitter.end());
}
