// Kubernetes objects → typed specs. Only the kinds Flotilla runs are converted;
// every other kind is listed as ignored (a CRD in the folder is not an error).
import { removedApi, removedApiMessage } from './api-versions';
import { readClaimSpec } from './claim';
import { toAutoscalingV2 } from './hpa-versions';
import { isRunKind, KINDS } from './honoured';
import { readPodTemplate, type HostAccess } from './pod';
import { parseCpu, parseMemory } from './quantity';
import type { Obj, Reader } from './reader';
import type { YamlPath } from './yaml-source';
import {
  readBarePod,
  readCronJob,
  readDaemonSet,
  readJob,
  readReplicaSet,
  readStatefulSet,
  type ReadWorkload,
} from './workloads';
import type {
  ClaimSpec,
  ConfigMapSpec,
  CronJobSpec,
  DeploymentSpec,
  JobSpec,
  HpaScalingRules,
  HpaSpec,
  LabelSelector,
  MetricSpec,
  SecretSpec,
  ServiceSpec,
} from './types';

export type Resource =
  | {
      kind: 'Deployment';
      spec: DeploymentSpec;
      hostAccess: { feature: keyof HostAccess; path: YamlPath }[];
      unsupported: { path: YamlPath; message: string; fatal: boolean }[];
    }
  | {
      kind: 'Job';
      spec: JobSpec;
      hostAccess: { feature: keyof HostAccess; path: YamlPath }[];
      unsupported: { path: YamlPath; message: string; fatal: boolean }[];
    }
  | {
      kind: 'CronJob';
      spec: CronJobSpec;
      hostAccess: { feature: keyof HostAccess; path: YamlPath }[];
      unsupported: { path: YamlPath; message: string; fatal: boolean }[];
    }
  | { kind: 'Service'; spec: ServiceSpec }
  | { kind: 'HorizontalPodAutoscaler'; spec: HpaSpec }
  | { kind: 'ConfigMap'; spec: ConfigMapSpec }
  | { kind: 'Secret'; spec: SecretSpec }
  | { kind: 'PersistentVolumeClaim'; spec: ClaimSpec }
  | { kind: 'Ignored'; name: string; ignoredKind: string };

// The kinds and apiVersions read here are those of the table of honoured fields (honoured.ts).
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export function readResource(r: Reader, v: unknown): Resource | undefined {
  const o = r.obj(v, []);
  if (!o) return undefined;
  const kind = typeof o.kind === 'string' ? o.kind : undefined;
  const apiVersion = typeof o.apiVersion === 'string' ? o.apiVersion : undefined;
  const meta = o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata) ? o.metadata : undefined;
  const metaName = meta && 'name' in meta ? meta.name : undefined;
  // A kind Flotilla does not run is listed and never refuses the stack, whatever it holds.
  if (kind && !KINDS[kind]) {
    return {
      kind: 'Ignored',
      name: typeof metaName === 'string' ? metaName : '',
      ignoredKind: `${apiVersion ?? '?'}/${kind}`,
    };
  }
  r.str(o.kind, ['kind'], true);
  r.str(o.apiVersion, ['apiVersion'], true);
  const name = r.str(r.obj(o.metadata, ['metadata'])?.name, ['metadata', 'name'], true);
  if (!kind || !apiVersion || !name) return undefined;
  if (!isRunKind(kind, apiVersion)) {
    const removed = removedApi(apiVersion, kind);
    r.fail(
      ['apiVersion'],
      removed
        ? removedApiMessage(apiVersion, kind, removed)
        : `${kind} must use apiVersion ${KINDS[kind].apiVersions[0]}; got ${apiVersion}`,
      false,
      removed ? 'FK1005' : 'FK1003',
    );
    return undefined;
  }
  if (kind === 'Service' && !DNS_1035.test(name)) {
    r.fail(
      ['metadata', 'name'],
      `A Service name must be a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter ("${name}").`,
      false,
      'FK2006',
    );
  } else if (!DNS_SUBDOMAIN.test(name)) {
    r.fail(
      ['metadata', 'name'],
      `metadata.name "${name}" must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.`,
      false,
      'FK2006',
    );
  }
  const source = r.at([]);
  const namespace = r.str(r.obj(o.metadata, ['metadata'])?.namespace, ['metadata', 'namespace']);
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    r.fail(['metadata', 'namespace'], `"${namespace}" is not a valid namespace: use lowercase letters, digits and '-'`);
  }
  switch (kind) {
    case 'Deployment':
      return readDeployment(r, o, name, source);
    case 'StatefulSet':
      return asDeployment(readStatefulSet(r, o, name, source));
    case 'DaemonSet':
      return asDeployment(readDaemonSet(r, o, name, source));
    case 'ReplicaSet':
    case 'ReplicationController':
      return asDeployment(readReplicaSet(r, o, name, source, kind));
    case 'Pod':
      return asDeployment(readBarePod(r, o, name, source));
    case 'Job': {
      const job = readJob(r, o, name, source);
      return job && { kind: 'Job', ...job };
    }
    case 'CronJob': {
      const cron = readCronJob(r, o, name, source);
      return cron && { kind: 'CronJob', ...cron };
    }
    case 'Service':
      return { kind, spec: { ...readService(r, o, name, source), ...(namespace !== undefined ? { namespace } : {}) } };
    case 'HorizontalPodAutoscaler': {
      const hpa = readHpa(r, toAutoscalingV2(apiVersion, o), name, source);
      // every metric it names has no local source (the table warns about each): nothing to scale on
      if (!hpa.metrics.length) return { kind: 'Ignored', name, ignoredKind: `${apiVersion}/${kind}` };
      return { kind, spec: hpa };
    }
    case 'ConfigMap':
      return { kind, spec: { name, source, data: r.strMap(o.data, ['data']) } };
    case 'PersistentVolumeClaim':
      return { kind, spec: readClaimSpec(r, o.spec, ['spec'], name, source) };
    default:
      return { kind: 'Secret', spec: { name, source, data: readSecretData(r, o) } };
  }
}

