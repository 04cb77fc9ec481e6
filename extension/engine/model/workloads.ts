// The workload kinds beside Deployment, read as the API server reads them:
// StatefulSet, DaemonSet, ReplicaSet, ReplicationController, bare Pod, Job and
// CronJob, with Kubernetes' defaults and its validation (a claim template needs
// a storage request, backoffLimit is ≥ 0, a schedule must parse), every problem
// at its file:line. Each becomes the one pod-template shape (DeploymentSpec)
// with its kind and fields; a CronJob keeps its Job template.
import { parseCron } from './cron';
import { readPodTemplate, type ReadPod } from './pod';
import { parseMemory } from './quantity';
import type { Obj, Reader } from './reader';
import { readSelector, selectorMatches } from './resources';
import type { YamlPath } from './yaml-source';
import type {
  ClaimTemplate,
  CronJobSpec,
  DeploymentSpec,
  JobSpec,
  LabelSelector,
  SourceRef,
  WorkloadKind,
} from './types';

export interface ReadWorkload {
  spec: DeploymentSpec;
  hostAccess: ReadPod['hostAccess'];
  unsupported: ReadPod['unsupported'];
}

const ROLLOUT_DEFAULTS = { strategy: { type: 'RollingUpdate' as const, maxSurge: 0, maxUnavailable: 1 } };

export function readStatefulSet(r: Reader, o: Obj, name: string, source: SourceRef): ReadWorkload | undefined {
  const spec = requireSpec(r, o);
  if (!spec) return undefined;
  const claims = r
    .arr(spec.volumeClaimTemplates, ['spec', 'volumeClaimTemplates'])
    .map((c, i) => readClaimTemplate(r, c, ['spec', 'volumeClaimTemplates', i]))
    .filter((c): c is ClaimTemplate => c !== undefined);
  injectClaimVolumes(spec, claims);
  const base = readTemplated(r, spec, name, source, 'StatefulSet');
  if (!base) return undefined;
  const us = r.obj(spec.updateStrategy, ['spec', 'updateStrategy']) ?? {};
  const ru = r.obj(us.rollingUpdate, ['spec', 'updateStrategy', 'rollingUpdate']) ?? {};
  base.spec.replicas = r.int(spec.replicas, ['spec', 'replicas'], { min: 0 });
  base.spec.minReadySeconds = r.int(spec.minReadySeconds, ['spec', 'minReadySeconds'], { min: 0 }) ?? 0;
  base.spec.statefulSet = {
    serviceName: r.str(spec.serviceName, ['spec', 'serviceName']) ?? '',
    podManagementPolicy: r.oneOf(
      spec.podManagementPolicy,
      ['spec', 'podManagementPolicy'],
      ['OrderedReady', 'Parallel'] as const,
      'OrderedReady',
    ),
    updateStrategy: r.oneOf(
      us.type,
      ['spec', 'updateStrategy', 'type'],
      ['RollingUpdate', 'OnDelete'] as const,
      'RollingUpdate',
    ),
    partition: r.int(ru.partition, ['spec', 'updateStrategy', 'rollingUpdate', 'partition'], { min: 0 }) ?? 0,
    volumeClaimTemplates: claims,
  };
  // Each pod's hostname is its own name and its subdomain the governing Service, as the
  // StatefulSet controller sets them: <pod>.<serviceName>.<namespace>.svc.cluster.local.
  base.spec.template.hostname = undefined;
  if (base.spec.statefulSet.serviceName) base.spec.template.subdomain = base.spec.statefulSet.serviceName;
  return base;
}

