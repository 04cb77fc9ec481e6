// configMap and secret volumes (and their projected forms) as Swarm configs and secrets: every file the
// volume would hold becomes one config or secret (versioned by content hash, see config-objects.ts) mounted at
// <mountPath>/<path>, or at mountPath itself for a subPath mount, with the volume's file mode. The objects' IDs
// are filled in by apply.ts once they exist.
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import type { KeyToPath, ObjectFilesSource, VolumeMount } from '../../model/pod-types';
import type { ContainerSpec, PodTemplate, StackSpec } from '../../model/types';
import { blobFor } from './config-objects';
import type { DesiredBlob } from './plan-types';

export interface FileMounts {
  configs: Dockerode.ConfigReference[];
  secrets: Dockerode.SecretReference[];
}

export interface BlobSink {
  configs: Map<string, DesiredBlob>;
  secrets: Map<string, DesiredBlob>;
}

export function fileMounts(
  stack: StackSpec,
  c: ContainerSpec,
  t: PodTemplate,
  sink: BlobSink,
  warn: (m: string) => void,
): FileMounts {
  const out: FileMounts = { configs: [], secrets: [] };
  for (const m of c.volumeMounts ?? []) {
    const v = t.volumes?.find((x) => x.name === m.name);
    if (!v) continue;
    const sources: { kind: 'ConfigMap' | 'Secret'; src: ObjectFilesSource; mode: number }[] = [];
    if (v.configMap) sources.push({ kind: 'ConfigMap', src: v.configMap, mode: v.configMap.defaultMode });
    if (v.secret) sources.push({ kind: 'Secret', src: v.secret, mode: v.secret.defaultMode });
    for (const p of v.projected?.sources ?? []) {
      if (p.configMap) sources.push({ kind: 'ConfigMap', src: p.configMap, mode: v.projected?.defaultMode ?? 0o644 });
      if (p.secret) sources.push({ kind: 'Secret', src: p.secret, mode: v.projected?.defaultMode ?? 0o644 });
      if (p.downwardAPI || p.serviceAccountToken) {
        warn(`volume "${v.name}": downward API and token files are not written on a swarm`);
      }
    }
    if (v.downwardAPI) warn(`volume "${v.name}": downward API files are not written on a swarm`);
    for (const s of sources) {
      const obj = (s.kind === 'ConfigMap' ? stack.configMaps : stack.secrets).find((x) => x.name === s.src.name);
      if (!obj) {
        if (!s.src.optional) {
          warn(`volume "${v.name}": ${s.kind} "${s.src.name}" is not in the stack; nothing is mounted`);
        }
        continue;
      }
      const items: KeyToPath[] = s.src.items ?? Object.keys(obj.data).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (obj.data[item.key] === undefined) continue;
        const target = fileTarget(m, item.path);
        if (!target) continue;
        const blob = blobFor(stack.name, s.kind, obj, item.key);
        const file = { Name: target, UID: '0', GID: '0', Mode: item.mode ?? s.mode };
        if (s.kind === 'ConfigMap') {
          sink.configs.set(blob.name, blob);
          out.configs.push({ File: file, ConfigName: blob.name });
        } else {
          sink.secrets.set(blob.name, blob);
          out.secrets.push({ File: file, SecretName: blob.name });
        }
      }
    }
  }
  return out;
}

/** Where one file of the volume appears: under mountPath, or at mountPath when a subPath selects it. */
function fileTarget(m: VolumeMount, file: string): string | undefined {
  if (m.subPath !== undefined && m.subPath !== '') return m.subPath === file ? m.mountPath : undefined;
  return path.posix.join(m.mountPath, file);
}
