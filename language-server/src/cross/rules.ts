// Checks across all manifests of a stack (FX1xxx): the mistakes no single-document schema can
// see, such as a Service selecting nothing or an HPA scaling a Deployment without CPU requests.
import * as path from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import { KINDS } from '../../../extension/engine/model/honoured';
import type { Finding } from '../core/types';
import { exposedPorts } from '../dockerfile/lint';
import type { ParsedDockerfile } from '../dockerfile/model';
import { parseQuantity } from '../k8s/quantity';
import type { Resource } from '../k8s/resources';
import type { StackBuild } from '../stack/stack-file';
import {
  effectivePairs,
  getIn,
  items,
  keyOf,
  mapPairs,
  nodeRange,
  pairOf,
  str,
  stringMap,
  type AnyNode,
} from '../yaml/parse';
import { podLabelsNode } from '../k8s/resources';
import { wrongPorts } from './addresses';
import {
  buildFor,
  containerInfos,
  hpaTarget,
  imageRepo,
  podLabels,
  selectedWorkloads,
  WORKLOADS,
  type ContainerInfo,
} from './links';

export interface CrossInput {
  resources: Resource[];
  builds: StackBuild[];
  dockerfiles: Map<string, ParsedDockerfile | null>;
  /** Image references present in the local engine; null when Docker was unreachable. */
  localImages: Set<string> | null;
  /** Files checked without a stack file: a reference to something elsewhere may be fine. */
  loose?: boolean;
}

export interface Located extends Finding {
  file: string;
}

export function checkCross(input: CrossInput): Located[] {
  const out: Located[] = [];
  const at = (r: Resource, node: AnyNode, code: string, message: string) => {
    const range = nodeRange(r.y.lines, node);
    if (!range) return;
    const f: Located = { file: r.file, code, message, range };
    // on a kind `up` leaves out, the finding is shown but refuses nothing; two objects of such
    // a kind with one name are what `kubectl apply` turns into one (the last): a warning
    if (!KINDS[r.kind]) {
      f.inert = true;
      if (code === 'FX1010') f.severity = 'warning';
    }
    // without a stack file, the target may live in another folder
    if (code === 'FX1003' && input.loose) f.severity = 'warning';
    out.push(f);
  };
  const all = input.resources;
  const hpaTargets = new Map<Resource, Resource>();
  for (const r of all) {
    if (r.kind === 'HorizontalPodAutoscaler') {
      const t = hpaTarget(r, all);
      if (t) hpaTargets.set(t, r);
    }
  }
  duplicates(all, at);
  for (const r of all) {
    if (r.kind === 'Service') service(r, all, at);
    if (r.kind === 'HorizontalPodAutoscaler') hpa(r, all, at);
    if (WORKLOADS.has(r.kind)) {
      workloadSelector(r, at);
      const h = hpaTargets.get(r);
      const rp = pairOf(getIn(r.doc, r.root, 'spec'), 'replicas');
      const replicas = isScalar(rp?.value) && typeof rp.value.value === 'number' ? rp.value.value : undefined;
      const range = h ? hpaRange(h) : undefined;
      // A starting count within the HPA's range is what the autoscaler keeps until it has
      // metrics: only a count it must change at once is worth a word.
      if (h && rp && range && replicas !== undefined && (replicas < range.min || replicas > range.max)) {
        at(
          r,
          rp.key,
          'FX1006',
          `replicas ${replicas} is outside the ${range.min}–${range.max} of HorizontalPodAutoscaler ${h.name}, which changes it at once: start within the range, or leave replicas out.`,
        );
      }
      for (const c of containerInfos(r)) container(r, c, input, at);
    }
  }
  nodePorts(all, at);
  for (const w of wrongPorts(all)) {
    out.push({
      file: w.r.file,
      code: 'FX1014',
      message: w.message,
      range: w.range,
      ...(KINDS[w.r.kind] ? {} : { inert: true }),
    });
  }
  return out;
}

type At = (r: Resource, node: AnyNode, code: string, message: string) => void;

