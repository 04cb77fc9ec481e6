// How a Service proxy task is started: the in-network Service proxy program (extension/engine/proxy) in its
// single-Service mode. It listens on 0.0.0.0 on each Service port and forwards to the target port of the
// endpoints it learns by resolving one name every second: `tasks.<swarm service>` when one workload backs the
// Service, else an alias every backing workload's tasks carry. Swarm adds a task to those names once its
// healthcheck passes, so only Ready tasks are endpoints.

export interface ProxyPortArg {
  name?: string;
  port: number;
  targetPort: number;
}

/** The alias that the tasks of every workload a Service selects carry, for the proxy to resolve. */
export function endpointsAlias(service: string, namespace = 'default'): string {
  return `${service}.${namespace}.endpoints.flotilla`;
}

/** Arguments after the image's entrypoint (`node /flotilla/proxy.js`). */
export function proxyArgs(service: string, namespace: string, lookup: string, ports: ProxyPortArg[]): string[] {
  return [
    '--source',
    'dns',
    '--listen',
    '0.0.0.0',
    '--service',
    service,
    '--namespace',
    namespace,
    '--lookup',
    lookup,
    ...ports.flatMap((p) => ['--port', `${p.port}:${p.targetPort}${p.name ? `/${p.name}` : ''}`]),
  ];
}