export function readDaemonSet(r: Reader, o: Obj, name: string, source: SourceRef): ReadWorkload | undefined {
  const spec = requireSpec(r, o);
  if (!spec) return undefined;
  const base = readTemplated(r, spec, name, source, 'DaemonSet');
  if (!base) return undefined;
  const us = r.obj(spec.updateStrategy, ['spec', 'updateStrategy']) ?? {};
  const ru = r.obj(us.rollingUpdate, ['spec', 'updateStrategy', 'rollingUpdate']) ?? {};
  const maxUnavailable =
    r.intOrString(ru.maxUnavailable, ['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable']) ?? 1;
  if (typeof maxUnavailable === 'string' && !/^\d+%$/.test(maxUnavailable)) {
    r.fail(
      ['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'],
      `must be an integer or a percentage like "25%"; got "${maxUnavailable}"`,
    );
  }
  base.spec.minReadySeconds = r.int(spec.minReadySeconds, ['spec', 'minReadySeconds'], { min: 0 }) ?? 0;
  base.spec.daemonSet = {
    updateStrategy: r.oneOf(
      us.type,
      ['spec', 'updateStrategy', 'type'],
      ['RollingUpdate', 'OnDelete'] as const,
      'RollingUpdate',
    ),
    maxUnavailable,
  };
  return base;
}

/** ReplicaSet and ReplicationController: a fixed template kept at a count, no rollout. */
export function readReplicaSet(
  r: Reader,
  o: Obj,
  name: string,
  source: SourceRef,
  kind: 'ReplicaSet' | 'ReplicationController',
): ReadWorkload | undefined {
  const spec = requireSpec(r, o);
  if (!spec) return undefined;
  if (kind === 'ReplicationController' && spec.selector && typeof spec.selector === 'object') {
    // A ReplicationController's selector is a plain label map.
    spec.selector = { matchLabels: spec.selector };
  }
  const base = readTemplated(r, spec, name, source, kind);
  if (!base) return undefined;
  base.spec.replicas = r.int(spec.replicas, ['spec', 'replicas'], { min: 0 });
  base.spec.minReadySeconds = r.int(spec.minReadySeconds, ['spec', 'minReadySeconds'], { min: 0 }) ?? 0;
  return base;
}

/** A bare Pod: one replica named after it, started once, never recreated once deleted. */
export function readBarePod(r: Reader, o: Obj, name: string, source: SourceRef): ReadWorkload | undefined {
  const pod = readPodTemplate(r, o, []);
  if (!pod) return undefined;
  const labels = pod.template.labels;
  return {
    spec: {
      name,
      source,
      kind: 'Pod',
      replicas: 1,
      selector: { matchLabels: labels, matchExpressions: [] },
      template: pod.template,
      ...ROLLOUT_DEFAULTS,
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
    },
    hostAccess: pod.hostAccess,
    unsupported: pod.unsupported,
  };
}

export interface ReadJob {
  spec: JobSpec;
  hostAccess: ReadPod['hostAccess'];
  unsupported: ReadPod['unsupported'];
}

export function readJob(r: Reader, o: Obj, name: string, source: SourceRef): ReadJob | undefined {
  const spec = requireSpec(r, o);
  if (!spec) return undefined;
  return readJobSpec(r, spec, ['spec'], name, source);
}

export interface ReadCronJob {
  spec: CronJobSpec;
  hostAccess: ReadPod['hostAccess'];
  unsupported: ReadPod['unsupported'];
}

export function readCronJob(r: Reader, o: Obj, name: string, source: SourceRef): ReadCronJob | undefined {
  const spec = requireSpec(r, o);
  if (!spec) return undefined;
  const schedule = r.str(spec.schedule, ['spec', 'schedule'], true) ?? '';
  if (schedule) {
    const parsed = parseCron(schedule);
    if ('error' in parsed) r.fail(['spec', 'schedule'], parsed.error);
  }
  if (spec.timeZone !== undefined && !['UTC', 'Etc/UTC'].includes(String(spec.timeZone))) {
    r.fail(['spec', 'timeZone'], `only UTC schedules are supported locally; remove timeZone or set it to "UTC"`);
  }
  const jt = r.obj(spec.jobTemplate, ['spec', 'jobTemplate']);
  if (!jt) {
    r.fail(['spec', 'jobTemplate'], 'is required');
    return undefined;
  }
  const jobSpec = r.obj(jt.spec, ['spec', 'jobTemplate', 'spec']);
  if (!jobSpec) {
    r.fail(['spec', 'jobTemplate', 'spec'], 'is required');
    return undefined;
  }
  const job = readJobSpec(r, jobSpec, ['spec', 'jobTemplate', 'spec'], name, source);
  if (!job) return undefined;
  job.spec.job.cronJob = name;
  return {
    spec: {
      name,
      source,
      schedule,
      concurrencyPolicy: r.oneOf(
        spec.concurrencyPolicy,
        ['spec', 'concurrencyPolicy'],
        ['Allow', 'Forbid', 'Replace'] as const,
        'Allow',
      ),
      suspend: r.bool(spec.suspend, ['spec', 'suspend']) ?? false,
      successfulJobsHistoryLimit:
        r.int(spec.successfulJobsHistoryLimit, ['spec', 'successfulJobsHistoryLimit'], { min: 0 }) ?? 3,
      failedJobsHistoryLimit: r.int(spec.failedJobsHistoryLimit, ['spec', 'failedJobsHistoryLimit'], { min: 0 }) ?? 1,
      startingDeadlineSeconds: r.int(spec.startingDeadlineSeconds, ['spec', 'startingDeadlineSeconds'], { min: 0 }),
      job: job.spec,
    },
    hostAccess: job.hostAccess,
    unsupported: job.unsupported,
  };
}

