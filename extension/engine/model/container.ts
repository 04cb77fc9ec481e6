// One container of a pod template → typed spec, with Kubernetes' defaults applied
// (probe timings, pull policy, file modes) and its validation (one action per probe
// or hook, field paths the downward API knows), so decision modules never see YAML.
import { parseCpu, parseMemory } from './quantity';
import type { Obj, Reader } from './reader';
import type { YamlPath } from './yaml-source';
import type { ImagePullPolicy, Lifecycle, LifecycleHandler } from './pod-types';
import type { ContainerPort, ContainerSpec, EnvFromSource, EnvVar, HttpGetAction, Probe, Resources } from './types';
import { isEnvField, ENV_FIELDS, readResourceFieldRef, readVolumeMounts } from './volumes';

export const PROBE_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
};

export function readContainer(r: Reader, v: unknown, path: YamlPath, init = false): ContainerSpec | undefined {
  const c = r.obj(v, path);
  if (!c) return undefined;
  const name = r.str(c.name, [...path, 'name'], true);
  const image = r.str(c.image, [...path, 'image'], true);
  if (!name || !image) return undefined;
  const strList = (key: string): string[] | undefined =>
    c[key] === undefined ? undefined : r.arr(c[key], [...path, key]).map((x, i) => r.str(x, [...path, key, i]) ?? '');
  const res = r.obj(c.resources, [...path, 'resources']) ?? {};
  if (init) {
    // The API server refuses these on init containers (they run to completion, once).
    for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (c[k] !== undefined) r.fail([...path, k], 'may not be set for init containers');
    }
    if (c.restartPolicy !== undefined) {
      r.fail(
        [...path, 'restartPolicy'],
        'sidecar init containers (restartPolicy: Always) are not supported by the local engine: move this container to spec.containers',
      );
    }
  }
  return {
    name,
    image,
    imageSource: r.at([...path, 'image']),
    command: strList('command'),
    args: strList('args'),
    workingDir: r.str(c.workingDir, [...path, 'workingDir']),
    env: r
      .arr(c.env, [...path, 'env'])
      .map((e, i) => readEnv(r, e, [...path, 'env', i]))
      .filter((e): e is EnvVar => !!e),
    envFrom: r.arr(c.envFrom, [...path, 'envFrom']).map((e, i) => readEnvFrom(r, e, [...path, 'envFrom', i])),
    ports: r.arr(c.ports, [...path, 'ports']).flatMap((p, i) => readPort(r, p, [...path, 'ports', i])),
    requests: readResources(r, res.requests, [...path, 'resources', 'requests']),
    limits: readResources(r, res.limits, [...path, 'resources', 'limits']),
    livenessProbe: readProbe(r, c.livenessProbe, [...path, 'livenessProbe']),
    readinessProbe: readProbe(r, c.readinessProbe, [...path, 'readinessProbe']),
    startupProbe: readProbe(r, c.startupProbe, [...path, 'startupProbe']),
    security: readSecurity(r, c.securityContext, [...path, 'securityContext']),
    volumeMounts: readVolumeMounts(r, c.volumeMounts, [...path, 'volumeMounts']),
    lifecycle: readLifecycle(r, c.lifecycle, [...path, 'lifecycle']),
    imagePullPolicy: r.oneOf(
      c.imagePullPolicy,
      [...path, 'imagePullPolicy'],
      ['Always', 'IfNotPresent', 'Never'] as const,
      defaultPullPolicy(image),
    ),
  };
}

