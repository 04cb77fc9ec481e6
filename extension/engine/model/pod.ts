// Pod template → typed spec, with Kubernetes' defaults applied here once so no
// decision module has to remember them.
import { parseCpu, parseMemory } from './quantity';
import type { Obj, Reader } from './reader';
import type { YamlPath } from './yaml-source';
import type { ContainerSpec, EnvFromSource, EnvVar, PodTemplate, Probe, Resources } from './types';

export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
};
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
  // Host networking and host paths would need a different container layout (no stack network,
  // bind mounts): refused explicitly rather than silently run without them.
  if (spec.hostNetwork === true) {
    unsupported.push({
      path: [...sp, 'hostNetwork'],
      fatal: true,
      message:
        'hostNetwork is not supported by the local engine: replicas must be on the stack network to be scheduled, probed and balanced; remove it',
    });
  }
  const volumes: NonNullable<PodTemplate['volumes']> = [];
  r.arr(spec.volumes, [...sp, 'volumes']).forEach((v, i) => {
    const vp = [...sp, 'volumes', i];
    const o = r.obj(v, vp) ?? {};
    const name = r.str(o.name, [...vp, 'name'], true) ?? '';
    const hp = r.obj(o.hostPath, [...vp, 'hostPath']);
    if (hp) volumes.push({ name, hostPath: r.str(hp.path, [...vp, 'hostPath', 'path'], true) ?? '/' });
    else if (o.emptyDir !== undefined) volumes.push({ name, emptyDir: true });
    else {
      unsupported.push({
        path: vp,
        fatal: false,
        message: `volume "${name}" is not mounted: the local engine mounts hostPath and emptyDir volumes only`,
      });
    }
  });

  const containers: ContainerSpec[] = [];
  const list = r.arr(spec.containers, [...sp, 'containers']);
  if (list.length === 0) r.fail([...sp, 'containers'], 'at least one container is required');
  list.forEach((c, i) => {
    const cp = [...sp, 'containers', i];
    const read = readContainer(r, c, cp);
    if (!read) return;
    containers.push(read);
    const sc = r.obj((c as Obj).securityContext, [...cp, 'securityContext']);
    if (sc?.privileged === true) {
      hostAccess.push({ feature: 'privileged', path: [...cp, 'securityContext', 'privileged'] });
    }
    const caps = sc && (sc.capabilities as Obj | undefined);
    if (caps && Array.isArray(caps.add) && caps.add.length) {
      hostAccess.push({ feature: 'capabilities', path: [...cp, 'securityContext', 'capabilities', 'add'] });
    }
  });
  containers.forEach((c, i) =>
    (c.volumeMounts ?? []).forEach((m, j) => {
      const declared = r
        .arr(spec.volumes, [...sp, 'volumes'])
        .some((v) => v && typeof v === 'object' && (v as Obj).name === m.name);
      if (!declared) {
        r.fail([...sp, 'containers', i, 'volumeMounts', j, 'name'], `no volume named "${m.name}" in spec.volumes`);
      }
    }),
  );
  const names = new Set<string>();
  containers.forEach((c, i) => {
    if (names.has(c.name)) r.fail([...sp, 'containers', i, 'name'], `duplicate container name "${c.name}"`);
    names.add(c.name);
  });

  return {
    template: {
      labels: r.strMap(meta.labels, [...path, 'metadata', 'labels']),
      annotations: r.strMap(meta.annotations, [...path, 'metadata', 'annotations']),
      containers,
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
    },
    hostAccess,
    unsupported,
  };
}

