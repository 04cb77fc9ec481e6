// `flotilla up --dry-run`: what `up` would run, without creating anything. The stack
// is loaded and linted as `up` does (a problem refuses it the same way), the
// scheduler places every replica on the node pool, and the report says, per
// workload, which replica goes on which node, which volumes each gets (and
// whether a claim's data is already there), which ports the Services and pods
// take, which images would be built, used or pulled, and what is ignored and
// why. Docker is only read (node size, images, claim volumes, a running stack);
// when it cannot be reached the report says so and sizes the node from this
// machine. Exit 0 when `up` would proceed, even with images still to pull.
import * as os from 'node:os';
import type Docker from 'dockerode';
import { PortStore } from './balancer/port-store';
import { planHostPort, portKey } from './balancer/ports';
import { runOf } from './controller/job-runner';
import { placeReplicas } from './controller/placement';
import { podTemplateHash, resolveTargetPort } from './controller/pod-spec';
import { ordinalClaims } from './controller/reconciler';
import { stateDir, StateStore } from './controller/state-store';
import { planWorkload, kindOf } from './controller/workload-plan';
import { handScale, manifestReplicas } from './controller/hand-scale';
import { daemonNodes } from './controller/daemon-set';
import { claimVolumeName, listClaimVolumes } from './docker/volumes';
import { observeStack } from './docker/observe';
import { parseCron } from './model/cron';
import { loadStack } from './model/load-stack';
import { StackError, type Problem } from './model/problems';
import type { DeploymentSpec, NodeSpec, StackSpec } from './model/types';
import { defaultNodePool } from './scheduler';
import { errorMessage } from './util/errors';
import * as path from 'node:path';

export interface DryRunOptions {
  /** The shared rule engine, as `up` runs it. */
  lint?: (stackDir: string) => Promise<Problem[]>;
  /** Docker when it answers; undefined: plan without it. */
  docker?: Docker;
  /** Why Docker could not be reached, for the report. */
  dockerError?: string;
  now?: number;
}

export interface DryRunReport {
  stack: StackSpec;
  lines: string[];
  /** Images `up` would have to pull (or that are missing): it proceeds, and says which. */
  missingImages: string[];
}

