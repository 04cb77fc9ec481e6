// The controller's side of the in-network Service layer. As an EndpointSink it gets
// each Service's endpoints from the controller and pushes the whole state to the
// stack's proxy; it also decides how pods find Services (PodNetwork): ClusterIPs from
// the network's Service range (kept in .flotilla/cluster-ips.json) and the proxy's DNS.
// It keeps the proxy alive: made at start, attached again when the attach ends (the
// container died, was removed, or Docker restarted), and looked at on every resync.
// Stopping the controller only detaches: the proxy keeps serving its last state.
import type Docker from 'dockerode';
import type { StackStatus } from '../api/protocol';
import type { EndpointSink } from '../controller/hooks';
import { isHeadless, serviceKey, type PodNetwork } from '../controller/pod-network';
import type { EndpointTarget } from '../controller/status';
import { provideNetwork } from '../docker/network';
import type { StackSpec } from '../model/types';
import { errorMessage } from '../util/errors';
import { ClusterIpStore, proxyAddress } from './cluster-ips';
import { DEFAULT_DOMAIN } from './dns-records';
import { ensureProxyContainer, ProxyLink } from './proxy-container';
import { ensureStackProxyImage } from './proxy-image';
import { buildProxyState } from './proxy-state';
import { stateMessage } from './protocol';

export interface ProxySinkOptions {
  /** Engine events (the controller's emitEvent). */
  emit?: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** Safety-net check of the proxy, in ms (default: the stack's resync period). */
  checkEveryMs?: number;
}

export class ProxySink implements EndpointSink {
  private stack: StackSpec;
  private network: PodNetwork | undefined;
  private address: string | undefined;
  private endpoints: ReadonlyMap<string, EndpointTarget[]> = new Map();
  private link: ProxyLink | undefined;
  private healing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private retryMs = 250;
  private closed = false;
  private warned = '';
  private lastSent = '';
  private lastFailure: string | undefined;

  constructor(
    private readonly docker: Docker,
    stack: StackSpec,
    private readonly opts: ProxySinkOptions = {},
  ) {
    this.stack = stack;
  }

  /** How pods find Services; undefined until the network has been looked at (then the alias layout applies). */
  podNetwork(): PodNetwork | undefined {
    return this.network;
  }

  /** The proxy's current link, for tests. */
  get attached(): boolean {
    return this.link?.open ?? false;
  }

  /** Called at start and on every reload: network, ClusterIPs, then the proxy (in the background). */
  async applyServices(stack: StackSpec): Promise<void> {
    this.stack = stack;
    let net: Awaited<ReturnType<typeof provideNetwork>>;
    try {
      net = await provideNetwork(this.docker, stack.name, stack.dir);
    } catch (e) {
      if (this.network === undefined) throw e; // at start: the controller cannot run without its network
      this.opts.emit?.('Warning', 'NetworkUnavailable', `stack network: ${errorMessage(e)}`);
      return;
    }
    if (net.services === undefined || net.subnet === undefined) {
      this.network = { mode: 'aliases' };
      const why = net.legacy ?? 'the stack network has no Service range';
      if (this.warned !== why) {
        this.warned = why;
        this.opts.emit?.(
          'Warning',
          'NoClusterIPs',
          `${why}: Services keep the older layout (each replica answers to its Services' names on their target ports, no ClusterIPs or cluster DNS). Run 'flotilla down' then 'up' to get them.`,
        );
      }
      return;
    }
    const keys = stack.services.filter((s) => !isHeadless(s)).map(serviceKey);
    let clusterIPs: Map<string, string>;
    try {
      clusterIPs = new ClusterIpStore(stack.dir).assign(keys, net.services, net.subnet);
    } catch (e) {
      this.opts.emit?.('Warning', 'ClusterIPAllocation', errorMessage(e));
      clusterIPs = new Map();
    }
    this.address = proxyAddress(net.services);
    this.network = { mode: 'cluster', dnsServer: this.address, domain: DEFAULT_DOMAIN, clusterIPs };
    this.push();
    this.heal();
    if (!this.checkTimer) {
      const every = this.opts.checkEveryMs ?? stack.settings.resyncSeconds * 1000;
      this.checkTimer = setInterval(() => void this.check(), every); // check() reports its own failures
      this.checkTimer.unref();
    }
  }

  update(stack: StackSpec, endpoints: Map<string, EndpointTarget[]>): void {
    this.stack = stack;
    this.endpoints = endpoints;
    this.push();
  }

  decorate(stack: StackSpec, status: StackStatus): StackStatus {
    const net = this.network;
    if (net?.mode !== 'cluster') return status;
    for (const svc of status.services) {
      const spec = stack.services.find((s) => s.name === svc.name);
      if (!spec) continue;
      const ip = isHeadless(spec) ? 'None' : net.clusterIPs.get(serviceKey(spec));
      if (ip !== undefined) svc.clusterIP = ip;
    }
    return status;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.checkTimer);
    // Closing only waits for a heal in flight to settle; its failure was reported where it ran.
    await this.healing?.catch(() => undefined);
    this.link?.close();
    this.link = undefined;
  }

  /** Periodic safety net: a proxy that is gone, or a link whose end went unseen, is healed. */
  private async check(): Promise<void> {
    const link = this.link;
    if (link?.open && (await link.alive().catch(() => true))) return;
    if (this.link === link && link?.open) {
      link.close();
      this.link = undefined;
    }
    this.heal();
  }

  private stateLine(): string | undefined {
    if (this.network?.mode !== 'cluster') return undefined;
    return stateMessage(buildProxyState(this.stack, this.endpoints, this.network.clusterIPs));
  }

  private push(): void {
    const line = this.stateLine();
    if (line === undefined || line === this.lastSent || !this.link?.open) return;
    this.lastSent = line;
    this.link.send(line);
  }

  /** Makes sure the proxy runs and is attached; retried with backoff while it fails. */
  private heal(): void {
    if (this.closed || this.healing || this.network?.mode !== 'cluster') return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.healing = this.healOnce()
      .then(
        () => {
          this.retryMs = 250;
          this.lastFailure = undefined;
        },
        (e: unknown) => {
          // Said once per distinct failure, not on every retry.
          const msg = errorMessage(e);
          if (msg !== this.lastFailure) {
            this.opts.emit?.('Warning', 'ProxyFailed', `Service proxy: ${msg}; retrying until it works`);
          }
          this.lastFailure = msg;
          this.retryLater();
        },
      )
      .finally(() => {
        this.healing = undefined;
      });
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.heal();
    }, this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
  }

  private async healOnce(): Promise<void> {
    const address = this.address;
    if (address === undefined) return;
    const image = await ensureStackProxyImage(this.docker, this.stack.name);
    const c = await ensureProxyContainer(this.docker, {
      stack: this.stack.name,
      image: image.image,
      imageId: image.id,
      address,
      domain: DEFAULT_DOMAIN,
    });
    if (this.closed) return;
    if (this.link?.open && this.link.containerId === c.id) return;
    this.link?.close();
    const link = new ProxyLink(this.docker, c.id, () => {
      if (this.link !== link) return;
      this.link = undefined;
      this.retryLater(); // the container died, was removed, or Docker went away
    });
    this.link = link;
    const line = this.stateLine() ?? '';
    await link.attach(line);
    this.lastSent = line;
    if (c.created) {
      this.opts.emit?.('Normal', 'ProxyStarted', `Service proxy ${address} started (ClusterIPs and cluster DNS)`);
    }
  }
}
