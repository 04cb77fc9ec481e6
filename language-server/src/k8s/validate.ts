// Strict schema validation of one manifest document against the bundled Kubernetes schema:
// unknown fields, wrong types, missing required fields, bad enum values and quantities, each
// reported with the field's path and the exact range of the offending key or value.
import { isMap, isNode, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { LineIndex } from '../core/lines';
import type { Finding, Range } from '../core/types';
import { deref, effectivePairs, keyOf, keyRange, nodeRange, type AnyNode } from '../yaml/parse';
import { closest } from '../../../extension/engine/model/spelling';
import { isQuantity } from './quantity';
import { ENUMS, EXTRA_REQUIRED, PORT_FIELDS, typeDef, type TypeRef } from './schema';

interface Ctx {
  doc: Document;
  lines: LineIndex;
  out: Finding[];
  budget: number;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Label keys ([prefix/]name) and values as the API server validates them. */
function checkLabels(ctx: Ctx, node: AnyNode, path: string): void {
  for (const p of effectivePairs(deref(node, ctx.doc), ctx.doc)) {
    const k = keyOf(p);
    if (k === undefined) continue;
    const slash = k.indexOf('/');
    const [prefix, nm] = slash >= 0 ? [k.slice(0, slash), k.slice(slash + 1)] : ['', k];
    if ((prefix && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) || !LABEL_NAME.test(nm)) {
      pushAt(
        ctx,
        nodeRange(ctx.lines, p),
        'FK2008',
        `${path}: "${k}" is not a valid label key ([prefix/]name, name at most 63 letters, digits, '-', '_', '.').`,
      );
    }
    const v = deref(p.value, ctx.doc);
    if (isScalar(v) && typeof v.value === 'string' && !LABEL_VALUE.test(v.value)) {
      pushAt(
        ctx,
        nodeRange(ctx.lines, v),
        'FK2008',
        `${path}.${k}: "${v.value}" is not a valid label value (at most 63 letters, digits, '-', '_', '.', starting and ending with a letter or digit).`,
      );
    }
  }
}

export function validateManifest(doc: Document, lines: LineIndex, rootType: string, kind: string): Finding[] {
  const ctx: Ctx = { doc, lines, out: [], budget: 200_000 };
  const root = deref(doc.contents, doc);
  checkRef(ctx, root, rootType, '', undefined, kind);
  const meta = pairValue(root, 'metadata', doc);
  if (!meta) pushAt(ctx, keyRange(lines, root, 'kind'), 'FK2003', `${kind}: missing required field "metadata".`);
  else if (isMap(meta)) {
    const name = pairValue(meta, 'name', doc);
    if (!name && !pairValue(meta, 'generateName', doc)) {
      pushAt(ctx, keyRange(lines, root, 'metadata'), 'FK2003', `${kind}: missing required field "metadata.name".`);
    } else if (isScalar(name) && typeof name.value === 'string' && !DNS_SUBDOMAIN.test(name.value)) {
      pushAt(
        ctx,
        nodeRange(lines, name),
        'FK2006',
        `metadata.name "${name.value}" must be lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.`,
      );
    } else if (isScalar(name) && typeof name.value === 'string' && kind === 'Service' && !DNS_1035.test(name.value)) {
      pushAt(
        ctx,
        nodeRange(lines, name),
        'FK2006',
        `A Service name must be a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter ("${name.value}").`,
      );
    }
  }
  return ctx.out;
}

function pairValue(map: AnyNode, key: string, doc: Document): AnyNode {
  const p = effectivePairs(map, doc).find((q) => keyOf(q) === key);
  const v = deref(p?.value, doc);
  return isScalar(v) && v.value === null ? undefined : v;
}

function pushAt(
  ctx: Ctx,
  range: Range | undefined,
  code: string,
  message: string,
  fix?: { title: string; newText: string },
): void {
  if (range) {
    ctx.out.push({
      code,
      message,
      range,
      ...(fix ? { fix: { title: fix.title, edits: [{ range, newText: fix.newText }] } } : {}),
    });
  }
}

/** The mechanical rewrite of a scalar into the expected type, when there is one. */
function convert(node: Node, t: TypeRef): { title: string; newText: string } | undefined {
  if (!isScalar(node) || isMap(node) || isSeq(node)) return undefined;
  const v = node.value;
  if ((t.k === 'string' || t.k === 'quantity') && (typeof v === 'number' || typeof v === 'boolean')) {
    const src = node.source ?? String(v);
    return { title: `Quote as "${src}"`, newText: JSON.stringify(String(src)) };
  }
  if (t.k === 'number' && typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) {
    return { title: `Use the number ${v.trim()}`, newText: v.trim() };
  }
  if (t.k === 'boolean' && typeof v === 'string' && /^(true|false)$/i.test(v.trim())) {
    return { title: `Use the boolean ${v.trim().toLowerCase()}`, newText: v.trim().toLowerCase() };
  }
  return undefined;
}

function describe(node: Node): string {
  if (isMap(node)) return 'an object';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string "${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
    return `the ${typeof v} ${String(v)}`;
  }
  return 'a value';
}

function describeType(node: Node): string {
  if (!isScalar(node) || node.value === null) return describe(node);
  return typeof node.value === 'string' ? 'a string' : `a ${typeof node.value}`;
}

function typeName(t: TypeRef): string {
  switch (t.k) {
    case 'ref':
      return 'an object';
    case 'array':
      return 'a list';
    case 'map':
      return 'a map';
    case 'intOrString':
      return 'a number or a string';
    case 'quantity':
      return 'a quantity (e.g. 100m, 1.5, 512Mi)';
    case 'const':
      return `"${t.v}"`;
    default:
      return `a ${t.k}`;
  }
}

function check(ctx: Ctx, raw: AnyNode, t: TypeRef, path: string, owner?: string): void {
  if (--ctx.budget < 0) return;
  const node = deref(raw, ctx.doc);
  if (!node || (isScalar(node) && node.value === null)) return; // null means "unset" to the API server
  // Under data/stringData (Secrets) the value itself is never echoed: only its type.
  const wrong = () =>
    pushAt(
      ctx,
      nodeRange(ctx.lines, node),
      'FK2002',
      `${path}: expected ${typeName(t)}, found ${/^(data|stringData|binaryData)\./.test(path) ? describeType(node) : describe(node)}.`,
      convert(node, t),
    );
  const v = isScalar(node) ? node.value : undefined;
  switch (t.k) {
    case 'any':
      return;
    case 'string':
    case 'const':
      if (typeof v !== 'string') return wrong();
      if (owner && ENUMS[owner] && !ENUMS[owner].includes(v)) {
        const same = ENUMS[owner].find((e) => e.toLowerCase() === v.toLowerCase());
        pushAt(
          ctx,
          nodeRange(ctx.lines, node),
          'FK2004',
          `${path}: "${v}" is not one of ${ENUMS[owner].map((e) => JSON.stringify(e)).join(', ')}.`,
          same ? { title: `Use ${same}`, newText: same } : undefined,
        );
      }
      return;
    case 'number':
      if (typeof v !== 'number') return wrong();
      // every number field of the bundled kinds is an int32/int64 in the API
      if (!Number.isInteger(v)) {
        return pushAt(ctx, nodeRange(ctx.lines, node), 'FK2002', `${path}: expected a whole number, found ${v}.`);
      }
      // nodePort 0 means "unset": the API server (and Flotilla) picks one
      if (owner === 'core.v1.ServicePort.nodePort' && v === 0) return;
      if (owner && PORT_FIELDS.has(owner) && (v < 1 || v > 65535 || !Number.isInteger(v))) {
        pushAt(ctx, nodeRange(ctx.lines, node), 'FK2007', `${path}: ${v} is not a port number (1–65535).`);
      }
      return;
    case 'boolean':
      if (typeof v !== 'boolean') return wrong();
      return;
    case 'intOrString':
      if (typeof v !== 'number' && typeof v !== 'string') return wrong();
      if (typeof v === 'number' && owner && PORT_FIELDS.has(owner) && (v < 1 || v > 65535)) {
        pushAt(ctx, nodeRange(ctx.lines, node), 'FK2007', `${path}: ${v} is not a port number (1–65535).`);
      }
      return;
    case 'quantity':
      if (typeof v !== 'number' && typeof v !== 'string') return wrong();
      if (!isQuantity(v)) {
        pushAt(
          ctx,
          nodeRange(ctx.lines, node),
          'FK2005',
          `${path}: "${v}" is not a valid quantity (e.g. 100m, 0.5, 1, 256Mi, 1Gi).`,
        );
      }
      return;
    case 'array':
      if (!isSeq(node)) return wrong();
      node.items.forEach((item, i) => check(ctx, isNode(item) ? item : undefined, t.of, `${path}[${i}]`, owner));
      return;
    case 'map':
      if (!isMap(node)) return wrong();
      for (const p of effectivePairs(node, ctx.doc)) check(ctx, p.value, t.of, `${path}.${keyOf(p) ?? '?'}`);
      return;
    case 'ref':
      checkRef(ctx, node, t.n, path, nodeRange(ctx.lines, node));
      return;
  }
}

function checkRef(
  ctx: Ctx,
  node: AnyNode,
  name: string,
  path: string,
  parentRange: Range | undefined,
  kind?: string,
): void {
  const def = typeDef(name);
  if (!def || !node) return;
  if (!isMap(node)) {
    pushAt(ctx, nodeRange(ctx.lines, node), 'FK2002', `${path || kind}: expected an object, found ${describe(node)}.`);
    return;
  }
  const seen = new Set<string>();
  const top = path === '';
  for (const p of effectivePairs(node, ctx.doc)) {
    const key = keyOf(p);
    if (key === undefined) continue; // a complex key: leave it to YAML
    seen.add(key);
    const childPath = top ? key : `${path}.${key}`;
    const prop = def.p[key];
    if (!prop) {
      const guess = closest(key, Object.keys(def.p));
      pushAt(
        ctx,
        nodeRange(ctx.lines, p),
        'FK2001',
        `Unknown field "${childPath}"${guess ? `; did you mean "${guess}"?` : '.'}`,
        guess ? { title: `Rename to ${guess}`, newText: guess } : undefined,
      );
      continue;
    }
    if (top && (key === 'apiVersion' || key === 'kind')) continue;
    check(ctx, p.value, prop.t, childPath, `${name}.${key}`);
    if (
      (name === 'meta.v1.ObjectMeta' && key === 'labels') ||
      (name === 'meta.v1.LabelSelector' && key === 'matchLabels') ||
      (name === 'core.v1.ServiceSpec' && key === 'selector')
    ) {
      checkLabels(ctx, p.value, childPath);
    }
  }
  const required = Object.entries(def.p)
    .filter(([, pr]) => pr.r)
    .map(([k]) => k)
    .concat(EXTRA_REQUIRED[name] ?? []);
  for (const k of required) {
    const v = seen.has(k) ? pairValue(node, k, ctx.doc) : undefined;
    if (v) continue;
    const at = keyRange(ctx.lines, node, k) ?? parentRange;
    pushAt(ctx, at, 'FK2003', `${top ? kind : path}: missing required field "${k}".`);
  }
}

export { closest };
