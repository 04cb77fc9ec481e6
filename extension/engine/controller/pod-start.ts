// Starting one replica, in the kubelet's order (SyncPod):
//   1. volumes: claims found or created, pod volumes made, files written (pod-volumes.ts);
//   2. the sandbox, when the pod needs one (below), so the pod has its address before any
//      container is created: status.podIP in env then resolves as in a cluster;
//   3. init containers, one at a time, each to a successful exit; a failing one is restarted
//      with the CrashLoopBackOff delays (restartPolicy Always or OnFailure) or fails the pod
//      (Never), and blocks the app containers meanwhile;
//   4. each container created and started in order; a postStart hook runs right after its
//      container starts and the next container waits for it. A failed hook kills the
//      container (the kubelet's FailedPostStartHook); the restart policy takes it from there.
// A pod needs a sandbox when it has init containers (they must share the pod's network and
// exit before the app starts), a memory-backed emptyDir (a tmpfs lives only while mounted,
// and the sandbox holds it), or an env var reading status.podIP. Other pods keep the
// lighter layout where the first container owns the network.
import type Docker from 'dockerode';
import { networkName } from '../docker/labels';
import { ensurePauseImage } from '../docker/pause-image';
import { removePodVolumes } from '../docker/volumes';
import { PodSetupError, prepareVolumes } from '../docker/volume-writer';
import { RestartBackoff } from '../health/backoff';
import { runHook } from '../health/lifecycle';
import { sleep, unlessAborted } from '../util/abort';
import { throwIfCancelled } from '../util/errors';
import type { ContainerSpec, DeploymentSpec, NodeSpec, PodTemplate } from '../model/types';
import { podFacts } from './downward-api';
import {
  containerCreateOptions,
  EnvResolutionError,
  resolveEnv,
  sandboxOptions,
  type PodContext,
  type PodRuntime,
  type ReplicaPlacement,
} from './pod-spec';
import { planVolumes, subPathOf } from './pod-volumes';
import { nonRootViolation } from './pod-security';

export interface StartedReplica {
  ids: string[];
  /** For a pod with init containers: the init containers and then the app, still running on. */
  rest?: Promise<void>;
}

export interface StartOptions {
  node?: NodeSpec;
  /** Kubernetes-style events (FailedPostStartHook, BackOff, ...). */
  onEvent?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** Stops waiting (for an init container, a back-off): what was made is removed. */
  signal?: AbortSignal;
  /** An init container's back-off, while the pod waits (for status: Init:CrashLoopBackOff). */
  onInitBackoff?: (state: InitBackoff | undefined) => void;
  /** A postStart hook is about to run: from here the pod waits on its own code, not on Docker. */
  onHook?: () => void;
}

export interface InitBackoff {
  container: string;
  restarts: number;
  /** Epoch ms of the next attempt. */
  until: number;
  exitCode: number;
}

/** An init container failed and the restart policy (Never) lets it fail the pod. */
export class InitContainerFailed extends PodSetupError {}

export function needsSandbox(t: PodTemplate): boolean {
  if (t.initContainers?.length) return true;
  if (t.volumes?.some((v) => v.emptyDir?.medium === 'Memory')) return true;
  return t.containers.some((c) => c.env.some((e) => /^status\.podIPs?$/.test(e.valueFrom?.fieldRef?.fieldPath ?? '')));
}

/** Creates and starts the replica; on failure removes what it made (claims stay) and throws. */
export async function startReplica(
  docker: Docker,
  ctx: PodContext,
  d: DeploymentSpec,
  p: ReplicaPlacement,
  opts: StartOptions = {},
): Promise<StartedReplica> {
  const ids: string[] = [];
  // Leave nothing half-made behind: a later reconcile creates the replica afresh.
  const undo = async (err: unknown): Promise<never> => {
    await Promise.all(
      ids.map(
        (id) =>
          docker
            .getContainer(id)
            .remove({ force: true, v: true })
            .catch(() => undefined), // already gone: nothing to undo
      ),
    );
    await removePodVolumes(docker, ctx.stack.name, p.replica).catch(() => undefined); // retried with the replica
    // An env var naming a missing ConfigMap or key: the kubelet's CreateContainerConfigError.
    throw err instanceof EnvResolutionError ? new PodSetupError('CreateContainerConfigError', err.message) : err;
  };
  let rt: PodRuntime;
  try {
    rt = await podRuntime(docker, ctx, d, p, opts);
    if (rt.sandbox) {
      const sb = await docker.createContainer(sandboxOptions(ctx, d, p, await ensurePauseImage(docker), rt.planned));
      ids.push(sb.id);
      await sb.start();
      rt.facts.podIP = await addressOf(docker, sb.id, ctx.stack.name);
    }
    if (!d.template.initContainers?.length) {
      await startContainers(docker, ctx, d, p, rt, ids, opts);
      return { ids };
    }
  } catch (err) {
    return undo(err);
  }
  // Init containers may take long (a back-off reaches minutes): the pod exists now, and the rest
  // runs on for the caller to track, so the controller goes on reconciling meanwhile.
  const pod = rt;
  const rest = (async () => {
    try {
      for (const [i, c] of (d.template.initContainers ?? []).entries()) {
        throwIfCancelled(opts.signal, 'the controller stopped while the pod was initializing');
        const created = await docker.createContainer(containerCreateOptions(ctx, d, p, pod, c, i, true));
        ids.push(created.id);
        await runToCompletion(docker, ctx, d, created.id, c, opts);
      }
      await startContainers(docker, ctx, d, p, pod, ids, opts);
    } catch (err) {
      await undo(err);
    }
  })();
  return { ids, rest };
}

