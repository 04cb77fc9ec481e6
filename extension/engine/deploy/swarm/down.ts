// `flotilla down --target swarm`: removes what the stack created on the swarm and nothing else: its services
// (their tasks' containers go with them on every node), configs, secrets, the overlay network once no task
// holds it, and the node labels it set; a Job's containers, which Swarm leaves on the nodes, go too.
// StatefulSet volumes stay on their nodes: they hold the user's data.
import type Dockerode from 'dockerode';
import { stackServices } from './apply';
import { editNodeLabels, listConfigs, listNodes, listSecrets, listTasks } from './engine-api';
import { jobCleanupSpec, runJobCleanup } from './job-cleanup';
import { SWARM_LABELS, swarmNetworkName } from './names';

export interface DownResult {
  services: number;
  configs: number;
  secrets: number;
  network: boolean;
  /** The Job services removed, and what became of their containers on the nodes (see job-cleanup.ts). */
  jobs: string[];
  jobContainers: 'none' | 'removed' | 'left';
}

export async function downSwarm(docker: Dockerode, stack: string, timeoutMs = 120_000): Promise<DownResult> {
  const services = await stackServices(docker, stack);
  const isJob = (spec: Dockerode.ServiceSpec | undefined) => !!(spec?.Mode?.ReplicatedJob ?? spec?.Mode?.GlobalJob);
  const jobs = [...services.entries()].filter(([, s]) => isJob(s.info.Spec)).map(([name]) => name);
  // A removed Job's tasks stay in the swarm (Docker < 23), so only the other services' tasks are waited for.
  const ids = [...services.values()].filter((s) => !isJob(s.info.Spec)).map((s) => s.info.ID);
  const nodeImage = [...services.values()]
    .map((s) => s.info.Spec)
    .filter((spec) => ['proxy', 'stats'].includes(spec?.Labels?.[SWARM_LABELS.role] ?? ''))
    .map((spec) =>
      spec?.TaskTemplate && 'ContainerSpec' in spec.TaskTemplate ? spec.TaskTemplate.ContainerSpec?.Image : '',
    )
    .find((image) => !!image);
  for (const s of services.values()) await s.remove();
  // The tasks' containers stop on their nodes after the services are gone; the network can go only then.
  const until = Date.now() + timeoutMs;
  while (ids.length && Date.now() < until) {
    const left = await listTasks(docker, { service: ids }).catch(() => []);
    if (!left.length) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const filter = { label: [`${SWARM_LABELS.stack}=${stack}`] };
  let configs = 0;
  let secrets = 0;
  const retry = async (what: () => Promise<unknown>): Promise<boolean> => {
    for (;;) {
      try {
        await what();
        return true;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return false;
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  for (const c of await listConfigs(docker, filter)) {
    if (c.Spec?.Labels?.[SWARM_LABELS.stack] === stack && (await retry(() => docker.getConfig(c.ID).remove()))) {
      configs++;
    }
  }
  for (const s of await listSecrets(docker, filter)) {
    if (s.Spec?.Labels?.[SWARM_LABELS.stack] === stack && (await retry(() => docker.getSecret(s.ID).remove()))) {
      secrets++;
    }
  }
  let jobContainers: DownResult['jobContainers'] = 'none';
  if (jobs.length) {
    const ready = (await listNodes(docker)).filter((n) => n.Status?.State === 'ready').length;
    jobContainers =
      nodeImage && (await runJobCleanup(docker, jobCleanupSpec(stack, nodeImage, jobs), ready)) ? 'removed' : 'left';
  }
  let network = false;
  const name = swarmNetworkName(stack);
  for (const n of await docker.listNetworks({ filters: { name: [name] } })) {
    if (n.Name !== name || n.Labels?.[SWARM_LABELS.stack] !== stack) continue;
    network = await retry(() => docker.getNetwork(n.Id).remove());
  }
  await unlabelNodes(docker, stack);
  return { services: services.size, configs, secrets, network, jobs, jobContainers };
}

/** Takes off the node labels the stack set (recorded under dev.flotilla.labels.<stack>). */
async function unlabelNodes(docker: Dockerode, stack: string): Promise<void> {
  const mark = `dev.flotilla.labels.${stack}`;
  for (const n of await listNodes(docker)) {
    const recorded = n.Spec?.Labels?.[mark];
    if (recorded === undefined) continue;
    const keys = recorded
      .slice(recorded.indexOf(':') + 1)
      .split(',')
      .filter(Boolean);
    await editNodeLabels(docker, n.ID, (labels) => {
      for (const k of keys) delete labels[k];
      delete labels[mark];
      return labels;
    });
  }
}
