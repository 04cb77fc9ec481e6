// Desired Docker containers for one replica: a pure function of the deployment,
// the stack's Services/ConfigMaps/Secrets, the placement and the Service layer
// (ClusterIPs and cluster DNS, or the older alias layout: see pod-network.ts). The pod template
// hash is computed here too, from everything that ends up in the container, so
// a change to any of it (manifest, rebuilt image, ConfigMap value, restart
// annotation) starts a rollout.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { LABELS, networkName } from '../docker/labels';
import type { ContainerSpec, DeploymentSpec, EnvVar, StackSpec } from '../model/types';
import { errorMessage } from '../util/errors';
import { expandVars, fieldValue, podFacts, resourceValue, type PodFacts } from './downward-api';
import { podAliases, podDns, podIdentity, podNamespace, serviceEnv, servicesFor, type PodNetwork } from './pod-network';
import { mountsFor, planVolumes, volumeKeySets, type PlannedVolume } from './pod-volumes';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface PodContext {
  stack: StackSpec;
  /** image reference → image id, for images the stack built (a rebuild changes the hash). */
  imageIds: Record<string, string>;
  /** Extra template annotations (rolling restart). */
  restartedAt?: string;
  /** How pods find Services; undefined is the alias layout. */
  network?: PodNetwork;
  /** Live update's synced files: a container created from a synced image gets them before it starts. */
  live?: LiveStart;
}

/** What pod-start asks of live update (sync/live-files.ts), around a container's start. */
export interface LiveStart {
  beforeStart(docker: Docker, containerId: string, imageId: string): Promise<void>;
  afterStart(docker: Docker, containerId: string, imageId: string): Promise<void>;
}

export class EnvResolutionError extends Error {}

/**
 * The container's environment, in Kubernetes' precedence: service vars, envFrom, then env, with
 * `$(VAR)` in a value expanded from the variables before it. `pod` resolves fieldRef and
 * resourceFieldRef; without it (the template hash) they read as a stable placeholder.
 */
export function resolveEnv(
  stack: StackSpec,
  c: ContainerSpec,
  pod?: { facts: PodFacts; containers: ContainerSpec[] },
  services: Record<string, string> = serviceEnv(stack),
): Record<string, string> {
  const env: Record<string, string> = { ...services };
  const cm = (name: string) => stack.configMaps.find((m) => m.name === name)?.data;
  const sec = (name: string) => stack.secrets.find((m) => m.name === name)?.data;
  for (const from of c.envFrom) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const data = from.configMapRef ? cm(ref.name) : sec(ref.name);
    if (!data) {
      if (ref.optional) continue;
      throw new EnvResolutionError(
        `container ${c.name}: ${from.configMapRef ? 'ConfigMap' : 'Secret'} "${ref.name}" (envFrom) does not exist in the stack`,
      );
    }
    for (const [k, v] of Object.entries(data)) env[(from.prefix ?? '') + k] = v;
  }
  for (const e of c.env) {
    const v = envValue(stack, c, e, cm, sec, pod);
    if (v !== undefined) env[e.name] = e.value !== undefined ? expandVars(v, (n) => env[n]) : v;
  }
  return env;
}

function envValue(
  stack: StackSpec,
  c: ContainerSpec,
  e: EnvVar,
  cm: (n: string) => Record<string, string> | undefined,
  sec: (n: string) => Record<string, string> | undefined,
  pod?: { facts: PodFacts; containers: ContainerSpec[] },
): string | undefined {
  if (e.value !== undefined) return e.value;
  const field = e.valueFrom?.fieldRef;
  if (field) return pod ? fieldValue(pod.facts, field) : `<fieldRef ${field.fieldPath}>`;
  const res = e.valueFrom?.resourceFieldRef;
  if (res) return pod ? resourceValue(pod.facts, pod.containers, c.name, res) : `<resourceFieldRef ${res.resource}>`;
  const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
  if (!ref) return '';
  const kind = e.valueFrom?.configMapKeyRef ? 'ConfigMap' : 'Secret';
  const data = kind === 'ConfigMap' ? cm(ref.name) : sec(ref.name);
  const v = data?.[ref.key];
  if (v === undefined && !ref.optional) {
    throw new EnvResolutionError(
      `container ${c.name}: env ${e.name} refers to ${kind} "${ref.name}" key "${ref.key}", which does not exist in stack ${stack.name}`,
    );
  }
  return v;
}

