// `flotilla render --registry R --out DIR [--push]`: the stack's manifests for a cluster. Every image the
// stack builds is replaced by its reference in the registry (by digest once pushed, else by its content-hash
// tag); the other manifests are copied as they are. DIR gets a kustomization.yaml listing them (for
// `kubectl apply -k DIR`) and a README.md saying which Flotilla-only stack-file settings do not carry to a
// cluster. The source manifests are never written.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { isMap, isSeq, parse, parseAllDocuments, type Document } from 'yaml';
import { buildImage, withTag } from '../build';
import { StackError } from '../model/problems';
import { loadStack } from '../model/load-stack';
import type { StackSpec } from '../model/types';
import { registryRepo, tagAndPush } from './images';

export interface RenderOptions {
  stackDir: string;
  registry: string;
  outDir: string;
  push: boolean;
  onOutput?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RenderResult {
  stack: StackSpec;
  /** Manifest image → reference written. */
  images: Record<string, string>;
  /** Files written, relative to outDir (manifests, kustomization.yaml, README.md). */
  files: string[];
}

export const KUSTOMIZATION = 'kustomization.yaml';

export async function renderStack(docker: Dockerode, opts: RenderOptions): Promise<RenderResult> {
  const { stack, problems } = loadStack(opts.stackDir);
  if (!stack) throw new StackError(problems);
  const out = path.resolve(opts.outDir);
  if (out === stack.dir || stack.manifestFiles.some((f) => f.startsWith(out + path.sep))) {
    throw new Error(
      `--out ${opts.outDir} would overwrite the stack's own manifests; choose an empty folder outside them`,
    );
  }
  const images: Record<string, string> = {};
  await Promise.all(
    stack.builds.map(async (b) => {
      const res = await buildImage(docker, b, {
        stack: stack.name,
        stackDir: stack.dir,
        onOutput: (l) => opts.onOutput?.(`[build ${b.image}] ${l}`),
        signal: opts.signal,
      });
      const tag = `${registryRepo(opts.registry, b.image)}:${res.hash.slice(0, 16)}`;
      const ref = opts.push
        ? await tagAndPush(docker, res.id, tag, { registry: opts.registry, onOutput: opts.onOutput })
        : tag;
      images[b.image] = ref;
      images[withTag(b.image)] = ref;
    }),
  );

  fs.mkdirSync(out, { recursive: true });
  const files: string[] = [];
  const seen = new Set<string>();
  for (const src of stack.manifestFiles) {
    let rel = path.relative(stack.dir, src);
    if (rel.startsWith('..')) rel = path.basename(src);
    if (seen.has(rel)) rel = `${path.dirname(rel)}/${files.length}-${path.basename(rel)}`;
    seen.add(rel);
    const text = fs.readFileSync(src, 'utf8');
    const docs = parseAllDocuments(text);
    const rendered = Array.isArray(docs) ? docs.map((d) => replaceImages(d, images)).join('---\n') : text;
    fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
    fs.writeFileSync(path.join(out, rel), rendered);
    files.push(rel);
  }
  const kustomization = [
    '# Written by flotilla render: `kubectl apply -k .` applies every manifest below.',
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    ...files.map((f) => `  - ${f}`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(out, KUSTOMIZATION), kustomization);
  fs.writeFileSync(path.join(out, 'README.md'), readme(stack, images, opts));
  return { stack, images, files: [...files, KUSTOMIZATION, 'README.md'] };
}

/** Pod template paths of the workload kinds (the Pod's own spec, a CronJob's job template). */
function podSpecPaths(kind: unknown): (string | number)[][] {
  switch (kind) {
    case 'Pod':
      return [['spec']];
    case 'CronJob':
      return [['spec', 'jobTemplate', 'spec', 'template', 'spec']];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'ReplicationController':
    case 'Job':
      return [['spec', 'template', 'spec']];
    default:
      return [];
  }
}

/** The document with built images replaced, comments and layout kept. */
function replaceImages(doc: Document, images: Record<string, string>): string {
  for (const p of podSpecPaths(doc.getIn(['kind']))) {
    for (const list of ['initContainers', 'containers']) {
      const seq = doc.getIn([...p, list], true);
      if (!isSeq(seq)) continue;
      seq.items.forEach((item, i) => {
        if (!isMap(item)) return;
        const image = item.get('image');
        if (typeof image !== 'string') return;
        const ref = images[image] ?? images[withTagSafe(image)];
        if (ref) doc.setIn([...p, list, i, 'image'], ref);
      });
    }
  }
  return doc.toString({ lineWidth: 0 });
}

function withTagSafe(image: string): string {
  return image.includes('@') ? image : withTag(image);
}

/** What of the stack file stays behind on a cluster, and what to do instead. */
function readme(stack: StackSpec, images: Record<string, string>, opts: RenderOptions): string {
  const raw = fs.readFileSync(stack.file, 'utf8');
  // The stack file's keys, as written (the loader has already checked them).
  const doc: unknown = parse(raw);
  const top = isRecord(doc) ? doc : {};
  const inner = (k: string) => (isRecord(top[k]) ? Object.keys(top[k]) : []);
  const keys = new Set([
    ...Object.keys(top),
    ...inner('settings'),
    ...(inner('security').includes('allow') ? ['allow'] : []),
  ]);
  const has = (alternatives: string) => alternatives.split('|').some((k) => keys.has(k));
  const rows: [string, string, string, string][] = [
    [
      'build',
      'build',
      'the images are built and referenced above',
      'nothing: the cluster pulls the references in these manifests',
    ],
    [
      'nodes',
      'nodes',
      'a virtual node pool on one Docker host',
      'label your cluster nodes (kubectl label node N KEY=VALUE) to match nodeSelector',
    ],
    [
      'settings.backoffBaseSeconds / backoffMaxSeconds',
      'backoffBaseSeconds|backoffMaxSeconds',
      'CrashLoopBackOff delays',
      "the kubelet's own backoff (10 s doubling to 300 s)",
    ],
    [
      'settings.terminationGracePeriodSeconds',
      'terminationGracePeriodSeconds',
      "overrides every pod's grace period",
      "each pod's terminationGracePeriodSeconds (default 30 s)",
    ],
    [
      'settings.resyncSeconds',
      'resyncSeconds',
      "the local controller's full reconcile",
      'nothing: the cluster reconciles continuously',
    ],
    [
      'settings.hpaSyncSeconds',
      'hpaSyncSeconds',
      'the HPA sync period',
      "kube-controller-manager's --horizontal-pod-autoscaler-sync-period",
    ],
    [
      'settings.hpaDownscaleStabilizationSeconds',
      'hpaDownscaleStabilizationSeconds',
      'the HPA scale-down window',
      "each HPA's behavior.scaleDown.stabilizationWindowSeconds",
    ],
    [
      'settings.bindAddress',
      'bindAddress',
      'where Service load balancers listen on the host',
      "Services get ClusterIPs; NodePort and LoadBalancer Services are reached through the cluster's nodes",
    ],
    [
      'security.allow.*',
      'allow',
      'host access Flotilla permits',
      "the cluster's admission (Pod Security Standards) decides",
    ],
  ];
  const lines = [
    `# ${stack.name}: manifests for a Kubernetes cluster`,
    '',
    `Written by \`flotilla render\` from ${path.relative(opts.outDir, stack.file) || stack.file}. Apply with`,
    '`kubectl apply -k .` (this folder has a kustomization.yaml) or `kubectl apply -f <file>` per manifest.',
    '',
    '## Images',
    '',
    opts.push
      ? `Pushed to ${opts.registry}; each is referenced by digest, so the cluster runs exactly what was built.`
      : `Not pushed (render without --push): each is referenced by its content-hash tag in ${opts.registry}; push them before applying.`,
    '',
    ...stack.builds.map((b) => `- \`${b.image}\` → \`${images[b.image] ?? '(not built)'}\``),
    '',
    '## Flotilla-only stack-file settings that do not carry to a cluster',
    '',
    '| setting | what it does under Flotilla | on a cluster | set in this stack |',
    '|---|---|---|---|',
    ...rows.map(([k, keys, what, instead]) => `| \`${k}\` | ${what} | ${instead} | ${has(keys) ? 'yes' : 'no'} |`),
    '',
  ];
  if (stack.ignored.length) {
    lines.push('## Kinds Flotilla ignored locally', '');
    for (const i of stack.ignored) lines.push(`- ${i.kind} \`${i.name}\`: copied as written; the cluster applies it`);
    lines.push('');
  }
  return lines.join('\n');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
