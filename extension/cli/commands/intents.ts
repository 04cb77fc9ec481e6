// `flotilla scale` and `flotilla restart`: intents. With a controller running
// they go to it; without one they are recorded and applied by the next `up`.
import * as path from 'node:path';
import { ControllerClient } from '../../engine/api/client';
import type { ScaleRequest } from '../../engine/api/protocol';
import {
  clearHandScale,
  dropStaleHandScales,
  handScale,
  manifestReplicas,
  recordHandScale,
} from '../../engine/controller/hand-scale';
import { requireKind, RESTARTABLE, SCALABLE } from '../../engine/controller/intents';
import { StateStore, type StackState } from '../../engine/controller/state-store';
import { StackError } from '../../engine/model/problems';
import { loadStack } from '../../engine/model/load-stack';
import type { DeploymentSpec, StackSpec } from '../../engine/model/types';
import { type Args, stackDir, UsageError } from '../args';

export async function scale(args: Args): Promise<number> {
  const [deployment, n] = args.positionals;
  const reset = args.flags.has('--reset');
  const usage = 'usage: flotilla scale [--stack DIR] DEPLOYMENT N|+N|-N, or DEPLOYMENT --reset';
  if (!deployment || (reset ? n !== undefined : n === undefined || !/^[+-]?\d+$/.test(n))) {
    throw new UsageError(usage);
  }
  // "+1" and "-1" change the count in force; a running controller applies them in order.
  const delta = !reset && n !== undefined && /^[+-]/.test(n) ? Number(n) : undefined;
  const body: ScaleRequest = reset
    ? { deployment, reset: true }
    : delta !== undefined
      ? { deployment, delta }
      : { deployment, replicas: Number(n) };
  return intent(
    args,
    deployment,
    'scale',
    (c) => c.post('/v1/scale', body),
    (s, d) => {
      if (!d || reset) {
        clearHandScale(s, deployment);
      } else {
        const now = handScale(s, d)?.replicas ?? manifestReplicas(d);
        recordHandScale(s, d, delta !== undefined ? Math.max(0, now + delta) : Number(n));
      }
    },
    reset
      ? `reset of ${deployment} to its manifest`
      : `scale ${deployment} ${delta !== undefined ? `by ${n}` : `to ${n}`}`,
  );
}

export async function restart(args: Args): Promise<number> {
  const [deployment] = args.positionals;
  if (!deployment) throw new UsageError('usage: flotilla restart [--stack DIR] DEPLOYMENT');
  const at = new Date().toISOString();
  return intent(
    args,
    deployment,
    'restart',
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
  verb: 'scale' | 'restart',
  live: (c: ControllerClient) => Promise<{ message?: string }>,
  record: (s: StackState, d: DeploymentSpec | undefined) => void,
  what: string,
): Promise<number> {
  const dir = stackDir(args);
  const stack = requireStack(dir);
  const target = stack.deployments.find((d) => d.name === deployment);
  if (!target) {
    throw new Error(
      `no deployment "${deployment}" in stack ${stack.name} (deployments: ${stack.deployments.map((d) => d.name).join(', ')})`,
    );
  }
  requireKind(target, verb === 'scale' ? SCALABLE : RESTARTABLE, verb);
  const client = await ControllerClient.connect(dir);
  if (client) {
    const res = await live(client);
    process.stdout.write(`${res.message ?? 'ok'}\n`);
    return 0;
  }
  new StateStore(stack.dir).update((s) => {
    dropStaleHandScales(s, stack); // as the next `up` would, so a delta starts from what it will run
    record(
      s,
      stack.deployments.find((d) => d.name === deployment),
    );
  });
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
