// How a Service proxy task is started: the in-network Service proxy program in its single-Service mode. It
// listens on 0.0.0.0 on each Service port and forwards to the target port of the tasks it learns by resolving
// `tasks.<swarm service>` of every workload the Service selects (Ready tasks only: Swarm adds a task to its
// service's DNS once its healthcheck passes).

export interface ProxyListener {
  port: number;
  targetPort: number;
  /** `tasks.<swarm service>` names to resolve. */
  backends: string[];
}

/** The proxy's command line, in the image built by proxy-image.ts. */
export function proxyCommand(listeners: ProxyListener[]): { Command: string[]; Args: string[] } {
  return {
    Command: ['node', '/flotilla/service-proxy.js'],
    Args: listeners.flatMap((l) => ['--listen', `${l.port}:${l.targetPort}:${l.backends.join(',')}`]),
  };
}
