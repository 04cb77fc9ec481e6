// A stack as Swarm objects, a pure function of the stack, the pushed image references and the swarm's nodes.
//
//   Deployment  → replicated service (endpoint mode dnsrr: VIPs need IPVS, which a swarm node may lack)
//   Service     → a proxy service holding the Service's DNS names as network aliases, listening on each
//                 Service port and forwarding to the target port of Ready tasks; NodePort/LoadBalancer ones
//                 run globally and publish in host mode, so every node answers on the port
//   headless    → no proxy: the names are aliases of the selected tasks themselves
//   ConfigMap/Secret values → env (as the manifests ask), and configs/secrets where files are mounted
//   claim templates → a named volume per ordinal, made writable by a setup job before the ordinal starts
//   requests/limits → reservations/limits; nodeSelector → constraints; probes → healthcheck;
//   maxSurge/maxUnavailable → update_config; the stack file's nodes → swarm node labels
import type Dockerode from 'dockerode';
import { isHeadless, resolveTargetPort } from '../../controller/pod-network';
import { selectorMatches } from '../../model/resources';
import type { ContainerSpec, DeploymentSpec, HpaSpec, PodTemplate, ServiceSpec, StackSpec } from '../../model/types';
import { claimSetupSpec } from './claim-setup';
import { commandOf, envList, mountsOf, resourcesOf, securityOf } from './container-spec';
import { fileMounts, type BlobSink } from './file-volumes';
import { probeHealth } from './health';
import {
  SWARM_LABELS,
  proxyServiceName,
  serviceDnsNames,
  shortHash,
  swarmNetworkName,
  workloadServiceName,
} from './names';
import { constraintsOf, labelNodes } from './placement';
import type { DesiredBlob, DesiredService, SwarmNode, SwarmPlan } from './plan-types';
import { endpointsAlias, proxyArgs, type ProxyPortArg } from './proxy-command';
import { updateConfig } from './update-config';
import {
  claimVolumeName,
  daemonSetUpdate,
  jobMode,
  kindOf,
  ordinalDnsNames,
  ordinalServiceName,
  pinOrdinal,
  stackWorkloads,
  type AnyWorkload,
} from './workload-kinds';

const SECOND = 1e9;

export interface PlanInputs {
  stack: StackSpec;
  /** Manifest image → the reference every node pulls (registry/repo@sha256:…). */
  images: Record<string, string>;
  /** The Service proxy's image reference. */
  proxyImage: string;
  nodes: SwarmNode[];
  /** Current replica counts of services an HPA scales (kept across re-deploys within the HPA's bounds). */
  currentReplicas?: Record<string, number>;
  /** The node each StatefulSet ordinal's service is pinned to now, by service name. */
  currentPins?: Record<string, string>;
}

/** A workload as the translation needs it: the Deployment today, other kinds share the same path. */
interface Workload {
  kind: string;
  /** The manifest's name (a StatefulSet's, for each of its ordinals). */
  name: string;
  /** The swarm service's name. */
  service: string;
  template: PodTemplate;
  replicas: number;
  mode: Dockerode.ServiceMode;
  update?: Dockerode.UpdateConfig;
  restart: Dockerode.TaskRestartPolicy;
  hpa?: HpaSpec;
  /** A StatefulSet ordinal: its index, node, names and claim volumes. */
  ordinal?: { index: number; nodeId?: string; names: string[]; volumes: Record<string, string> };
}

export function planSwarm(inp: PlanInputs): SwarmPlan {
  const { stack } = inp;
  const warnings: string[] = [];
  const network = swarmNetworkName(stack.name);
  const configs = new Map<string, DesiredBlob>();
  const secrets = new Map<string, DesiredBlob>();
  const nodeLabels = labelNodes(stack, inp.nodes, warnings);
  const services: DesiredService[] = [];

  const workloads: Workload[] = stackWorkloads(stack).flatMap((d) => toWorkloads(stack, d, inp, warnings));
  for (const w of workloads) {
    services.push(workloadService(inp, w, network, nodeLabels, warnings, { configs, secrets }));
  }
  for (const s of stack.services) {
    const proxy = proxyService(inp, s, network, warnings);
    if (proxy) services.push(proxy);
  }
  const withCron: StackSpec & { cronJobs?: { name: string }[] } = stack;
  for (const cj of withCron.cronJobs ?? []) {
    warnings.push(`CronJob "${cj.name}" is not deployed: Swarm has no scheduler for it (run its Job from cron or CI)`);
  }
  for (const i of stack.ignored) {
    warnings.push(`${i.kind} "${i.name}" is not deployed: Flotilla does not run that kind`);
  }
  return {
    stack: stack.name,
    network,
    services,
    configs: [...configs.values()],
    secrets: [...secrets.values()],
    nodeLabels,
    warnings,
  };
}

