// Relations between resources (selector → workloads, HPA → target, image → build), shared by
// the cross-resource rules and by go-to-definition.
import { isMap, type Node } from 'yaml';
import { containersOf, podLabelsNode, type Resource } from '../k8s/resources';
import type { StackBuild } from '../stack/stackFile';
import { getIn, items, str, stringMap, type AnyNode } from '../yaml/parse';

export const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'ReplicationController']);

export function podLabels(r: Resource): Record<string, string> {
  return stringMap(r.doc, podLabelsNode(r));
}

export function matches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Workloads whose pods a Service selects (same namespace). */
export function selectedWorkloads(svc: Resource, all: Resource[]): Resource[] {
  const sel = stringMap(svc.doc, getIn(svc.doc, svc.root, 'spec', 'selector'));
  if (!Object.keys(sel).length) return [];
  return all.filter((r) => WORKLOADS.has(r.kind) && (r.namespace ?? '') === (svc.namespace ?? '') && matches(sel, podLabels(r)));
}

/** The resource an HPA scales, if the stack has it. */
export function hpaTarget(hpa: Resource, all: Resource[]): Resource | undefined {
  const ref = getIn(hpa.doc, hpa.root, 'spec', 'scaleTargetRef');
  const kind = str(getIn(hpa.doc, ref, 'kind'));
  const name = str(getIn(hpa.doc, ref, 'name'));
  return all.find((r) => r.kind === kind && r.name === name && (r.namespace ?? '') === (hpa.namespace ?? ''));
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
        return { number: v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined, name: str(getIn(r.doc, p, 'name')), node: n };
      }),
    }));
}
