// apiVersion checks of one document: removed APIs (FK1005, with the replacement and a quick
// fix when only the apiVersion changes), older HorizontalPodAutoscaler versions that Flotilla
// converts (FK1006, with a rewrite to autoscaling/v2), and an apiVersion unknown for a known
// kind (FK1003, an error in the kinds `up` runs, with the engine's own words).
import { isScalar, type Document, type Node, type Pair } from 'yaml';
import { removedApi, removedApiMessage } from '../../../extension/engine/model/api-versions';
import { KINDS } from '../../../extension/engine/model/honoured';
import type { LineIndex } from '../core/lines';
import type { Finding, TextEdit } from '../core/types';
import { getIn, items, keyRange, nodeRange, pairOf, str, type AnyNode } from '../yaml/parse';

const HPA_OLD: Record<string, { removedIn?: string }> = {
  'autoscaling/v1': {},
  'autoscaling/v2beta1': { removedIn: '1.25' },
  'autoscaling/v2beta2': { removedIn: '1.26' },
};

export function apiVersionFindings(
  doc: Document,
  root: Node,
  apiVersion: string,
  kind: string,
  lines: LineIndex,
  servedVersions: string[],
): Finding[] {
  const avNode = getIn(doc, root, 'apiVersion');
  const range = nodeRange(lines, avNode) ?? keyRange(lines, root, 'apiVersion');
  if (!range) return [];
  const replace = (to: string): TextEdit => ({ range, newText: to });
  if (kind === 'HorizontalPodAutoscaler' && HPA_OLD[apiVersion]) {
    const { removedIn } = HPA_OLD[apiVersion];
    const edits = hpaToV2(doc, root, apiVersion, lines);
    return [
      {
        code: 'FK1006',
        severity: removedIn ? 'warning' : 'information',
        message: removedIn
          ? `HorizontalPodAutoscaler ${apiVersion} was removed in Kubernetes ${removedIn}: clusters refuse it. Flotilla reads it as autoscaling/v2; convert it to run it anywhere.`
          : 'HorizontalPodAutoscaler autoscaling/v1 scales on CPU only; Flotilla reads it as autoscaling/v2, which also takes memory, custom metrics and scaling behavior.',
        range,
        ...(edits ? { fix: { title: 'Convert to autoscaling/v2', edits: [replace('autoscaling/v2'), ...edits] } } : {}),
      },
    ];
  }
  const removed = removedApi(apiVersion, kind);
  if (removed) {
    const selectorNeeded = removed.replacement === 'apps/v1' && !getIn(doc, root, 'spec', 'selector');
    const fix =
      removed.mechanical && removed.replacement && !selectorNeeded
        ? { title: `Use ${removed.replacement}`, edits: [replace(removed.replacement)] }
        : undefined;
    return [{ code: 'FK1005', message: removedApiMessage(apiVersion, kind, removed), range, ...(fix ? { fix } : {}) }];
  }
  const run = KINDS[kind];
  if (run && !run.apiVersions.includes(apiVersion)) {
    return [
      {
        code: 'FK1003',
        severity: 'error',
        message: `${kind} must use apiVersion ${run.apiVersions[0]}; got ${apiVersion}`,
        range,
        fix: { title: `Use ${run.apiVersions[0]}`, edits: [replace(run.apiVersions[0])] },
      },
    ];
  }
  if (!servedVersions.length || servedVersions.includes(apiVersion)) return [];
  return [
    {
      code: 'FK1003',
      message: `${kind} is served as ${servedVersions.join(' or ')} in Kubernetes 1.30, not ${apiVersion}.`,
      range,
      ...(servedVersions.length === 1
        ? { fix: { title: `Use ${servedVersions[0]}`, edits: [replace(servedVersions[0])] } }
        : {}),
    },
  ];
}

/** The edits (besides apiVersion) that turn an older HPA into autoscaling/v2; undefined when not mechanical. */
function hpaToV2(doc: Document, root: Node, apiVersion: string, lines: LineIndex): TextEdit[] | undefined {
  const spec = getIn(doc, root, 'spec');
  if (apiVersion === 'autoscaling/v2beta2') return [];
  if (apiVersion === 'autoscaling/v1') {
    const p = pairOf(spec, 'targetCPUUtilizationPercentage');
    if (!p) return [];
    const v = str(getIn(doc, spec, 'targetCPUUtilizationPercentage'));
    const range = pairRange(p, lines);
    if (!range || v === undefined) return undefined;
    return [{ range, newText: `metrics: [${resourceMetric('cpu', `{type: Utilization, averageUtilization: ${v}}`)}]` }];
  }
  // v2beta1: each metric's target moves into target: {type, ...}
  const edits: TextEdit[] = [];
  for (const m of items(doc, getIn(doc, spec, 'metrics'))) {
    const type = str(getIn(doc, m, 'type'));
    if (type !== 'Resource') return undefined;
    const res = getIn(doc, m, 'resource');
    const util = pairOf(res, 'targetAverageUtilization');
    const avg = pairOf(res, 'targetAverageValue');
    const pair = util ?? avg;
    const range = pair && pairRange(pair, lines);
    const value = pair && scalarText(pair.value);
    if (!range || value === undefined) return undefined;
    edits.push({
      range,
      newText: util
        ? `target: {type: Utilization, averageUtilization: ${value}}`
        : `target: {type: AverageValue, averageValue: ${value}}`,
    });
  }
  return edits;
}

function resourceMetric(name: string, target: string): string {
  return `{type: Resource, resource: {name: ${name}, target: ${target}}}`;
}

function pairRange(p: Pair<Node, Node | null>, lines: LineIndex) {
  const k = p.key;
  const v = p.value;
  if (!isScalar(k) || !k.range || !v?.range) return undefined;
  return lines.range(k.range[0], v.range[1]);
}

function scalarText(n: AnyNode): string | undefined {
  return isScalar(n) && n.source !== undefined ? n.source : str(n);
}