/** One workload (a StatefulSet: one per ordinal) for a manifest, by its kind. */
function toWorkloads(stack: StackSpec, d: AnyWorkload, inp: PlanInputs, warnings: string[]): Workload[] {
  const kind = kindOf(d);
  const restart: Dockerode.TaskRestartPolicy = {
    Condition:
      d.template.restartPolicy === 'Always' ? 'any' : d.template.restartPolicy === 'OnFailure' ? 'on-failure' : 'none',
    Delay: Math.round(stack.settings.backoffBaseSeconds * SECOND),
    MaxAttempts: 0,
  };
  const base = { kind, name: d.name, template: d.template, restart, service: workloadServiceName(stack.name, d.name) };
  if (kind === 'StatefulSet') {
    const n = d.replicas ?? 1;
    return Array.from({ length: n }, (_, i): Workload => {
      const service = ordinalServiceName(stack.name, d.name, i);
      const node = pinOrdinal(i, inp.nodes, inp.currentPins?.[service]);
      if (!node) warnings.push(`StatefulSet ${d.name}: no ready node to pin ordinal ${i} to`);
      const volumes = Object.fromEntries(
        (d.statefulSet?.volumeClaimTemplates ?? []).map((t) => [
          t.name,
          claimVolumeName(stack.name, t.name, d.name, i),
        ]),
      );
      return {
        ...base,
        service,
        replicas: 1,
        mode: { Replicated: { Replicas: 1 } },
        update: { Parallelism: 1, Order: 'stop-first', FailureAction: 'rollback', Monitor: 5 * SECOND },
        ordinal: { index: i, nodeId: node?.id, names: ordinalDnsNames(d.name, i, d.statefulSet?.serviceName), volumes },
      };
    });
  }
  if (kind === 'DaemonSet') {
    return [{ ...base, replicas: 0, mode: { Global: {} }, update: daemonSetUpdate(d, inp.nodes.length) }];
  }
  if (kind === 'Job') {
    const { mode, restart: jobRestart } = jobMode(d);
    return [{ ...base, replicas: 0, mode, restart: jobRestart }];
  }
  if (kind === 'Pod') return [{ ...base, replicas: 1, mode: { Replicated: { Replicas: 1 } } }];
  return [deploymentWorkload(stack, d, inp, base)];
}