/** Throws StackError (file:line problems) when `up` would refuse the stack. */
export async function dryRun(dir: string, opts: DryRunOptions = {}): Promise<DryRunReport> {
  const { stack, problems } = loadStack(dir);
  if (!stack) throw new StackError(problems);
  const errors = ((await opts.lint?.(stack.dir)) ?? []).filter((p) => (p.severity ?? 'error') === 'error');
  if (errors.length) throw new StackError(errors);
  const docker = opts.docker;
  const now = opts.now ?? Date.now();
  const lines: string[] = [];
  const say = (l = '') => lines.push(l);
  const rel = (f: string) => path.relative(process.cwd(), f) || '.';

  say(`stack ${stack.name} (${rel(stack.file)}): up would run it as follows; nothing was created.`);
  if (!docker) {
    say(`Docker: not reachable (${opts.dockerError ?? 'no engine'}); the node pool is sized from this machine`);
  } else {
    const running = await observeStack(docker, stack.name).catch(() => []); // a listing is only informative here
    if (running.length) say(`Docker: ${running.length} replica(s) of this stack run already; up would adopt them`);
  }

  const nodes = await nodePool(stack, docker);
  say('');
  say(`nodes: ${nodes.map((n) => `${n.name} (${n.cpuMilli}m cpu, ${mib(n.memoryBytes)} MiB)`).join(', ')}`);

  const state = StateStore.read(path.join(stateDir(stack.dir), 'state.json'));
  const claims = new Set(docker ? (await listClaimVolumes(docker, stack.name).catch(() => [])).map((v) => v.name) : []);
  const volumeLines: string[] = [];
  const placedPods: { replica: string; node: string; d: DeploymentSpec }[] = [];

  say('');
  say('workloads:');
  for (const d of stack.deployments) {
    const ctx = { stack, imageIds: {} };
    const hash = podTemplateHash(ctx, d);
    const desired =
      kindOf(d) === 'DaemonSet'
        ? daemonNodes(nodes, d.template.nodeSelector).length
        : kindOf(d) === 'Pod'
          ? 1
          : (handScale(state, d)?.replicas ?? manifestReplicas(d));
    // A fresh start: what the planner would create with nothing running. OrderedReady
    // StatefulSets create one ordinal at a time; all of them are shown.
    const slots =
      kindOf(d) === 'StatefulSet'
        ? Array.from({ length: desired }, (_, i) => ({ replica: `${d.name}-${i}` }))
        : planWorkload({ d, desired, hash, replicas: [], nodes, now }).create;
    const { placed, pending } = placeReplicas({
      nodes: kindOf(d) === 'DaemonSet' ? nodes.map((n) => ({ ...n, unschedulable: false })) : nodes,
      bindAddress: stack.settings.bindAddress,
      observed: [],
      terminating: () => false,
      inflight: placedPods.map((p) => boundOf(p.d, p.replica, p.node)),
      deployment: d,
      hash,
      count: slots.length,
      slots,
    });
    for (const p of placed) placedPods.push({ replica: p.replica, node: p.node, d });
    say(`  ${kindOf(d)} ${d.name}: ${desired} replica(s)${describeKind(d)}`);
    for (const p of placed) say(`    ${p.replica} → ${p.node}`);
    for (const p of pending) say(`    ${p.replica} → Pending: ${p.reason}`);
    volumeLines.push(
      ...volumesOf(
        stack,
        d,
        placed.map((p) => p.replica),
        claims,
      ),
    );
  }
  for (const j of stack.jobs) {
    say(`  Job ${j.name}: ${describeJob(j.job)}`);
    volumeLines.push(...volumesOf(stack, j, [`${j.name}-…`], claims));
  }
  for (const c of stack.cronJobs) {
    const parsed = parseCron(c.schedule);
    const next = 'schedule' in parsed && !c.suspend ? parsed.schedule.next(now) : undefined;
    say(
      `  CronJob ${c.name}: "${c.schedule}" (UTC), concurrencyPolicy ${c.concurrencyPolicy}${c.suspend ? ', suspended' : next !== undefined ? `, next run ${new Date(next).toISOString()}` : ''}; each run: ${describeJob(c.job.job)}`,
    );
    volumeLines.push(...volumesOf(stack, runOf(c, `${c.name}-…`), [`${c.name}-…`], claims));
  }
  if (!stack.deployments.length && !stack.jobs.length && !stack.cronJobs.length) say('  (none)');

  say('');
  say('volumes:');
  for (const c of stack.claims) {
    const name = claimVolumeName(stack.name, c.name);
    say(`  claim ${c.name} → ${name}${claims.has(name) ? ' (exists: its data is kept)' : ' (created at up)'}`);
  }
  for (const l of volumeLines) say(l);
  if (!stack.claims.length && !volumeLines.length) say('  (none)');

  say('');
  say('ports:');
  const stored = new PortStore(stack.dir).read();
  for (const s of stack.services) {
    for (const p of s.ports) {
      const plan = planHostPort({ key: portKey(s.name, p.port), nodePort: p.nodePort, stored });
      const host =
        plan.kind === 'fixed'
          ? `${stack.settings.bindAddress}:${plan.port}`
          : `${stack.settings.bindAddress}:<chosen at up, from ${plan.candidates[0] ?? '?'}>`;
      const backing = stack.deployments.find((d) =>
        Object.entries(s.selector).every(([k, v]) => d.template.labels[k] === v),
      );
      const target = backing ? resolveTargetPort(p.targetPort, backing.template.containers) : undefined;
      const to =
        typeof p.targetPort === 'string' && target !== undefined ? `${p.targetPort} (${target})` : p.targetPort;
      say(`  service ${s.name} port ${p.port} → target ${to}; on this machine ${host}`);
    }
  }
  for (const { d, replica } of placedPods) {
    for (const c of d.template.containers) {
      for (const p of c.ports.filter((x) => x.hostPort)) {
        say(`  hostPort ${p.hostIP ?? stack.settings.bindAddress}:${p.hostPort} → ${replica}:${p.containerPort}`);
      }
    }
  }
  if (
    !stack.services.length &&
    !placedPods.some((p) => p.d.template.containers.some((c) => c.ports.some((x) => x.hostPort)))
  ) {
    say('  (none)');
  }

  const missingImages = await images(stack, docker, say);

  const notes = [...stack.warnings];
  if (notes.length || stack.ignored.length) {
    say('');
    say('ignored or not honoured (up leaves these out):');
    for (const w of notes) say(`  ${rel(w.file)}:${w.line}:${w.column}${w.code ? ` ${w.code}` : ''} ${w.message}`);
    for (const i of stack.ignored) {
      if (!notes.some((w) => w.file === i.source.file && w.line === i.source.line)) {
        say(`  ${rel(i.source.file)}:${i.source.line} ${i.kind} "${i.name}" is not run by Flotilla`);
      }
    }
  }
  say('');
  say(
    missingImages.length
      ? `up would proceed: it would first pull ${missingImages.join(', ')} (not present locally)`
      : 'up would proceed.',
  );
  return { stack, lines, missingImages };
}

