// Pod template → typed spec, with Kubernetes' defaults applied here once so no
// decision module has to remember them. Containers are read in container.ts,
// volumes in volumes.ts; this file holds what spans the pod: security context,
// volume references, names, and the host access a stack must allow.
import { readContainer } from './container';
import type { Obj, Reader } from './reader';
import type { YamlPath } from './yaml-source';
import type { PodSecurity } from './pod-types';
import type { ContainerSpec, PodTemplate } from './types';
import { readVolumes } from './volumes';

export { PROBE_DEFAULTS } from './container';
export const DEFAULT_GRACE_SECONDS = 30;

/** Pod-spec features that give a container power over the host; refused unless the stack allows them. */
export interface HostAccess {
  privileged: boolean;
  hostNetwork: boolean;
  hostPID: boolean;
  hostPath: boolean;
  capabilities: boolean;
}

export interface ReadPod {
  template: PodTemplate;
  hostAccess: { feature: keyof HostAccess; path: YamlPath }[];
  /** Things the manifest asks for that the local engine cannot do yet; `up` refuses or warns. */
  unsupported: { path: YamlPath; message: string; fatal: boolean }[];
}

export function readPodTemplate(r: Reader, v: unknown, path: YamlPath): ReadPod | undefined {
  const t = r.obj(v, path);
  if (!t) {
    r.fail(path, 'is required');
    return undefined;
  }
  const meta = r.obj(t.metadata, [...path, 'metadata']) ?? {};
  const spec = r.obj(t.spec, [...path, 'spec']);
  if (!spec) {
    r.fail([...path, 'spec'], 'is required');
    return undefined;
  }
  const sp = [...path, 'spec'];
  const hostAccess: ReadPod['hostAccess'] = [];
  if (spec.hostNetwork === true) hostAccess.push({ feature: 'hostNetwork', path: [...sp, 'hostNetwork'] });
  if (spec.hostPID === true) hostAccess.push({ feature: 'hostPID', path: [...sp, 'hostPID'] });
  const unsupported: ReadPod['unsupported'] = [];
  r.arr(spec.volumes, [...sp, 'volumes']).forEach((vol, i) => {
    if (vol && typeof vol === 'object' && 'hostPath' in vol) {
      hostAccess.push({ feature: 'hostPath', path: [...sp, 'volumes', i, 'hostPath'] });
    }
  });
  // Host networking would need a different container layout (no stack network): refused
  // explicitly rather than silently run without it.
  if (spec.hostNetwork === true) {
    unsupported.push({
      path: [...sp, 'hostNetwork'],
      fatal: true,
      message:
        'hostNetwork is not supported by the local engine: replicas must be on the stack network to be scheduled, probed and balanced; remove it',
    });
  }
  const { volumes, unmounted, names: volumeNames } = readVolumes(r, spec.volumes, [...sp, 'volumes']);
  for (const u of unmounted) unsupported.push({ ...u, fatal: false });

  const containers = readContainerList(r, spec.containers, [...sp, 'containers'], false);
  if (containers.length === 0 && r.arr(spec.containers, [...sp, 'containers']).length === 0) {
    r.fail([...sp, 'containers'], 'at least one container is required');
  }
  const initContainers = readContainerList(r, spec.initContainers, [...sp, 'initContainers'], true);
  for (const [key, list] of [
    ['containers', containers],
    ['initContainers', initContainers],
  ] as const) {
    r.arr(spec[key], [...sp, key]).forEach((c, i) => {
      const cp = [...sp, key, i];
      const sc = r.obj((c as Obj | undefined)?.securityContext, [...cp, 'securityContext']);
      if (sc?.privileged === true) {
        hostAccess.push({ feature: 'privileged', path: [...cp, 'securityContext', 'privileged'] });
      }
      const caps = sc && (sc.capabilities as Obj | undefined);
      if (caps && Array.isArray(caps.add) && caps.add.length) {
        hostAccess.push({ feature: 'capabilities', path: [...cp, 'securityContext', 'capabilities', 'add'] });
      }
    });
    list.forEach((c, i) => checkMounts(r, c, volumeNames, [...sp, key, i]));
  }
  const names = new Set<string>();
  [
    ...containers.map((c, i) => ['containers', c, i] as const),
    ...initContainers.map((c, i) => ['initContainers', c, i] as const),
  ].forEach(([key, c, i]) => {
    if (names.has(c.name)) r.fail([...sp, key, i, 'name'], `duplicate container name "${c.name}"`);
    names.add(c.name);
  });
  checkResourceRefs(r, containers, initContainers, sp);

  return {
    template: {
      labels: r.strMap(meta.labels, [...path, 'metadata', 'labels']),
      annotations: r.strMap(meta.annotations, [...path, 'metadata', 'annotations']),
      containers,
      initContainers,
      nodeSelector: r.strMap(spec.nodeSelector, [...sp, 'nodeSelector']),
      restartPolicy: r.oneOf(
        spec.restartPolicy,
        [...sp, 'restartPolicy'],
        ['Always', 'OnFailure', 'Never'] as const,
        'Always',
      ),
      terminationGracePeriodSeconds:
        r.int(spec.terminationGracePeriodSeconds, [...sp, 'terminationGracePeriodSeconds'], { min: 0 }) ??
        DEFAULT_GRACE_SECONDS,
      hostPID: spec.hostPID === true,
      volumes,
      security: readPodSecurity(r, spec.securityContext, [...sp, 'securityContext']),
      serviceAccountName:
        r.str(spec.serviceAccountName, [...sp, 'serviceAccountName']) ??
        r.str(spec.serviceAccount, [...sp, 'serviceAccount']) ??
        'default',
      namespace: ownerNamespace(r),
      ...dnsNames(r, spec, sp),
    },
    hostAccess,
    unsupported,
  };
}

