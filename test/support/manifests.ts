// One builder for the Kubernetes manifests tests write: a Deployment (or any
// pod-template workload) with its containers, and a Service, rendered as YAML.
// Tests state only what they care about; the rest is a busybox pod labelled
// app=<name>, as every test used to spell out by hand.
import { stringify as yamlStringify } from 'yaml';

/** Plain block YAML: no anchors for objects used twice (labels), no folded long lines. */
function stringify(v: unknown): string {
  return yamlStringify(v, { aliasDuplicateObjects: false, lineWidth: 0 });
}

export const BUSYBOX = 'flotilla.local/busybox:1';

export interface ContainerOptions {
  name?: string;
  image?: string;
  /** The container's command, as written (exec form). */
  command?: string[];
  /** Shorthand for command ["sh", "-c", shell]. */
  shell?: string;
  args?: string[];
  /** A single port becomes {name: http, containerPort}. */
  port?: number;
  ports?: { name?: string; containerPort: number }[];
  env?: Record<string, string> | { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: unknown[];
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  startupProbe?: unknown;
  /** Any further container fields, merged in as given. */
  extra?: Record<string, unknown>;
}

export interface WorkloadOptions extends ContainerOptions {
  kind?: string;
  apiVersion?: string;
  /** Omitted when undefined (Kubernetes then runs 1, or the HPA decides). */
  replicas?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** More containers after the first (sidecars). */
  sidecars?: ContainerOptions[];
  /** Further pod spec fields (volumes, restartPolicy, terminationGracePeriodSeconds, ...). */
  pod?: Record<string, unknown>;
  /** Further workload spec fields (strategy, minReadySeconds, serviceName, ...). */
  spec?: Record<string, unknown>;
  namespace?: string;
}

/** busybox httpd serving `body` (default "ok") on `port` (default 8080). */
export function httpdShell(port = 8080, body = 'ok'): string {
  return `mkdir -p /www && echo ${body} > /www/index.html && exec httpd -f -p ${port} -h /www`;
}

export function container(name: string, o: ContainerOptions = {}): Record<string, unknown> {
  const c: Record<string, unknown> = { name: o.name ?? name, image: o.image ?? BUSYBOX };
  if (o.shell !== undefined) c.command = ['sh', '-c', o.shell];
  if (o.command) c.command = o.command;
  if (o.args) c.args = o.args;
  if (o.port !== undefined) c.ports = [{ name: 'http', containerPort: o.port }];
  if (o.ports) c.ports = o.ports;
  if (o.env) c.env = Array.isArray(o.env) ? o.env : Object.entries(o.env).map(([k, v]) => ({ name: k, value: v }));
  if (o.envFrom) c.envFrom = o.envFrom;
  if (o.requests || o.limits) {
    c.resources = { ...(o.requests ? { requests: o.requests } : {}), ...(o.limits ? { limits: o.limits } : {}) };
  }
  if (o.readinessProbe) c.readinessProbe = o.readinessProbe;
  if (o.livenessProbe) c.livenessProbe = o.livenessProbe;
  if (o.startupProbe) c.startupProbe = o.startupProbe;
  return { ...c, ...o.extra };
}

/** A workload with a pod template (Deployment unless `kind` says otherwise), as one YAML document. */
export function workload(name: string, o: WorkloadOptions = {}): string {
  const labels = o.labels ?? { app: name };
  const kind = o.kind ?? 'Deployment';
  const template = {
    metadata: { labels, ...(o.annotations ? { annotations: o.annotations } : {}) },
    spec: {
      containers: [container(name, o), ...(o.sidecars ?? []).map((s, i) => container(`${name}-side${i + 1}`, s))],
      ...o.pod,
    },
  };
  const spec: Record<string, unknown> =
    kind === 'Pod'
      ? template.spec
      : {
          ...(o.replicas !== undefined ? { replicas: o.replicas } : {}),
          selector: { matchLabels: labels },
          ...o.spec,
          template,
        };
  const metadata = kind === 'Pod' ? { name, labels } : { name };
  return stringify({
    apiVersion: o.apiVersion ?? (kind === 'Pod' ? 'v1' : kind === 'Job' ? 'batch/v1' : 'apps/v1'),
    kind,
    metadata: o.namespace ? { ...metadata, namespace: o.namespace } : metadata,
    spec,
  });
}

/** A Deployment; `workload` with kind Deployment. */
export function deployment(name: string, o: WorkloadOptions = {}): string {
  return workload(name, { ...o, kind: 'Deployment' });
}

export interface ServiceOptions {
  selector?: Record<string, string>;
  ports?: { name?: string; port: number; targetPort?: number | string; nodePort?: number }[];
  type?: string;
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
}

/** A Service selecting app=<name>, port 80 → the container port named http, unless told otherwise. */
export function service(name: string, o: ServiceOptions = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      ...(o.type ? { type: o.type } : {}),
      ...(o.clusterIP ? { clusterIP: o.clusterIP } : {}),
      ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
      selector: o.selector ?? { app: name },
      ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 'http' }],
    },
  });
}

/** Several documents as one manifest file. */
export function manifests(...docs: string[]): string {
  return docs.map((d) => d.trimEnd() + '\n').join('---\n');
}
