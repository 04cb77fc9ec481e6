// `flotilla deploy --target kubernetes --context NAME --registry R`: the rendered manifests (images pushed,
// referenced by digest) applied with server-side apply through the Kubernetes API (field manager "flotilla",
// kubeconfig as kubectl reads it), then each rollout waited for with a progress line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as k8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { parseAllDocuments } from 'yaml';
import { KUSTOMIZATION } from './render';

type K8s = typeof k8s;
let loaded: Promise<K8s> | undefined;
/**
 * The client, loaded only when a Kubernetes target is used: from its own bundle beside the CLI's
 * (dist/kube-client.js), or from node_modules when the engine runs from source.
 */
function lib(): Promise<K8s> {
  const bundled = path.join(__dirname, 'kube-client.js');
  if (!loaded && fs.existsSync(bundled)) {
    const mod: K8s = require(bundled); // eslint-disable-line @typescript-eslint/no-require-imports
    loaded = Promise.resolve(mod);
  }
  loaded ??= import('@kubernetes/client-node');
  return loaded;
}

export const FIELD_MANAGER = 'flotilla';

export interface KubeTarget {
  /** kubeconfig context; the current one when undefined. */
  context?: string;
}

/** The kubeconfig (KUBECONFIG, else ~/.kube/config) with the context selected; a clear error names the others. */
export async function kubeConfig(context?: string): Promise<k8s.KubeConfig> {
  const { KubeConfig } = await lib();
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) {
      throw new Error(
        `no kubeconfig context "${context}"${names.length ? `; contexts: ${names.join(', ')}` : ' (no kubeconfig found: set KUBECONFIG)'}`,
      );
    }
    kc.setCurrentContext(context);
  }
  return kc;
}

/** Whether a cluster answers for this kubeconfig; the reason when not (for a plain "skipped because"). */
export async function clusterReachable(context?: string): Promise<string | undefined> {
  const file = process.env.KUBECONFIG ?? path.join(process.env.HOME ?? '', '.kube', 'config');
  if (!process.env.KUBECONFIG && !fs.existsSync(file)) {
    return 'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist';
  }
  try {
    const kc = await kubeConfig(context);
    const version = kc.makeApiClient((await lib()).VersionApi);
    await version.getCode();
    return undefined;
  } catch (e) {
    return `the cluster in the kubeconfig does not answer: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** Every object in the rendered folder, in file order (the kustomization file itself left out). */
export function renderedObjects(dir: string, files: string[]): k8s.KubernetesObject[] {
  const out: k8s.KubernetesObject[] = [];
  for (const f of files) {
    if (!/\.ya?ml$/.test(f) || path.basename(f) === KUSTOMIZATION) continue;
    for (const d of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const v: unknown = d.toJS();
      if (isObject(v)) out.push(v);
    }
  }
  // Namespaces, then config, then the rest: what others refer to exists first.
  const rank = (k?: string) =>
    k === 'Namespace' ? 0 : k === 'ConfigMap' || k === 'Secret' ? 1 : k === 'Service' ? 2 : 3;
  return out.sort((a, b) => rank(a.kind) - rank(b.kind));
}

function isObject(v: unknown): v is k8s.KubernetesObject {
  return typeof v === 'object' && v !== null && 'kind' in v && 'apiVersion' in v && 'metadata' in v;
}

export interface ApplyKubeOptions extends KubeTarget {
  dir: string;
  files: string[];
  onOutput?: (line: string) => void;
  timeoutMs?: number;
}

export async function applyToKubernetes(opts: ApplyKubeOptions): Promise<{ applied: string[] }> {
  const say = (l: string) => opts.onOutput?.(l);
  const { KubernetesObjectApi, PatchStrategy } = await lib();
  const kc = await kubeConfig(opts.context);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const applied: string[] = [];
  const objects = renderedObjects(opts.dir, opts.files);
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata?.name ?? ''}`;
    await api.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    applied.push(id);
    say(`applied ${id}`);
  }
  await waitRollouts(api, objects, say, opts.timeoutMs ?? 300_000);
  return { applied };
}

interface RolloutState {
  done: boolean;
  line: string;
}

/** A workload's rollout as kubectl rollout status judges it. */
export function rolloutState(
  obj: k8s.KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> },
): RolloutState | undefined {
  const num = (v: unknown) => (typeof v === 'number' ? v : 0);
  const s = obj.status ?? {};
  const spec = obj.spec ?? {};
  const generationSeen = num(s.observedGeneration) >= num(obj.metadata?.generation);
  const name = `${obj.kind}/${obj.metadata?.name ?? ''}`;
  switch (obj.kind) {
    case 'Deployment':
    case 'StatefulSet': {
      const want = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const updated = num(s.updatedReplicas);
      const ready = num(obj.kind === 'Deployment' ? s.availableReplicas : s.readyReplicas);
      return {
        done: generationSeen && updated >= want && ready >= want && num(s.replicas) <= want,
        line: `${name} ${ready}/${want}`,
      };
    }
    case 'DaemonSet': {
      const want = num(s.desiredNumberScheduled);
      const ready = num(s.numberAvailable);
      return {
        done: generationSeen && num(s.updatedNumberScheduled) >= want && ready >= want,
        line: `${name} ${ready}/${want}`,
      };
    }
    case 'Job': {
      const want = typeof spec.completions === 'number' ? spec.completions : 1;
      return { done: num(s.succeeded) >= want, line: `${name} ${num(s.succeeded)}/${want} succeeded` };
    }
    default:
      return undefined;
  }
}

async function waitRollouts(
  api: k8s.KubernetesObjectApi,
  objects: k8s.KubernetesObject[],
  say: (l: string) => void,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  const watched = objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind ?? ''));
  let last = '';
  for (;;) {
    const states = await Promise.all(
      watched.map(async (o) =>
        rolloutState(
          await api.read({
            apiVersion: o.apiVersion ?? '',
            kind: o.kind ?? '',
            metadata: { name: o.metadata?.name ?? '', namespace: o.metadata?.namespace ?? 'default' },
          }),
        ),
      ),
    );
    const line = states.map((s) => s?.line ?? '').join(', ');
    if (line !== last) say(`rollout: ${line}`);
    last = line;
    if (states.every((s) => !s || s.done)) return;
    if (Date.now() > until) throw new Error(`rollouts not complete after ${Math.round(timeoutMs / 1000)} s: ${line}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
