// `flotilla deploy --target swarm --watch`: Swarm has no autoscaler, so Flotilla's own (the HPA algorithm the
// local engine runs) drives the stack's HPAs against the swarm's task stats, which the stats agent on every
// node serves. Every hpaSyncSeconds each HPA's target gets the replica count the HPA decides; Ctrl-C stops the
// loop and leaves the services as they are.
import type Dockerode from 'dockerode';
import { podSamples, type ObservedReplica } from '../../scaler/autoscaler';
import { Autoscaler } from '../../scaler';
import type { StackSpec } from '../../model/types';
import { sleep } from '../../util/abort';
import { stackServices } from './apply';
import { listNodes, listTasks, updateService } from './engine-api';
import { shortHash, SWARM_LABELS, swarmNetworkName, workloadServiceName } from './names';
import { pollAgents, STATS_PORT, statsServiceName, statsServiceSpec } from './stats-agent';

export interface WatchOptions {
  docker: Dockerode;
  stack: StackSpec;
  /** An image with `node` every node can pull (the Service proxy's). */
  agentImage: string;
  onOutput: (line: string) => void;
  signal: AbortSignal;
  port?: number;
}

/** Creates or updates the stats agent service; returns once it runs on every ready node. */
export async function ensureStatsAgent(
  docker: Dockerode,
  stack: string,
  image: string,
  port = STATS_PORT,
): Promise<void> {
  const spec = statsServiceSpec(stack, image, swarmNetworkName(stack), port);
  const hash = shortHash(JSON.stringify(spec), 16);
  spec.Labels = { ...spec.Labels, [SWARM_LABELS.specHash]: hash };
  const have = (await stackServices(docker, stack)).get(statsServiceName(stack));
  if (!have) await docker.createService(spec);
  else if (have.info.Spec?.Labels?.[SWARM_LABELS.specHash] !== hash) {
    await updateService(docker, have.info.ID, spec);
  }
}

export async function watchSwarm(opts: WatchOptions): Promise<void> {
  const { docker, stack, signal } = opts;
  const say = opts.onOutput;
  const port = opts.port ?? STATS_PORT;
  if (!stack.hpas.length) {
    say('--watch: the stack has no HorizontalPodAutoscaler; nothing to scale');
    return;
  }
  await ensureStatsAgent(docker, stack.name, opts.agentImage, port);
  const scalers = new Map(
    stack.hpas.map((h) => [
      h.name,
      new Autoscaler(h, { downscaleStabilizationSeconds: stack.settings.hpaDownscaleStabilizationSeconds }),
    ]),
  );
  say(`autoscaler running against the swarm's task stats every ${stack.settings.hpaSyncSeconds} s; Ctrl-C stops it`);
  while (!signal.aborted) {
    await syncOnce(docker, stack, scalers, port, say).catch((e: unknown) =>
      say(`autoscaler: ${e instanceof Error ? e.message : String(e)} (retrying)`),
    );
    await sleep(stack.settings.hpaSyncSeconds * 1000, signal);
  }
}

async function syncOnce(
  docker: Dockerode,
  stack: StackSpec,
  scalers: Map<string, Autoscaler>,
  port: number,
  say: (l: string) => void,
): Promise<void> {
  const nodes = await listNodes(docker);
  const addrs = nodes.filter((n) => n.Status?.State === 'ready').map((n) => n.Status?.Addr ?? '');
  const usage = await pollAgents(addrs, port);
  const byContainer = new Map(usage.map((u) => [u.container, { cpuMilli: u.cpuMilli, memoryBytes: u.memoryBytes }]));
  const services = await stackServices(docker, stack.name);
  for (const h of stack.hpas) {
    const d = stack.deployments.find((x) => x.name === h.target.name && h.target.kind === 'Deployment');
    const svc = d ? services.get(workloadServiceName(stack.name, d.name)) : undefined;
    const scaler = scalers.get(h.name);
    if (!d || !svc || !scaler) continue;
    const tasks = (await listTasks(docker, { service: [svc.info.ID] })).filter((t) => t.DesiredState === 'running');
    const replicas: ObservedReplica[] = tasks.map((t) => ({
      name: `${d.name}-${t.Slot ?? 0}`,
      phase: t.Status?.State === 'running' ? 'Running' : 'Pending',
      ready: t.Status?.State === 'running',
      containerIds: t.Status?.ContainerStatus?.ContainerID ? [t.Status.ContainerStatus.ContainerID] : [],
    }));
    const current = svc.info.Spec?.Mode?.Replicated?.Replicas ?? replicas.length;
    const r = scaler.sync(Date.now(), { specReplicas: current, pods: podSamples(d.template, replicas, byContainer) });
    const metrics = r.status.currentMetrics
      .map((m) => `${m.name} ${Math.round(m.current)}/${m.target}${m.unit}`)
      .join(', ');
    say(
      `hpa ${h.name}: ${metrics || 'no metrics yet'}; replicas ${current}${r.rescale ? ` → ${r.desiredReplicas} (${r.reason})` : ''}`,
    );
    if (r.rescale && svc.info.Spec) {
      await updateService(docker, svc.info.ID, {
        ...svc.info.Spec,
        Mode: { Replicated: { Replicas: r.desiredReplicas } },
      });
    }
  }
}
