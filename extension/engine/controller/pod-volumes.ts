// What each of a replica's volumes becomes on Docker, and the files it holds. Pure:
// the I/O (creating volumes, writing files, mounting) is in docker/volume-writer.ts.
//
//   emptyDir               a named volume per replica, shared by all its containers (init
//                          containers included), removed with the replica; medium Memory is a
//                          tmpfs volume (size = sizeLimit), mode 0777 as the kubelet makes it.
//   persistentVolumeClaim  the claim's named volume (docker/volumes.ts), kept until down --volumes.
//                          A StatefulSet binds a volume to its ordinal's claim through
//                          ReplicaPlacement.claims (volume → claim, e.g. data → data-db-0): that
//                          volume is then the claim's, whatever the template says.
//   configMap, secret,     a named volume per replica holding the files in the kubelet's layout:
//   downwardAPI, projected   ..<content hash>/ holds the files, ..data links to it, and each
//                          top-level name links into ..data. A changed ConfigMap or Secret is
//                          written as a new ..<hash> and ..data is switched, as the kubelet's
//                          atomic writer does, so running containers see the new files.
//   hostPath               a bind mount (only when the stack allows it).
// fsGroup: volume roots and files belong to that group (setgid on directories), files gain
// group read (and write on writable volumes), as the kubelet's SetVolumeOwnership does.
import { createHash } from 'node:crypto';
import type { DownwardFile, KeyToPath, ObjectFilesSource, ProjectedSource, VolumeSpec } from '../model/pod-types';
import type { ContainerSpec, PodTemplate, StackSpec } from '../model/types';
import { claimVolumeName, podVolumeName } from '../docker/volumes';
import { expandVars, fieldValue, resourceValue, type PodFacts } from './downward-api';

export interface VolumeFile {
  /** Relative to the volume's data directory. */
  path: string;
  content: Buffer;
  mode: number;
}

export interface PlannedVolume {
  /** The pod's name for the volume. */
  name: string;
  /** The Docker volume (undefined for hostPath). */
  dockerName?: string;
  hostPath?: string;
  /** Set for claim volumes: kept across replicas, created if missing. */
  claim?: string;
  /** Every mount of it is read-only (configMap, secret, downwardAPI, projected, a read-only claim). */
  readOnly: boolean;
  /** Docker volume driver options (a tmpfs). */
  driverOpts?: Record<string, string>;
  /** Files in the kubelet's atomic-writer layout (configMap, secret, downwardAPI, projected). */
  files?: VolumeFile[];
  /** Mode and group for the volume's root directory, applied when the replica's volumes are made. */
  root?: { mode: number; gid?: number };
  /** Why the pod cannot start (a missing ConfigMap that is not optional): the kubelet's FailedMount message. */
  error?: string;
}

/** Root mode of an emptyDir, as the kubelet creates it. */
const EMPTY_DIR_MODE = 0o777;
const SETGID = 0o2000;

export interface PlanInput {
  stack: StackSpec;
  template: PodTemplate;
  replica: string;
  facts: PodFacts;
  /** Volumes bound to a claim made for this replica (a StatefulSet ordinal's): volume → claim name. */
  claims?: Record<string, string>;
}

