// The topology graph's data: deployments and services with live state, Service →
// Deployment edges (selector ⊆ pod labels, else observed endpoints) and dependency edges
// Deployment → Service when a container env value names the Service (e.g.
// http://api:8080). Pure, so it is unit-testable; manifests are parsed by manifests.ts.
import type { StackStatus } from '../../engine/api/protocol';
import { failingReplicas } from '../views/format';

export interface ManifestFacts {
  deployments: { name: string; labels: Record<string, string>; envValues: string[] }[];
  services: { name: string; selector: Record<string, string> }[];
}

export interface GraphNode {
  id: string; // "deployment/web", "service/api"
  kind: 'deployment' | 'service';
  name: string;
  label: string; // secondary line: "2/3 ready", "0/1 · Init:CrashLoopBackOff" or the URL
  state: 'ok' | 'progressing' | 'failing' | 'idle';
  /** Hover text: what the label leaves out (each failing replica with its whole reason). */
  detail?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: 'selects' | 'depends';
}

export interface Graph {
  stack: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Messages the page (media/graph.js) sends to the extension. */
export type FromWebview = { type: 'ready' } | { type: 'select'; kind: GraphNode['kind']; name: string; open: boolean };

/** Messages the extension sends to the page. */
export interface ToWebview {
  type: 'graph';
  graph: Graph;
}

export function buildGraph(status: StackStatus, facts: ManifestFacts): Graph {
  return { stack: status.stack, nodes: graphNodes(status), edges: graphEdges(status, facts) };
}

function graphNodes(status: StackStatus): GraphNode[] {
  const nodes: GraphNode[] = [];
  for (const d of status.deployments) {
    // A replica that cannot run says why (Init:CrashLoopBackOff, CreateContainerConfigError, ...).
    const failures = failingReplicas(d);
    const failing =
      d.rollout?.state === 'Failed' ||
      failures.length > 0 ||
      d.replicas.some((r) => r.backoff || r.state === 'Waiting');
    const state = failing
      ? 'failing'
      : d.ready < d.desired || d.rollout?.state === 'Progressing'
        ? 'progressing'
        : d.desired === 0
          ? 'idle'
          : 'ok';
    const counts = `${kindPrefix(d.kind)}${d.ready}/${d.desired}`;
    nodes.push({
      id: `deployment/${d.name}`,
      kind: 'deployment',
      name: d.name,
      // Another kind says what it is: "StatefulSet · 2/3 ready"; a failing replica's reason beats the HPA badge.
      label: failures.length ? `${counts} · ${failures[0].code}` : `${counts} ready${d.hpa ? ' · HPA' : ''}`,
      state,
      detail: failures.length ? failures.map((f) => `${f.replica}: ${f.detail}`).join('\n') : undefined,
    });
  }
  for (const s of status.services) {
    const ready = s.endpoints.filter((e) => e.ready).length;
    nodes.push({
      id: `service/${s.name}`,
      kind: 'service',
      name: s.name,
      label: s.urls[0] ?? `${ready} endpoints`,
      state: ready > 0 ? 'ok' : s.endpoints.length ? 'progressing' : 'idle',
    });
  }
  return nodes;
}

function graphEdges(status: StackStatus, facts: ManifestFacts): GraphEdge[] {
  const edges: GraphEdge[] = [];
  const deployments = new Set(status.deployments.map((d) => d.name));
  const add = (e: GraphEdge) => {
    if (!edges.some((x) => x.from === e.from && x.to === e.to && x.kind === e.kind)) edges.push(e);
  };
  for (const s of status.services) {
    const selector = facts.services.find((x) => x.name === s.name)?.selector ?? s.selector;
    let matched = false;
    for (const d of facts.deployments) {
      if (
        deployments.has(d.name) &&
        Object.keys(selector).length &&
        Object.entries(selector).every(([k, v]) => d.labels[k] === v)
      ) {
        add({ from: `service/${s.name}`, to: `deployment/${d.name}`, kind: 'selects' });
        matched = true;
      }
    }
    // Without labels from the manifests, fall back to which deployments' replicas serve it.
    if (!matched) {
      for (const e of s.endpoints) {
        const owner = status.deployments.find((d) => d.replicas.some((r) => r.name === e.replica));
        if (owner) add({ from: `service/${s.name}`, to: `deployment/${owner.name}`, kind: 'selects' });
      }
    }
  }
  const services = status.services.map((s) => s.name);
  for (const d of facts.deployments) {
    if (!deployments.has(d.name)) continue;
    for (const svc of services) {
      if (d.envValues.some((v) => namesHost(v, svc))) {
        add({ from: `deployment/${d.name}`, to: `service/${svc}`, kind: 'depends' });
      }
    }
  }
  return edges;
}

function kindPrefix(kind: string | undefined): string {
  return kind && kind !== 'Deployment' ? `${kind} · ` : '';
}

/** True when `value` names `host` as a DNS label: "api", "http://api:8080/x", "api.default.svc". */
export function namesHost(value: string, host: string): boolean {
  const esc = host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_.-]|//)${esc}(?=$|[:/.]|[^A-Za-z0-9_-])`).test(value);
}
