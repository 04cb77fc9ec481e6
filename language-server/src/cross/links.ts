// Relations between resources (selector → workloads, HPA → target, image → build), shared by
// the cross-resource rules and by go-to-definition.
import { isMap, type Node } from 'yaml';
import { containersOf, podLabelsNode, type Resource } from '../k8s/resources';
import type { StackBuild } from '../stack/stack-file';
import { getIn, items, str, stringMap, type AnyNode } from '../yaml/parse';

export const WORKLOADS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
  'ReplicationController',
]);

// Memoised per resource: resources are reused from the parse cache while their text is
// unchanged, and the selector checks would otherwise be quadratic in label extraction.
const labelMemo = new WeakMap<Resource, Record<string, string>>();
const containerMemo = new WeakMap<Resource, ContainerInfo[]>();
const nameIndex = new WeakMap<Resource[], Map<string, Resource>>();

export function podLabels(r: Resource): Record<string, string> {
  let l = labelMemo.get(r);
  if (!l) labelMemo.set(r, (l = stringMap(r.doc, podLabelsNode(r))));
  return l;
}

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Workloads whose pods a Service selects (same namespace). */
export function selectedWorkloads(svc: Resource, all: Resource[]): Resource[] {
  const sel = stringMap(svc.doc, getIn(svc.doc, svc.root, 'spec', 'selector'));
  if (!Object.keys(sel).length) return [];
  // candidates share the selector's first label: an index keeps many Services × many workloads linear
  const [k, v] = Object.entries(sel)[0];
  return (
    labelIndex(all)
      .get(`${k}=${v}`)
      ?.filter((r) => (r.namespace ?? '') === (svc.namespace ?? '') && matches(sel, podLabels(r))) ?? []
  );
}

const labelIndexMemo = new WeakMap<Resource[], Map<string, Resource[]>>();
function labelIndex(all: Resource[]): Map<string, Resource[]> {
  let idx = labelIndexMemo.get(all);
  if (idx) return idx;
  idx = new Map();
  for (const r of all) {
    if (!WORKLOADS.has(r.kind)) continue;
    for (const [k, v] of Object.entries(podLabels(r))) {
      const key = `${k}=${v}`;
      const list = idx.get(key);
      if (list) list.push(r);
      else idx.set(key, [r]);
    }
  }
  labelIndexMemo.set(all, idx);
  return idx;
}

/** The resource an HPA scales, if the stack has it. */
export function hpaTarget(hpa: Resource, all: Resource[]): Resource | undefined {
  const ref = getIn(hpa.doc, hpa.root, 'spec', 'scaleTargetRef');
  const kind = str(getIn(hpa.doc, ref, 'kind'));
  const name = str(getIn(hpa.doc, ref, 'name'));
  let idx = nameIndex.get(all);
  if (!idx) {
    idx = new Map();
    for (const r of all) {
      if (!idx.has(`${r.kind}/${r.namespace ?? ''}/${r.name}`)) idx.set(`${r.kind}/${r.namespace ?? ''}/${r.name}`, r);
    }
    nameIndex.set(all, idx);
  }
  return idx.get(`${kind}/${hpa.namespace ?? ''}/${name}`);
}

/** Image reference without tag or digest: "shop/web:dev" → "shop/web". */
export function imageRepo(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

export function buildFor(image: string, builds: StackBuild[]): StackBuild | undefined {
  return builds.find((b) => b.image === image || imageRepo(b.image) === imageRepo(image));
}

export interface ContainerInfo {
  node: Node;
  name: string;
  image?: string;
  imageNode: AnyNode;
  ports: { number?: number; name?: string; node: AnyNode }[];
}

export function containerInfos(r: Resource): ContainerInfo[] {
  let c = containerMemo.get(r);
  if (!c) containerMemo.set(r, (c = computeContainers(r)));
  return c;
}

function computeContainers(r: Resource): ContainerInfo[] {
  return containersOf(r)
    .filter((c) => isMap(c))
    .map((c) => ({
      node: c,
      name: str(getIn(r.doc, c, 'name')) ?? '?',
      image: str(getIn(r.doc, c, 'image')),
      imageNode: getIn(r.doc, c, 'image'),
      ports: items(r.doc, getIn(r.doc, c, 'ports')).map((p) => {
        const n = getIn(r.doc, p, 'containerPort');
        const v = str(n);
        return {
          number: v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined,
          name: str(getIn(r.doc, p, 'name')),
          node: n,
        };
      }),
    }));
}
