// Reading the workload kinds beside Deployment: defaults as Kubernetes applies
// them, and a file:line message for what the API server would refuse (a claim
// template without storage, a negative backoffLimit, a schedule that does not
// parse, a Job pod that restarts Always).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { hpaTarget } from '../../extension/engine/controller/autoscaling';
import { loadStack } from '../../extension/engine/model/load-stack';
import type { StackSpec } from '../../extension/engine/model/types';
import { manifests, workload } from '../support/manifests';
import { writeStack } from '../support/stack-fixture';

function load(yaml: string): { stack?: StackSpec; problems: string[] } {
  const dir = writeStack({ 'flotilla.yaml': 'name: w\nmanifests: ["k8s/*.yaml"]\n', 'k8s/app.yaml': yaml });
  const r = loadStack(dir);
  return { stack: r.stack, problems: r.problems.map((p) => `${path.basename(p.file)}:${p.line} ${p.message}`) };
}

function lineOf(yaml: string, text: string): number {
  return yaml.split('\n').findIndex((l) => l.includes(text)) + 1;
}

const CLAIM = {
  metadata: { name: 'data' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
};

describe('workload kinds in the model', () => {
  it('a StatefulSet: ordinals policy, update strategy, claim templates whose mounts resolve', () => {
    const yaml = workload('db', {
      kind: 'StatefulSet',
      replicas: 3,
      shell: 'sleep 3600',
      extra: { volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      spec: {
        serviceName: 'db',
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } },
        volumeClaimTemplates: [CLAIM],
      },
    });
    const { stack, problems } = load(yaml);
    assert.deepEqual(problems, []);
    const d = stack!.deployments[0];
    assert.equal(d.kind, 'StatefulSet');
    assert.equal(d.replicas, 3);
    assert.deepEqual(
      {
        ...d.statefulSet,
        volumeClaimTemplates: d.statefulSet?.volumeClaimTemplates.map((c) => [c.name, c.storageBytes]),
      },
      {
        serviceName: 'db',
        podManagementPolicy: 'Parallel',
        updateStrategy: 'RollingUpdate',
        partition: 2,
        volumeClaimTemplates: [['data', 1024 ** 3]],
      },
    );
  });

  it('StatefulSet defaults: OrderedReady, RollingUpdate, partition 0', () => {
    const { stack } = load(workload('db', { kind: 'StatefulSet', shell: 'sleep 3600' }));
    const s = stack!.deployments[0].statefulSet!;
    assert.equal(s.podManagementPolicy, 'OrderedReady');
    assert.equal(s.updateStrategy, 'RollingUpdate');
    assert.equal(s.partition, 0);
    assert.equal(s.serviceName, '');
  });

  it('a claim template without a storage request is refused at its line', () => {
    const yaml = workload('db', {
      kind: 'StatefulSet',
      shell: 'sleep 3600',
      spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] },
    });
    const { stack, problems } = load(yaml);
    assert.equal(stack, undefined);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], /claim template "data" needs resources\.requests\.storage/);
    assert.ok(problems[0].startsWith(`app.yaml:${lineOf(yaml, 'accessModes')}`), problems[0]);
  });

  it('a DaemonSet, a ReplicaSet, a ReplicationController and a bare Pod', () => {
    const yaml = manifests(
      workload('agent', {
        kind: 'DaemonSet',
        shell: 'sleep 3600',
        spec: { updateStrategy: { rollingUpdate: { maxUnavailable: 2 } } },
      }),
      workload('rs', { kind: 'ReplicaSet', replicas: 2, shell: 'sleep 3600' }),
      workload('rc', {
        kind: 'ReplicationController',
        apiVersion: 'v1',
        replicas: 1,
        shell: 'sleep 3600',
        spec: { selector: { app: 'rc' } },
      }),
      workload('once', { kind: 'Pod', shell: 'echo hi', pod: { restartPolicy: 'Never' } }),
    );
    const { stack, problems } = load(yaml);
    assert.deepEqual(problems, []);
    const by = Object.fromEntries(stack!.deployments.map((d) => [d.name, d]));
    assert.deepEqual(by.agent.daemonSet, { updateStrategy: 'RollingUpdate', maxUnavailable: 2 });
    assert.equal(by.rs.kind, 'ReplicaSet');
    assert.equal(by.rs.replicas, 2);
    assert.equal(by.rc.kind, 'ReplicationController');
    assert.deepEqual(by.rc.selector.matchLabels, { app: 'rc' });
    assert.equal(by.once.kind, 'Pod');
    assert.equal(by.once.template.restartPolicy, 'Never');
    assert.deepEqual(by.once.template.labels, { app: 'once' });
  });

  it('a Job: completions, parallelism, backoffLimit, deadlines, with Kubernetes defaults', () => {
    const { stack, problems } = load(
      manifests(
        workload('migrate', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Never' } }),
        workload('batch', {
          kind: 'Job',
          shell: 'true',
          pod: { restartPolicy: 'OnFailure' },
          spec: {
            completions: 5,
            parallelism: 2,
            backoffLimit: 0,
            activeDeadlineSeconds: 60,
            ttlSecondsAfterFinished: 30,
          },
        }),
        workload('queue', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Never' }, spec: { parallelism: 3 } }),
      ),
    );
    assert.deepEqual(problems, []);
    const by = Object.fromEntries(stack!.jobs.map((j) => [j.name, j.job]));
    assert.deepEqual(by.migrate, {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      activeDeadlineSeconds: undefined,
      ttlSecondsAfterFinished: undefined,
    });
    assert.deepEqual(by.batch, {
      completions: 5,
      parallelism: 2,
      backoffLimit: 0,
      activeDeadlineSeconds: 60,
      ttlSecondsAfterFinished: 30,
    });
    assert.equal(by.queue.completions, undefined, 'parallelism without completions: a work queue');
    assert.equal(stack!.deployments.length, 0, 'Jobs are not long-running workloads');
  });

  it('a Job with a negative backoffLimit, or a pod that restarts Always, is refused at its line', () => {
    const yaml = manifests(
      workload('bad', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Never' }, spec: { backoffLimit: -1 } }),
      workload('always', { kind: 'Job', shell: 'true', pod: { restartPolicy: 'Always' } }),
    );
    const { problems } = load(yaml);
    assert.deepEqual(problems, [
      `app.yaml:${lineOf(yaml, 'backoffLimit')} spec.backoffLimit: must be at least 0`,
      `app.yaml:${lineOf(yaml, 'restartPolicy: Always')} spec.template.spec.restartPolicy: a Job pod needs restartPolicy: Never (a new pod per failure) or OnFailure (restarted in place)`,
    ]);
  });

  it('a CronJob: schedule, concurrency, suspend, history limits, and its Job template', () => {
    const yaml = `apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "*/5 * * * *"
  concurrencyPolicy: Forbid
  suspend: true
  successfulJobsHistoryLimit: 1
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: flotilla.local/busybox:1, command: ["true"]}]
`;
    const { stack, problems } = load(yaml);
    assert.deepEqual(problems, []);
    const c = stack!.cronJobs[0];
    assert.equal(c.schedule, '*/5 * * * *');
    assert.equal(c.concurrencyPolicy, 'Forbid');
    assert.equal(c.suspend, true);
    assert.equal(c.successfulJobsHistoryLimit, 1);
    assert.equal(c.failedJobsHistoryLimit, 1);
    assert.equal(c.job.job.backoffLimit, 2);
    assert.equal(c.job.job.cronJob, 'report');
    assert.equal(c.job.template.restartPolicy, 'OnFailure');
  });

  it('a schedule that does not parse is refused at its line, saying why', () => {
    const yaml = `apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "61 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: report, image: flotilla.local/busybox:1}]
`;
    const { stack, problems } = load(yaml);
    assert.equal(stack, undefined);
    assert.deepEqual(problems, ['app.yaml:5 spec.schedule: schedule "61 * * * *": minute 61 is outside 0-59']);
  });

  it('two workloads of different kinds cannot share a name', () => {
    const { problems } = load(
      manifests(workload('web', { shell: 'sleep 1' }), workload('web', { kind: 'StatefulSet', shell: 'sleep 1' })),
    );
    assert.equal(problems.length, 1);
    assert.match(
      problems[0],
      /StatefulSet "web" has the name of the Deployment at app\.yaml:1: replicas are named after their workload/,
    );
  });

  it('a long-running kind with restartPolicy Never is refused', () => {
    const { problems } = load(
      workload('db', { kind: 'StatefulSet', shell: 'sleep 1', pod: { restartPolicy: 'Never' } }),
    );
    assert.match(problems.join('\n'), /a StatefulSet's pods run until stopped: restartPolicy must be Always/);
  });

  it('an HPA may target a StatefulSet (and a ReplicaSet), by kind and name; a DaemonSet is no target', () => {
    const hpa = (kind: string, name: string) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ${kind.toLowerCase()}-${name}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: ${kind}, name: ${name}}
  minReplicas: 1
  maxReplicas: 4
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
`;
    const { stack, problems } = load(
      manifests(
        workload('db', { kind: 'StatefulSet', replicas: 1, shell: 'sleep 1', requests: { cpu: '100m' } }),
        workload('rs', { kind: 'ReplicaSet', replicas: 1, shell: 'sleep 1', requests: { cpu: '100m' } }),
        workload('agent', { kind: 'DaemonSet', shell: 'sleep 1' }),
        hpa('StatefulSet', 'db'),
        hpa('ReplicaSet', 'rs'),
        hpa('DaemonSet', 'agent'),
        hpa('Deployment', 'db'),
      ),
    );
    assert.deepEqual(problems, []);
    const targets = stack!.hpas.map((h) => [h.name, hpaTarget(stack!, h)?.name ?? 'none']);
    assert.deepEqual(targets, [
      ['statefulset-db', 'db'],
      ['replicaset-rs', 'rs'],
      ['daemonset-agent', 'none'],
      ['deployment-db', 'none'],
    ]);
  });
});
