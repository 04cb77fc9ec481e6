// All Dockerfile rules over one text.
import { LineIndex } from '../core/lines';
import type { Finding } from '../core/types';
import { parseDockerfile, type ParsedDockerfile } from './model';
import { checkPractice } from './practice';
import { checkSyntax } from './syntax';

export function lintDockerfile(text: string, parsed?: ParsedDockerfile): Finding[] {
  const df = parsed ?? parseDockerfile(text);
  return [...checkSyntax(df), ...checkPractice(df, new LineIndex(text))];
}

/** Ports the final stage EXPOSEs (for the image ↔ containerPort check); null when a variable hides them. */
export function exposedPorts(df: ParsedDockerfile, target?: string): Set<number> | null {
  const stage =
    (target && df.stages.find((s) => s.name?.toLowerCase() === target.toLowerCase())) ||
    df.stages[df.stages.length - 1];
  const ports = new Set<number>();
  if (!stage) return ports;
  const chain = [stage];
  for (let s = stage; ;) {
    const base = s.from.getArguments()[0]?.getValue().toLowerCase();
    const parent = df.stages.find((p) => p.index < s.index && p.name?.toLowerCase() === base);
    if (!parent) break;
    chain.push(parent);
    s = parent;
  }
  for (const s of chain) {
    for (const ins of s.instructions) {
      if (ins.getKeyword() !== 'EXPOSE') continue;
      for (const a of ins.getArguments()) {
        const m = /^(\d+)(?:-(\d+))?/.exec(a.getValue());
        if (a.getValue().includes('$')) return null;
        if (m) for (let p = Number(m[1]); p <= Number(m[2] ?? m[1]) && p - Number(m[1]) < 1000; p++) ports.add(p);
      }
    }
  }
  return ports;
}
