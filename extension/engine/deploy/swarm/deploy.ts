// `flotilla deploy --target swarm`: load the stack, build its images on the manager's engine and push them
// (tagged by content hash) to the registry every node pulls from, then apply the plan and wait for every
// service to converge. Re-running changes only what changed; a stack with problems changes nothing.
import Docker from 'dockerode';
import { StackError } from '../../model/problems';
import { loadStack } from '../../model/load-stack';
import type { StackSpec } from '../../model/types';
import { buildAndPush, tagAndPush } from '../images';
import { applySwarmPlan, pruneBlobs, stackServices, swarmNodes, type ApplyResult } from './apply';
import { planSwarm } from './plan';
import type { SwarmPlan } from './plan-types';
import { waitConverged } from './tasks';
import { pinnedNode } from './workload-kinds';

export interface SwarmTarget {
  /** The manager's engine, as DOCKER_HOST spells it (unix://, tcp://host:port, ssh://user@host). */
  host: string;
  /** host:port of the registry every node pulls from (the manager's engine must be able to push to it). */
  registry: string;
}

export interface DeployOptions extends SwarmTarget {
  stackDir: string;
  onOutput?: (line: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Build the proxy image even without Services: --watch runs the stats agent on it (claim setup jobs too). */
  needNodeImage?: boolean;
  /** Builds the Service proxy image on the manager and returns its local tag. */
  proxyImage: (docker: Docker, stack: StackSpec) => Promise<string>;
}

export interface DeployResult {
  docker: Docker;
  /** The proxy image as pushed ('' when the stack needed none). */
  proxyImage: string;
  stack: StackSpec;
  plan: SwarmPlan;
  applied: ApplyResult;
}

/** A dockerode client for a DOCKER_HOST-style address. */
export function dockerAt(host: string): Docker {
  const u = new URL(host);
  if (u.protocol === 'unix:') return new Docker({ socketPath: u.pathname });
  if (u.protocol === 'tcp:' || u.protocol === 'http:' || u.protocol === 'https:') {
    return new Docker({
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'https:' ? 2376 : 2375)),
      protocol: u.protocol === 'https:' ? 'https' : 'http',
    });
  }
  if (u.protocol === 'ssh:') {
    return new Docker({
      protocol: 'ssh',
      host: u.hostname,
      port: Number(u.port || 22),
      username: u.username || undefined,
    });
  }
  throw new Error(`--host ${host}: use unix:///path/docker.sock, tcp://HOST:PORT or ssh://USER@HOST`);
}

/** Connects to the manager and checks it is one: deploys go through a swarm manager. */
export async function connectManager(host: string): Promise<Docker> {
  const docker = dockerAt(host);
  let info: { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  try {
    info = (await docker.info()) as typeof info;
  } catch (e) {
    throw new Error(`no Docker engine answers at ${host} (${e instanceof Error ? e.message : String(e)})`);
  }
  if (info.Swarm?.LocalNodeState !== 'active') {
    throw new Error(
      `the engine at ${host} is not part of a swarm: run 'docker swarm init' there (or pass a manager's address)`,
    );
  }
  if (!info.Swarm.ControlAvailable) {
    throw new Error(`the engine at ${host} is a swarm worker; pass a manager's address (docker node ls shows them)`);
  }
  return docker;
}

export async function deploySwarm(opts: DeployOptions): Promise<DeployResult> {
  const say = (l: string) => opts.onOutput?.(l);
  const { stack, problems } = loadStack(opts.stackDir);
  if (!stack) throw new StackError(problems);
  const docker = await connectManager(opts.host);
  const nodes = await swarmNodes(docker);
  say(`swarm: ${nodes.length} node(s), ${nodes.filter((n) => n.ready).length} ready; registry ${opts.registry}`);

  const [pushed, proxyTag] = await Promise.all([
    buildAndPush(docker, stack, { registry: opts.registry, onOutput: say, signal: opts.signal }),
    stack.services.length || opts.needNodeImage || hasClaimTemplates(stack)
      ? opts.proxyImage(docker, stack)
      : Promise.resolve(undefined),
  ]);
  let proxyImage = '';
  if (proxyTag) {
    const info = await docker.getImage(proxyTag).inspect();
    proxyImage = await tagAndPush(docker, info.Id, `${opts.registry}/flotilla/proxy:${info.Id.slice(7, 23)}`, {
      registry: opts.registry,
      onOutput: say,
    });
  }
  const images = Object.fromEntries([...pushed].map(([k, v]) => [k, v.ref]));
  const current = await currentState(docker, stack.name);
  const plan = planSwarm({
    stack,
    images,
    proxyImage,
    nodes,
    currentReplicas: current.replicas,
    currentPins: current.pins,
  });
  for (const w of plan.warnings) say(`warning: ${w}`);
  const applied = await applySwarmPlan(docker, plan, { onOutput: say, signal: opts.signal });
  await waitConverged(docker, stack.name, {
    timeoutMs: opts.timeoutMs ?? 300_000,
    readyNodes: nodes.filter((n) => n.ready).length,
    onProgress: say,
    signal: opts.signal,
  });
  const pruned = await pruneBlobs(docker, plan);
  if (pruned) say(`removed ${pruned} config/secret version(s) no longer used`);
  return { docker, proxyImage, stack, plan, applied };
}

/** A StatefulSet with claim templates: its volumes are prepared by a job on the proxy image (claim-setup.ts). */
function hasClaimTemplates(stack: StackSpec): boolean {
  return stack.deployments.some((d) => (d.statefulSet?.volumeClaimTemplates.length ?? 0) > 0);
}

/** Replica counts (an HPA's target keeps its own) and StatefulSet pins (an ordinal stays with its volume). */
async function currentState(
  docker: Docker,
  stack: string,
): Promise<{ replicas: Record<string, number>; pins: Record<string, string> }> {
  const replicas: Record<string, number> = {};
  const pins: Record<string, string> = {};
  for (const [name, s] of await stackServices(docker, stack)) {
    const r = s.info.Spec?.Mode?.Replicated?.Replicas;
    if (r !== undefined) replicas[name] = r;
    const pin = pinnedNode(s.info.Spec);
    if (pin) pins[name] = pin;
  }
  return { replicas, pins };
}
