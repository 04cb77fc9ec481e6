// Makes a SwarmPlan real on a manager: the overlay network, node labels, configs and secrets, then services
// created, updated only when their spec hash changed (Swarm then rolls them by their update_config), or
// removed when the stack no longer has them. Only objects labelled with the stack are ever touched.
import type Dockerode from 'dockerode';
import {
  editNodeLabels,
  updateService,
  listConfigs,
  listNodes,
  listSecrets,
  listServices,
  type ServiceInfo,
} from './engine-api';
import { needsClaimSetup, runClaimSetup } from './claim-setup';
import { SWARM_LABELS } from './names';
import type { DesiredBlob, DesiredService, SwarmNode, SwarmPlan } from './plan-types';
import { pinnedNode } from './workload-kinds';

export interface ApplyResult {
  created: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
}

export interface ApplyOptions {
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

export async function swarmNodes(docker: Dockerode): Promise<SwarmNode[]> {
  const nodes = await listNodes(docker);
  return nodes.map((n) => ({
    id: n.ID ?? '',
    hostname: n.Description?.Hostname ?? '',
    addr: n.Status?.Addr ?? '',
    ready: n.Status?.State === 'ready' && n.Spec?.Availability === 'active',
    manager: n.Spec?.Role === 'manager',
    labels: n.Spec?.Labels ?? {},
  }));
}

/** The stack's services on the swarm, by name. */
export async function stackServices(
  docker: Dockerode,
  stack: string,
): Promise<Map<string, Dockerode.Service & { info: ServiceInfo }>> {
  const list = await listServices(docker, { label: [`${SWARM_LABELS.stack}=${stack}`] });
  const out = new Map<string, Dockerode.Service & { info: ServiceInfo }>();
  for (const s of list) {
    if (s.Spec?.Labels?.[SWARM_LABELS.stack] !== stack) continue; // never another's
    out.set(s.Spec?.Name ?? '', Object.assign(docker.getService(s.ID), { info: s }));
  }
  return out;
}

export async function applySwarmPlan(
  docker: Dockerode,
  plan: SwarmPlan,
  opts: ApplyOptions = {},
): Promise<ApplyResult> {
  const say = (l: string) => opts.onOutput?.(l);
  await ensureOverlay(docker, plan);
  await labelNodes(docker, plan, say);
  const configIds = await ensureBlobs(docker, plan.stack, 'config', plan.configs);
  const secretIds = await ensureBlobs(docker, plan.stack, 'secret', plan.secrets);
  for (const s of plan.services) withBlobIds(s.spec, configIds, secretIds);

  const result: ApplyResult = { created: [], updated: [], unchanged: [], removed: [] };
  const existing = await stackServices(docker, plan.stack);
  // Workloads before proxies: a proxy that starts first finds no endpoint yet, which is fine but slower.
  await Promise.all(
    plan.services.map(async (want) => {
      const have = existing.get(want.name);
      if (want.claimSetup && needsClaimSetup(have?.info.Spec, pinnedNode(want.spec))) {
        say(`preparing the claim volumes of ${want.source}`);
        await runClaimSetup(docker, want.claimSetup, { signal: opts.signal }).catch((e: unknown) => {
          throw new Error(
            `${want.source}: its claim volumes could not be prepared: ${e instanceof Error ? e.message : String(e)}`,
          );
        });
      }
      if (!have) {
        await docker.createService(want.spec);
        result.created.push(want.name);
        say(`created ${want.source} as service ${want.name}`);
        return;
      }
      const spec = withReplicas(want, have.info.Spec);
      if (have.info.Spec?.Labels?.[SWARM_LABELS.specHash] === want.hash && sameReplicas(spec, have.info.Spec)) {
        result.unchanged.push(want.name);
        return;
      }
      await updateService(docker, have.info.ID, spec);
      result.updated.push(want.name);
      say(`updated ${want.source} (service ${want.name})`);
    }),
  );
  const wanted = new Set(plan.services.map((s) => s.name));
  for (const [name, svc] of existing) {
    // The stats agent belongs to --watch, not to the plan; `down` removes it.
    if (wanted.has(name) || svc.info.Spec?.Labels?.[SWARM_LABELS.role] === 'stats') continue;
    await svc.remove();
    result.removed.push(name);
    say(`removed service ${name} (${svc.info.Spec?.Labels?.[SWARM_LABELS.source] ?? 'no longer in the stack'})`);
  }
  return result;
}

/** An HPA's target keeps its current replica count (within the HPA's bounds) across deploys. */
function withReplicas(want: DesiredService, current: Dockerode.ServiceSpec | undefined): Dockerode.ServiceSpec {
  const now = current?.Mode?.Replicated?.Replicas;
  if (!want.hpa || now === undefined || !want.spec.Mode?.Replicated) return want.spec;
  const replicas = Math.min(want.hpa.max, Math.max(want.hpa.min, now));
  return { ...want.spec, Mode: { Replicated: { Replicas: replicas } } };
}

function sameReplicas(a: Dockerode.ServiceSpec, b: Dockerode.ServiceSpec | undefined): boolean {
  return a.Mode?.Replicated?.Replicas === b?.Mode?.Replicated?.Replicas;
}

async function ensureOverlay(docker: Dockerode, plan: SwarmPlan): Promise<void> {
  const nets = await docker.listNetworks({ filters: { name: [plan.network] } });
  const found = nets.find((n) => n.Name === plan.network);
  if (found) {
    if (found.Labels?.[SWARM_LABELS.stack] !== plan.stack) {
      throw new Error(
        `a network named ${plan.network} exists on the swarm but was not created by Flotilla for stack ${plan.stack}; remove or rename it`,
      );
    }
    return;
  }
  await docker.createNetwork({
    Name: plan.network,
    Driver: 'overlay',
    Attachable: true,
    CheckDuplicate: true,
    Labels: { [SWARM_LABELS.stack]: plan.stack },
  });
}

/** Stack-file node labels onto swarm nodes; the keys the stack set are recorded so `down` can take them off. */
async function labelNodes(docker: Dockerode, plan: SwarmPlan, say: (l: string) => void): Promise<void> {
  const mark = `dev.flotilla.labels.${plan.stack}`;
  for (const nl of plan.nodeLabels) {
    const keys = Object.keys(nl.labels).sort();
    const changed = await editNodeLabels(docker, nl.nodeId, (labels) => ({
      ...labels,
      ...nl.labels,
      [mark]: `${nl.stackNode}:${keys.join(',')}`,
    }));
    if (!changed) continue;
    say(
      `node ${nl.hostname} stands for ${nl.stackNode}: labels ${keys.map((k) => `${k}=${nl.labels[k]}`).join(', ') || '(none)'}`,
    );
  }
}

/** Creates the configs (or secrets) missing on the swarm; returns every one's ID by name. */
async function ensureBlobs(
  docker: Dockerode,
  stack: string,
  kind: 'config' | 'secret',
  blobs: DesiredBlob[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  if (!blobs.length) return ids;
  const filter = { label: [`${SWARM_LABELS.stack}=${stack}`] };
  for (const b of kind === 'config' ? await listConfigs(docker, filter) : await listSecrets(docker, filter)) {
    ids.set(b.Spec?.Name ?? '', b.ID);
  }
  for (const b of blobs) {
    if (ids.has(b.name)) continue;
    const body = { Name: b.name, Labels: b.labels, Data: Buffer.from(b.data).toString('base64') };
    const made: { id?: string; ID?: string } =
      kind === 'config' ? await docker.createConfig(body) : await docker.createSecret(body);
    ids.set(b.name, made.id ?? made.ID ?? '');
  }
  return ids;
}

/** Swarm references configs and secrets by ID as well as name; the plan only knows names. */
function withBlobIds(spec: Dockerode.ServiceSpec, configs: Map<string, string>, secrets: Map<string, string>): void {
  const t = spec.TaskTemplate;
  if (!t || !('ContainerSpec' in t) || !t.ContainerSpec) return;
  for (const c of t.ContainerSpec.Configs ?? []) c.ConfigID = configs.get(c.ConfigName ?? '');
  for (const s of t.ContainerSpec.Secrets ?? []) s.SecretID = secrets.get(s.SecretName ?? '');
}

/** Configs and secrets of the stack that the current plan no longer names (Swarm refuses while a task uses one). */
export async function pruneBlobs(docker: Dockerode, plan: SwarmPlan): Promise<number> {
  let n = 0;
  const filter = { label: [`${SWARM_LABELS.stack}=${plan.stack}`] };
  const keepConfigs = new Set(plan.configs.map((c) => c.name));
  const keepSecrets = new Set(plan.secrets.map((c) => c.name));
  for (const c of await listConfigs(docker, filter)) {
    if (c.Spec?.Labels?.[SWARM_LABELS.stack] !== plan.stack || keepConfigs.has(c.Spec?.Name ?? '')) continue;
    if (
      await docker
        .getConfig(c.ID)
        .remove()
        .then(
          () => true,
          () => false,
        )
    ) {
      n++;
    }
  }
  for (const s of await listSecrets(docker, filter)) {
    if (s.Spec?.Labels?.[SWARM_LABELS.stack] !== plan.stack || keepSecrets.has(s.Spec?.Name ?? '')) continue;
    if (
      await docker
        .getSecret(s.ID)
        .remove()
        .then(
          () => true,
          () => false,
        )
    ) {
      n++;
    }
  }
  return n;
}