/** A short stable hash of everything that shapes the replica's containers. */
export function podTemplateHash(ctx: PodContext, d: DeploymentSpec): string {
  // With ClusterIPs, Service env vars are set when a pod is made and never roll a
  // deployment (as in Kubernetes): a new Service leaves running replicas alone. In the
  // alias layout a replica's Service names are part of its container, so they count.
  const aliases = ctx.network?.mode !== 'cluster';
  const services = aliases ? serviceEnv(ctx.stack) : {};
  const h = createHash('sha256');
  h.update(
    JSON.stringify(
      {
        template: d.template,
        images: d.template.containers.map((c) => ctx.imageIds[c.image] ?? c.image),
        env: d.template.containers.map((c) => safeEnv(ctx.stack, c, services)),
        services: aliases ? servicesFor(ctx.stack, d).map((s) => s.name) : [],
        restartedAt: ctx.restartedAt ?? '',
        // Key sets only: a changed value in a mounted ConfigMap or Secret is written in place.
        volumeKeys: volumeKeySets(ctx.stack, d.template),
      },
      // Where things are written (file:line) is no part of the pod: moving a line must not roll it.
      (k: string, v: unknown) => (k === 'source' || k === 'imageSource' ? undefined : v),
    ),
  );
  return h.digest('hex').slice(0, 10);
}

function safeEnv(
  stack: StackSpec,
  c: ContainerSpec,
  services: Record<string, string>,
): Record<string, string> | string {
  try {
    return resolveEnv(stack, c, undefined, services);
  } catch (e) {
    return errorMessage(e);
  }
}

export interface ReplicaPlacement {
  replica: string;
  node: string;
  hash: string;
  createdAt: number;
  /** Volumes bound to this replica's own claims (a StatefulSet ordinal's): volume → claim name. */
  claims?: Record<string, string>;
}

/** What is known about one replica when its containers are created (see pod-start.ts). */
export interface PodRuntime {
  facts: PodFacts;
  planned: PlannedVolume[];
  /** Engine-host paths of volumes mounted with a subPath. */
  mountpoints: Record<string, string>;
  /** The sandbox container owning the pod's network, when the pod has one. */
  sandbox?: string;
  /** Each image's configured user (Config.User), for runAsGroup without runAsUser. */
  imageUsers?: Record<string, string>;
}

/** The runtime a replica would have before anything is created (no address yet, no subPath paths). */
export function defaultRuntime(
  ctx: PodContext,
  d: DeploymentSpec,
  p: Pick<ReplicaPlacement, 'replica' | 'node' | 'claims'>,
): PodRuntime {
  const facts = podFacts(d.template, p.replica, ctx.stack.name, p.node);
  return {
    facts,
    planned: planVolumes({ stack: ctx.stack, template: d.template, replica: p.replica, facts, claims: p.claims }),
    mountpoints: {},
  };
}

/** Docker create options for each container of the replica; without a sandbox the first owns the network namespace. */
export function containerOptions(
  ctx: PodContext,
  d: DeploymentSpec,
  p: ReplicaPlacement,
  rt: PodRuntime = defaultRuntime(ctx, d, p),
): Docker.ContainerCreateOptions[] {
  return d.template.containers.map((c, i) => containerCreateOptions(ctx, d, p, rt, c, i));
}

/** The labels every container of a replica carries, the sandbox included. */
export function replicaLabels(ctx: PodContext, d: DeploymentSpec, p: ReplicaPlacement): Record<string, string> {
  return {
    [LABELS.stack]: ctx.stack.name,
    [LABELS.deployment]: d.name,
    [LABELS.kind]: d.kind ?? 'Deployment',
    ...(d.job?.cronJob ? { [LABELS.cronJob]: d.job.cronJob } : {}),
    [LABELS.replica]: p.replica,
    [LABELS.podTemplateHash]: p.hash,
    [LABELS.node]: p.node,
    [LABELS.createdAt]: String(p.createdAt),
    ...prefixed(d.template.labels),
  };
}

