// Can the host reach container IPs on the stack network? Decided once per stack.
//
// API
//   detectProbeRoute(address, timeoutMs?) → 'direct' | 'exec'
//   probeRouteForStack(stack, address)   → the cached answer for that stack
//   forgetProbeRoute(stack)              → drop the cache entry (stack torn down)
//
// On Linux the bridge network is routed from the host, so a TCP connect to a container
// IP either connects or is refused at once. With Docker Desktop (macOS, Windows) the
// containers live in a VM: the connect times out or the route is missing, and probes must
// run inside the container instead. FLOTILLA_PROBE_ROUTE=direct|exec overrides detection.

import * as net from 'node:net';
import type { ProbeRoute } from './checks';

/** A port nothing listens on in practice: a refusal still proves the IP is routable. */
const PROBE_PORT = 9;

export function detectProbeRoute(address: string, timeoutMs = 1000): Promise<ProbeRoute> {
  const forced = process.env.FLOTILLA_PROBE_ROUTE;
  if (forced === 'direct' || forced === 'exec') return Promise.resolve(forced);
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port: PROBE_PORT });
    const done = (route: ProbeRoute): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(route);
    };
    const timer = setTimeout(() => done('exec'), timeoutMs);
    sock.once('connect', () => done('direct'));
    sock.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' ? 'direct' : 'exec'),
    );
  });
}

const routes = new Map<string, Promise<ProbeRoute>>();

export function probeRouteForStack(stack: string, address: string): Promise<ProbeRoute> {
  let route = routes.get(stack);
  if (!route) {
    route = detectProbeRoute(address);
    routes.set(stack, route);
  }
  return route;
}

export function forgetProbeRoute(stack: string): void {
  routes.delete(stack);
}
