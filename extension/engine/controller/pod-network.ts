// How a pod finds Services, the Service half of its spec: which Services select it,
// their env vars (the kubelet's with ClusterIPs, or the older alias layout's), and the
// network owner's names and DNS (the proxy's cluster DNS with the namespace's search list).
import type Docker from 'dockerode';
import { selectorMatches } from '../model/resources';
import type { ContainerSpec, DeploymentSpec, ServiceSpec, StackSpec } from '../model/types';

/**
 * How pods find Services on the stack network:
 * - cluster: each Service has a ClusterIP served by the stack's proxy, and pods use the
 *   proxy's DNS (search `NS.svc.DOMAIN svc.DOMAIN DOMAIN`, ndots:5), as in a cluster;
 * - aliases: each replica answers to its Services' names on their target ports (a stack
 *   network made by an older Flotilla, kept until the next down/up).
 */
export type PodNetwork =
  { mode: 'cluster'; dnsServer: string; domain: string; clusterIPs: ReadonlyMap<string, string> } | { mode: 'aliases' };

/** A Service's key in the ClusterIP table: NAMESPACE/NAME. */
export function serviceKey(s: { name: string; namespace?: string }): string {
  return `${s.namespace ?? 'default'}/${s.name}`;
}

export function isHeadless(s: ServiceSpec): boolean {
  return s.clusterIP === 'None';
}

/** The namespace a workload's pods run in. */
export function podNamespace(d: DeploymentSpec): string {
  return d.template.namespace ?? 'default';
}

/** Services whose selector matches this deployment's pods. */
export function servicesFor(stack: StackSpec, d: DeploymentSpec): ServiceSpec[] {
  return stack.services.filter(
    (s) =>
      Object.keys(s.selector).length > 0 &&
      selectorMatches({ matchLabels: s.selector, matchExpressions: [] }, d.template.labels),
  );
}

/** A Service port's target as a number, resolving a named container port. */
export function resolveTargetPort(target: number | string, containers: ContainerSpec[]): number | undefined {
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of containers) for (const p of c.ports) if (p.name === target) return p.containerPort;
  return undefined;
}

/**
 * Kubernetes' service env vars for a pod in `namespace`. With ClusterIPs, exactly what the
 * kubelet sets: for each Service of the namespace that has a ClusterIP,
 * <NAME>_SERVICE_HOST/_SERVICE_PORT(_<PORTNAME>) and the docker-link style
 * <NAME>_PORT(_<port>_<PROTO>(_PROTO|_PORT|_ADDR)). In the alias layout the host is the
 * Service's name and the port the resolved target port (where the replicas listen).
 */
export function serviceEnv(stack: StackSpec, network?: PodNetwork, namespace = 'default'): Record<string, string> {
  if (network?.mode === 'cluster') return clusterServiceEnv(stack, network.clusterIPs, namespace);
  // Made once per loaded stack, not per container: it matches every Service against every
  // workload, and an up of 100 Deployments spent more CPU here than anywhere else.
  const cached = aliasEnv.get(stack);
  if (cached && cached.services === stack.services.length && cached.workloads === stack.deployments.length) {
    return { ...cached.env };
  }
  const env = aliasServiceEnv(stack);
  aliasEnv.set(stack, { env, services: stack.services.length, workloads: stack.deployments.length });
  return { ...env };
}

/** The alias layout's variables per stack object, with the counts they were made from (a stack being loaded grows). */
const aliasEnv = new WeakMap<StackSpec, { env: Record<string, string>; services: number; workloads: number }>();

