// Desired Docker containers for one replica: a pure function of the deployment,
// the stack's Services/ConfigMaps/Secrets and the placement. The pod template
// hash is computed here too, from everything that ends up in the container, so
// a change to any of it (manifest, rebuilt image, ConfigMap value, restart
// annotation) starts a rollout.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { LABELS, networkName } from '../docker/labels';
import { selectorMatches } from '../model/resources';
import type { ContainerSpec, DeploymentSpec, EnvVar, ServiceSpec, StackSpec } from '../model/types';
import { errorMessage } from '../util/errors';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

export interface PodContext {
  stack: StackSpec;
  /** image reference → image id, for images the stack built (a rebuild changes the hash). */
  imageIds: Record<string, string>;
  /** Extra template annotations (rolling restart). */
  restartedAt?: string;
}

export class EnvResolutionError extends Error {}

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

/** Kubernetes' service env vars: <NAME>_SERVICE_HOST/_PORT(_<PORTNAME>). Locally the host is the Service's DNS name. */
export function serviceEnv(stack: StackSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of stack.services) {
    const backing = stack.deployments.find((d) => servicesFor(stack, d).includes(s));
    const ports = s.ports.map((p) => ({
      name: p.name,
      port: backing ? (resolveTargetPort(p.targetPort, backing.template.containers) ?? p.port) : p.port,
    }));
    if (!ports.length) continue;
    const key = s.name.toUpperCase().replace(/-/g, '_');
    env[`${key}_SERVICE_HOST`] = s.name;
    env[`${key}_SERVICE_PORT`] = String(ports[0].port);
    for (const p of ports) {
      if (p.name) env[`${key}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    }
  }
  return env;
}

/** The container's environment, in Kubernetes' precedence: service vars, envFrom, then env. */
export function resolveEnv(stack: StackSpec, c: ContainerSpec): Record<string, string> {
  const env: Record<string, string> = serviceEnv(stack);
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
    const v = envValue(stack, c, e, cm, sec);
    if (v !== undefined) env[e.name] = v;
  }
  return env;
}

function envValue(
  stack: StackSpec,
  c: ContainerSpec,
  e: EnvVar,
  cm: (n: string) => Record<string, string> | undefined,
  sec: (n: string) => Record<string, string> | undefined,
): string | undefined {
  if (e.value !== undefined) return e.value;
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
  const h = createHash('sha256');
  h.update(
    JSON.stringify({
      template: d.template,
      images: d.template.containers.map((c) => ctx.imageIds[c.image] ?? c.image),
      env: d.template.containers.map((c) => safeEnv(ctx.stack, c)),
      services: servicesFor(ctx.stack, d).map((s) => s.name),
      restartedAt: ctx.restartedAt ?? '',
    }),
  );
  return h.digest('hex').slice(0, 10);
}

function safeEnv(stack: StackSpec, c: ContainerSpec): Record<string, string> | string {
  try {
    return resolveEnv(stack, c);
  } catch (e) {
    return errorMessage(e);
  }
}

export interface ReplicaPlacement {
  replica: string;
  node: string;
  hash: string;
  createdAt: number;
}

/** Docker create options for each container of the replica; the first owns the network namespace. */
export function containerOptions(
  ctx: PodContext,
  d: DeploymentSpec,
  p: ReplicaPlacement,
): Docker.ContainerCreateOptions[] {
  const stack = ctx.stack;
  const aliases = [p.replica, ...servicesFor(stack, d).map((s) => s.name)];
  return d.template.containers.map((c, i) => {
    const env = resolveEnv(stack, c);
    const labels: Record<string, string> = {
      [LABELS.stack]: stack.name,
      [LABELS.deployment]: d.name,
      [LABELS.replica]: p.replica,
      [LABELS.podTemplateHash]: p.hash,
      [LABELS.node]: p.node,
      [LABELS.container]: c.name,
      [LABELS.createdAt]: String(p.createdAt),
      [LABELS.cpuRequest]: String(c.requests.cpuMilli ?? 0),
      [LABELS.memoryRequest]: String(c.requests.memoryBytes ?? 0),
      ...prefixed(d.template.labels),
    };
    const opts: Docker.ContainerCreateOptions = {
      name: `${stack.name}_${p.replica}${i === 0 ? '' : `_${c.name}`}`,
      // The image id the stack was prepared with, not the tag: a rejected save may still have
      // rebuilt and retagged the image, and new replicas must not pick that up.
      Image: ctx.imageIds[c.image] ?? c.image,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      Labels: labels,
      ExposedPorts: Object.fromEntries(c.ports.map((pt) => [`${pt.containerPort}/${pt.protocol.toLowerCase()}`, {}])),
      HostConfig: {
        // tini as PID 1 forwards SIGTERM, so apps that never expected to be PID 1 still stop in time.
        Init: true,
        NanoCpus: c.limits.cpuMilli ? c.limits.cpuMilli * 1e6 : undefined,
        Memory: c.limits.memoryBytes,
        RestartPolicy: { Name: 'no' }, // the controller restarts, with Kubernetes' backoff
        NetworkMode: i === 0 ? networkName(stack.name) : `container:${stack.name}_${p.replica}`,
        // Host access reaches here only when the stack file allows it (the loader refuses it otherwise).
        ...securityOptions(c, d),
      },
    };
    if (c.security?.runAsUser !== undefined) {
      opts.User =
        c.security.runAsGroup !== undefined
          ? `${c.security.runAsUser}:${c.security.runAsGroup}`
          : String(c.security.runAsUser);
    }
    if (i === 0) {
      opts.Hostname = p.replica;
      opts.NetworkingConfig = { EndpointsConfig: { [networkName(stack.name)]: { Aliases: aliases } } };
    }
    if (c.command) {
      opts.Entrypoint = c.command;
      opts.Cmd = c.args ?? [];
    } else if (c.args) {
      opts.Cmd = c.args;
    }
    if (c.workingDir) opts.WorkingDir = c.workingDir;
    return opts;
  });
}

function securityOptions(c: ContainerSpec, d: DeploymentSpec): Partial<Docker.HostConfig> {
  const s = c.security;
  const out: Partial<Docker.HostConfig> = {};
  if (s?.privileged) out.Privileged = true;
  if (s?.capAdd.length) out.CapAdd = s.capAdd;
  if (s?.capDrop.length) out.CapDrop = s.capDrop;
  if (s?.readOnlyRootFilesystem) out.ReadonlyRootfs = true;
  if (d.template.hostPID) out.PidMode = 'host';
  const mounts = (c.volumeMounts ?? []).flatMap((m): Docker.MountSettings[] => {
    const v = d.template.volumes?.find((x) => x.name === m.name);
    // hostPath reaches here only when the stack allows it; emptyDir is a fresh anonymous volume.
    if (v?.hostPath) return [{ Type: 'bind', Source: v.hostPath, Target: m.mountPath, ReadOnly: m.readOnly }];
    if (v?.emptyDir) return [{ Type: 'volume', Source: '', Target: m.mountPath, ReadOnly: m.readOnly }];
    return [];
  });
  if (mounts.length) out.Mounts = mounts;
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
