// Recognises every document of a YAML file by apiVersion/kind, and locates the parts the
// cross-resource rules read (pod template, containers) without expanding aliases.
import { isMap, type Document, type Node } from 'yaml';
import type { Finding } from '../core/types';
import { KINDS, unhonoured } from '../../../extension/engine/model/honoured';
import { isKustomizeKind, kustomizationNote, patchNote } from '../../../extension/engine/model/not-manifests';
import {
  deref,
  getIn,
  isUnset,
  items,
  keyRange,
  nodeRange,
  pairOf,
  str,
  type AnyNode,
  type YamlFile,
} from '../yaml/parse';
import { apiVersionFindings } from './api-version-rules';
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
    // kustomize's own files and patches are not objects of the stack
    if (isKustomizeKind(apiVersion, kind) || pairOf(root, '$patch')) return;
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

/**
 * Syntax, identification, apiVersion, schema and honoured-field findings for one manifest
 * file. Findings in a kind `up` does not run are marked inert: shown, never refusing `up`.
 */
export function lintManifestFile(file: string, y: YamlFile): Finding[] {
  const out: Finding[] = [...y.syntax];
  y.docs.forEach((doc) => {
    if (doc.errors.length) return; // the syntax error says it all
    const root = deref(doc.contents, doc);
    if (isUnset(root)) return; // an empty document, a trailing `---`
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
    const kindRange = nodeRange(y.lines, getIn(doc, root, 'kind')) ?? y.lines.range(0, 0);
    if (isKustomizeKind(apiVersion, kind)) {
      out.push({ ...kustomizationNote(file), range: kindRange });
      return;
    }
    if (pairOf(root, '$patch')) {
      out.push({ ...patchNote(file), range: kindRange });
      return;
    }
    const own = apiVersionFindings(doc, root, apiVersion, kind, y.lines, versionsOfKind(kind));
    // autoscaling/v2beta2 has v2's schema; Flotilla reads it as v2
    const type = kindType(apiVersion === 'autoscaling/v2beta2' ? 'autoscaling/v2' : apiVersion, kind);
    if (type) own.push(...validateManifest(doc, y.lines, type, kind));
    for (const u of unhonoured(doc, root)) {
      own.push({ code: u.code, message: u.message, range: y.lines.range(...u.range) });
    }
    const inert = !KINDS[kind];
    for (const f of own) out.push(inert ? { ...f, inert } : f);
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