/** Kubernetes' defaulting: Always for `:latest` or an untagged name, IfNotPresent otherwise (a digest included). */
export function defaultPullPolicy(image: string): ImagePullPolicy {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.lastIndexOf(':');
  return colon < 0 || last.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function readPort(r: Reader, p: unknown, pp: YamlPath): ContainerPort[] {
  const o = r.obj(p, pp) ?? {};
  const containerPort = r.int(o.containerPort, [...pp, 'containerPort'], { min: 1, max: 65535 });
  if (containerPort === undefined) {
    if (o.containerPort === undefined) r.fail([...pp, 'containerPort'], 'is required');
    return [];
  }
  const port: ContainerPort = {
    name: r.str(o.name, [...pp, 'name']),
    containerPort,
    protocol: r.oneOf(o.protocol, [...pp, 'protocol'], ['TCP', 'UDP'] as const, 'TCP'),
  };
  const hostPort = r.int(o.hostPort, [...pp, 'hostPort'], { min: 0, max: 65535 });
  if (hostPort) port.hostPort = hostPort;
  const hostIP = r.str(o.hostIP, [...pp, 'hostIP']);
  if (hostIP) port.hostIP = hostIP;
  return [port];
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
    runAsNonRoot: r.bool(o.runAsNonRoot, [...path, 'runAsNonRoot']),
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
  if (!from) return env;
  const fp = [...path, 'valueFrom'];
  const ref = (key: 'configMapKeyRef' | 'secretKeyRef') => {
    const x = r.obj(from[key], [...fp, key]);
    if (!x) return undefined;
    const rp = [...fp, key];
    return {
      name: r.str(x.name, [...rp, 'name'], true) ?? '',
      key: r.str(x.key, [...rp, 'key'], true) ?? '',
      optional: r.bool(x.optional, [...rp, 'optional']),
    };
  };
  env.valueFrom = { configMapKeyRef: ref('configMapKeyRef'), secretKeyRef: ref('secretKeyRef') };
  const field = r.obj(from.fieldRef, [...fp, 'fieldRef']);
  if (field) {
    const fieldPath = r.str(field.fieldPath, [...fp, 'fieldRef', 'fieldPath'], true) ?? '';
    if (fieldPath && !isEnvField(fieldPath)) {
      r.fail(
        [...fp, 'fieldRef', 'fieldPath'],
        `unsupported value "${fieldPath}": supported values: ${ENV_FIELDS.join(', ')}, metadata.labels['KEY'], metadata.annotations['KEY']`,
      );
    }
    env.valueFrom.fieldRef = { fieldPath };
  }
  const res = r.obj(from.resourceFieldRef, [...fp, 'resourceFieldRef']);
  if (res) env.valueFrom.resourceFieldRef = readResourceFieldRef(r, res, [...fp, 'resourceFieldRef']);
  const sources = ['configMapKeyRef', 'secretKeyRef', 'fieldRef', 'resourceFieldRef'].filter((k) => from[k] != null);
  if (sources.length !== 1) {
    r.fail(fp, 'must have exactly one of configMapKeyRef, secretKeyRef, fieldRef or resourceFieldRef');
  }
  if (env.value !== undefined) r.fail([...path, 'value'], 'may not be specified when valueFrom is not empty');
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

function readHttpGet(r: Reader, http: Obj, hp: YamlPath): HttpGetAction & { host?: string } {
  const port = r.intOrString(http.port, [...hp, 'port']);
  if (port === undefined) r.fail([...hp, 'port'], 'is required');
  return {
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
    host: r.str(http.host, [...hp, 'host']) || undefined,
  };
}

function readExec(r: Reader, exec: Obj, path: YamlPath): { command: string[] } {
  return {
    command: r.arr(exec.command, [...path, 'command']).map((x, i) => r.str(x, [...path, 'command', i]) ?? ''),
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
    const { host, ...action } = readHttpGet(r, http, [...path, 'httpGet']);
    if (host) {
      r.fail(
        [...path, 'httpGet', 'host'],
        'is not supported for probes by the local engine: the probe goes to the pod',
      );
    }
    probe.httpGet = action;
  }
  const tcp = r.obj(o.tcpSocket, [...path, 'tcpSocket']);
  if (tcp) probe.tcpSocket = { port: r.intOrString(tcp.port, [...path, 'tcpSocket', 'port']) ?? 0 };
  const exec = r.obj(o.exec, [...path, 'exec']);
  if (exec) probe.exec = readExec(r, exec, [...path, 'exec']);
  const grpc = r.obj(o.grpc, [...path, 'grpc']);
  if (grpc) {
    const gp = [...path, 'grpc'];
    // The API takes a number only here: named ports are not resolved for gRPC probes.
    const port = r.int(grpc.port, [...gp, 'port'], { min: 1, max: 65535 });
    if (grpc.port === undefined) r.fail([...gp, 'port'], 'is required');
    probe.grpc = { port: port ?? 0, service: r.str(grpc.service, [...gp, 'service']) ?? '' };
  }
  const kinds = [probe.httpGet, probe.tcpSocket, probe.exec, probe.grpc].filter(Boolean).length;
  if (kinds !== 1) r.fail(path, 'a probe needs exactly one of httpGet, tcpSocket, exec or grpc');
  return probe;
}

function readLifecycle(r: Reader, v: unknown, path: YamlPath): Lifecycle | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  const out: Lifecycle = {};
  for (const hook of ['postStart', 'preStop'] as const) {
    const h = r.obj(o[hook], [...path, hook]);
    if (h) out[hook] = readHandler(r, h, [...path, hook]);
  }
  return out.postStart || out.preStop ? out : undefined;
}

function readHandler(r: Reader, h: Obj, path: YamlPath): LifecycleHandler {
  const out: LifecycleHandler = {};
  const exec = r.obj(h.exec, [...path, 'exec']);
  if (exec) out.exec = readExec(r, exec, [...path, 'exec']);
  const http = r.obj(h.httpGet, [...path, 'httpGet']);
  if (http) out.httpGet = readHttpGet(r, http, [...path, 'httpGet']);
  const sleep = r.obj(h.sleep, [...path, 'sleep']);
  if (sleep) {
    const seconds = r.int(sleep.seconds, [...path, 'sleep', 'seconds'], { min: 0 });
    if (sleep.seconds === undefined) r.fail([...path, 'sleep', 'seconds'], 'is required');
    out.sleep = { seconds: seconds ?? 0 };
  }
  if (h.tcpSocket !== undefined) {
    // The API accepts it for compatibility, but the kubelet cannot run it and the hook fails.
    r.fail(
      [...path, 'tcpSocket'],
      'tcpSocket is not a lifecycle action the kubelet runs (the hook would always fail): use exec, httpGet or sleep',
    );
  }
  const kinds = [out.exec, out.httpGet, out.sleep].filter(Boolean).length;
  if (kinds !== 1 && h.tcpSocket === undefined) {
    r.fail(path, 'a lifecycle hook needs exactly one of exec, httpGet or sleep');
  }
  return out;
}