function deploymentWorkload(
  stack: StackSpec,
  d: DeploymentSpec,
  inp: PlanInputs,
  common: Pick<Workload, 'kind' | 'name' | 'template' | 'service'>,
): Workload {
  const hpa = stack.hpas.find((h) => h.target.kind === 'Deployment' && h.target.name === d.name);
  const current = inp.currentReplicas?.[workloadServiceName(stack.name, d.name)];
  // The update policy scales with the count the manifests ask for, not the autoscaler's current one: an HPA
  // scaling the service must not make the next deploy roll it.
  const base = hpa ? clamp(d.replicas ?? 1, hpa.minReplicas, hpa.maxReplicas) : (d.replicas ?? 1);
  const replicas = hpa ? clamp(current ?? base, hpa.minReplicas, hpa.maxReplicas) : base;
  return {
    ...common,
    replicas,
    mode: { Replicated: { Replicas: replicas } },
    update: updateConfig(d.strategy, base, d.minReadySeconds),
    restart: { Condition: 'any', Delay: Math.round(stack.settings.backoffBaseSeconds * SECOND), MaxAttempts: 0 },
    hpa,
  };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function workloadService(
  inp: PlanInputs,
  w: Workload,
  network: string,
  nodes: SwarmPlan['nodeLabels'],
  warnings: string[],
  blobs: BlobSink,
): DesiredService {
  const { stack } = inp;
  const name = w.service;
  const c = w.template.containers[0];
  if (w.template.containers.length > 1) {
    warnings.push(
      `${w.kind} ${w.name}: a Swarm task runs one container; only "${c.name}" runs, not ${w.template.containers
        .slice(1)
        .map((x) => `"${x.name}"`)
        .join(', ')}`,
    );
  }
  if (w.template.initContainers?.length && !w.ordinal?.index) {
    warnings.push(
      `${w.kind} ${w.name}: init containers (${w.template.initContainers.map((x) => `"${x.name}"`).join(', ')}) do not run on a swarm: a task runs one container`,
    );
  }
  const health = probeHealth(c);
  warnings.push(...health.warnings.map((m) => `${w.kind} ${w.name}: ${m}`));
  const grace = stack.settings.terminationGracePeriodSeconds ?? w.template.terminationGracePeriodSeconds;
  const labels: Record<string, string> = {
    [SWARM_LABELS.stack]: stack.name,
    [SWARM_LABELS.role]: 'workload',
    [SWARM_LABELS.source]: `${w.kind}/${w.ordinal ? `${w.name}-${w.ordinal.index}` : w.name}`,
    [SWARM_LABELS.workload]: w.name,
  };
  if (w.ordinal) labels[SWARM_LABELS.ordinal] = String(w.ordinal.index);
  const containerSpec: Dockerode.ContainerSpec = {
    Image: inp.images[c.image] ?? c.image,
    Labels: labels,
    Hostname: w.ordinal ? `${w.name}-${w.ordinal.index}` : `${w.name}-{{.Task.Slot}}`,
    Env: envList(stack, c, w, warnings),
    Init: true,
    StopGracePeriod: grace * SECOND,
    ...commandOf(c),
    ...securityOf(c, w, warnings),
  };
  if (c.workingDir) containerSpec.Dir = c.workingDir;
  if (health.health) containerSpec.HealthCheck = health.health;
  const mounts = mountsOf(stack.name, c, w.template);
  // A StatefulSet's claim templates: a named volume per ordinal, kept on its node (down leaves it there).
  const claims: Dockerode.MountSettings[] = [];
  for (const m of c.volumeMounts ?? []) {
    const volume = w.ordinal?.volumes[m.name];
    if (volume) {
      // The model may list the claim as a pod volume too: the ordinal's own volume replaces that mount.
      const same = mounts.findIndex((x) => x.Target === m.mountPath);
      if (same >= 0) mounts.splice(same, 1);
      const mount: Dockerode.MountSettings = {
        Type: 'volume',
        Source: volume,
        Target: m.mountPath,
        ReadOnly: m.readOnly,
        VolumeOptions: {
          NoCopy: false,
          Labels: { [SWARM_LABELS.stack]: stack.name, [SWARM_LABELS.workload]: w.name },
          DriverConfig: { Name: 'local', Options: {} },
        },
      };
      mounts.push(mount);
      if (!claims.some((x) => x.Source === volume)) claims.push(mount);
    }
  }
  if (mounts.length) containerSpec.Mounts = mounts;
  const files = fileMounts(stack, c, w.template, blobs, (m) => warnings.push(`${w.kind} ${w.name}: ${m}`));
  if (files.configs.length) containerSpec.Configs = files.configs;
  if (files.secrets.length) containerSpec.Secrets = files.secrets;

  // Headless Services' names are the tasks' own; a Service backed by several workloads finds them by an alias.
  const aliases = [
    ...(w.ordinal?.names ?? []),
    ...stack.services.flatMap((s) => {
      if (!selects(s, w.template)) return [];
      if (isHeadless(s)) return serviceDnsNames(s.name);
      return backendsOf(stack, s).length > 1 ? [endpointsAlias(s.name)] : [];
    }),
  ];
  const constraints = constraintsOf(w, nodes, warnings);
  if (w.ordinal?.nodeId) constraints.push(`node.id==${w.ordinal.nodeId}`);
  const spec: Dockerode.ServiceSpec = {
    Name: name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: containerSpec,
      Resources: resourcesOf(c),
      RestartPolicy: w.restart,
      Placement: { Constraints: constraints },
      Networks: [{ Target: network, Aliases: aliases }],
    },
    Mode: w.mode,
    EndpointSpec: { Mode: 'dnsrr' },
  };
  if (w.update) {
    spec.UpdateConfig = w.update;
    spec.RollbackConfig = { ...w.update, FailureAction: 'pause' };
  }
  const out = finish(spec, 'workload', labels[SWARM_LABELS.source], w.name, w.hpa);
  if (claims.length && w.ordinal?.nodeId) {
    if (inp.proxyImage) {
      out.claimSetup = claimSetupSpec({
        stack: stack.name,
        service: name,
        source: labels[SWARM_LABELS.source],
        nodeId: w.ordinal.nodeId,
        image: inp.proxyImage,
        mounts: claims,
        fsGroup: w.template.security?.fsGroup,
      });
    } else {
      warnings.push(`${w.kind} ${w.name}: no setup image, so its claim volumes stay as Docker makes them (root, 0755)`);
    }
  }
  return out;
}

/** The spec's hash leaves the replica count out: scaling is not a change that needs a rolling update. */
function finish(
  spec: Dockerode.ServiceSpec,
  role: DesiredService['role'],
  source: string,
  object: string,
  hpa?: HpaSpec,
): DesiredService {
  const { Mode, ...rest } = spec;
  const modeKind = Object.keys(Mode ?? {}).join(',');
  const hash = shortHash(JSON.stringify({ rest, modeKind }), 16);
  spec.Labels = { ...spec.Labels, [SWARM_LABELS.specHash]: hash };
  return {
    name: spec.Name ?? '',
    role,
    source,
    object,
    spec,
    hash,
    hpa: hpa ? { min: hpa.minReplicas, max: hpa.maxReplicas } : undefined,
  };
}