function readJobSpec(r: Reader, spec: Obj, at: YamlPath, name: string, source: SourceRef): ReadJob | undefined {
  const pod = readPodTemplate(r, spec.template, [...at, 'template']);
  if (!pod) return undefined;
  const policy = r.obj(r.obj(spec.template, [...at, 'template'])?.spec, [...at, 'template', 'spec'])?.restartPolicy;
  if (policy === undefined || pod.template.restartPolicy === 'Always') {
    r.fail(
      [...at, 'template', 'spec', ...(policy === undefined ? [] : ['restartPolicy'])],
      'a Job pod needs restartPolicy: Never (a new pod per failure) or OnFailure (restarted in place)',
    );
  }
  const completions = r.int(spec.completions, [...at, 'completions'], { min: 0 });
  const parallelism = r.int(spec.parallelism, [...at, 'parallelism'], { min: 0 }) ?? 1;
  if (spec.completionMode !== undefined && spec.completionMode !== 'NonIndexed') {
    r.fail([...at, 'completionMode'], 'only NonIndexed Jobs run locally; remove completionMode: Indexed');
  }
  const selector = selectorOf(r, spec, at, pod.template.labels);
  return {
    spec: {
      name,
      source,
      kind: 'Job',
      // Without completions or parallelism a Job runs one pod to success.
      replicas: undefined,
      selector,
      template: pod.template,
      ...ROLLOUT_DEFAULTS,
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      job: {
        completions: completions ?? (spec.parallelism === undefined ? 1 : undefined),
        parallelism,
        backoffLimit: r.int(spec.backoffLimit, [...at, 'backoffLimit'], { min: 0 }) ?? 6,
        activeDeadlineSeconds: r.int(spec.activeDeadlineSeconds, [...at, 'activeDeadlineSeconds'], { min: 1 }),
        ttlSecondsAfterFinished: r.int(spec.ttlSecondsAfterFinished, [...at, 'ttlSecondsAfterFinished'], {
          min: 0,
        }),
      },
    },
    hostAccess: pod.hostAccess,
    unsupported: pod.unsupported,
  };
}

function requireSpec(r: Reader, o: Obj): Obj | undefined {
  const spec = r.obj(o.spec, ['spec']);
  if (!spec) r.fail(['spec'], 'is required');
  return spec;
}

/** Template, selector (which must match the template's labels) and the shared defaults. */
function readTemplated(
  r: Reader,
  spec: Obj,
  name: string,
  source: SourceRef,
  kind: WorkloadKind,
): ReadWorkload | undefined {
  const pod = readPodTemplate(r, spec.template, ['spec', 'template']);
  if (!pod) return undefined;
  if (pod.template.restartPolicy !== 'Always') {
    r.fail(
      ['spec', 'template', 'spec', 'restartPolicy'],
      `a ${kind}'s pods run until stopped: restartPolicy must be Always (use a Job for work that finishes)`,
    );
  }
  return {
    spec: {
      name,
      source,
      kind,
      selector: selectorOf(r, spec, ['spec'], pod.template.labels, name),
      template: pod.template,
      ...ROLLOUT_DEFAULTS,
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
    },
    hostAccess: pod.hostAccess,
    unsupported: pod.unsupported,
  };
}