/** The app containers, in order, each postStart hook before the next container. */
async function startContainers(
  docker: Docker,
  ctx: PodContext,
  d: DeploymentSpec,
  p: ReplicaPlacement,
  rt: PodRuntime,
  ids: string[],
  opts: StartOptions,
): Promise<void> {
  for (const [i, c] of d.template.containers.entries()) {
    throwIfCancelled(opts.signal, 'the controller stopped before the replica was created');
    const created = await docker.createContainer(containerCreateOptions(ctx, d, p, rt, c, i));
    ids.push(created.id);
    const imageId = ctx.imageIds[c.image];
    if (ctx.live && imageId) await ctx.live.beforeStart(docker, created.id, imageId);
    await created.start();
    if (ctx.live && imageId) await ctx.live.afterStart(docker, created.id, imageId);
    if (rt.facts.podIP === undefined) rt.facts.podIP = await addressOf(docker, created.id, ctx.stack.name);
    if (c.lifecycle?.postStart) {
      opts.onHook?.();
      await postStart(docker, created.id, c, p.replica, rt.facts.podIP, graceOf(ctx, d), opts);
    }
  }
}

/**
 * Runs an init container until it exits 0. A failure is retried after the CrashLoopBackOff
 * delay when the restart policy allows (the same container is started again, as the kubelet
 * restarts it in place), or fails the pod (Never).
 */
async function runToCompletion(
  docker: Docker,
  ctx: PodContext,
  d: DeploymentSpec,
  id: string,
  c: ContainerSpec,
  opts: StartOptions,
): Promise<void> {
  const backoff = RestartBackoff.fromSettings(ctx.stack.settings, d.template.restartPolicy);
  const container = docker.getContainer(id);
  for (;;) {
    const started = Date.now();
    await container.start();
    const exit = await container.wait({ abortSignal: opts.signal });
    throwIfCancelled(opts.signal, 'the controller stopped while the pod was initializing');
    const code = typeof exit?.StatusCode === 'number' ? exit.StatusCode : -1;
    if (code === 0) return;
    // An init container must succeed: its exit counts as a failure even under OnFailure.
    const delay = backoff.onExit(Date.now(), code === 0 ? 1 : code, Date.now() - started);
    if (delay === null) {
      throw new InitContainerFailed(
        'Init:Error',
        `init container ${c.name} exited with code ${code}; the restart policy (${d.template.restartPolicy}) does not restart it`,
      );
    }
    if (delay > 0) {
      opts.onInitBackoff?.({
        container: c.name,
        restarts: backoff.restarts,
        until: Date.now() + delay,
        exitCode: code,
      });
      opts.onEvent?.(
        'Warning',
        'BackOff',
        `Back-off ${Math.round(delay / 1000)}s restarting failed init container ${c.name} (exit code ${code})`,
      );
    } else {
      opts.onInitBackoff?.({ container: c.name, restarts: backoff.restarts, until: 0, exitCode: code });
    }
    await sleep(delay, opts.signal);
    throwIfCancelled(opts.signal, 'the controller stopped while the pod was initializing');
  }
}