function aliasServiceEnv(stack: StackSpec): Record<string, string> {
  const env: Record<string, string> = {};
  // Each Service's first workload in manifest order: one pass over the workloads, not one per Service.
  const backingOf = new Map<ServiceSpec, DeploymentSpec>();
  for (const d of stack.deployments) {
    for (const s of servicesFor(stack, d)) if (!backingOf.has(s)) backingOf.set(s, d);
  }
  for (const s of stack.services) {
    const backing = backingOf.get(s);
    const ports = s.ports.map((p) => ({
      name: p.name,
      port: backing ? (resolveTargetPort(p.targetPort, backing.template.containers) ?? p.port) : p.port,
    }));
    if (!ports.length) continue;
    const key = envName(s.name);
    env[`${key}_SERVICE_HOST`] = s.name;
    env[`${key}_SERVICE_PORT`] = String(ports[0].port);
    for (const p of ports) {
      if (p.name) env[`${key}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    }
  }
  return env;
}

function clusterServiceEnv(
  stack: StackSpec,
  clusterIPs: ReadonlyMap<string, string>,
  namespace: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of stack.services) {
    const ip = clusterIPs.get(serviceKey(s));
    if ((s.namespace ?? 'default') !== namespace || isHeadless(s) || ip === undefined || !s.ports.length) continue;
    const key = envName(s.name);
    env[`${key}_SERVICE_HOST`] = ip;
    env[`${key}_SERVICE_PORT`] = String(s.ports[0].port);
    for (const p of s.ports) if (p.name) env[`${key}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    const first = s.ports[0];
    env[`${key}_PORT`] = `${first.protocol.toLowerCase()}://${ip}:${first.port}`;
    for (const p of s.ports) {
      const k = `${key}_PORT_${p.port}_${p.protocol}`;
      env[k] = `${p.protocol.toLowerCase()}://${ip}:${p.port}`;
      env[`${k}_PROTO`] = p.protocol.toLowerCase();
      env[`${k}_PORT`] = String(p.port);
      env[`${k}_ADDR`] = ip;
    }
  }
  return env;
}

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/**
 * The pod's names on the stack network: its replica name; in the alias layout also its
 * Services' names (with ClusterIPs they are the proxy's, so DNS never names a replica that is not Ready).
 */
export function podAliases(
  stack: StackSpec,
  network: PodNetwork | undefined,
  d: DeploymentSpec,
  replica: string,
): string[] {
  if (network?.mode === 'cluster') return [replica];
  return [replica, ...servicesFor(stack, d).map((s) => s.name)];
}

/** The network owner's hostname (spec.hostname, else the replica) and, with a subdomain, its domain. */
export function podIdentity(
  network: PodNetwork | undefined,
  d: DeploymentSpec,
  replica: string,
): Pick<Docker.ContainerCreateOptions, 'Hostname' | 'Domainname'> {
  const out: Pick<Docker.ContainerCreateOptions, 'Hostname' | 'Domainname'> = {
    Hostname: d.template.hostname ?? replica,
  };
  if (d.template.subdomain) {
    const domain = network?.mode === 'cluster' ? network.domain : 'cluster.local';
    out.Domainname = `${d.template.subdomain}.${podNamespace(d)}.svc.${domain}`;
  }
  return out;
}

/**
 * The network owner's DNS with ClusterIPs (dnsPolicy ClusterFirst): the proxy as server and the
 * namespace's search list. Docker's embedded DNS (127.0.0.11) still answers container names and
 * relays the rest to the proxy. Containers sharing the owner's network namespace share its DNS.
 */
export function podDns(
  network: PodNetwork | undefined,
  d: DeploymentSpec,
): Pick<Docker.HostConfig, 'Dns' | 'DnsSearch' | 'DnsOptions'> {
  return network?.mode === 'cluster' ? clusterDns(network, podNamespace(d)) : {};
}

/** The DNS settings of a pod in a cluster. */
export function clusterDns(
  net: { dnsServer: string; domain: string },
  namespace: string,
): Pick<Docker.HostConfig, 'Dns' | 'DnsSearch' | 'DnsOptions'> {
  return {
    Dns: [net.dnsServer],
    DnsSearch: [`${namespace}.svc.${net.domain}`, `svc.${net.domain}`, net.domain],
    DnsOptions: ['ndots:5'],
  };
}