function duplicates(all: Resource[], at: At): void {
  const seen = new Map<string, Resource>();
  for (const r of all) {
    if (!r.name) continue;
    const key = `${r.kind}/${r.namespace ?? ''}/${r.name}`;
    const first = seen.get(key);
    if (first) {
      at(
        r,
        getIn(r.doc, r.root, 'metadata', 'name'),
        'FX1010',
        `${r.kind} "${r.name}" is already defined in ${shortPath(r.file, first.file)}:${(nodeRange(first.y.lines, getIn(first.doc, first.root, 'metadata', 'name'))?.start.line ?? 0) + 1}.`,
      );
    } else seen.set(key, r);
  }
}

function service(svc: Resource, all: Resource[], at: At): void {
  const selNode = getIn(svc.doc, svc.root, 'spec', 'selector');
  const sel = stringMap(svc.doc, selNode);
  if (!Object.keys(sel).length) return; // a Service without selector is managed by hand
  const targets = selectedWorkloads(svc, all);
  if (!targets.length) {
    const txt = Object.entries(sel)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    // on the selector labels the nearest pod template lacks: where the user fixes the typo
    const near = nearestWorkload(sel, svc, all);
    const nearLabels = near ? podLabels(near) : {};
    const hint = near ? ` The nearest is ${near.kind} ${near.name} (${labelText(nearLabels)}).` : '';
    for (const p of effectivePairs(selNode, svc.doc)) {
      const k = keyOf(p);
      if (k === undefined || nearLabels[k] === sel[k]) continue;
      at(
        svc,
        p.value ?? p.key,
        'FX1001',
        `Service ${svc.name}: selector ${txt} matches no pod template in the stack.${hint}`,
      );
    }
    return;
  }
  for (const p of items(svc.doc, getIn(svc.doc, svc.root, 'spec', 'ports'))) {
    const tpNode = getIn(svc.doc, p, 'targetPort') ?? getIn(svc.doc, p, 'port');
    const tp = isScalar(tpNode) ? tpNode.value : undefined;
    if (typeof tp !== 'number' && typeof tp !== 'string') continue;
    for (const w of targets) {
      const cs = containerInfos(w).filter((c) => isMap(c.node));
      const declared = cs.some((c) =>
        c.ports.some((cp) => (typeof tp === 'number' ? cp.number === tp : cp.name === tp)),
      );
      if (!declared) {
        at(
          svc,
          tpNode,
          'FX1007',
          `Service ${svc.name}: port ${tp} is not declared by any container of ${w.kind} ${w.name}${typeof tp === 'string' ? ' (no port has this name)' : ''}.`,
        );
      }
    }
  }
}

function workloadSelector(r: Resource, at: At): void {
  if (r.kind === 'Pod' || r.kind === 'CronJob' || r.kind === 'Job') return;
  const selNode = getIn(r.doc, r.root, 'spec', 'selector');
  if (!isMap(selNode)) return;
  const labels = podLabels(r);
  const mlNode = getIn(r.doc, selNode, 'matchLabels');
  const ml = stringMap(r.doc, mlNode);
  const bad: string[] = Object.entries(ml)
    .filter(([k, v]) => labels[k] !== v)
    .map(([k, v]) => `${k}=${v}`);
  // Each mismatch sits on the template label that differs, else on the selector entry the template lacks.
  const places: AnyNode[] = [];
  const tmplLabels = podLabelsNode(r);
  for (const p of effectivePairs(mlNode, r.doc)) {
    const k = keyOf(p);
    if (k === undefined || labels[k] === ml[k]) continue;
    const own = effectivePairs(tmplLabels, r.doc).find((q) => keyOf(q) === k);
    places.push(own ? (own.value ?? own.key) : (p.value ?? p.key));
  }
  for (const e of items(r.doc, getIn(r.doc, selNode, 'matchExpressions'))) {
    const key = str(getIn(r.doc, e, 'key')) ?? '';
    const op = str(getIn(r.doc, e, 'operator'));
    const vals = items(r.doc, getIn(r.doc, e, 'values')).map((v) => str(v));
    const has = key in labels;
    const ok =
      op === 'In'
        ? has && vals.includes(labels[key])
        : op === 'NotIn'
          ? !has || !vals.includes(labels[key])
          : op === 'Exists'
            ? has
            : op === 'DoesNotExist'
              ? !has
              : true;
    if (!ok) {
      bad.push(`${key} ${op} (${vals.join(',')})`);
      places.push(e);
    }
  }
  const message = `${r.kind} ${r.name}: selector ${bad.join(', ')} does not match the pod template labels (${labelText(labels)}); the API server rejects this.`;
  for (const node of places) at(r, node, 'FX1002', message);
}

