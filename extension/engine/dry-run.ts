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
import { resolveTargetPort } from './controller/pod-network';
import { podTemplateHash } from './controller/pod-spec';
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
  const lines: string[] = [];
  const say = (l = '') => lines.push(l);

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
  const claims = new Set(docker ? (await listClaimVolumes(docker, stack.name).catch(() => [])).map((v) => v.name) : []);
  const plan = workloadLines(stack, nodes, claims, opts.now ?? Date.now());
  section(say, 'workloads', plan.lines);
  section(say, 'volumes', [...claimLines(stack, claims), ...plan.volumes]);
  section(say, 'ports', portLines(stack, plan.placed));
  const missingImages = await images(stack, docker, say);
  const notes = noteLines(stack);
  if (notes.length) section(say, 'ignored or not honoured (up leaves these out)', notes);
  say('');
  say(
    missingImages.length
      ? `up would proceed: it would first pull ${missingImages.join(', ')} (not present locally)`
      : 'up would proceed.',
  );
  return { stack, lines, missingImages };
}

function section(say: (l?: string) => void, title: string, lines: string[]): void {
  say('');
  say(`${title}:`);
  for (const l of lines.length ? lines : ['  (none)']) say(l);
}

function rel(file: string): string {
  return path.relative(process.cwd(), file) || '.';
}

interface Placed {
  replica: string;
  node: string;
  d: DeploymentSpec;
}

/** Each workload's replicas placed on the nodes as a fresh `up` would, with each replica's volumes. */
function workloadLines(
  stack: StackSpec,
  nodes: NodeSpec[],
  claims: Set<string>,
  now: number,
): { lines: string[]; volumes: string[]; placed: Placed[] } {
  const state = StateStore.read(path.join(stateDir(stack.dir), 'state.json'));
  const out: { lines: string[]; volumes: string[]; placed: Placed[] } = { lines: [], volumes: [], placed: [] };
  for (const d of stack.deployments) {
    const hash = podTemplateHash({ stack, imageIds: {} }, d);
    const desired =
      kindOf(d) === 'DaemonSet'
        ? daemonNodes(nodes, d.template.nodeSelector).length
        : kindOf(d) === 'Pod'
          ? 1
          : (handScale(state, d)?.replicas ?? manifestReplicas(d));
    // What the planner would create with nothing running. OrderedReady StatefulSets
    // create one ordinal at a time; all of them are shown.
    const slots =
      kindOf(d) === 'StatefulSet'
        ? Array.from({ length: desired }, (_, i) => ({ replica: `${d.name}-${i}` }))
        : planWorkload({ d, desired, hash, replicas: [], nodes, now }).create;
    const { placed, pending } = placeReplicas({
      nodes: kindOf(d) === 'DaemonSet' ? nodes.map((n) => ({ ...n, unschedulable: false })) : nodes,
      bindAddress: stack.settings.bindAddress,
      observed: [],
      inflight: out.placed.map((p) => boundOf(p.d, p.replica, p.node)),
      deployment: d,
      hash,
      count: slots.length,
      slots,
    });
    for (const p of placed) out.placed.push({ replica: p.replica, node: p.node, d });
    out.lines.push(`  ${kindOf(d)} ${d.name}: ${desired} replica(s)${describeKind(d)}`);
    for (const p of placed) out.lines.push(`    ${p.replica} → ${p.node}`);
    for (const p of pending) out.lines.push(`    ${p.replica} → Pending: ${p.reason}`);
    out.volumes.push(
      ...volumesOf(
        stack,
        d,
        placed.map((p) => p.replica),
        claims,
      ),
    );
  }
  for (const j of stack.jobs) {
    out.lines.push(`  Job ${j.name}: ${describeJob(j.job)}`);
    out.volumes.push(...volumesOf(stack, j, [`${j.name}-…`], claims));
  }
  for (const c of stack.cronJobs) {
    const parsed = parseCron(c.schedule);
    const next = 'schedule' in parsed && !c.suspend ? parsed.schedule.next(now) : undefined;
    const when = c.suspend ? ', suspended' : next !== undefined ? `, next run ${new Date(next).toISOString()}` : '';
    out.lines.push(
      `  CronJob ${c.name}: "${c.schedule}" (UTC), concurrencyPolicy ${c.concurrencyPolicy}${when}; each run: ${describeJob(c.job.job)}`,
    );
    out.volumes.push(...volumesOf(stack, runOf(c, `${c.name}-…`), [`${c.name}-…`], claims));
  }
  return out;
}

function claimLines(stack: StackSpec, claims: Set<string>): string[] {
  return stack.claims.map((c) => {
    const name = claimVolumeName(stack.name, c.name);
    return `  claim ${c.name} → ${name}${claims.has(name) ? ' (exists: its data is kept)' : ' (created at up)'}`;
  });
}

/** Each Service port with its resolved target and host address, then the pods' hostPorts. */
function portLines(stack: StackSpec, placed: Placed[]): string[] {
  const out: string[] = [];
  const stored = new PortStore(stack.dir).read();
  for (const s of stack.services) {
    const backing = stack.deployments.find((d) =>
      Object.entries(s.selector).every(([k, v]) => d.template.labels[k] === v),
    );
    for (const p of s.ports) {
      const plan = planHostPort({ key: portKey(s.name, p.port), nodePort: p.nodePort, stored });
      const host =
        plan.kind === 'fixed'
          ? `${stack.settings.bindAddress}:${plan.port}`
          : `${stack.settings.bindAddress}:<chosen at up, from ${plan.candidates[0] ?? '?'}>`;
      const target = backing ? resolveTargetPort(p.targetPort, backing.template.containers) : undefined;
      const to =
        typeof p.targetPort === 'string' && target !== undefined ? `${p.targetPort} (${target})` : p.targetPort;
      out.push(`  service ${s.name} port ${p.port} → target ${to}; on this machine ${host}`);
    }
  }
  for (const { d, replica } of placed) {
    for (const c of d.template.containers) {
      for (const p of c.ports.filter((x) => x.hostPort)) {
        out.push(`  hostPort ${p.hostIP ?? stack.settings.bindAddress}:${p.hostPort} → ${replica}:${p.containerPort}`);
      }
    }
  }
  return out;
}

/** What `up` leaves out, with the reasons the table of honoured fields gives. */
function noteLines(stack: StackSpec): string[] {
  const out = stack.warnings.map(
    (w) => `  ${rel(w.file)}:${w.line}:${w.column}${w.code ? ` ${w.code}` : ''} ${w.message}`,
  );
  for (const i of stack.ignored) {
    if (!stack.warnings.some((w) => w.file === i.source.file && w.line === i.source.line)) {
      out.push(`  ${rel(i.source.file)}:${i.source.line} ${i.kind} "${i.name}" is not run by Flotilla`);
    }
  }
  return out;
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