async function nodePool(stack: StackSpec, docker: Docker | undefined): Promise<NodeSpec[]> {
  if (stack.nodes.length) return stack.nodes;
  const info: { NCPU?: number; MemTotal?: number } = docker ? await docker.info().catch(() => ({})) : {};
  return defaultNodePool(info.NCPU ?? os.cpus().length, info.MemTotal ?? os.totalmem());
}

function boundOf(d: DeploymentSpec, replica: string, node: string) {
  return {
    replica,
    deployment: d.name,
    node,
    cpuMilli: d.template.containers.reduce((s, c) => s + (c.requests.cpuMilli ?? 0), 0),
    memoryBytes: d.template.containers.reduce((s, c) => s + (c.requests.memoryBytes ?? 0), 0),
    nodeSelector: {},
  };
}

function describeKind(d: DeploymentSpec): string {
  const s = d.statefulSet;
  if (s) {
    return ` (${s.podManagementPolicy}${s.serviceName ? `, DNS <pod>.${s.serviceName}` : ''}, ${s.updateStrategy}${s.partition ? ` partition ${s.partition}` : ''})`;
  }
  if (d.daemonSet) return ` (one per matching node, ${d.daemonSet.updateStrategy})`;
  if (kindOf(d) === 'Pod') return ` (restartPolicy ${d.template.restartPolicy}; started once)`;
  return '';
}

function describeJob(j: NonNullable<DeploymentSpec['job']>): string {
  const completions = j.completions === undefined ? 'until one succeeds' : `${j.completions} completion(s)`;
  return `${completions}, ${j.parallelism} at a time, backoffLimit ${j.backoffLimit}${j.activeDeadlineSeconds ? `, deadline ${j.activeDeadlineSeconds}s` : ''}${j.ttlSecondsAfterFinished !== undefined ? `, removed ${j.ttlSecondsAfterFinished}s after it finishes` : ''}`;
}

/** The volumes each replica of `d` gets, one line per volume. */
function volumesOf(stack: StackSpec, d: DeploymentSpec, replicas: string[], claims: Set<string>): string[] {
  const out: string[] = [];
  for (const v of d.template.volumes ?? []) {
    for (const replica of replicas) {
      const bound = ordinalClaims(d, replica)?.[v.name];
      if (bound) {
        const name = claimVolumeName(stack.name, bound);
        out.push(
          `  ${replica}: ${v.name} → claim ${bound}, ${name}${claims.has(name) ? ' (exists: its data is kept)' : ' (created at up)'}`,
        );
        continue;
      }
      const what = v.persistentVolumeClaim
        ? `claim ${v.persistentVolumeClaim.claimName}`
        : v.emptyDir
          ? `emptyDir${v.emptyDir.medium === 'Memory' ? ' (tmpfs)' : ''}, removed with the pod`
          : v.hostPath
            ? `hostPath ${v.hostPath.path}`
            : v.configMap
              ? `ConfigMap ${v.configMap.name} files`
              : v.secret
                ? `Secret ${v.secret.name} files`
                : v.downwardAPI
                  ? 'downward API files'
                  : v.projected
                    ? 'projected files'
                    : 'volume';
      out.push(`  ${replica}: ${v.name} → ${what}`);
    }
  }
  return out;
}

/** Which images would be built, used as present, or pulled; returns those not present. */
async function images(stack: StackSpec, docker: Docker | undefined, say: (l?: string) => void): Promise<string[]> {
  say('');
  say('images:');
  for (const b of stack.builds) say(`  ${b.image}: built from ${path.relative(stack.dir, b.context) || '.'}`);
  const built = new Set(stack.builds.flatMap((b) => [b.image, `${b.image}:latest`]));
  const used = new Set<string>();
  for (const d of [...stack.deployments, ...stack.jobs, ...stack.cronJobs.map((c) => c.job)]) {
    for (const c of [...(d.template.initContainers ?? []), ...d.template.containers]) {
      if (!built.has(c.image)) used.add(c.image);
    }
  }
  const missing: string[] = [];
  for (const image of [...used].sort()) {
    let present: boolean | undefined;
    if (docker) {
      present = await docker
        .getImage(image)
        .inspect()
        .then(
          () => true,
          () => false,
        );
    }
    if (present === false) missing.push(image);
    say(
      `  ${image}: ${present === undefined ? 'not checked (no Docker)' : present ? 'present' : 'missing: up would pull it'}`,
    );
  }
  if (!stack.builds.length && !used.size) say('  (none)');
  return missing;
}

/** The error text for a Docker that does not answer. */
export function dockerUnreachable(e: unknown): string {
  return errorMessage(e).split('\n')[0];
}

function mib(bytes: number): number {
  return Math.round(bytes / 1048576);
}
