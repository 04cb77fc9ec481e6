// Service load balancing on the host: one L4 TCP listener per Service port on the
// stack's bindAddress, spreading connections over the Service's Ready endpoints.
//
// - ServiceBalancer (service-balancer.ts): one Service port. Round robin by default,
//   least connections as an option; retries the next endpoint on a refused connect;
//   replays a request an endpoint dropped before answering; drains removed endpoints;
//   holds new clients up to 5 s while no endpoint is Ready.
// - BalancerSet (balancer-set.ts): all Service ports of a stack, host port choice
//   (nodePort, else a port kept in <stackDir>/.flotilla/ports.json), targetPort
//   resolution, status and the HPA's per-replica connection metrics.
// - ports.ts / port-store.ts: pure host-port planning and its small store.

export {
  ServiceBalancer,
  type Endpoint,
  type ServiceBalancerOptions,
  type ReplicaConnectionMetrics,
} from './service-balancer';
export {
  BalancerSet,
  resolveTargetPort,
  METRIC_ACTIVE_CONNECTIONS,
  METRIC_CONNECTIONS_PER_SECOND,
  type PodEndpoint,
  type BalancerSetOptions,
} from './balancer-set';
export { type Algorithm } from './picker';
export { planHostPort, portKey, HOST_PORT_RANGE, type PortPlan } from './ports';
export { PortStore, PORTS_FILE } from './port-store';
