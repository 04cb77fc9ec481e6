// `down`: remove every container and network labelled with the stack, gracefully.
// Works without a loaded stack (only the name is needed) and touches nothing else.
import type { DockerApi } from '../docker/api';
import { removeNetwork } from '../docker/network';
import { observeStack, type ObservedPod } from '../docker/observe';
import { removeReplica, stopReplica } from './replica-ops';

export async function downStack(docker: DockerApi, stack: string, grace: (p: ObservedPod) => number): Promise<number> {
  const pods = await observeStack(docker, stack);
  await Promise.all(
    pods.map(async (p) => {
      await stopReplica(docker, p, grace(p));
      await removeReplica(docker, p);
    }),
  );
  await removeNetwork(docker, stack);
  return pods.length;
}