/** Where another file is, seen from a file: the same file, a sibling's name, or a relative path. */
function shortPath(from: string, to: string): string {
  if (from === to) return 'this file';
  const rel = path.relative(path.dirname(from), to);
  return rel.startsWith('..' + path.sep + '..') ? to : rel;
}

function labelText(labels: Record<string, string>): string {
  const t = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return t || 'no labels';
}

/** The workload (same namespace) sharing the most selector labels with a Service, if any. */
function nearestWorkload(sel: Record<string, string>, svc: Resource, all: Resource[]): Resource | undefined {
  let best: Resource | undefined;
  let score = 0;
  for (const w of all) {
    if (!WORKLOADS.has(w.kind) || (w.namespace ?? '') !== (svc.namespace ?? '')) continue;
    const labels = podLabels(w);
    const n = Object.entries(sel).filter(([k, v]) => labels[k] === v).length;
    if (n > score) [best, score] = [w, n];
  }
  return best;
}

/** An HPA's minReplicas (default 1) and maxReplicas, when both are numbers. */
function hpaRange(h: Resource): { min: number; max: number } | undefined {
  const spec = getIn(h.doc, h.root, 'spec');
  const minNode = getIn(h.doc, spec, 'minReplicas');
  const maxNode = getIn(h.doc, spec, 'maxReplicas');
  const min = isScalar(minNode) && typeof minNode.value === 'number' ? minNode.value : 1;
  const max = isScalar(maxNode) && typeof maxNode.value === 'number' ? maxNode.value : undefined;
  return max === undefined ? undefined : { min, max };
}

function hpa(h: Resource, all: Resource[], at: At): void {
  const spec = getIn(h.doc, h.root, 'spec');
  const target = hpaTarget(h, all);
  const ref = getIn(h.doc, spec, 'scaleTargetRef');
  if (isMap(ref) && !target) {
    const kind = str(getIn(h.doc, ref, 'kind')) ?? '?';
    at(
      h,
      getIn(h.doc, ref, 'name') ?? ref,
      'FX1003',
      `HorizontalPodAutoscaler ${h.name}: ${kind} "${str(getIn(h.doc, ref, 'name')) ?? ''}" is not defined in the stack.`,
    );
  }
  const minNode = getIn(h.doc, spec, 'minReplicas');
  const maxNode = getIn(h.doc, spec, 'maxReplicas');
  const min = isScalar(minNode) && typeof minNode.value === 'number' ? minNode.value : 1;
  const max = isScalar(maxNode) && typeof maxNode.value === 'number' ? maxNode.value : undefined;
  if (max !== undefined && min > max) {
    at(
      h,
      minNode ?? maxNode,
      'FX1004',
      `HorizontalPodAutoscaler ${h.name}: minReplicas ${min} is greater than maxReplicas ${max}.`,
    );
  }
  if (!target) return;
  // CPU utilization is measured against requests: without them the HPA cannot compute it
  let cpuNode: AnyNode;
  if (h.apiVersion === 'autoscaling/v1') cpuNode = pairOf(spec, 'targetCPUUtilizationPercentage')?.key;
  else {
    const metrics = items(h.doc, getIn(h.doc, spec, 'metrics'));
    if (!metrics.length) cpuNode = pairOf(spec, 'maxReplicas')?.key; // default metric: 80% CPU
    for (const m of metrics) {
      const res = getIn(h.doc, m, 'resource') ?? getIn(h.doc, m, 'containerResource');
      if (
        str(getIn(h.doc, res, 'name')) === 'cpu' &&
        (str(getIn(h.doc, res, 'target', 'type')) ?? 'Utilization') === 'Utilization'
      ) {
        cpuNode = m;
      }
    }
  }
  if (!cpuNode) return;
  const missing = containerInfos(target).filter(
    (c) => parseQuantity(str(getIn(target.doc, c.node, 'resources', 'requests', 'cpu'))) === undefined,
  );
  if (missing.length) {
    at(
      h,
      cpuNode,
      'FX1005',
      `HorizontalPodAutoscaler ${h.name} scales on CPU utilization, but ${missing.map((c) => c.name).join(', ')} in ${target.kind} ${target.name} ${missing.length > 1 ? 'have' : 'has'} no resources.requests.cpu.`,
    );
  }
}

