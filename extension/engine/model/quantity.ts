// Kubernetes resource quantities ("250m", "1.5", "512Mi", "1e9") to the plain
// numbers the model carries: cpu in millicores, memory in bytes. Like
// Kubernetes' MilliValue()/Value(), fractions round up, so a request is never
// understated.

const CPU_HINT = 'expected a number with an optional "m" suffix, e.g. 250m or 0.5';
const MEMORY_HINT =
  'expected a number with an optional suffix (Ki, Mi, Gi, Ti, Pi, Ei, k, M, G, T, P, E) or exponent, e.g. 128Mi, 1G or 1e9';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

// Kubernetes' grammar: <signedNumber><suffix>, where suffix is a binary SI,
// a decimal SI or an exponent (e/E followed by a signed integer).
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|m|k|M|G|T|P|E|)$/;

function checkNumber(q: number, kind: string): number {
  if (!Number.isFinite(q) || q < 0) {
    throw new Error(`invalid ${kind} quantity ${String(q)}: must be a finite number >= 0`);
  }
  return q;
}

/** cpu quantity → millicores (rounded up). Accepts "100m", "0.5", "1.5", 2. */
export function parseCpu(q: string | number): number {
  if (typeof q === 'number') return Math.ceil(roundNoise(checkNumber(q, 'cpu') * 1000));
  if (typeof q !== 'string') throw new Error(`invalid cpu quantity ${JSON.stringify(q)}: ${CPU_HINT}`);
  const s = q.trim();
  const m = /^([+]?(?:\d+\.?\d*|\.\d+))(m?)$/.exec(s);
  if (!m) throw new Error(`invalid cpu quantity "${q}": ${CPU_HINT}`);
  const n = Number(m[1]);
  const milli = m[2] === 'm' ? n : n * 1000;
  return Math.ceil(roundNoise(milli));
}

/** memory quantity → bytes (rounded up). Accepts "128Mi", "1G", "1e9", "1.5Gi", 1048576. */
export function parseMemory(q: string | number): number {
  if (typeof q === 'number') return Math.ceil(roundNoise(checkNumber(q, 'memory')));
  if (typeof q !== 'string') throw new Error(`invalid memory quantity ${JSON.stringify(q)}: ${MEMORY_HINT}`);
  const s = q.trim();
  const m = QUANTITY.exec(s);
  if (!m) throw new Error(`invalid memory quantity "${q}": ${MEMORY_HINT}`);
  const n = Number(m[1]);
  if (n < 0) throw new Error(`invalid memory quantity "${q}": must not be negative`);
  const suffix = m[2];
  let bytes: number;
  if (suffix in BINARY) bytes = n * BINARY[suffix];
  else if (suffix in DECIMAL) bytes = n * DECIMAL[suffix];
  else bytes = n * 10 ** Number(suffix.slice(1));
  if (!Number.isFinite(bytes)) throw new Error(`invalid memory quantity "${q}": too large`);
  return Math.ceil(roundNoise(bytes));
}

// 0.1 * 1000 is 100.00000000000001 in binary floating point; without this,
// ceil would turn "0.1" into 101m.
function roundNoise(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-9 * Math.max(1, Math.abs(x)) ? r : x;
}
