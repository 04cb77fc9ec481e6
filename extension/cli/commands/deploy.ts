// `flotilla deploy --target swarm --host <manager DOCKER_HOST> --registry <host:port> [--stack DIR] [--watch]`
// and `flotilla deploy --target kubernetes --context NAME --registry R`: the same stack on a multi-node engine.
import { deploySwarm } from '../../engine/deploy/swarm/deploy';
import { swarmProxyImage } from '../../engine/deploy/swarm/proxy-image';
import { watchSwarm } from '../../engine/deploy/swarm/autoscale';
import { type Args, stackDir, UsageError } from '../args';
import { deployKubernetes } from './deploy-kubernetes';

export function flag(args: Args, name: string, required: string | undefined): string | undefined {
  const v = args.flags.get(name);
  if (typeof v === 'string' && v) return v;
  if (v === true) throw new UsageError(`${name} needs a value`);
  if (required) throw new UsageError(required);
  return undefined;
}

export function target(args: Args): 'swarm' | 'kubernetes' | undefined {
  const t = flag(args, '--target', undefined);
  if (t === undefined || t === 'local') return undefined;
  if (t === 'swarm' || t === 'kubernetes') return t;
  throw new UsageError(`--target ${t}: use swarm or kubernetes`);
}

export function swarmFlags(args: Args, needRegistry = true): { host: string; registry: string } {
  const host = flag(
    args,
    '--host',
    '--target swarm needs --host: the DOCKER_HOST of a swarm manager (unix://, tcp://, ssh://)',
  );
  const registry = flag(
    args,
    '--registry',
    needRegistry ? '--target swarm needs --registry HOST:PORT: the registry every node pulls from' : undefined,
  );
  return { host: host ?? '', registry: registry ?? '' };
}

export async function deploy(args: Args): Promise<number> {
  const t = target(args);
  if (!t) throw new UsageError('deploy needs --target swarm or --target kubernetes');
  const say = (l: string) => process.stdout.write(l + '\n');
  if (t === 'kubernetes') {
    return deployKubernetes(args);
  }
  const { host, registry } = swarmFlags(args);
  const timeout = flag(args, '--timeout', undefined);
  const started = Date.now();
  const res = await deploySwarm({
    host,
    registry,
    stackDir: stackDir(args),
    onOutput: say,
    timeoutMs: timeout ? Number(timeout) * 1000 : undefined,
    proxyImage: swarmProxyImage,
    needNodeImage: args.flags.has('--watch'),
  });
  const a = res.applied;
  say(
    `stack ${res.stack.name} deployed to the swarm in ${((Date.now() - started) / 1000).toFixed(1)} s: ` +
      `${a.created.length} created, ${a.updated.length} updated, ${a.unchanged.length} unchanged, ${a.removed.length} removed`,
  );
  if (args.flags.has('--watch')) {
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    process.once('SIGTERM', () => stop.abort());
    await watchSwarm({
      docker: res.docker,
      stack: res.stack,
      agentImage: res.proxyImage,
      onOutput: say,
      signal: stop.signal,
    });
    say('autoscaler stopped; the services keep their replica counts');
  }
  return 0;
}
