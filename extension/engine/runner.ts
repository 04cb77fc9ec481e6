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
import { provideNetwork, removeNetwork } from './docker/network';
import { ProbeMonitor } from './health/monitor';
import type { Problem } from './model/problems';
import { StackError } from './model/problems';
import { loadStack } from './model/load-stack';
import type { DeploymentSpec, NodeSpec, StackSpec } from './model/types';
import { defaultNodePool } from './scheduler';

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
    await checkImagesPresent(docker, stack, imageIds);
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

/** Images neither built by the stack nor present locally are pulled; failing that, a clear message names the manifest line. */
async function checkImagesPresent(docker: Docker, stack: StackSpec, built: Record<string, string>): Promise<void> {
  const problems: Problem[] = [];
  const images = new Map<string, { d: DeploymentSpec; c: string }>();
  for (const d of stack.deployments) {
    for (const c of d.template.containers) {
      if (!built[c.image] && !images.has(c.image)) images.set(c.image, { d, c: c.name });
    }
  }
  await Promise.all(
    [...images].map(async ([image, { d, c }]) => {
      if (
        await docker
          .getImage(image)
          .inspect()
          .then(
            () => true,
            () => false,
          )
      ) {
        return;
      }
      if (
        await pull(docker, image).then(
          () => true,
          () => false,
        )
      ) {
        return;
      }
      problems.push({
        ...d.source,
        message: `image "${image}" (deployment ${d.name}, container ${c}) is not built by the stack, not present locally and could not be pulled: add it to build: in the stack file, or build/pull it first`,
      });
    }),
  );
  if (problems.length) throw new StackError(problems);
}

function pull(docker: Docker, image: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // With a callback, dockerode reports every failure there; its return value carries nothing.
    void docker.pull(image, (err: Error | null, stream: NodeJS.ReadableStream) => {
      if (err) return reject(err);
      docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve()));
    });
  });
}

/** Re-prepares and applies; on any problem the running stack is left exactly as it was. */
export async function reloadStack(ctl: StackController, opts: PrepareOptions = {}): Promise<string> {
  const next = await prepareStack(ctl.docker, ctl.stack.file, opts);
  ctl.apply(next.stack, next.imageIds, next.nodes);
  return `reloaded ${next.stack.name}: ${next.stack.deployments.length} deployment(s), ${next.stack.services.length} service(s)`;
}

/** A controller with everything attached: probes decide readiness and liveness, each Service gets its host load balancer. */
export function createController(docker: Docker, p: Prepared): StackController {
  const ctl = new StackController({ docker, stack: p.stack, imageIds: p.imageIds, nodes: p.nodes });
  const balancers = new BalancerSink(p.stack);
  ctl.health = new ProbeMonitor(docker, ctl);
  ctl.endpointSink = balancers;
  ctl.autoscaling = new AutoscalingLoop(ctl, balancers);
  return ctl;
}