function readContainer(r: Reader, v: unknown, path: YamlPath): ContainerSpec | undefined {
  const c = r.obj(v, path);
  if (!c) return undefined;
  const name = r.str(c.name, [...path, 'name'], true);
  const image = r.str(c.image, [...path, 'image'], true);
  if (!name || !image) return undefined;
  const strList = (key: string): string[] | undefined =>
    c[key] === undefined ? undefined : r.arr(c[key], [...path, key]).map((x, i) => r.str(x, [...path, key, i]) ?? '');
  const res = r.obj(c.resources, [...path, 'resources']) ?? {};
  return {
    name,
    image,
    command: strList('command'),
    args: strList('args'),
    workingDir: r.str(c.workingDir, [...path, 'workingDir']),
    env: r
      .arr(c.env, [...path, 'env'])
      .map((e, i) => readEnv(r, e, [...path, 'env', i]))
      .filter((e): e is EnvVar => !!e),
    envFrom: r.arr(c.envFrom, [...path, 'envFrom']).map((e, i) => readEnvFrom(r, e, [...path, 'envFrom', i])),
    ports: r.arr(c.ports, [...path, 'ports']).flatMap((p, i) => {
      const pp = [...path, 'ports', i];
      const o = r.obj(p, pp) ?? {};
      const containerPort = r.int(o.containerPort, [...pp, 'containerPort'], { min: 1, max: 65535 });
      if (containerPort === undefined) {
        if (o.containerPort === undefined) r.fail([...pp, 'containerPort'], 'is required');
        return [];
      }
      return [
        {
          name: r.str(o.name, [...pp, 'name']),
          containerPort,
          protocol: r.oneOf(o.protocol, [...pp, 'protocol'], ['TCP', 'UDP'] as const, 'TCP'),
        },
      ];
    }),
    requests: readResources(r, res.requests, [...path, 'resources', 'requests']),
    limits: readResources(r, res.limits, [...path, 'resources', 'limits']),
    livenessProbe: readProbe(r, c.livenessProbe, [...path, 'livenessProbe']),
    readinessProbe: readProbe(r, c.readinessProbe, [...path, 'readinessProbe']),
    startupProbe: readProbe(r, c.startupProbe, [...path, 'startupProbe']),
    security: readSecurity(r, c.securityContext, [...path, 'securityContext']),
    volumeMounts: r.arr(c.volumeMounts, [...path, 'volumeMounts']).map((m, i) => {
      const mp = [...path, 'volumeMounts', i];
      const o = r.obj(m, mp) ?? {};
      return {
        name: r.str(o.name, [...mp, 'name'], true) ?? '',
        mountPath: r.str(o.mountPath, [...mp, 'mountPath'], true) ?? '',
        readOnly: r.bool(o.readOnly, [...mp, 'readOnly']) ?? false,
      };
    }),
  };
}

function readSecurity(r: Reader, v: unknown, path: YamlPath): ContainerSpec['security'] {
  const o = r.obj(v, path) ?? {};
  const caps = r.obj(o.capabilities, [...path, 'capabilities']) ?? {};
  const list = (k: 'add' | 'drop') =>
    r
      .arr(caps[k], [...path, 'capabilities', k])
      .map((x, i) => r.str(x, [...path, 'capabilities', k, i]) ?? '')
      .filter(Boolean);
  return {
    privileged: r.bool(o.privileged, [...path, 'privileged']) ?? false,
    capAdd: list('add'),
    capDrop: list('drop'),
    runAsUser: r.int(o.runAsUser, [...path, 'runAsUser'], { min: 0 }),
    runAsGroup: r.int(o.runAsGroup, [...path, 'runAsGroup'], { min: 0 }),
    readOnlyRootFilesystem: r.bool(o.readOnlyRootFilesystem, [...path, 'readOnlyRootFilesystem']) ?? false,
  };
}

function readResources(r: Reader, v: unknown, path: YamlPath): Resources {
  const o = r.obj(v, path) ?? {};
  const out: Resources = {};
  if (o.cpu !== undefined) out.cpuMilli = r.guard([...path, 'cpu'], () => parseCpu(o.cpu as string | number));
  if (o.memory !== undefined) {
    out.memoryBytes = r.guard([...path, 'memory'], () => parseMemory(o.memory as string | number));
  }
  return out;
}

