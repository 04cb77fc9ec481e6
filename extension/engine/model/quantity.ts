// Kubernetes resource quantities ("250m", "1.5", "512Mi", "1e9", "2000u") as numbers: one
// grammar for the engine and the language server. The model carries cpu in millicores and
// memory in bytes; like Kubernetes' MilliValue()/Value(), fractions round up, so a request
// is never understated.

const CPU_HINT = 'expected a number with an optional suffix, e.g. 250m, 0.5 or 2';
const MEMORY_HINT =
  'expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E) or exponent, e.g. 128Mi, 1G or 1e9';

// Kubernetes' parser (resource.ParseQuantity): <signedNumber><suffix>, the suffix a binary SI
// (Ki…Ei), a decimal SI (n, u, m, "", k, M, G, T, P, E) or an exponent (e/E and an integer).
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E|)$/;
const FACTOR: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Whether a value is a quantity Kubernetes accepts (a YAML number counts). */
export function isQuantity(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'string' && QUANTITY.test(v.trim());
}

/** The quantity as a plain number (cpu in cores, memory in bytes); undefined when not a quantity. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = QUANTITY.exec(v.trim());
  if (!m) return undefined;
  const suffix = m[2];
  const factor = suffix in FACTOR ? FACTOR[suffix] : 10 ** Number(suffix.slice(1));
  const n = Number(m[1]) * factor;
  return Number.isFinite(n) ? n : undefined;
}

function nonNegative(q: unknown, kind: 'cpu' | 'memory', hint: string): number {
  const n = parseQuantity(q);
  const shown = typeof q === 'string' ? `"${q}"` : String(q);
  if (n === undefined && typeof q === 'string' && QUANTITY.test(q.trim())) {
    throw new Error(`invalid ${kind} quantity ${shown}: too large`);
  }
  if (n === undefined) throw new Error(`invalid ${kind} quantity ${shown}: ${hint}`);
  if (n < 0) throw new Error(`invalid ${kind} quantity ${shown}: must not be negative`);
  return n;
}

/** cpu quantity → millicores (rounded up). Accepts "100m", "0.5", "1.5", 2, "2000u". */
export function parseCpu(q: unknown): number {
  return Math.ceil(roundNoise(nonNegative(q, 'cpu', CPU_HINT) * 1000));
}

/** memory quantity → bytes (rounded up). Accepts "128Mi", "1G", "1e9", "1.5Gi", 1048576. */
export function parseMemory(q: unknown): number {
  return Math.ceil(roundNoise(nonNegative(q, 'memory', MEMORY_HINT)));
}

// 0.1 * 1000 is 100.00000000000001 in binary floating point; without this,
// ceil would turn "0.1" into 101m.
function roundNoise(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-9 * Math.max(1, Math.abs(x)) ? r : x;
}