/** Create options for the pod's i-th container (`init` for an init container). */
export function containerCreateOptions(
  ctx: PodContext,
  d: DeploymentSpec,
  p: ReplicaPlacement,
  rt: PodRuntime,
  c: ContainerSpec,
  i: number,
  init = false,
): Docker.ContainerCreateOptions {
  const stack = ctx.stack;
  const all = [...d.template.containers, ...(d.template.initContainers ?? [])];
  const env = resolveEnv(
    stack,
    c,
    { facts: rt.facts, containers: all },
    serviceEnv(stack, ctx.network, podNamespace(d)),
  );
  const owner = !rt.sandbox && i === 0 && !init;
  const labels: Record<string, string> = {
    ...replicaLabels(ctx, d, p),
    [LABELS.container]: c.name,
    [LABELS.cpuRequest]: String(init ? 0 : (c.requests.cpuMilli ?? 0)),
    [LABELS.memoryRequest]: String(init ? 0 : (c.requests.memoryBytes ?? 0)),
  };
  if (init) labels[LABELS.initContainer] = String(i);
  if (owner) Object.assign(labels, hostPortLabel(d));
  const binds = mountsFor(c, rt.planned, env, rt.mountpoints);
  const opts: Docker.ContainerCreateOptions = {
    name: init
      ? `${stack.name}_${p.replica}_init_${c.name}`
      : `${stack.name}_${p.replica}${i === 0 ? '' : `_${c.name}`}`,
    // The image id the stack was prepared with, not the tag: a rejected save may still have
    // rebuilt and retagged the image, and new replicas must not pick that up.
    Image: ctx.imageIds[c.image] ?? c.image,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: labels,
    // Only the network's owner may declare ports: Docker refuses exposed ports on a container
    // that joins another's network namespace (a sidecar, or any container of a pod with a sandbox).
    ExposedPorts: owner
      ? Object.fromEntries(c.ports.map((pt) => [`${pt.containerPort}/${pt.protocol.toLowerCase()}`, {}]))
      : undefined,
    HostConfig: {
      // tini as PID 1 forwards SIGTERM, so apps that never expected to be PID 1 still stop in time.
      Init: true,
      NanoCpus: c.limits.cpuMilli ? c.limits.cpuMilli * 1e6 : undefined,
      Memory: c.limits.memoryBytes,
      RestartPolicy: { Name: 'no' }, // the controller restarts, with Kubernetes' backoff
      NetworkMode: owner ? networkName(stack.name) : `container:${rt.sandbox ?? `${stack.name}_${p.replica}`}`,
      // Host access reaches here only when the stack file allows it (the loader refuses it otherwise).
      ...securityOptions(c, d),
      Binds: binds.length ? binds : undefined,
    },
  };
  const user = effectiveUser(c, d, rt.imageUsers?.[c.image]);
  if (user) opts.User = user;
  const groups = supplementalGroups(d);
  if (groups.length) opts.HostConfig!.GroupAdd = groups.map(String);
  if (owner) {
    Object.assign(opts, podIdentity(ctx.network, d, p.replica));
    Object.assign(opts.HostConfig!, podDns(ctx.network, d));
    opts.NetworkingConfig = {
      EndpointsConfig: { [networkName(stack.name)]: { Aliases: podAliases(ctx.stack, ctx.network, d, p.replica) } },
    };
    Object.assign(opts.HostConfig!, { PortBindings: portBindings(stack, d) });
    opts.ExposedPorts = { ...opts.ExposedPorts, ...exposedHostPorts(d) };
  }
  if (c.command) {
    opts.Entrypoint = c.command.map((x) => expandVars(x, (n) => env[n]));
    opts.Cmd = (c.args ?? []).map((x) => expandVars(x, (n) => env[n]));
  } else if (c.args) {
    opts.Cmd = c.args.map((x) => expandVars(x, (n) => env[n]));
  }
  if (c.workingDir) opts.WorkingDir = c.workingDir;
  return opts;
}

/**
 * The pod's sandbox: the pause image, owning the pod's network (hostname, aliases, hostPorts)
 * and holding its memory-backed volumes mounted, so their tmpfs outlives container restarts.
 */
