// `flotilla scale` and `flotilla restart`: intents. With a controller running
// they go to it; without one they are recorded and applied by the next `up`.
import * as path from 'node:path';
import { ControllerClient } from '../../engine/api/client';
import { StateStore } from '../../engine/controller/state-store';
import { StackError } from '../../engine/model/problems';
import { loadStack } from '../../engine/model/load-stack';
import type { StackSpec } from '../../engine/model/types';
import { type Args, stackDir, UsageError } from '../args';

export async function scale(args: Args): Promise<number> {
  const [deployment, n] = args.positionals;
  if (!deployment || n === undefined || !/^\d+$/.test(n)) {
    throw new UsageError('usage: flotilla scale [--stack DIR] DEPLOYMENT N');
  }
  return intent(
    args,
    deployment,
    (c) => c.post('/v1/scale', { deployment, replicas: Number(n) }),
    (s) => {
      s.scale[deployment] = Number(n);
    },
    `scale ${deployment} to ${n}`,
  );
}

export async function restart(args: Args): Promise<number> {
  const [deployment] = args.positionals;
  if (!deployment) throw new UsageError('usage: flotilla restart [--stack DIR] DEPLOYMENT');
  const at = new Date().toISOString();
  return intent(
    args,
    deployment,
    (c) => c.post('/v1/restart', { deployment }),
    (s) => {
      s.restartedAt[deployment] = at;
    },
    `rolling restart of ${deployment}`,
  );
}

async function intent(
  args: Args,
  deployment: string,
  live: (c: ControllerClient) => Promise<{ message?: string }>,
  record: (s: ReturnType<StateStore['get']>) => void,
  what: string,
): Promise<number> {
  const dir = stackDir(args);
  const stack = requireStack(dir);
  if (!stack.deployments.some((d) => d.name === deployment)) {
    throw new Error(
      `no deployment "${deployment}" in stack ${stack.name} (deployments: ${stack.deployments.map((d) => d.name).join(', ')})`,
    );
  }
  const client = await ControllerClient.connect(dir);
  if (client) {
    const res = await live(client);
    process.stdout.write(`${res.message ?? 'ok'}\n`);
    return 0;
  }
  new StateStore(stack.dir).update(record);
  process.stdout.write(
    `recorded ${what}; no controller runs for ${path.relative(process.cwd(), stack.dir) || '.'}, so it applies at the next 'flotilla up'\n`,
  );
  return 0;
}

export function requireStack(dir: string): StackSpec {
  const { stack, problems } = loadStack(dir);
  if (!stack) throw new StackError(problems);
  return stack;
}
