// The controller's view turned into what the proxy serves (pure): per Service its
// ClusterIP, each port's endpoints (the replicas the controller counts for it: Ready
// ones, or all with publishNotReadyAddresses, target ports resolved per replica) and,
// for a headless Service, the pods DNS answers with, named by their hostname when
// their subdomain is the Service's name.
import { isHeadless, serviceKey } from '../controller/pod-network';
import type { EndpointTarget } from '../controller/status';
import type { StackSpec } from '../model/types';
import type { ProxyService, ProxyState } from './protocol';

export function buildProxyState(
  stack: StackSpec,
  endpoints: ReadonlyMap<string, EndpointTarget[]>,
  clusterIPs: ReadonlyMap<string, string>,
): ProxyState {
  const services: ProxyService[] = [];
  for (const s of stack.services) {
    const headless = isHeadless(s);
    const clusterIP = headless ? undefined : clusterIPs.get(serviceKey(s));
    if (!headless && clusterIP === undefined) continue;
    const targets = endpoints.get(s.name) ?? [];
    services.push({
      name: s.name,
      namespace: s.namespace ?? 'default',
      clusterIP,
      ports: s.ports.map((sp) => ({
        name: sp.name,
        port: sp.port,
        protocol: sp.protocol,
        endpoints: targets.flatMap((t) =>
          t.ports
            .filter((tp) => tp.port === sp.port && tp.name === sp.name)
            .map((tp) => ({ replica: t.replica, ip: t.host, port: tp.targetPort })),
        ),
      })),
      pods: headless
        ? targets.map((t) => {
            const tpl = stack.deployments.find((d) => d.name === t.deployment)?.template;
            const named = tpl?.subdomain === s.name;
            return named ? { ip: t.host, hostname: tpl?.hostname ?? t.replica } : { ip: t.host };
          })
        : [],
    });
  }
  return { services };
}
