// `down`: remove every container and network labelled with the stack, gracefully
// (replicas first, then the Service proxy, which serves them until they are gone).
// Works without a loaded stack (only the name is needed) and touches nothing else.
// Given the stack folder, it also forgets the hand scales and what Jobs, CronJobs and
// bare Pods did: the next `up` starts from the manifests, as deleted and re-applied
// objects would. Claim volumes stay (the CLI's down --volumes removes them).
import type { DockerApi } from '../docker/api';
import { removeNetwork } from '../docker/network';
import { observeStack, type ObservedPod } from '../docker/observe';
import { hasVolumeApi, removePodLeftovers } from '../docker/volumes';
import { removeProxy } from '../proxy/proxy-container';
import { forgetHandScales } from './hand-scale';
import { removeReplica, stopReplica, type PreStopRunner } from './replica-ops';
import { forgetRunOnce, StateStore } from './state-store';

export async function downStack(
  docker: DockerApi,
  stack: string,
  grace: (p: ObservedPod) => number,
  stackDir?: string,
  /** Each pod's preStop hooks, when the stack's manifests are known (see pod-lifecycle.ts). */
  preStop?: (p: ObservedPod) => PreStopRunner | undefined,
): Promise<number> {
  const pods = await observeStack(docker, stack);
  await Promise.all(
    pods.map(async (p) => {
      await stopReplica(docker, p, grace(p), preStop?.(p));
      await removeReplica(docker, p);
    }),
  );
  await removeProxy(docker, stack);
  // Pod volumes go with their pods; claims stay.
  if (hasVolumeApi(docker)) await removePodLeftovers(docker, stack);
  await removeNetwork(docker, stack);
  if (stackDir !== undefined) {
    new StateStore(stackDir).update((s) => {
      forgetHandScales(s);
      forgetRunOnce(s);
    });
  }
  return pods.length;
}
