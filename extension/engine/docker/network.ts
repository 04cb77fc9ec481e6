// One user-defined bridge network per stack: replicas find each other by their
// Services' names (DNS aliases work only on user-defined networks).
import { statusCodeOf } from '../util/errors';
import type { DockerApi } from './api';
import { LABELS, networkName } from './labels';

/**
 * The stack's network, created if missing. It records the stack's folder: two
 * folders declaring the same stack name would otherwise fight over each other's
 * replicas, so the second is refused with the way out.
 */
export async function ensureNetwork(docker: DockerApi, stack: string, stackDir: string): Promise<string> {
  return (await provideNetwork(docker, stack, stackDir)).id;
}

/** Like ensureNetwork, and says whether this call created it (so a failed `up` can take it back). */
export async function provideNetwork(
  docker: DockerApi,
  stack: string,
  stackDir: string,
): Promise<{ id: string; created: boolean }> {
  const name = networkName(stack);
  const found = await docker.listNetworks({ filters: { name: [name], label: [`${LABELS.stack}=${stack}`] } });
  const ours = found.find((n) => n.Name === name);
  if (ours) {
    const owner = ours.Labels?.[LABELS.stackDir];
    if (owner && owner !== stackDir) {
      throw new Error(
        `stack "${stack}" is already running from ${owner}; run 'flotilla down --stack ${owner}' first, or give this stack another name in its stack file`,
      );
    }
    return { id: ours.Id, created: false };
  }
  const clash = (await docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
  if (clash) {
    throw new Error(
      `a Docker network named ${name} exists but was not created by Flotilla; remove or rename it (docker network rm ${name})`,
    );
  }
  const net = await docker.createNetwork({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Labels: { [LABELS.stack]: stack, [LABELS.stackDir]: stackDir },
  });
  return { id: net.id, created: true };
}

export async function removeNetwork(docker: DockerApi, stack: string): Promise<boolean> {
  const nets = await docker.listNetworks({ filters: { label: [`${LABELS.stack}=${stack}`] } });
  let removed = false;
  for (const n of nets) {
    if (n.Labels?.[LABELS.stack] !== stack) continue; // belt and braces: never touch another's network
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch((e: unknown) => {
        if (statusCodeOf(e) !== 404) throw e; // 404: removed meanwhile, which is what we wanted
      });
    removed = true;
  }
  return removed;
}
