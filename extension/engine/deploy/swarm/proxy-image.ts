// The Service proxy's image on a swarm: the same in-network proxy program the local engine runs, built on the
// manager's engine on the same Node base (which deploy then pushes to the registry with the stack's images).
import type Docker from 'dockerode';
import { LABELS } from '../../docker/labels';
import type { StackSpec } from '../../model/types';
import { buildProxyImage, chooseProxyBase, PROXY_IMAGE_REPO } from '../../proxy/proxy-image';

export async function swarmProxyImage(docker: Docker, stack: StackSpec): Promise<string> {
  const base = await chooseProxyBase(docker);
  const built = await buildProxyImage(docker, {
    tag: `${PROXY_IMAGE_REPO}:swarm-${stack.name}`,
    base,
    labels: { [LABELS.stack]: stack.name },
  });
  return built.image;
}
