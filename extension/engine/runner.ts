// `up` as a sequence: load and validate everything, build images, then start
// the controller; reload re-runs the same preparation and only swaps the
// desired state if it all succeeded, so a bad save never touches what runs.
import type Docker from 'dockerode';
import type { BuildProgress } from './api/protocol';
import { errorMessage } from './util/errors';
import { buildImage, withTag, type BuildResult } from './build';
import { AutoscalingLoop } from './controller/autoscaling';
import { BalancerSink } from './controller/balancer-sink';
import { StackController } from './controller/controller';
import { PodLifecycleManager } from './controller/pod-lifecycle';
import { checkImages } from './docker/image-pull';
import { EndpointSinks } from './controller/endpoint-sinks';
import { provideNetwork, removeNetwork } from './docker/network';
import { ProbeMonitor } from './health/monitor';
import type { Problem } from './model/problems';
import { StackError } from './model/problems';
import { loadStack } from './model/load-stack';
import type { NodeSpec, StackSpec } from './model/types';
import { ProxySink } from './proxy/proxy-sink';
import { defaultNodePool } from './scheduler';
import type { Clock } from './util/clock';

export interface Prepared {
  stack: StackSpec;
  imageIds: Record<string, string>;
  nodes: NodeSpec[];
}

export interface PrepareOptions {
  onOutput?: (line: string) => void;
  /** Each image's progress: started, each Dockerfile step, then built, up to date or failed. */
  onBuild?: (progress: BuildProgress) => void;
  signal?: AbortSignal;
  /** Extra validation (the shared rule engine); returns problems with severity. */
  lint?: (stackDir: string) => Promise<Problem[]>;
  /**
   * `up` only: create the stack network while lint and builds run. It is removed again if
   * preparation fails, so a refused stack still leaves nothing behind.
   */
  network?: boolean;
  /**
   * Images used as they are (image reference → id) instead of being built: live update's
   * synced images, whose context differs from the image while their replicas hold the files.
   */
  reuse?: Record<string, string>;
}

/** Loads, validates and builds. Throws StackError (file:line problems) or a build error; changes nothing that runs. */
export async function prepareStack(docker: Docker, dir: string, opts: PrepareOptions = {}): Promise<Prepared> {
  const { stack, problems } = loadStack(dir);
  if (!stack) throw new StackError(problems);
  // Lint, builds, image checks and the node pool overlap: a lint error still
  // refuses the stack before anything runs, and a finished build changes nothing.
  const imageIds: Record<string, string> = {};
  const lint = opts.lint ? opts.lint(stack.dir) : Promise.resolve([]);
  const builds = Promise.all(
    stack.builds.map(async (b) => {
      const report = (p: Omit<BuildProgress, 'image'>) => opts.onBuild?.({ image: b.image, ...p });
      const reused = opts.reuse?.[b.image];
      if (reused) {
        imageIds[b.image] = reused;
        imageIds[withTag(b.image)] = reused;
        return;
      }
      report({ state: 'building' });
      let res: BuildResult;
      try {
        res = await buildImage(docker, b, {
          stack: stack.name,
          stackDir: stack.dir,
          onOutput: (l) => opts.onOutput?.(`[build ${b.image}] ${l}`),
          onStep: (s) => report({ state: 'building', step: s.index, total: s.total, instruction: s.text }),
          signal: opts.signal,
        });
      } catch (e) {
        report({ state: 'failed', message: errorMessage(e) });
        throw e;
      }
      report({ state: res.cached ? 'cached' : 'built' });
      imageIds[b.image] = res.id;
      imageIds[withTag(b.image)] = res.id;
      if (!res.cached) opts.onOutput?.(`built ${res.image} (${res.id.slice(7, 19)})`);
    }),
  );
  const nodes = nodePool(docker, stack);
  const network = opts.network ? provideNetwork(docker, stack.name, stack.dir) : undefined;
  // All awaited below; one failing while another is awaited must not crash the process.
  for (const p of [nodes, builds, network]) p?.catch(() => undefined); // not a swallow: each is awaited below
  try {
    const errors = (await lint).filter((p) => (p.severity ?? 'error') === 'error');
    if (errors.length) {
      await builds.catch(() => undefined); // the lint errors are what the user must see first
      throw new StackError(errors);
    }
    await builds;
    await checkImagesPresent(docker, stack, imageIds, opts.onOutput);
    await network;
    return { stack, imageIds, nodes: await nodes };
  } catch (e) {
    // A refused stack leaves nothing behind, not even the network made meanwhile.
    const made = await network?.catch(() => undefined); // a network never made needs no removal
    // Best effort: the error being thrown matters more, and a stray network is reused by the next up.
    if (made?.created) await removeNetwork(docker, stack.name).catch(() => undefined);
    throw e;
  }
}

async function nodePool(docker: Docker, stack: StackSpec): Promise<NodeSpec[]> {
  if (stack.nodes.length) return stack.nodes;
  const info: { NCPU?: number; MemTotal?: number } = await docker.info();
  return defaultNodePool(info.NCPU ?? 1, info.MemTotal ?? 1024 ** 3);
}

/** Images the stack does not build, settled by their imagePullPolicy (docker/image-pull.ts); a problem refuses the stack. */
async function checkImagesPresent(
  docker: Docker,
  stack: StackSpec,
  built: Record<string, string>,
  onOutput?: (line: string) => void,
): Promise<void> {
  const { problems, warnings } = await checkImages(docker, stack, built, onOutput);
  for (const w of warnings) stack.warnings.push({ ...w, severity: 'warning' });
  if (problems.length) throw new StackError(problems);
}

/** Re-prepares and applies; on any problem the running stack is left exactly as it was. */
export async function reloadStack(ctl: StackController, opts: PrepareOptions = {}): Promise<string> {
  const next = await prepareStack(ctl.docker, ctl.stack.file, opts);
  ctl.apply(next.stack, next.imageIds, next.nodes);
  return `reloaded ${next.stack.name}: ${next.stack.deployments.length} deployment(s), ${next.stack.services.length} service(s)`;
}

/**
 * A controller with everything attached: probes decide readiness and liveness, each Service
 * gets its host load balancer, and a ClusterIP with cluster DNS inside the stack network.
 */
export function createController(docker: Docker, p: Prepared, opts: { clock?: Clock } = {}): StackController {
  const ctl = new StackController({ docker, stack: p.stack, imageIds: p.imageIds, nodes: p.nodes, clock: opts.clock });
  const balancers = new BalancerSink(p.stack);
  const proxy = new ProxySink(docker, p.stack, {
    emit: (type, reason, message) => ctl.emitEvent(type, reason, `stack/${ctl.stack.name}`, message),
  });
  ctl.health = new ProbeMonitor(docker, ctl);
  ctl.endpointSink = new EndpointSinks([balancers, proxy]);
  ctl.clusterNetwork = proxy;
  ctl.autoscaling = new AutoscalingLoop(ctl, balancers);
  ctl.pods = new PodLifecycleManager({
    // The controller's client: what a pod's start changes, the next listing sees.
    docker: ctl.docker,
    get stack() {
      return ctl.stack;
    },
    nodesNow: () => ctl.nodesNow(),
    track: (work, deployment) => ctl.track(work, deployment),
    emitEvent: (type, reason, object, message) => ctl.emitEvent(type, reason, object, message),
  });
  return ctl;
}