function readEnv(r: Reader, v: unknown, path: YamlPath): EnvVar | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  const name = r.str(o.name, [...path, 'name'], true);
  if (!name) return undefined;
  const env: EnvVar = { name, value: r.str(o.value, [...path, 'value']) };
  const from = r.obj(o.valueFrom, [...path, 'valueFrom']);
  if (from) {
    const ref = (key: 'configMapKeyRef' | 'secretKeyRef') => {
      const x = r.obj(from[key], [...path, 'valueFrom', key]);
      if (!x) return undefined;
      const rp = [...path, 'valueFrom', key];
      return {
        name: r.str(x.name, [...rp, 'name'], true) ?? '',
        key: r.str(x.key, [...rp, 'key'], true) ?? '',
        optional: r.bool(x.optional, [...rp, 'optional']),
      };
    };
    env.valueFrom = { configMapKeyRef: ref('configMapKeyRef'), secretKeyRef: ref('secretKeyRef') };
  }
  return env;
}

function readEnvFrom(r: Reader, v: unknown, path: YamlPath): EnvFromSource {
  const o = r.obj(v, path) ?? {};
  const ref = (key: 'configMapRef' | 'secretRef') => {
    const x = r.obj(o[key], [...path, key]);
    return x
      ? {
          name: r.str(x.name, [...path, key, 'name'], true) ?? '',
          optional: r.bool(x.optional, [...path, key, 'optional']),
        }
      : undefined;
  };
  return {
    prefix: r.str(o.prefix, [...path, 'prefix']),
    configMapRef: ref('configMapRef'),
    secretRef: ref('secretRef'),
  };
}

function readProbe(r: Reader, v: unknown, path: YamlPath): Probe | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  const num = (k: keyof typeof PROBE_DEFAULTS, min: number) => r.int(o[k], [...path, k], { min }) ?? PROBE_DEFAULTS[k];
  const probe: Probe = {
    initialDelaySeconds: num('initialDelaySeconds', 0),
    periodSeconds: num('periodSeconds', 1),
    timeoutSeconds: num('timeoutSeconds', 1),
    successThreshold: num('successThreshold', 1),
    failureThreshold: num('failureThreshold', 1),
  };
  const http = r.obj(o.httpGet, [...path, 'httpGet']);
  if (http) {
    const hp = [...path, 'httpGet'];
    const port = r.intOrString(http.port, [...hp, 'port']);
    if (port === undefined) r.fail([...hp, 'port'], 'is required');
    probe.httpGet = {
      path: r.str(http.path, [...hp, 'path']) ?? '/',
      port: port ?? 0,
      scheme: r.oneOf(http.scheme, [...hp, 'scheme'], ['HTTP', 'HTTPS'] as const, 'HTTP'),
      httpHeaders: r.arr(http.httpHeaders, [...hp, 'httpHeaders']).map((h, i) => {
        const ho = r.obj(h, [...hp, 'httpHeaders', i]) ?? {};
        return {
          name: r.str(ho.name, [...hp, 'httpHeaders', i, 'name'], true) ?? '',
          value: r.str(ho.value, [...hp, 'httpHeaders', i, 'value']) ?? '',
        };
      }),
    };
  }
  const tcp = r.obj(o.tcpSocket, [...path, 'tcpSocket']);
  if (tcp) probe.tcpSocket = { port: r.intOrString(tcp.port, [...path, 'tcpSocket', 'port']) ?? 0 };
  const exec = r.obj(o.exec, [...path, 'exec']);
  if (exec) {
    probe.exec = {
      command: r
        .arr(exec.command, [...path, 'exec', 'command'])
        .map((x, i) => r.str(x, [...path, 'exec', 'command', i]) ?? ''),
    };
  }
  const kinds = [probe.httpGet, probe.tcpSocket, probe.exec].filter(Boolean).length;
  if (kinds !== 1) r.fail(path, 'a probe needs exactly one of httpGet, tcpSocket or exec');
  return probe;
}
