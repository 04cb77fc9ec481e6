// Recognises every document of a YAML file by apiVersion/kind, and locates the parts the
// cross-resource rules read (pod template, containers) without expanding aliases.
import { isMap, type Document, type Node } from 'yaml';
import type { Finding } from '../core/types';
import { deref, getIn, items, keyRange, str, type AnyNode, type YamlFile } from '../yaml/parse';
import { kindType, versionsOfKind } from './schema';
import { validateManifest } from './validate';

export interface Resource {
  file: string;
  y: YamlFile;
  doc: Document;
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  root: Node;
}

export function resourcesOf(file: string, y: YamlFile): Resource[] {
  const out: Resource[] = [];
  y.docs.forEach((doc, index) => {
    const root = deref(doc.contents, doc);
    if (!isMap(root)) return;
    const apiVersion = str(getIn(doc, root, 'apiVersion'));
    const kind = str(getIn(doc, root, 'kind'));
    if (!apiVersion || !kind) return;
    const name = str(getIn(doc, root, 'metadata', 'name')) ?? '';
    const namespace = str(getIn(doc, root, 'metadata', 'namespace'));
    out.push({ file, y, doc, index, apiVersion, kind, name, namespace, root });
  });
  return out;
}

/** True when a YAML text looks like Kubernetes manifests (used when walking folders). */
export function looksLikeManifest(y: YamlFile): boolean {
  return y.docs.some((d) => {
    const root = deref(d.contents, d);
    return isMap(root) && !!getIn(d, root, 'apiVersion') && !!getIn(d, root, 'kind');
  });
}

/** Syntax, identification and schema findings for one manifest file. */
export function lintManifestFile(file: string, y: YamlFile): Finding[] {
  const out: Finding[] = [...y.syntax];
  y.docs.forEach((doc) => {
    if (doc.errors.length) return; // the syntax error says it all
    const root = deref(doc.contents, doc);
    if (!root) return;
    if (!isMap(root)) {
      out.push({
        code: 'FK1002',
        message: 'A manifest document must be a mapping with apiVersion and kind.',
        range: y.lines.range(root.range?.[0] ?? 0, root.range?.[1] ?? 0),
      });
      return;
    }
    const apiVersion = str(getIn(doc, root, 'apiVersion'));
    const kind = str(getIn(doc, root, 'kind'));
    if (!apiVersion || !kind) {
      const missing = [!apiVersion && 'apiVersion', !kind && 'kind'].filter(Boolean).join(' and ');
      const r = keyRange(y.lines, root, apiVersion ? 'kind' : 'apiVersion');
      if (r) {
        out.push({
          code: 'FK1002',
          message: `Document has no ${missing}, so its kind cannot be recognised.`,
          range: r,
        });
      }
      return;
    }
    const type = kindType(apiVersion, kind);
    if (type) out.push(...validateManifest(doc, y.lines, type, kind));
    else {
      const known = versionsOfKind(kind);
      const r = keyRange(y.lines, root, 'apiVersion');
      if (known.length && r) {
        out.push({
          code: 'FK1003',
          message: `${kind} is served as ${known.join(' or ')} in Kubernetes 1.30, not ${apiVersion}.`,
          range: r,
        });
      }
      // any other kind (a CRD) is recognised but not validated
    }
  });
  return out;
}

/** The pod spec of a workload, wherever its kind keeps it. */
export function podSpecOf(r: Resource): AnyNode {
  switch (r.kind) {
    case 'Pod':
      return getIn(r.doc, r.root, 'spec');
    case 'CronJob':
      return getIn(r.doc, r.root, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'ReplicationController':
      return getIn(r.doc, r.root, 'spec', 'template', 'spec');
    default:
      return undefined;
  }
}

/** Labels the pods of a workload carry. */
export function podLabelsNode(r: Resource): AnyNode {
  if (r.kind === 'Pod') return getIn(r.doc, r.root, 'metadata', 'labels');
  if (r.kind === 'CronJob') {
    return getIn(r.doc, r.root, 'spec', 'jobTemplate', 'spec', 'template', 'metadata', 'labels');
  }
  return getIn(r.doc, r.root, 'spec', 'template', 'metadata', 'labels');
}

export function containersOf(r: Resource): Node[] {
  const spec = podSpecOf(r);
  return [...items(r.doc, getIn(r.doc, spec, 'containers')), ...items(r.doc, getIn(r.doc, spec, 'initContainers'))];
}
