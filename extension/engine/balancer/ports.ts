// Host port choice for a Service port, kept pure so it can be tested without sockets.
//
// Rules:
// - a nodePort in the manifest is used as-is;
// - otherwise the port stored for this stack and Service port (ports.json) is reused,
//   so URLs survive restarts;
// - otherwise a new one is chosen from a deterministic, per-key order of candidates in
//   HOST_PORT_RANGE (below Linux's ephemeral range 32768–60999, so outgoing
//   connections never hold it, and outside Kubernetes' nodePort range 30000–32767),
//   skipping ports this stack already uses and ports found busy at choice time.
// Once chosen, a port is never moved: if someone else holds it later, that Service
// port reports the clash as an error.

export const HOST_PORT_RANGE = { min: 20000, max: 29999 } as const;

/** The store key of a Service port. */
export function portKey(service: string, port: number): string {
  return `${service}/${port}`;
}

export type PortPlan =
  { kind: 'fixed'; port: number; source: 'nodePort' | 'stored' } | { kind: 'choose'; candidates: number[] };

export interface PortPlanInput {
  key: string;
  nodePort?: number;
  stored: Readonly<Record<string, number>>;
  /** Max candidates to list when a new port must be chosen. */
  limit?: number;
  range?: { min: number; max: number };
}

export function planHostPort(input: PortPlanInput): PortPlan {
  if (input.nodePort !== undefined) return { kind: 'fixed', port: input.nodePort, source: 'nodePort' };
  const stored = input.stored[input.key];
  if (stored !== undefined) return { kind: 'fixed', port: stored, source: 'stored' };
  const range = input.range ?? HOST_PORT_RANGE;
  const size = range.max - range.min + 1;
  const taken = new Set(Object.values(input.stored));
  const limit = Math.min(input.limit ?? 64, size);
  const candidates: number[] = [];
  // Start at a hash of the key and walk with a stride coprime to the size: stable
  // across machines and runs, and keys rarely share a start.
  const start = fnv1a(input.key) % size;
  const stride = coprimeStride(size, fnv1a(`${input.key}#`));
  for (let i = 0; i < size && candidates.length < limit; i++) {
    const p = range.min + ((start + i * stride) % size);
    if (!taken.has(p)) candidates.push(p);
  }
  return { kind: 'choose', candidates };
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function coprimeStride(size: number, seed: number): number {
  if (size <= 2) return 1;
  let s = 1 + (seed % (size - 1));
  while (gcd(s, size) !== 1) s = 1 + (s % (size - 1));
  return s;
}
