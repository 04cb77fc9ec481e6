// Kubernetes resource quantities ("100m", "1.5", "2Gi") as numbers, for checks and comparisons.
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const FACTOR: Record<string, number> = {
  '': 1,
  m: 1e-3,
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

export function isQuantity(v: string | number): boolean {
  return typeof v === 'number' ? Number.isFinite(v) : QUANTITY.test(v.trim());
}

/** The quantity as a plain number (cpu in cores, memory in bytes); undefined when invalid. */
export function parseQuantity(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const m = QUANTITY.exec(v.trim());
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : FACTOR[suffix];
  return Number(m[1]) * factor;
}
