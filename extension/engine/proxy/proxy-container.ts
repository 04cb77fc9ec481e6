// The stack's proxy container and the controller's line to it. One per stack, on
// the stack network at a fixed address in the Service range (pods' DNS points at
// it, so it must not move when the container is made again), labelled with the
// stack like everything the engine makes. CAP_NET_ADMIN lets it add the ClusterIPs
// to its interface. Docker restarts it (unless-stopped), so it outlives the
// controller and a daemon restart; the controller makes it again when it is gone.
//
// State goes in through the container's stdin, attached over the Engine API (works
// with a remote DOCKER_HOST too: the controller never needs to reach container
// addresses): on every (re)attach a newline (ending any half line a killed
// controller left) and the whole state, then the whole state on every change.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { DockerApi, ListedContainer } from '../docker/api';
import { withTimeout } from '../docker/client';
import { LABELS, networkName } from '../docker/labels';
import { isRecord, statusCodeOf } from '../util/errors';
import { removeStackProxyImage } from './proxy-image';

const ATTACH_TIMEOUT_MS = 10_000;
/**
 * Twice a container's default CPU weight: every request inside the network goes through the
 * proxy, so when the machine is busy it should wait less than the replicas it serves (as
 * kube-proxy runs as a node-critical component). Idle, it uses next to nothing.
 */
const PROXY_CPU_SHARES = 2048;

/** Inside the container: the last state, served at once after a restart. */
export const PROXY_STATE_FILE = '/var/lib/flotilla-proxy/state.json';

/** `_` cannot appear in a Kubernetes name, so no replica's container can take this name. */
export function proxyContainerName(stack: string): string {
  return `${stack}_flotilla_proxy`;
}

export interface ProxyContainerSpec {
  stack: string;
  image: string;
  /** The image's id: a rebuilt image makes the container again. */
  imageId: string;
  /** Its fixed address in the Service range (also where DNS answers). */
  address: string;
  domain: string;
}

export function proxyContainerOptions(spec: ProxyContainerSpec): Docker.ContainerCreateOptions {
  const net = networkName(spec.stack);
  const cmd = [
    '--source',
    'stdin',
    '--interface',
    'eth0',
    '--dns',
    spec.address,
    '--dns-upstream',
    '127.0.0.11:53',
    '--domain',
    spec.domain,
    '--state-file',
    PROXY_STATE_FILE,
  ];
  const config = createHash('sha256')
    .update(JSON.stringify({ image: spec.imageId, cmd, address: spec.address, shares: PROXY_CPU_SHARES }))
    .digest('hex')
    .slice(0, 12);
  return {
    name: proxyContainerName(spec.stack),
    Image: spec.image,
    Cmd: cmd,
    Labels: { [LABELS.stack]: spec.stack, [LABELS.proxy]: config },
    OpenStdin: true,
    StdinOnce: false,
    Tty: false,
    HostConfig: {
      Init: true,
      CapAdd: ['NET_ADMIN'],
      CpuShares: PROXY_CPU_SHARES,
      NetworkMode: net,
      RestartPolicy: { Name: 'unless-stopped' },
    },
    NetworkingConfig: { EndpointsConfig: { [net]: { IPAMConfig: { IPv4Address: spec.address } } } },
  };
}

async function listProxies(docker: DockerApi, stack: string): Promise<ListedContainer[]> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`${LABELS.stack}=${stack}`, LABELS.proxy] },
  });
  return list.filter((c) => c.Labels?.[LABELS.stack] === stack && c.Labels?.[LABELS.proxy] !== undefined);
}

/** Makes sure the proxy runs with these settings: started if stopped, made again if missing or different. */
export async function ensureProxyContainer(
  docker: Docker,
  spec: ProxyContainerSpec,
): Promise<{ id: string; created: boolean }> {
  const opts = proxyContainerOptions(spec);
  const want = opts.Labels?.[LABELS.proxy];
  let keep: ListedContainer | undefined;
  for (const c of await listProxies(docker, spec.stack)) {
    if (!keep && c.Labels[LABELS.proxy] === want && c.State !== 'dead' && c.State !== 'removing') keep = c;
    else await forceRemove(docker, c.Id);
  }
  if (keep) {
    if (keep.State !== 'running' && keep.State !== 'restarting') await startTolerant(docker, keep.Id);
    return { id: keep.Id, created: false };
  }
  let created: Docker.Container;
  try {
    created = await docker.createContainer(opts);
  } catch (e) {
    if (statusCodeOf(e) === 409) {
      throw new Error(
        `a container named ${opts.name} exists but was not made by Flotilla for stack ${spec.stack}; remove it (docker rm -f ${opts.name})`,
      );
    }
    throw e;
  }
  await startTolerant(docker, created.id);
  return { id: created.id, created: true };
}

