// The container half of a Swarm service spec: a pod container's environment (with the Service ports the
// in-network proxy listens on), command, security settings, mounts and resources, as Swarm's ContainerSpec
// and Resources say them.
import type Dockerode from 'dockerode';
import { isHeadless, serviceEnv } from '../../controller/pod-network';
import { resolveEnv } from '../../controller/pod-spec';
import type { ContainerSpec, PodTemplate, StackSpec } from '../../model/types';

/** What a warning names: the workload's kind and manifest name. */
export interface WorkloadRef {
  kind: string;
  name: string;
}

/** Kubernetes' service env vars with the Service port (the proxy listens on it), then envFrom and env. */
export function envList(stack: StackSpec, c: ContainerSpec, w: WorkloadRef, warnings: string[]): string[] {
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

export function commandOf(c: ContainerSpec): Pick<Dockerode.ContainerSpec, 'Command' | 'Args'> {
  // Kubernetes' command replaces the entrypoint and args the image's CMD, as Swarm's Command and Args do.
  const out: Pick<Dockerode.ContainerSpec, 'Command' | 'Args'> = {};
  if (c.command) out.Command = c.command;
  if (c.args) out.Args = c.args;
  return out;
}

export function securityOf(c: ContainerSpec, w: WorkloadRef, warnings: string[]): Partial<Dockerode.ContainerSpec> {
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

export function mountsOf(stackName: string, c: ContainerSpec, t: PodTemplate): Dockerode.MountSettings[] {
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

export function resourcesOf(c: ContainerSpec): Dockerode.ResourceRequirements {
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
