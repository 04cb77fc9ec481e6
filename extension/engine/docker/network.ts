// One user-defined bridge network per stack. Its subnet is split: Docker gives
// containers addresses from the lower half (the network's IPRange) and the upper
// half is the Service (ClusterIP) range, served by the stack's proxy (see
// engine/proxy). Docker chooses the subnet (it knows the host's routes and the other
// networks): a first network is made without IPAM settings, read back, removed and
// made again with that subnet and the range, while nothing can be attached to it yet.
// A stack network made by an older Flotilla (no range) is made again when nothing is
// attached to it; otherwise the stack runs without ClusterIPs until the next down/up.
import { ClusterIpStore, splitSubnet } from '../proxy/cluster-ips';
import { errorMessage, statusCodeOf } from '../util/errors';
import type { DockerApi, ListedNetwork } from './api';
import { LABELS, networkName } from './labels';

/** On a network made only to learn which subnet Docker would choose; it is removed at once. */
const PROBE_LABEL = 'dev.flotilla.network-probe';

export interface StackNetwork {
  id: string;
  /** True when this call made it (so a failed `up` can take it back). */
  created: boolean;
  subnet?: string;
  /** The Service range (upper half of the subnet); undefined on a network made by an older Flotilla. */
  services?: string;
  /** Why there is no Service range, to tell the user. */
  legacy?: string;
}

/**
 * The stack's network, created if missing. It records the stack's folder: two
 * folders declaring the same stack name would otherwise fight over each other's
 * replicas, so the second is refused with the way out.
 */
export async function ensureNetwork(docker: DockerApi, stack: string, stackDir: string): Promise<string> {
  return (await provideNetwork(docker, stack, stackDir)).id;
}

// Calls for one stack run one at a time in a process: a second caller must not see
// the first one's probe network.
const inflight = new Map<string, Promise<StackNetwork>>();

/** Like ensureNetwork, with the subnet, the Service range and whether this call created it. */
export function provideNetwork(docker: DockerApi, stack: string, stackDir: string): Promise<StackNetwork> {
  const prev = inflight.get(stack) ?? Promise.resolve(undefined);
  // The previous call's failure went to its own caller; this one starts afresh either way.
  const next = prev.catch(() => undefined).then(() => provideOnce(docker, stack, stackDir));
  inflight.set(stack, next);
  const forget = (): void => {
    if (inflight.get(stack) === next) inflight.delete(stack);
  };
  next.then(forget, forget);
  return next;
}

async function provideOnce(docker: DockerApi, stack: string, stackDir: string): Promise<StackNetwork> {
  const name = networkName(stack);
  for (let attempt = 0; ; attempt++) {
    const ours = await findOurs(docker, stack, name);
    if (ours) {
      const owner = ours.Labels?.[LABELS.stackDir];
      if (owner && owner !== stackDir) {
        throw new Error(
          `stack "${stack}" is already running from ${owner}; run 'flotilla down --stack ${owner}' first, or give this stack another name in its stack file`,
        );
      }
      if (ours.Labels?.[PROBE_LABEL] && attempt < 50) {
        await delay(100); // another process is choosing the subnet right now
        continue;
      }
      const cfg = ipv4Config(ours);
      const halves = cfg?.Subnet ? splitSubnet(cfg.Subnet) : undefined;
      if (cfg?.IPRange && halves?.containers === cfg.IPRange) {
        return { id: ours.Id, created: false, subnet: cfg.Subnet, services: halves.services };
      }
      const attached = (await docker.listContainers({ all: true, filters: { network: [ours.Id] } })).length;
      if (attached > 0 || attempt > 0) {
        return {
          id: ours.Id,
          created: false,
          subnet: cfg?.Subnet,
          legacy: `the stack network ${name} was made by an older Flotilla and ${attached} container(s) are attached to it`,
        };
      }
      await removeById(docker, ours.Id); // nothing attached: make it again with a Service range
    }
    const clash = (await docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Name === name);
    if (clash) {
      throw new Error(
        `a Docker network named ${name} exists but was not created by Flotilla; remove or rename it (docker network rm ${name})`,
      );
    }
    const made = await createWithRange(docker, stack, stackDir, name);
    if (made) return made;
  }
}

async function findOurs(docker: DockerApi, stack: string, name: string): Promise<ListedNetwork | undefined> {
  const found = await docker.listNetworks({ filters: { name: [name], label: [`${LABELS.stack}=${stack}`] } });
  return found.find((n) => n.Name === name);
}

function ipv4Config(n: ListedNetwork): { Subnet?: string; IPRange?: string } | undefined {
  return n.IPAM?.Config?.find((c) => c.Subnet !== undefined && !c.Subnet.includes(':'));
}