async function startTolerant(docker: DockerApi, id: string): Promise<void> {
  await docker
    .getContainer(id)
    .start()
    .catch((e: unknown) => {
      if (statusCodeOf(e) !== 304) throw e; // 304: already started (Docker's restart policy got there first)
    });
}

async function forceRemove(docker: DockerApi, id: string): Promise<void> {
  await docker
    .getContainer(id)
    .remove({ force: true })
    .catch((e: unknown) => {
      const code = statusCodeOf(e);
      if (code !== 404 && code !== 409) throw e; // gone, or already being removed
    });
}

/** `down`: the proxy container and (with a full Docker client) the stack's proxy image; returns how many containers went. */
export async function removeProxy(docker: DockerApi | Docker, stack: string): Promise<number> {
  const found = await listProxies(docker, stack);
  await Promise.all(found.map((c) => forceRemove(docker, c.Id)));
  if ('getImage' in docker) {
    // Best effort: the image is only a tag of layers other stacks may share; a failure leaves a tag, never a container.
    await removeStackProxyImage(docker, stack).catch(() => undefined);
  }
  return found.length;
}

/** The controller's end of the proxy's stdin. */
export class ProxyLink {
  private stream: Duplex | undefined;
  private closed = false;
  private readonly waiting = new AbortController();

  constructor(
    private readonly docker: Docker,
    readonly containerId: string,
    private readonly onClosed: () => void,
  ) {}

  get open(): boolean {
    return this.stream !== undefined && !this.closed;
  }

  async attach(firstLine: string): Promise<void> {
    // stdout is attached (and discarded) only because Docker ends a stdin-only attach
    // neither when the container dies nor when it is removed: the end is the signal to heal.
    const attaching = this.docker.getContainer(this.containerId).attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      logs: false,
      hijack: true,
    });
    // A container going away while the attach is answered can leave it hanging: the caller retries.
    const res: unknown = await withTimeout(attaching, ATTACH_TIMEOUT_MS, 'no answer attaching to the Service proxy');
    if (!isDuplex(res)) throw new Error('attaching to the proxy gave no stream');
    const stream = res;
    if (this.closed) return void stream.destroy();
    this.stream = stream;
    const ended = (): void => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      if (!this.closed) this.onClosed();
    };
    stream.on('end', ended);
    stream.on('close', ended);
    stream.on('error', ended);
    // Docker does not always end an attach whose container is removed while it is answered:
    // waiting for the container to stop is the other signal (it answers at once if it is gone).
    // Not awaited: it settles when the container stops or close() aborts it, and both ends are handled.
    void this.docker
      .getContainer(this.containerId)
      .wait({ abortSignal: this.waiting.signal })
      .then(
        () => ended(),
        () => ended(),
      );
    if (stream.destroyed || stream.readableEnded) return ended();
    stream.resume(); // the proxy's log lines: `docker logs` has them
    stream.write(`\n${firstLine}\n`);
  }

  /** Whether the container still runs (the safety net for an end that went unseen). */
  async alive(): Promise<boolean> {
    try {
      const info: unknown = await this.docker.getContainer(this.containerId).inspect();
      return isRecord(info) && isRecord(info.State) && info.State.Running === true;
    } catch (e) {
      if (statusCodeOf(e) === 404) return false;
      throw e;
    }
  }

  send(line: string): void {
    if (this.open) this.stream?.write(`${line}\n`);
  }

  close(): void {
    this.closed = true;
    this.waiting.abort();
    const s = this.stream;
    this.stream = undefined;
    s?.end();
    s?.destroy();
  }
}

function isDuplex(v: unknown): v is Duplex {
  return (
    typeof v === 'object' &&
    v !== null &&
    'write' in v &&
    typeof v.write === 'function' &&
    'on' in v &&
    typeof v.on === 'function'
  );
}
