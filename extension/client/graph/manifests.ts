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
      const o = safeJs(() => doc.toJS({ maxAliasCount: 50 }));
      if (!o || typeof o !== 'object') continue;
      const name = str(o.metadata?.name);
      if (o.kind === 'Deployment' && name) {
        const containers: any[] = [...arr(o.spec?.template?.spec?.containers), ...arr(o.spec?.template?.spec?.initContainers)];
        const envValues = containers.flatMap((c) => [...arr(c?.env).map((e: any) => str(e?.value)), ...arr(c?.args).map(str), ...arr(c?.command).map(str)]).filter(Boolean);
        facts.deployments.push({ name, labels: record(o.spec?.template?.metadata?.labels), envValues });
      } else if (o.kind === 'Service' && name) {
        facts.services.push({ name, selector: record(o.spec?.selector) });
      }
    }
  }
  return facts;
}

function safeJs(f: () => any): any {
  try {
    return f();
  } catch {
    return undefined;
  }
}
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
function record(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out[k] = str(x);
  return out;
}