/** spec.hostname and spec.subdomain: DNS labels naming the pod under a headless Service. */
function dnsNames(r: Reader, spec: Obj, sp: YamlPath): Pick<PodTemplate, 'hostname' | 'subdomain'> {
  const out: Pick<PodTemplate, 'hostname' | 'subdomain'> = {};
  for (const key of ['hostname', 'subdomain'] as const) {
    const v = r.str(spec[key], [...sp, key]);
    if (v === undefined) continue;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) || v.length > 63) {
      r.fail([...sp, key], `"${v}" is not a DNS label: use at most 63 lowercase letters, digits and '-'`);
    } else out[key] = v;
  }
  return out;
}

function readContainerList(r: Reader, v: unknown, path: YamlPath, init: boolean): ContainerSpec[] {
  return r
    .arr(v, path)
    .map((c, i) => readContainer(r, c, [...path, i], init))
    .filter((c): c is ContainerSpec => !!c);
}

/** A pod's namespace is its owner's (the workload this document declares), else "default". */
function ownerNamespace(r: Reader): string {
  const root = r.doc.value;
  const meta = root && typeof root === 'object' && 'metadata' in root ? root.metadata : undefined;
  const ns = meta && typeof meta === 'object' && 'namespace' in meta ? meta.namespace : undefined;
  return typeof ns === 'string' && ns ? ns : 'default';
}

function readPodSecurity(r: Reader, v: unknown, path: YamlPath): PodSecurity {
  const o = r.obj(v, path) ?? {};
  return {
    runAsUser: r.int(o.runAsUser, [...path, 'runAsUser'], { min: 0 }),
    runAsGroup: r.int(o.runAsGroup, [...path, 'runAsGroup'], { min: 0 }),
    runAsNonRoot: r.bool(o.runAsNonRoot, [...path, 'runAsNonRoot']),
    fsGroup: r.int(o.fsGroup, [...path, 'fsGroup'], { min: 0 }),
    supplementalGroups: r
      .arr(o.supplementalGroups, [...path, 'supplementalGroups'])
      .map((g, i) => r.int(g, [...path, 'supplementalGroups', i], { min: 0 }))
      .filter((g): g is number => g !== undefined),
  };
}

/** Every mount names a declared volume (an unmounted type still counts as declared: it is warned about). */
function checkMounts(r: Reader, c: ContainerSpec, declared: string[], cp: YamlPath): void {
  (c.volumeMounts ?? []).forEach((m, j) => {
    if (!declared.includes(m.name)) {
      r.fail([...cp, 'volumeMounts', j, 'name'], `no volume named "${m.name}" in spec.volumes`);
    }
  });
}

/** resourceFieldRef.containerName must name a container of the pod. */
function checkResourceRefs(r: Reader, containers: ContainerSpec[], init: ContainerSpec[], sp: YamlPath): void {
  const names = new Set([...containers, ...init].map((c) => c.name));
  const check = (list: ContainerSpec[], key: string) =>
    list.forEach((c, i) =>
      c.env.forEach((e, j) => {
        const ref = e.valueFrom?.resourceFieldRef;
        if (ref?.containerName && !names.has(ref.containerName)) {
          r.fail(
            [...sp, key, i, 'env', j, 'valueFrom', 'resourceFieldRef', 'containerName'],
            `no container named "${ref.containerName}" in this pod`,
          );
        }
      }),
    );
  check(containers, 'containers');
  check(init, 'initContainers');
}
