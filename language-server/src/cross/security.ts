// Pod-spec features that reach through to the host (FP1xxx): refused unless the stack file
// allows each one under security.allow, because Flotilla runs them on the developer's machine.
import { isScalar } from 'yaml';
import type { LineIndex } from '../core/lines';
import type { Finding } from '../core/types';
import { podSpecOf, type Resource } from '../k8s/resources';
import type { AllowKey } from '../stack/stack-file';
import { getIn, items, nodeRange, pairOf, type AnyNode } from '../yaml/parse';
import { containerInfos } from './links';

export function checkSecurity(r: Resource, allow: Record<AllowKey, boolean>): Finding[] {
  const out: Finding[] = [];
  const spec = podSpecOf(r);
  if (!spec) return out;
  const lines: LineIndex = r.y.lines;
  const flag = (node: AnyNode, code: string, key: AllowKey, what: string) => {
    const range = nodeRange(lines, node);
    if (!allow[key] && range) {
      out.push({
        code,
        message: `${r.kind} ${r.name} asks for ${what}; allow it with security.allow.${key}: true in the stack file.`,
        range,
      });
    }
  };
  const isTrue = (n: AnyNode) => isScalar(n) && n.value === true;
  for (const key of ['hostNetwork', 'hostPID'] as const) {
    const p = pairOf(spec, key);
    if (p && isTrue(getIn(r.doc, spec, key))) {
      flag(p.key, key === 'hostNetwork' ? 'FP1002' : 'FP1003', key, key);
    }
  }
  // allowed or not, the engine cannot run a replica off the stack network (as `up` says)
  const hostNet = pairOf(spec, 'hostNetwork');
  const hostNetRange = hostNet && isTrue(getIn(r.doc, spec, 'hostNetwork')) ? nodeRange(lines, hostNet.key) : undefined;
  if (allow.hostNetwork && hostNetRange) {
    out.push({
      code: 'FP1002',
      message: `${r.kind} ${r.name}: hostNetwork is not supported by the local engine: replicas must be on the stack network to be scheduled, probed and balanced; remove it.`,
      range: hostNetRange,
    });
  }
  for (const v of items(r.doc, getIn(r.doc, spec, 'volumes'))) {
    const p = pairOf(v, 'hostPath');
    if (p) flag(p.key, 'FP1004', 'hostPath', 'a hostPath volume');
  }
  for (const c of containerInfos(r)) {
    const sc = getIn(r.doc, c.node, 'securityContext');
    const priv = pairOf(sc, 'privileged');
    if (priv && isTrue(getIn(r.doc, sc, 'privileged'))) {
      flag(priv.key, 'FP1001', 'privileged', `a privileged container (${c.name})`);
    }
    const add = getIn(r.doc, sc, 'capabilities', 'add');
    const caps = items(r.doc, add);
    if (caps.length) {
      flag(
        add,
        'FP1005',
        'capabilities',
        `added capabilities for ${c.name} (${caps.map((x) => (isScalar(x) ? String(x.value) : '?')).join(', ')})`,
      );
    }
  }
  return out;
}