export function planVolumes(input: PlanInput): PlannedVolume[] {
  const { stack, template, replica } = input;
  const fsGroup = template.security?.fsGroup;
  return (template.volumes ?? []).map((v): PlannedVolume => {
    const pod = podVolumeName(stack.name, replica, v.name);
    const bound = input.claims?.[v.name];
    if (bound) {
      return {
        name: v.name,
        dockerName: claimVolumeName(stack.name, bound),
        claim: bound,
        readOnly: false,
        root: fsGroup !== undefined ? { mode: EMPTY_DIR_MODE | SETGID, gid: fsGroup } : undefined,
      };
    }
    if (v.hostPath) return { name: v.name, hostPath: v.hostPath.path, readOnly: false };
    if (v.persistentVolumeClaim) {
      const claim = v.persistentVolumeClaim.claimName;
      const known = stack.claims.some((c) => c.name === claim);
      return {
        name: v.name,
        dockerName: claimVolumeName(stack.name, claim),
        claim,
        readOnly: v.persistentVolumeClaim.readOnly,
        root: fsGroup !== undefined ? { mode: EMPTY_DIR_MODE | SETGID, gid: fsGroup } : undefined,
        error: known ? undefined : `persistentvolumeclaim "${claim}" not found`,
      };
    }
    if (v.emptyDir) {
      const mode = EMPTY_DIR_MODE | (fsGroup !== undefined ? SETGID : 0);
      if (v.emptyDir.medium === 'Memory') {
        const o = [`mode=${mode.toString(8)}`];
        if (v.emptyDir.sizeLimitBytes) o.push(`size=${v.emptyDir.sizeLimitBytes}`);
        if (fsGroup !== undefined) o.push(`gid=${fsGroup}`);
        return {
          name: v.name,
          dockerName: pod,
          readOnly: false,
          driverOpts: { type: 'tmpfs', device: 'tmpfs', o: o.join(',') },
        };
      }
      return { name: v.name, dockerName: pod, readOnly: false, root: { mode, gid: fsGroup } };
    }
    const planned: PlannedVolume = {
      name: v.name,
      dockerName: pod,
      readOnly: true,
      root: { mode: EMPTY_DIR_MODE | (fsGroup !== undefined ? SETGID : 0), gid: fsGroup },
    };
    try {
      planned.files = withGroupAccess(volumeFiles(input, v), fsGroup);
    } catch (e) {
      if (!(e instanceof MountError)) throw e;
      planned.error = e.message;
    }
    return planned;
  });
}

/** The kubelet's FailedMount reasons. */
export class MountError extends Error {}

/** The files of a configMap, secret, downwardAPI or projected volume (before any fsGroup). */
export function volumeFiles(input: PlanInput, v: VolumeSpec): VolumeFile[] {
  if (v.configMap) return objectFiles(input, 'configmap', v.configMap, v.configMap.defaultMode);
  if (v.secret) return objectFiles(input, 'secret', v.secret, v.secret.defaultMode);
  if (v.downwardAPI) return downwardFiles(input, v.downwardAPI.items, v.downwardAPI.defaultMode);
  if (v.projected) {
    const mode = v.projected.defaultMode;
    return v.projected.sources.flatMap((s) => projectedFiles(input, s, mode));
  }
  return [];
}

function projectedFiles(input: PlanInput, s: ProjectedSource, mode: number): VolumeFile[] {
  if (s.configMap) return objectFiles(input, 'configmap', s.configMap, mode);
  if (s.secret) return objectFiles(input, 'secret', s.secret, mode);
  if (s.downwardAPI) return downwardFiles(input, s.downwardAPI.items, mode);
  if (s.serviceAccountToken) {
    const t = s.serviceAccountToken;
    return [{ path: t.path, content: Buffer.from(localToken(input, t.audience, t.expirationSeconds)), mode }];
  }
  return [];
}

function objectFiles(
  input: PlanInput,
  kind: 'configmap' | 'secret',
  src: ObjectFilesSource,
  defaultMode: number,
): VolumeFile[] {
  const list = kind === 'configmap' ? input.stack.configMaps : input.stack.secrets;
  const data = list.find((o) => o.name === src.name)?.data;
  if (!data) {
    if (src.optional) return [];
    throw new MountError(`${kind} "${src.name}" not found`);
  }
  const items: KeyToPath[] = src.items ?? Object.keys(data).map((key) => ({ key, path: key }));
  const files: VolumeFile[] = [];
  for (const it of items) {
    const value = data[it.key];
    if (value === undefined) {
      if (src.optional) continue;
      throw new MountError(`${kind} references non-existent ${kind === 'secret' ? 'secret' : 'config'} key: ${it.key}`);
    }
    files.push({ path: it.path, content: Buffer.from(value, 'utf8'), mode: it.mode ?? defaultMode });
  }
  return files;
}

function downwardFiles(input: PlanInput, items: DownwardFile[], defaultMode: number): VolumeFile[] {
  const { facts, template } = input;
  const containers: ContainerSpec[] = [...template.containers, ...(template.initContainers ?? [])];
  return items.map((it) => {
    let value = '';
    if (it.fieldRef) value = fieldValue(facts, it.fieldRef);
    else if (it.resourceFieldRef) value = resourceValue(facts, containers, '', it.resourceFieldRef);
    return { path: it.path, content: Buffer.from(value, 'utf8'), mode: it.mode ?? defaultMode };
  });
}

/**
 * A service account token for a cluster that does not exist: a JWT-shaped string with the
 * claims a real token carries and the signature "local-not-a-real-token". Nothing accepts it;
 * it is there so programs that read the file at start find one.
 */