/** spec.selector, which must match the template's labels; a Job (and an RC) may leave it to the labels. */
function selectorOf(
  r: Reader,
  spec: Obj,
  at: YamlPath,
  labels: Record<string, string>,
  required?: string,
): LabelSelector {
  const selector = readSelector(r, spec.selector, [...at, 'selector']);
  if (!selector) {
    if (required) r.fail([...at, 'selector'], `is required (apps/v1), e.g. matchLabels: {app: ${required}}`);
    return { matchLabels: labels, matchExpressions: [] };
  }
  if (!selectorMatches(selector, labels)) {
    r.fail(
      [...at, 'selector'],
      `selector does not match the template labels ${JSON.stringify(labels)}: make spec.template.metadata.labels include the selector's labels`,
    );
  }
  return selector;
}

function readClaimTemplate(r: Reader, v: unknown, at: YamlPath): ClaimTemplate | undefined {
  const o = r.obj(v, at);
  if (!o) return undefined;
  const name = r.str(r.obj(o.metadata, [...at, 'metadata'])?.name, [...at, 'metadata', 'name'], true);
  const spec = r.obj(o.spec, [...at, 'spec']);
  if (!spec) r.fail([...at, 'spec'], 'is required (accessModes and resources.requests.storage)');
  const requests = r.obj(r.obj(spec?.resources, [...at, 'spec', 'resources'])?.requests, [
    ...at,
    'spec',
    'resources',
    'requests',
  ]);
  const storage = requests?.storage;
  if (spec && (storage === undefined || storage === null)) {
    r.fail(
      [...at, 'spec', ...(requests ? ['resources', 'requests'] : spec.resources ? ['resources'] : [])],
      `claim template "${name ?? ''}" needs resources.requests.storage (e.g. storage: 1Gi), as the API server requires`,
    );
  }
  const storageBytes =
    storage === undefined || storage === null
      ? undefined
      : r.guard([...at, 'spec', 'resources', 'requests', 'storage'], () => parseMemory(String(storage)));
  if (!name || storageBytes === undefined) return undefined;
  const accessModes = r
    .arr(spec?.accessModes, [...at, 'spec', 'accessModes'])
    .map((m, i) => r.str(m, [...at, 'spec', 'accessModes', i]) ?? '');
  return {
    name,
    source: r.at(at),
    storageBytes,
    accessModes: accessModes.length ? accessModes : ['ReadWriteOnce'],
    storageClassName: r.str(spec?.storageClassName, [...at, 'spec', 'storageClassName']),
  };
}

/**
 * The StatefulSet controller gives each pod a volume per claim template (a claim
 * <template>-<statefulset>-<ordinal>); the template's volumeMounts name them. Declared
 * here as placeholders so the mounts resolve; the controller binds each to its
 * ordinal's claim volume when it makes the pod.
 */
function injectClaimVolumes(spec: Obj, claims: ClaimTemplate[]): void {
  if (!claims.length) return;
  const template = spec.template;
  if (!template || typeof template !== 'object' || Array.isArray(template)) return;
  const podSpec: unknown = Reflect.get(template, 'spec');
  if (!podSpec || typeof podSpec !== 'object' || Array.isArray(podSpec)) return;
  const existing: unknown = Reflect.get(podSpec, 'volumes');
  const volumes: unknown[] = Array.isArray(existing) ? existing : [];
  const named = (n: string) => volumes.some((v) => v !== null && typeof v === 'object' && Reflect.get(v, 'name') === n);
  for (const c of claims) if (!named(c.name)) volumes.push({ name: c.name, emptyDir: {} });
  Reflect.set(podSpec, 'volumes', volumes);
}

/** The per-ordinal claim a StatefulSet's claim template makes, as Kubernetes names it. */
export function ordinalClaimName(template: string, statefulSet: string, ordinal: number): string {
  return `${template}-${statefulSet}-${ordinal}`;
}
