// The Service proxy's image on a swarm: the same in-network proxy program the local engine runs, built on the
// manager's engine (which then pushes it to the registry with the stack's images).
import type Docker from 'dockerode';
import type { StackSpec } from '../../model/types';

export async function swarmProxyImage(docker: Docker, stack: StackSpec): Promise<string> {
  void docker;
  throw new Error(`stack ${stack.name} has Services, and the Service proxy program is not available yet`);
}
