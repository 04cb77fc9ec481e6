// A docker-compose.yml equivalent to a Flotilla stack, for the up/scale
// benchmark: one compose service per Deployment, with the same image, command,
// resolved environment, cpu/memory limits and requests, replica count, and the
// Kubernetes Service names as network aliases (so `http://api:3000` resolves).
// Container ports are published on ephemeral host ports, so scaling does not
// clash (compose cannot give a Service one stable port: that is Flotilla's job).

import { stringify } from 'yaml';
import type { ContainerSpec, DeploymentSpec, StackSpec } from '../extension/engine/model/types';

export interface ComposeOptions {
  /** Image reference per stack image name (e.g. `shop/web` → `shop/web:latest`). */
  images?: Record<string, string>;
  /** Labels added to every container, to find and clean them up. */
  labels?: Record<string, string>;
  /** Publish container ports on ephemeral host ports (default true). */
  publish?: boolean;
}

/** The compose file (format 2.4: the last one whose cpus/mem_limit apply without Swarm). */
export function composeFromStack(stack: StackSpec, opts: ComposeOptions = {}): string {
  const services: Record<string, unknown> = {};
  for (const d of stack.deployments) services[d.name] = composeService(stack, d, opts);
  return stringify({ version: '2.4', services });
}

function composeService(stack: StackSpec, d: DeploymentSpec, opts: ComposeOptions): Record<string, unknown> {
  // Compose runs one container per service replica: the pod's first container.
  const c = d.template.containers[0];
  const svc: Record<string, unknown> = { image: opts.images?.[c.image] ?? c.image };
  if (c.command) svc.entrypoint = c.command;
  if (c.args) svc.command = c.args;
  if (c.workingDir) svc.working_dir = c.workingDir;
  const env = resolveEnv(stack, c);
  if (Object.keys(env).length > 0) svc.environment = env;
  if (c.limits.cpuMilli) svc.cpus = c.limits.cpuMilli / 1000;
  if (c.limits.memoryBytes) svc.mem_limit = c.limits.memoryBytes;
  if (c.requests.memoryBytes) svc.mem_reservation = c.requests.memoryBytes;
  if (c.requests.cpuMilli) svc.cpu_shares = Math.max(2, Math.round((c.requests.cpuMilli * 1024) / 1000));
  if (opts.publish !== false && c.ports.length > 0) {
    svc.ports = c.ports.map((p) => `${p.containerPort}${p.protocol === 'UDP' ? '/udp' : ''}`);
  }
  const aliases = stack.services
    .filter(
      (s) =>
        Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => d.template.labels[k] === v),
    )
    .map((s) => s.name)
    .filter((name) => name !== d.name);
  if (aliases.length > 0) svc.networks = { default: { aliases } };
  if (opts.labels) svc.labels = opts.labels;
  svc.scale = d.replicas ?? 1;
  // Kubernetes' restartPolicy Always is the closest to compose's "always".
  svc.restart =
    d.template.restartPolicy === 'Always' ? 'always' : d.template.restartPolicy === 'OnFailure' ? 'on-failure' : 'no';
  if (d.template.terminationGracePeriodSeconds !== 30) {
    svc.stop_grace_period = `${d.template.terminationGracePeriodSeconds}s`;
  }
  return svc;
}

/** env and envFrom with ConfigMap and Secret references resolved, as the kubelet does (env wins over envFrom). */
export function resolveEnv(stack: StackSpec, c: ContainerSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const maps = new Map(stack.configMaps.map((m) => [m.name, m.data]));
  const secrets = new Map(stack.secrets.map((s) => [s.name, s.data]));
  for (const from of c.envFrom) {
    const data = from.configMapRef
      ? maps.get(from.configMapRef.name)
      : from.secretRef
        ? secrets.get(from.secretRef.name)
        : undefined;
    for (const [k, v] of Object.entries(data ?? {})) out[`${from.prefix ?? ''}${k}`] = v;
  }
  for (const e of c.env) {
    if (e.value !== undefined) out[e.name] = e.value;
    const cm = e.valueFrom?.configMapKeyRef;
    const sk = e.valueFrom?.secretKeyRef;
    const v = cm ? maps.get(cm.name)?.[cm.key] : sk ? secrets.get(sk.name)?.[sk.key] : undefined;
    if (v !== undefined) out[e.name] = v;
  }
  return out;
}
