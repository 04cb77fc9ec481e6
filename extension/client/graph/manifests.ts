// Reads the labels, selectors and env values the graph needs straight from the
// manifest files the controller reports. Tolerant: a broken file yields no facts.
import * as fs from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import type { StackStatus } from '../../engine/api/protocol';
import type { ManifestFacts } from './model';

export async function readManifestFacts(status: StackStatus): Promise<ManifestFacts> {
  const files = new Set<string>();
  for (const x of [...status.deployments, ...status.services]) if (x.manifest) files.add(x.manifest.file);
  const facts: ManifestFacts = { deployments: [], services: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const doc of parseAllDocuments(text)) {
      if (!('toJS' in doc)) continue;
      const o = safeJs((): unknown => doc.toJS({ maxAliasCount: 50 }));
      const name = str(at(o, 'metadata', 'name'));
      const kind = at(o, 'kind');
      if (kind === 'Deployment' && name) {
        const pod = at(o, 'spec', 'template', 'spec');
        const containers = [...arr(at(pod, 'containers')), ...arr(at(pod, 'initContainers'))];
        const envValues = containers
          .flatMap((c) => [
            ...arr(at(c, 'env')).map((e) => str(at(e, 'value'))),
            ...arr(at(c, 'args')).map(str),
            ...arr(at(c, 'command')).map(str),
          ])
          .filter(Boolean);
        facts.deployments.push({ name, labels: record(at(o, 'spec', 'template', 'metadata', 'labels')), envValues });
      } else if (kind === 'Service' && name) {
        facts.services.push({ name, selector: record(at(o, 'spec', 'selector')) });
      }
    }
  }
  return facts;
}

function safeJs(f: () => unknown): unknown {
  try {
    return f();
  } catch {
    return undefined; // a document YAML cannot turn into data (an alias bomb) gives no facts
  }
}
/** The value at a path of nested mappings, or undefined where the shape differs. */
function at(v: unknown, ...path: string[]): unknown {
  for (const k of path) {
    v = v && typeof v === 'object' && !Array.isArray(v) ? Reflect.get(v, k) : undefined;
  }
  return v;
}
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
function record(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out[k] = str(x);
  return out;
}