/** Facts, volumes (made and written) and image users for one replica. */
async function podRuntime(
  docker: Docker,
  ctx: PodContext,
  d: DeploymentSpec,
  p: ReplicaPlacement,
  opts: StartOptions,
): Promise<PodRuntime> {
  const t = d.template;
  const hostIP = JSON.stringify(t).includes('status.hostIP') ? await gatewayOf(docker, ctx.stack.name) : undefined;
  const facts = podFacts(t, p.replica, ctx.stack.name, p.node, { hostIP, node: opts.node });
  const planned = planVolumes({ stack: ctx.stack, template: t, replica: p.replica, facts, claims: p.claims });
  const all: ContainerSpec[] = [...(t.initContainers ?? []), ...t.containers];
  const imageUsers = await imageUsersFor(docker, ctx, d, all);
  for (const c of all) {
    const refusal = nonRootViolation(c, d, imageUsers[c.image], p.replica, ctx.stack.name);
    if (refusal) throw new PodSetupError('CreateContainerConfigError', refusal);
  }
  // Env is resolved now, with a stand-in address, so a missing ConfigMap key refuses the pod
  // before anything is made (later, it would be after the init containers ran).
  for (const c of all) {
    resolveEnv(ctx.stack, c, { facts: { ...facts, podIP: facts.podIP ?? '0.0.0.0' }, containers: all });
  }
  // subPathExpr may use env vars; an address is not known yet, so one it names reads empty here.
  const subPaths = all.flatMap((c) => {
    const env = resolveEnv(ctx.stack, c, { facts: { ...facts, podIP: facts.podIP ?? '' }, containers: all });
    return (c.volumeMounts ?? []).flatMap((m) => {
      const path = subPathOf(m, env);
      return path ? [{ volume: m.name, path }] : [];
    });
  });
  const { mountpoints } = await prepareVolumes(docker, ctx.stack.name, p.replica, planned, subPaths);
  return {
    facts,
    planned,
    mountpoints,
    imageUsers,
    sandbox: needsSandbox(t) ? `${ctx.stack.name}_${p.replica}_POD` : undefined,
  };
}

/** Config.User of the images that need it: runAsNonRoot checks it, runAsGroup alone keeps it. */
async function imageUsersFor(
  docker: Docker,
  ctx: PodContext,
  d: DeploymentSpec,
  all: ContainerSpec[],
): Promise<Record<string, string>> {
  const pod = d.template.security;
  const out: Record<string, string> = {};
  for (const c of all) {
    const nonRoot = c.security?.runAsNonRoot ?? pod?.runAsNonRoot;
    const uid = c.security?.runAsUser ?? pod?.runAsUser;
    const gid = c.security?.runAsGroup ?? pod?.runAsGroup;
    if (out[c.image] !== undefined || !((nonRoot && uid === undefined) || (gid !== undefined && uid === undefined))) {
      continue;
    }
    const info = await docker.getImage(ctx.imageIds[c.image] ?? c.image).inspect();
    out[c.image] = info.Config?.User ?? '';
  }
  return out;
}

async function postStart(
  docker: Docker,
  id: string,
  c: ContainerSpec,
  replica: string,
  address: string | undefined,
  graceSeconds: number,
  opts: StartOptions,
): Promise<void> {
  const hook = c.lifecycle?.postStart;
  if (!hook) return;
  // The kubelet gives postStart no deadline of its own; a day stands for "until it ends". The
  // controller stopping ends the wait, not the hook: the replica runs on, as replicas outlive the
  // controller, and a Ctrl-C is not held until a slow hook ends.
  const r = await unlessAborted(
    runHook(
      { docker, containerId: id, address, ports: c.ports, container: c.name, pod: replica },
      hook,
      24 * 3600 * 1000,
    ),
    opts.signal,
  );
  if (!r || r.ok) return;
  opts.onEvent?.('Warning', 'FailedPostStartHook', r.message);
  // As the kubelet: the container is stopped (SIGTERM, grace period), and restarted (or not) by
  // the restart policy. A container that already stopped needs nothing more.
  await docker
    .getContainer(id)
    .stop({ t: graceSeconds })
    .catch(() => undefined);
}

function graceOf(ctx: PodContext, d: DeploymentSpec): number {
  return ctx.stack.settings.terminationGracePeriodSeconds ?? d.template.terminationGracePeriodSeconds;
}

async function addressOf(docker: Docker, id: string, stack: string): Promise<string | undefined> {
  const info = await docker.getContainer(id).inspect();
  return info.NetworkSettings?.Networks?.[networkName(stack)]?.IPAddress || undefined;
}

/** The stack network's gateway: the Docker host as the pods see it, their status.hostIP. */
async function gatewayOf(docker: Docker, stack: string): Promise<string | undefined> {
  // No network (a pod without one, or removed meanwhile): the pod has no hostIP to tell.
  const info = await docker
    .getNetwork(networkName(stack))
    .inspect()
    .catch(() => undefined);
  const config: unknown = info?.IPAM?.Config;
  if (!Array.isArray(config)) return undefined;
  for (const c of config) {
    if (c && typeof c === 'object' && 'Gateway' in c && typeof c.Gateway === 'string') return c.Gateway;
  }
  return undefined;
}
