// Typed pod features beyond the basics in types.ts: volumes and their sources, the
// downward API, lifecycle hooks, pod-level security and image pull policy. Kept apart
// so types.ts stays a short overview; every field is read (with Kubernetes' defaults
// applied) in model/pod.ts, model/container.ts and model/volumes.ts.
import type { HttpGetAction, SourceRef } from './types';

/** One file of a configMap or secret volume: `key` written at `path` (relative), with its own mode. */
export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

/**
 * A pod field, as env `fieldRef` and downwardAPI files name it: metadata.name, metadata.namespace,
 * metadata.uid, metadata.labels, metadata.annotations (whole, in files), metadata.labels['k'],
 * metadata.annotations['k'], spec.nodeName, spec.serviceAccountName, status.podIP, status.podIPs,
 * status.hostIP, status.hostIPs.
 */
export interface FieldRef {
  fieldPath: string;
}

/** A container's resource, as env `resourceFieldRef` and downwardAPI files name it. */
export interface ResourceFieldRef {
  /** Required in volumes; in env it defaults to the container itself. */
  containerName?: string;
  /** limits.cpu, limits.memory, requests.cpu, requests.memory. */
  resource: string;
  /** The divisor in the resource's base unit: millicores for cpu, bytes for memory. */
  divisor: number;
}

export interface DownwardFile {
  path: string;
  fieldRef?: FieldRef;
  resourceFieldRef?: ResourceFieldRef;
  mode?: number;
}

export interface ObjectFilesSource {
  /** The ConfigMap's or Secret's name. */
  name: string;
  /** Only these keys, at these paths; undefined: every key at a path named after it. */
  items?: KeyToPath[];
  optional: boolean;
}

export interface ServiceAccountTokenSource {
  path: string;
  audience?: string;
  expirationSeconds: number;
}

export interface ProjectedSource {
  configMap?: ObjectFilesSource;
  secret?: ObjectFilesSource;
  downwardAPI?: { items: DownwardFile[] };
  serviceAccountToken?: ServiceAccountTokenSource;
}

/** One entry of spec.volumes; exactly one source is set. */
export interface VolumeSpec {
  name: string;
  /** Where the volume is declared, for messages raised when the pod is created. */
  source: SourceRef;
  emptyDir?: { medium: '' | 'Memory'; sizeLimitBytes?: number };
  hostPath?: { path: string };
  persistentVolumeClaim?: { claimName: string; readOnly: boolean };
  configMap?: ObjectFilesSource & { defaultMode: number };
  secret?: ObjectFilesSource & { defaultMode: number };
  downwardAPI?: { items: DownwardFile[]; defaultMode: number };
  projected?: { sources: ProjectedSource[]; defaultMode: number };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly: boolean;
  /** A path inside the volume to mount instead of its root. */
  subPath?: string;
  /** Like subPath, with $(VAR) expanded from the container's environment. */
  subPathExpr?: string;
}

/** A lifecycle hook's action: exactly one is set. */
export interface LifecycleHandler {
  exec?: { command: string[] };
  httpGet?: HttpGetAction & { host?: string };
  sleep?: { seconds: number };
}

export interface Lifecycle {
  postStart?: LifecycleHandler;
  preStop?: LifecycleHandler;
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** spec.securityContext: what applies to every container of the pod, and to its volumes. */
export interface PodSecurity {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  /** Group that owns the pod's volumes (and is added to every container's groups). */
  fsGroup?: number;
  supplementalGroups: number[];
}