function container(r: Resource, c: ContainerInfo, input: CrossInput, at: At): void {
  const { doc } = r;
  const requests = getIn(doc, c.node, 'resources', 'requests');
  const limits = getIn(doc, c.node, 'resources', 'limits');
  for (const p of mapPairs(requests)) {
    const k = keyOf(p);
    if (!k) continue;
    const req = parseQuantity(scalarText(p.value));
    const lim = parseQuantity(scalarText(getIn(doc, limits, k)));
    if (req !== undefined && lim !== undefined && req > lim) {
      at(
        r,
        p.value,
        'FX1009',
        `${c.name}: requests.${k} ${scalarText(p.value)} is above limits.${k} ${scalarText(getIn(doc, limits, k))}.`,
      );
    }
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = getIn(doc, c.node, probe);
    for (const action of ['httpGet', 'tcpSocket', 'grpc']) {
      const portNode = getIn(doc, pr, action, 'port');
      const v = isScalar(portNode) ? portNode.value : undefined;
      if (v === undefined || v === null) continue;
      const declared = c.ports.some((cp) => (typeof v === 'number' ? cp.number === v : cp.name === v));
      if (!declared) {
        at(
          r,
          portNode,
          'FX1008',
          `${c.name}: ${probe} port ${String(v)} is not declared in the container's ports${typeof v === 'string' ? ' (no port has this name)' : ''}.`,
        );
      }
    }
  }
  if (!c.image) return;
  const build = buildFor(c.image, input.builds);
  if (build) {
    const df = input.dockerfiles.get(build.dockerfile);
    const exposed = df ? exposedPorts(df, build.target) : null;
    if (exposed) {
      for (const cp of c.ports) {
        if (cp.number !== undefined && !exposed.has(cp.number)) {
          at(
            r,
            cp.node,
            'FX1012',
            `${c.name}: containerPort ${cp.number} is not EXPOSEd by ${build.dockerfile} (image ${build.image}).`,
          );
        }
      }
    }
  } else if (input.localImages && !c.image.includes('$') && !isPresent(c.image, input.localImages)) {
    at(
      r,
      c.imageNode,
      'FX1013',
      `Image ${c.image} is not built by the stack and not present in the local Docker engine; nothing can be pulled offline.`,
    );
  }
}

function isPresent(image: string, local: Set<string>): boolean {
  if (local.has(image)) return true;
  const repo = imageRepo(image);
  const tagged = repo === image && !image.includes('@') ? `${image}:latest` : image;
  if (local.has(tagged)) return true;
  return (
    local.has(`docker.io/${tagged}`) ||
    local.has(`docker.io/library/${tagged}`) ||
    local.has(tagged.replace(/^(docker\.io\/)?(library\/)?/, ''))
  );
}

function nodePorts(all: Resource[], at: At): void {
  const seen = new Map<number, Resource>();
  for (const r of all) {
    if (r.kind !== 'Service') continue;
    for (const p of items(r.doc, getIn(r.doc, r.root, 'spec', 'ports'))) {
      const n = getIn(r.doc, p, 'nodePort');
      const v = isScalar(n) && typeof n.value === 'number' ? n.value : undefined;
      if (v === undefined || v === 0) continue; // 0 means "unset": a port is chosen
      const first = seen.get(v);
      if (first && first !== r) {
        at(
          r,
          n,
          'FX1011',
          `nodePort ${v} is already claimed by Service ${first.name}; both cannot bind one host port.`,
        );
      } else seen.set(v, r);
    }
  }
}

function scalarText(n: Node | AnyNode | null): string | undefined {
  return isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number') ? String(n.value) : undefined;
}