/** The other long-running kinds travel as a Deployment resource whose spec carries its kind. */
function asDeployment(w: ReadWorkload | undefined): Resource | undefined {
  return w && { kind: 'Deployment', spec: w.spec, hostAccess: w.hostAccess, unsupported: w.unsupported };
}

function readDeployment(r: Reader, o: Obj, name: string, source: DeploymentSpec['source']): Resource | undefined {
  const spec = r.obj(o.spec, ['spec']);
  if (!spec) {
    r.fail(['spec'], 'is required');
    return undefined;
  }
  const pod = readPodTemplate(r, spec.template, ['spec', 'template']);
  if (!pod) return undefined;
  const selector = readSelector(r, spec.selector, ['spec', 'selector']);
  if (!selector) r.fail(['spec', 'selector'], 'is required (apps/v1), e.g. matchLabels: {app: ' + name + '}');
  const strategy = r.obj(spec.strategy, ['spec', 'strategy']) ?? {};
  const type = r.oneOf(
    strategy.type,
    ['spec', 'strategy', 'type'],
    ['RollingUpdate', 'Recreate'] as const,
    'RollingUpdate',
  );
  const ru = r.obj(strategy.rollingUpdate, ['spec', 'strategy', 'rollingUpdate']) ?? {};
  const maxSurge = r.intOrString(ru.maxSurge, ['spec', 'strategy', 'rollingUpdate', 'maxSurge']) ?? '25%';
  const maxUnavailable =
    r.intOrString(ru.maxUnavailable, ['spec', 'strategy', 'rollingUpdate', 'maxUnavailable']) ?? '25%';
  for (const [k, val] of [
    ['maxSurge', maxSurge],
    ['maxUnavailable', maxUnavailable],
  ] as const) {
    if (typeof val === 'string' && !/^\d+%$/.test(val)) {
      r.fail(['spec', 'strategy', 'rollingUpdate', k], `must be an integer or a percentage like "25%"; got "${val}"`);
    }
  }
  if ((maxSurge === 0 || maxSurge === '0%') && (maxUnavailable === 0 || maxUnavailable === '0%')) {
    r.fail(
      ['spec', 'strategy', 'rollingUpdate'],
      'maxSurge and maxUnavailable cannot both be 0: the rollout could never progress',
    );
  }
  const d: DeploymentSpec = {
    name,
    source,
    replicas: r.int(spec.replicas, ['spec', 'replicas'], { min: 0 }),
    selector: selector ?? { matchLabels: {}, matchExpressions: [] },
    template: pod.template,
    strategy: { type, maxSurge, maxUnavailable },
    minReadySeconds: r.int(spec.minReadySeconds, ['spec', 'minReadySeconds'], { min: 0 }) ?? 0,
    progressDeadlineSeconds:
      r.int(spec.progressDeadlineSeconds, ['spec', 'progressDeadlineSeconds'], { min: 1 }) ?? 600,
  };
  if (selector && !selectorMatches(selector, d.template.labels)) {
    r.fail(
      ['spec', 'selector'],
      `selector does not match the template labels ${JSON.stringify(d.template.labels)}: make spec.template.metadata.labels include the selector's labels`,
    );
  }
  return { kind: 'Deployment', spec: d, hostAccess: pod.hostAccess, unsupported: pod.unsupported };
}