export function localToken(input: PlanInput, audience: string | undefined, expirationSeconds: number): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const ns = input.facts.namespace;
  const claims = {
    aud: [audience ?? 'https://kubernetes.default.svc'],
    iss: 'flotilla.local (not a real cluster)',
    sub: `system:serviceaccount:${ns}:${input.facts.serviceAccountName}`,
    exp: expirationSeconds,
    'kubernetes.io': {
      namespace: ns,
      pod: { name: input.facts.name, uid: input.facts.uid },
      serviceaccount: { name: input.facts.serviceAccountName },
    },
  };
  return `${b64({ alg: 'none', typ: 'JWT', kid: 'flotilla-local' })}.${b64(claims)}.${Buffer.from('local-not-a-real-token').toString('base64url')}`;
}

/** fsGroup on read-only volumes: the kubelet ORs 0440 into every file's mode (the group is set when written). */
function withGroupAccess(files: VolumeFile[], fsGroup: number | undefined): VolumeFile[] {
  if (fsGroup === undefined) return files;
  return files.map((f) => ({ ...f, mode: f.mode | 0o440 }));
}

/** Names the data directory after its content, so an unchanged volume is recognised and not rewritten. */
export function dataDirName(files: VolumeFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    h.update(`${f.path}\0${f.mode}\0${f.content.length}\0`);
    h.update(f.content);
  }
  return `..${h.digest('hex').slice(0, 16)}`;
}

/** The top-level names the volume shows (each a link into ..data), as the atomic writer makes them. */
export function topLevelNames(files: VolumeFile[]): string[] {
  return [...new Set(files.map((f) => f.path.split('/')[0]))].sort();
}

/**
 * The key sets of ConfigMaps and Secrets a template's volumes show (not their values), for the
 * template hash: a changed value is written in place, but a key that appears or disappears
 * rolls the pods, because a volume cannot remove a file name in place through the Engine API.
 */
export function volumeKeySets(stack: StackSpec, template: PodTemplate): Record<string, string[] | null> {
  const out: Record<string, string[] | null> = {};
  const add = (kind: 'configMap' | 'secret', src: ObjectFilesSource) => {
    const list = kind === 'configMap' ? stack.configMaps : stack.secrets;
    const data = list.find((o) => o.name === src.name)?.data;
    out[`${kind}/${src.name}`] = data ? Object.keys(data).sort() : null;
  };
  for (const v of template.volumes ?? []) {
    if (v.configMap) add('configMap', v.configMap);
    if (v.secret) add('secret', v.secret);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) add('configMap', s.configMap);
      if (s.secret) add('secret', s.secret);
    }
  }
  return out;
}

/**
 * A container's mounts, as Docker binds (`source:target:options`): a named volume with
 * `nocopy` (a pod volume starts empty, as in Kubernetes; Docker would copy the image's files
 * in), a host path, or for a subPath the path inside the volume on the engine's host (the
 * mounts API has no subpath before API 1.45). `env` expands subPathExpr; `mountpoints` gives
 * the engine-host path of each volume mounted with a subPath. A mount of a volume the engine
 * does not mount is left out (the loader warned about it).
 */
export function mountsFor(
  c: ContainerSpec,
  planned: PlannedVolume[],
  env: Record<string, string>,
  mountpoints: Record<string, string>,
): string[] {
  const binds: string[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = planned.find((x) => x.name === m.name);
    if (!v) continue;
    const mode = m.readOnly || v.readOnly ? 'ro' : 'rw';
    const sub = subPathOf(m, env);
    if (sub) {
      const base = v.hostPath ?? (v.dockerName ? mountpoints[v.dockerName] : undefined);
      if (base) binds.push(`${base.replace(/\/$/, '')}/${sub}:${m.mountPath}:${mode}`);
    } else if (v.hostPath) {
      binds.push(`${v.hostPath}:${m.mountPath}:${mode}`);
    } else if (v.dockerName) {
      binds.push(`${v.dockerName}:${m.mountPath}:${mode},nocopy`);
    }
  }
  return binds;
}

/** The mount's subPath, with subPathExpr's $(VAR) expanded from the container's environment. */
export function subPathOf(
  m: { subPath?: string; subPathExpr?: string },
  env: Record<string, string>,
): string | undefined {
  if (m.subPath) return m.subPath;
  if (m.subPathExpr) return expandVars(m.subPathExpr, (n) => env[n]);
  return undefined;
}