export function sandboxOptions(
  ctx: PodContext,
  d: DeploymentSpec,
  p: ReplicaPlacement,
  image: string,
  planned: PlannedVolume[],
): Docker.ContainerCreateOptions {
  const stack = ctx.stack;
  const held = planned.filter((v) => v.driverOpts?.type === 'tmpfs' && v.dockerName);
  return {
    name: `${stack.name}_${p.replica}_POD`,
    Image: image,
    ...podIdentity(ctx.network, d, p.replica),
    // The pause program has no signal handlers; as PID 1 it would ignore SIGTERM.
    StopSignal: 'SIGKILL',
    Labels: { ...replicaLabels(ctx, d, p), [LABELS.role]: 'sandbox', ...hostPortLabel(d) },
    ExposedPorts: exposedHostPorts(d),
    HostConfig: {
      NetworkMode: networkName(stack.name),
      RestartPolicy: { Name: 'no' },
      PortBindings: portBindings(stack, d),
      Binds: held.length ? held.map((v) => `${v.dockerName}:/.flotilla-hold/${v.name}:rw,nocopy`) : undefined,
      ...podDns(ctx.network, d),
    },
    NetworkingConfig: {
      EndpointsConfig: { [networkName(stack.name)]: { Aliases: podAliases(ctx.stack, ctx.network, d, p.replica) } },
    },
  };
}

/**
 * Docker's User for the container: runAsUser and runAsGroup (the container's, else the pod's).
 * A group without a user keeps the image's user, as the kubelet does.
 */
export function effectiveUser(c: ContainerSpec, d: DeploymentSpec, imageUser?: string): string | undefined {
  const pod = d.template.security;
  const uid = c.security?.runAsUser ?? pod?.runAsUser;
  const gid = c.security?.runAsGroup ?? pod?.runAsGroup;
  if (uid === undefined && gid === undefined) return undefined;
  const user = uid !== undefined ? String(uid) : (imageUser || '0').split(':')[0];
  return gid !== undefined ? `${user}:${gid}` : user;
}

/** fsGroup and supplementalGroups join every container's groups, as in Kubernetes. */
export function supplementalGroups(d: DeploymentSpec): number[] {
  const s = d.template.security;
  const groups = [...(s?.fsGroup !== undefined ? [s.fsGroup] : []), ...(s?.supplementalGroups ?? [])];
  return [...new Set(groups)];
}

export interface HostPort {
  ip: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  containerPort: number;
}

/** The pod's hostPorts, each on its hostIP or else the stack's bind address. */
export function hostPorts(stack: StackSpec, d: DeploymentSpec): HostPort[] {
  return d.template.containers.flatMap((c) =>
    c.ports
      .filter((pt) => pt.hostPort)
      .map((pt) => ({
        ip: pt.hostIP ?? stack.settings.bindAddress,
        port: pt.hostPort!,
        protocol: pt.protocol,
        containerPort: pt.containerPort,
      })),
  );
}

function portBindings(stack: StackSpec, d: DeploymentSpec): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const hp of hostPorts(stack, d)) {
    const key = `${hp.containerPort}/${hp.protocol.toLowerCase()}`;
    (out[key] ??= []).push({ HostIp: hp.ip, HostPort: String(hp.port) });
  }
  return out;
}

function exposedHostPorts(d: DeploymentSpec): Record<string, object> {
  return Object.fromEntries(
    d.template.containers.flatMap((c) =>
      c.ports.filter((pt) => pt.hostPort).map((pt) => [`${pt.containerPort}/${pt.protocol.toLowerCase()}`, {}]),
    ),
  );
}

/** Host ports recorded on the network owner, so scheduling after a restart knows what is taken. */
function hostPortLabel(d: DeploymentSpec): Record<string, string> {
  const ports = d.template.containers.flatMap((c) =>
    c.ports.filter((pt) => pt.hostPort).map((pt) => `${pt.hostIP ?? ''}:${pt.hostPort}/${pt.protocol}`),
  );
  return ports.length ? { [LABELS.hostPorts]: ports.join(',') } : {};
}

function securityOptions(c: ContainerSpec, d: DeploymentSpec): Partial<Docker.HostConfig> {
  const s = c.security;
  const out: Partial<Docker.HostConfig> = {};
  if (s?.privileged) out.Privileged = true;
  if (s?.capAdd.length) out.CapAdd = s.capAdd;
  if (s?.capDrop.length) out.CapDrop = s.capDrop;
  if (s?.readOnlyRootFilesystem) out.ReadonlyRootfs = true;
  if (d.template.hostPID) out.PidMode = 'host';
  return out;
}

/** Pod labels as Docker labels under their own prefix, for humans and `docker ps --filter`. */
function prefixed(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).map(([k, v]) => [`dev.flotilla.pod-label.${k}`, v]));
}

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** Kubernetes-style replica name: <deployment>-<template hash>-<5 random chars>. */
export function replicaName(deployment: string, hash: string, rand: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return `${deployment}-${hash}-${s}`;
}