export function readSelector(r: Reader, v: unknown, path: YamlPath): LabelSelector | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  const matchExpressions = r.arr(o.matchExpressions, [...path, 'matchExpressions']).map((e, i) => {
    const ep = [...path, 'matchExpressions', i];
    const eo = r.obj(e, ep) ?? {};
    return {
      key: r.str(eo.key, [...ep, 'key'], true) ?? '',
      operator: r.oneOf(eo.operator, [...ep, 'operator'], ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, 'Exists'),
      values: r.arr(eo.values, [...ep, 'values']).map((x, j) => r.str(x, [...ep, 'values', j]) ?? ''),
    };
  });
  return { matchLabels: r.strMap(o.matchLabels, [...path, 'matchLabels']), matchExpressions };
}

export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels)) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (e.operator === 'In' && (!has || !e.values.includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false;
  }
  return true;
}

function readService(r: Reader, o: Obj, name: string, source: ServiceSpec['source']): ServiceSpec {
  const spec = r.obj(o.spec, ['spec']) ?? {};
  const ports = r.arr(spec.ports, ['spec', 'ports']).map((p, i) => {
    const pp = ['spec', 'ports', i];
    const po = r.obj(p, pp) ?? {};
    const port = r.int(po.port, [...pp, 'port'], { min: 1, max: 65535 });
    if (port === undefined && po.port === undefined) r.fail([...pp, 'port'], 'is required');
    return {
      name: r.str(po.name, [...pp, 'name']),
      port: port ?? 0,
      targetPort: r.intOrString(po.targetPort, [...pp, 'targetPort']) ?? port ?? 0,
      // 0 means "unset" to the API server: a port is chosen
      nodePort: po.nodePort === 0 ? undefined : r.int(po.nodePort, [...pp, 'nodePort'], { min: 1, max: 65535 }),
      protocol: r.oneOf(po.protocol, [...pp, 'protocol'], ['TCP', 'UDP'] as const, 'TCP'),
    };
  });
  if (ports.length > 1) {
    ports.forEach((p, i) => {
      if (!p.name) r.fail(['spec', 'ports', i], 'a Service with several ports must name each port');
    });
  }
  const clusterIP = r.str(spec.clusterIP, ['spec', 'clusterIP']);
  return {
    name,
    source,
    type: r.oneOf(spec.type, ['spec', 'type'], ['ClusterIP', 'NodePort', 'LoadBalancer'] as const, 'ClusterIP'),
    ...(clusterIP !== undefined && clusterIP !== '' ? { clusterIP } : {}),
    selector: r.strMap(spec.selector, ['spec', 'selector']),
    ports,
    publishNotReadyAddresses: r.bool(spec.publishNotReadyAddresses, ['spec', 'publishNotReadyAddresses']) ?? false,
  };
}

function readHpa(r: Reader, o: Obj, name: string, source: HpaSpec['source']): HpaSpec {
  const spec = r.obj(o.spec, ['spec']) ?? {};
  const ref = r.obj(spec.scaleTargetRef, ['spec', 'scaleTargetRef']);
  if (!ref) r.fail(['spec', 'scaleTargetRef'], 'is required');
  const minReplicas = r.int(spec.minReplicas, ['spec', 'minReplicas'], { min: 1 }) ?? 1;
  const maxReplicas = r.int(spec.maxReplicas, ['spec', 'maxReplicas'], { min: 1 });
  if (maxReplicas === undefined && spec.maxReplicas === undefined) r.fail(['spec', 'maxReplicas'], 'is required');
  if (maxReplicas !== undefined && minReplicas > maxReplicas) {
    r.fail(['spec', 'minReplicas'], `minReplicas (${minReplicas}) is greater than maxReplicas (${maxReplicas})`);
  }
  const given = r.arr(spec.metrics, ['spec', 'metrics']);
  const metrics: MetricSpec[] = given.flatMap((m, i) => readMetric(r, m, ['spec', 'metrics', i]));
  const behavior = r.obj(spec.behavior, ['spec', 'behavior']) ?? {};
  return {
    name,
    source,
    target: {
      apiVersion: r.str(ref?.apiVersion, ['spec', 'scaleTargetRef', 'apiVersion']) ?? 'apps/v1',
      kind: r.str(ref?.kind, ['spec', 'scaleTargetRef', 'kind'], !!ref) ?? 'Deployment',
      name: r.str(ref?.name, ['spec', 'scaleTargetRef', 'name'], !!ref) ?? '',
    },
    minReplicas,
    maxReplicas: maxReplicas ?? minReplicas,
    // Kubernetes' default when no metric is given: 80% average CPU utilization. Metrics that
    // were all left out (External, Object) leave nothing to scale on: the HPA holds still.
    metrics: metrics.length
      ? metrics
      : given.length
        ? []
        : [{ type: 'Resource', name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } }],
    behavior: {
      scaleUp: readRules(r, behavior.scaleUp, ['spec', 'behavior', 'scaleUp']),
      scaleDown: readRules(r, behavior.scaleDown, ['spec', 'behavior', 'scaleDown']),
    },
  };
}