/** Makes the network with a Service range; undefined when someone else made one meanwhile (the caller looks again). */
async function createWithRange(
  docker: DockerApi,
  stack: string,
  stackDir: string,
  name: string,
): Promise<StackNetwork | undefined> {
  const labels = { [LABELS.stack]: stack, [LABELS.stackDir]: stackDir };
  const store = new ClusterIpStore(stackDir);
  const tried = new Set<string>();
  // The subnet used last time first, so ClusterIPs stay the same across down and up.
  const remembered = store.read().subnet;
  const candidates: (string | undefined)[] = remembered ? [remembered] : [];
  for (let i = 0; i < 5; i++) candidates.push(undefined);
  for (const wanted of candidates) {
    let subnet = wanted;
    if (subnet === undefined) {
      const probe = await create(docker, { Name: name, Driver: 'bridge', Labels: { ...labels, [PROBE_LABEL]: '1' } });
      if (probe === 'exists') return undefined;
      const listed = (await docker.listNetworks({ filters: { name: [name] } })).find((n) => n.Id === probe);
      subnet = listed ? ipv4Config(listed)?.Subnet : undefined;
      await removeById(docker, probe);
      if (subnet === undefined) return plain(docker, name, labels, 'Docker gave the stack network no IPv4 subnet');
    }
    if (tried.has(subnet)) continue;
    tried.add(subnet);
    const halves = splitSubnet(subnet);
    if (!halves) {
      return plain(
        docker,
        name,
        labels,
        `Docker chose subnet ${subnet} for ${name}, too small to hold a Service range (configure larger default-address-pools in daemon.json)`,
      );
    }
    let id: string | 'exists' | 'taken';
    try {
      id = await create(docker, {
        Name: name,
        Driver: 'bridge',
        Labels: labels,
        IPAM: { Driver: 'default', Config: [{ Subnet: subnet, IPRange: halves.containers, Gateway: halves.gateway }] },
      });
    } catch (e) {
      // Another network took this subnet between the probe and now: choose again.
      if (!/overlap|in use|conflict/i.test(errorMessage(e))) throw e;
      id = 'taken';
    }
    if (id === 'exists') return undefined;
    if (id === 'taken') continue;
    store.rememberSubnet(subnet);
    return { id, created: true, subnet, services: halves.services };
  }
  throw new Error(`could not create network ${name}: every subnet Docker offered was taken before it could be used`);
}

/** A network without a Service range (the stack then runs in the alias layout, and says why). */
async function plain(
  docker: DockerApi,
  name: string,
  labels: Record<string, string>,
  why: string,
): Promise<StackNetwork | undefined> {
  const id = await create(docker, { Name: name, Driver: 'bridge', Labels: labels });
  return id === 'exists' ? undefined : { id, created: true, legacy: why };
}

async function create(docker: DockerApi, opts: Parameters<DockerApi['createNetwork']>[0]): Promise<string | 'exists'> {
  try {
    return (await docker.createNetwork({ CheckDuplicate: true, ...opts })).id;
  } catch (e) {
    if (statusCodeOf(e) === 409) return 'exists';
    throw e;
  }
}

/** How long a removal waits for dockerd to release the endpoints of containers just removed. */
const ENDPOINTS_RELEASE_MS = 10_000;

async function removeById(docker: DockerApi, id: string, name = id, releaseMs = ENDPOINTS_RELEASE_MS): Promise<void> {
  const until = Date.now() + releaseMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1000)) {
    try {
      await docker.getNetwork(id).remove();
      return;
    } catch (e) {
      if (statusCodeOf(e) === 404) return; // removed meanwhile, which is what we wanted
      // A busy dockerd releases the endpoints of removed containers a moment after the removal returns.
      if (!/active endpoints/i.test(errorMessage(e))) throw e;
      if (Date.now() >= until) {
        throw new Error(
          `Docker still reports active endpoints on network ${name} ${releaseMs / 1000} s after its containers were removed. ` +
            `See what is attached with 'docker network inspect ${name}'; with nothing attached it is a stale endpoint in dockerd, ` +
            `harmless (the next up reuses the network) and gone after dockerd restarts.`,
        );
      }
      await delay(wait);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function removeNetwork(
  docker: DockerApi,
  stack: string,
  releaseMs = ENDPOINTS_RELEASE_MS,
): Promise<boolean> {
  const nets = await docker.listNetworks({ filters: { label: [`${LABELS.stack}=${stack}`] } });
  let removed = false;
  for (const n of nets) {
    if (n.Labels?.[LABELS.stack] !== stack) continue; // belt and braces: never touch another's network
    await removeById(docker, n.Id, n.Name, releaseMs);
    removed = true;
  }
  return removed;
}