function selects(s: ServiceSpec, t: PodTemplate): boolean {
  return (
    Object.keys(s.selector).length > 0 && selectorMatches({ matchLabels: s.selector, matchExpressions: [] }, t.labels)
  );
}

/** The workloads a Service selects, with their containers (for named target ports). */
function backendsOf(stack: StackSpec, s: ServiceSpec): { swarmName: string; containers: ContainerSpec[] }[] {
  return stackWorkloads(stack)
    .filter((d) => selects(s, d.template) && kindOf(d) !== 'Job')
    .flatMap((d) =>
      kindOf(d) === 'StatefulSet'
        ? Array.from({ length: d.replicas ?? 1 }, (_, i) => ({
            swarmName: ordinalServiceName(stack.name, d.name, i),
            containers: d.template.containers,
          }))
        : [{ swarmName: workloadServiceName(stack.name, d.name), containers: d.template.containers }],
    );
}

function proxyService(
  inp: PlanInputs,
  s: ServiceSpec,
  network: string,
  warnings: string[],
): DesiredService | undefined {
  const { stack } = inp;
  if (isHeadless(s)) return undefined;
  const backends = backendsOf(stack, s);
  if (!backends.length) {
    warnings.push(`Service ${s.name} selects no workload of the stack; its proxy refuses connections`);
  }
  const ports: ProxyPortArg[] = [];
  const published: Dockerode.PortConfig[] = [];
  for (const p of s.ports) {
    if (p.protocol !== 'TCP') {
      warnings.push(`Service ${s.name} port ${p.port}: only TCP is proxied; ${p.protocol} is not`);
      continue;
    }
    // A named target port resolves per workload; the proxy forwards one target per listener, so the first
    // workload that declares the name decides (they agree in any stack that works in a cluster too).
    const target =
      backends.map((b) => resolveTargetPort(p.targetPort, b.containers)).find((t) => t !== undefined) ??
      (typeof p.targetPort === 'number' ? p.targetPort : undefined);
    if (target === undefined) {
      warnings.push(`Service ${s.name} port ${p.port}: no selected container declares the port "${p.targetPort}"`);
      continue;
    }
    ports.push({ name: p.name, port: p.port, targetPort: target });
    if (s.type !== 'ClusterIP') {
      published.push({
        Protocol: 'tcp',
        TargetPort: p.port,
        PublishedPort: publishedPort(stack.name, s, p.port, p.nodePort),
        PublishMode: 'host',
      });
    }
  }
  const lookup = backends.length === 1 ? `tasks.${backends[0].swarmName}` : endpointsAlias(s.name);
  const labels = {
    [SWARM_LABELS.stack]: stack.name,
    [SWARM_LABELS.role]: 'proxy',
    [SWARM_LABELS.source]: `Service/${s.name}`,
    [SWARM_LABELS.workload]: s.name,
  };
  const global = s.type !== 'ClusterIP';
  const spec: Dockerode.ServiceSpec = {
    Name: proxyServiceName(stack.name, s.name),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: inp.proxyImage,
        Labels: labels,
        Init: true,
        StopGracePeriod: 2 * SECOND,
        Args: proxyArgs(s.name, 'default', lookup, ports),
      },
      Resources: { Reservations: { NanoCPUs: 10_000_000, MemoryBytes: 16 * 1024 * 1024 } },
      RestartPolicy: { Condition: 'any', Delay: SECOND, MaxAttempts: 0 },
      // Two proxies on different nodes: one node going down leaves the Service reachable.
      Placement: global ? {} : { MaxReplicas: 1 },
      Networks: [{ Target: network, Aliases: serviceDnsNames(s.name) }],
    },
    Mode: global ? { Global: {} } : { Replicated: { Replicas: Math.min(2, Math.max(1, inp.nodes.length)) } },
    UpdateConfig: {
      Parallelism: 1,
      Order: global ? 'stop-first' : 'start-first',
      FailureAction: 'rollback',
      Monitor: 5 * SECOND,
    },
    EndpointSpec: { Mode: 'dnsrr', Ports: published },
  };
  return finish(spec, 'proxy', `Service/${s.name}`, s.name);
}

/**
 * The port each node publishes for a NodePort or LoadBalancer Service: the nodePort when set, the Service
 * port for a LoadBalancer, else a port in Kubernetes' NodePort range derived from the stack and Service (so it
 * stays the same across deploys).
 */
export function publishedPort(stack: string, s: ServiceSpec, port: number, nodePort?: number): number {
  if (nodePort) return nodePort;
  if (s.type === 'LoadBalancer') return port;
  return 30000 + (parseInt(shortHash(`${stack}/${s.name}/${port}`, 8), 16) % 2768);
}