function readMetric(r: Reader, v: unknown, path: YamlPath): MetricSpec[] {
  const o = r.obj(v, path) ?? {};
  const type = r.oneOf(
    o.type,
    [...path, 'type'],
    ['Resource', 'Pods', 'Object', 'External', 'ContainerResource'] as const,
    'Resource',
  );
  // Object, External and ContainerResource metrics have no local source: left out with a
  // warning from the table of honoured fields (FK3001), never a refusal.
  if (type !== 'Resource' && type !== 'Pods') return [];
  const key = type === 'Resource' ? 'resource' : 'pods';
  const body = r.obj(o[key], [...path, key]) ?? {};
  const metricName =
    type === 'Resource'
      ? r.str(body.name, [...path, key, 'name'], true)
      : r.str((r.obj(body.metric, [...path, key, 'metric']) ?? {}).name, [...path, key, 'metric', 'name'], true);
  const t = r.obj(body.target, [...path, key, 'target']) ?? {};
  const tp = [...path, key, 'target'];
  const ttype = r.oneOf(t.type, [...tp, 'type'], ['Utilization', 'AverageValue', 'Value'] as const, 'Utilization');
  const num = (k: string) => {
    const x = t[k];
    if (x === undefined) return undefined;
    if (typeof x === 'number') return x;
    return r.guard([...tp, k], () => quantityNumber(String(x), metricName ?? ''));
  };
  return [
    {
      type,
      name: metricName ?? '',
      target: {
        type: ttype,
        averageUtilization: r.int(t.averageUtilization, [...tp, 'averageUtilization'], { min: 1 }),
        averageValue: num('averageValue'),
        value: num('value'),
      },
    },
  ];
}

function quantityNumber(q: string, metric: string): number {
  // cpu values are compared in millicores, memory in bytes, counts as plain numbers.
  if (metric === 'cpu') return parseCpu(q);
  if (metric === 'memory') return parseMemory(q);
  const n = /^\d+(\.\d+)?m$/.test(q) ? Number(q.slice(0, -1)) / 1000 : Number(q);
  if (!Number.isFinite(n)) throw new Error(`invalid quantity "${q}"`);
  return n;
}

function readRules(r: Reader, v: unknown, path: YamlPath): HpaScalingRules | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  return {
    stabilizationWindowSeconds: r.int(o.stabilizationWindowSeconds, [...path, 'stabilizationWindowSeconds'], {
      min: 0,
      max: 3600,
    }),
    selectPolicy:
      o.selectPolicy === undefined
        ? undefined
        : r.oneOf(o.selectPolicy, [...path, 'selectPolicy'], ['Max', 'Min', 'Disabled'] as const, 'Max'),
    policies:
      o.policies === undefined
        ? undefined
        : r.arr(o.policies, [...path, 'policies']).map((p, i) => {
            const pp = [...path, 'policies', i];
            const po = r.obj(p, pp) ?? {};
            return {
              type: r.oneOf(po.type, [...pp, 'type'], ['Pods', 'Percent'] as const, 'Pods'),
              value: r.int(po.value, [...pp, 'value'], { min: 1 }) ?? 1,
              periodSeconds: r.int(po.periodSeconds, [...pp, 'periodSeconds'], { min: 1, max: 1800 }) ?? 15,
            };
          }),
  };
}

function readSecretData(r: Reader, o: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.strMap(o.data, ['data']))) out[k] = Buffer.from(v, 'base64').toString('utf8');
  Object.assign(out, r.strMap(o.stringData, ['stringData']));
  return out;
}
