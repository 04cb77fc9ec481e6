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
import { resolveTargetPort, serviceEnv } from '../../controller/pod-network';
import { resolveEnv } from '../../controller/pod-spec';
import { selectorMatches } from '../../model/resources';
import type { ContainerSpec, DeploymentSpec, HpaSpec, PodTemplate, ServiceSpec, StackSpec } from '../../model/types';
import { claimSetupSpec } from './claim-setup';
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

function isHeadless(s: ServiceSpec): boolean {
  return 'clusterIP' in s && s.clusterIP === 'None';
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

/** Kubernetes' service env vars with the Service port (the proxy listens on it), then envFrom and env. */
function envList(stack: StackSpec, c: ContainerSpec, w: Workload, warnings: string[]): string[] {
  const env = resolveEnv(stack, c);
  const local = serviceEnv(stack);
  for (const s of stack.services) {
    if (!s.ports.length || isHeadless(s)) continue;
    const key = s.name.toUpperCase().replace(/-/g, '_');
    const set = (k: string, v: string) => {
      if (env[k] === local[k]) env[k] = v;
    };
    set(`${key}_SERVICE_PORT`, String(s.ports[0].port));
    for (const p of s.ports) {
      if (p.name) set(`${key}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`, String(p.port));
    }
  }
  const secretRefs = new Set<string>();
  for (const e of c.env) if (e.valueFrom?.secretKeyRef) secretRefs.add(e.valueFrom.secretKeyRef.name);
  for (const f of c.envFrom) if (f.secretRef) secretRefs.add(f.secretRef.name);
  for (const name of secretRefs) {
    warnings.push(
      `${w.kind} ${w.name}: Secret "${name}" is injected as environment, so its values are visible to whoever can inspect the service; mount it as a volume to keep it a Swarm secret`,
    );
  }
  return Object.entries(env)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
}

function commandOf(c: ContainerSpec): Pick<Dockerode.ContainerSpec, 'Command' | 'Args'> {
  // Kubernetes' command replaces the entrypoint and args the image's CMD, as Swarm's Command and Args do.
  const out: Pick<Dockerode.ContainerSpec, 'Command' | 'Args'> = {};
  if (c.command) out.Command = c.command;
  if (c.args) out.Args = c.args;
  return out;
}

function securityOf(c: ContainerSpec, w: Workload, warnings: string[]): Partial<Dockerode.ContainerSpec> {
  const s = c.security;
  if (!s) return {};
  const out: Partial<Dockerode.ContainerSpec> = {};
  if (s.runAsUser !== undefined) {
    out.User = s.runAsGroup !== undefined ? `${s.runAsUser}:${s.runAsGroup}` : String(s.runAsUser);
  }
  if (s.readOnlyRootFilesystem) out.ReadOnly = true;
  if (s.capAdd.length) out.CapabilityAdd = s.capAdd;
  if (s.capDrop.length) out.CapabilityDrop = s.capDrop;
  if (s.privileged) {
    warnings.push(`${w.kind} ${w.name}: Swarm services cannot run privileged; "${c.name}" runs unprivileged`);
  }
  return out;
}

function mountsOf(stackName: string, c: ContainerSpec, t: PodTemplate): Dockerode.MountSettings[] {
  return (c.volumeMounts ?? []).flatMap((m): Dockerode.MountSettings[] => {
    const v = t.volumes?.find((x) => x.name === m.name);
    if (v?.hostPath) return [{ Type: 'bind', Source: v.hostPath.path, Target: m.mountPath, ReadOnly: m.readOnly }];
    if (v?.emptyDir?.medium === 'Memory') {
      return [{ Type: 'tmpfs', Source: '', Target: m.mountPath, ReadOnly: m.readOnly }];
    }
    if (v?.emptyDir) return [{ Type: 'volume', Source: '', Target: m.mountPath, ReadOnly: m.readOnly }];
    // A claim of its own: a named volume on whichever node runs the task (a swarm has no shared storage).
    if (v?.persistentVolumeClaim) {
      return [
        {
          Type: 'volume',
          Source: `${stackName}_${v.persistentVolumeClaim.claimName}`,
          Target: m.mountPath,
          ReadOnly: m.readOnly || v.persistentVolumeClaim.readOnly,
        },
      ];
    }
    return [];
  });
}

function resourcesOf(c: ContainerSpec): Dockerode.ResourceRequirements {
  const r: Dockerode.ResourceRequirements = {};
  if (c.requests.cpuMilli || c.requests.memoryBytes) {
    r.Reservations = {};
    if (c.requests.cpuMilli) r.Reservations.NanoCPUs = c.requests.cpuMilli * 1e6;
    if (c.requests.memoryBytes) r.Reservations.MemoryBytes = c.requests.memoryBytes;
  }
  if (c.limits.cpuMilli || c.limits.memoryBytes) {
    r.Limits = {};
    if (c.limits.cpuMilli) r.Limits.NanoCPUs = c.limits.cpuMilli * 1e6;
    if (c.limits.memoryBytes) r.Limits.MemoryBytes = c.limits.memoryBytes;
  }
  return r;
}

const ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', '386': 'i386' };

/** nodeSelector as Swarm constraints; well-known node labels map to the node's own attributes. */
export function constraintsOf(
  w: Pick<Workload, 'kind' | 'name' | 'template'>,
  nodes: SwarmPlan['nodeLabels'],
  warnings: string[],
): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(w.template.nodeSelector)) {
    if (k === 'kubernetes.io/hostname') {
      // A stack-file node name stands for the swarm node it labels.
      out.push(`node.hostname==${nodes.find((n) => n.stackNode === v)?.hostname ?? v}`);
    } else if (k === 'kubernetes.io/os') out.push(`node.platform.os==${v}`);
    else if (k === 'kubernetes.io/arch') out.push(`node.platform.arch==${ARCH[v] ?? v}`);
    else if (/[\s=!]/.test(k) || /[\s=!]/.test(v)) {
      warnings.push(`${w.kind} ${w.name}: nodeSelector ${k}=${v} cannot be a Swarm constraint; it is not applied`);
    } else out.push(`node.labels.${k}==${v}`);
  }
  return out;
}

/**
 * The stack file's nodes label swarm nodes: a stack node whose name is a swarm node's hostname labels that
 * node; the others label the remaining swarm nodes in hostname order.
 */
export function labelNodes(stack: StackSpec, swarmNodes: SwarmNode[], warnings: string[]): SwarmPlan['nodeLabels'] {
  const out: SwarmPlan['nodeLabels'] = [];
  const free = [...swarmNodes].sort((a, b) => a.hostname.localeCompare(b.hostname));
  const take = (pred: (n: SwarmNode) => boolean) => {
    const i = free.findIndex(pred);
    return i < 0 ? undefined : free.splice(i, 1)[0];
  };
  const unmatched = stack.nodes.filter((sn) => !swarmNodes.some((n) => n.hostname === sn.name));
  for (const sn of stack.nodes) {
    const byName = take((n) => n.hostname === sn.name);
    if (byName) out.push({ nodeId: byName.id, hostname: byName.hostname, stackNode: sn.name, labels: sn.labels });
  }
  for (const sn of unmatched) {
    const n = take(() => true);
    if (!n) {
      warnings.push(`stack node ${sn.name} has no swarm node left to label (the swarm has ${swarmNodes.length})`);
      continue;
    }
    out.push({ nodeId: n.id, hostname: n.hostname, stackNode: sn.name, labels: sn.labels });
  }
  return out;
}
