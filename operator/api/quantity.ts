// Kubernetes quantity strings ("5.79", "5790m", "2", "1Ki", "1e3"), the way vpo writes decimals
// in spec and status (no floats in the API). Grammar from k8s.io/apimachinery resource.Quantity:
// a signed decimal number, then a binary-SI, decimal-SI or exponent suffix.

const pattern = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const multipliers: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
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

export function isQuantity(text: string): boolean {
  return pattern.test(text);
}

/** The value of a quantity string, or undefined when it does not parse. */
export function parseQuantity(text: string): number | undefined {
  const m = pattern.exec(text);
  if (!m) return undefined;
  const [, num, suffix = ''] = m;
  const value = Number(num);
  if (suffix.startsWith('e') || suffix.startsWith('E')) return value * 10 ** Number(suffix.slice(1));
  const mult = multipliers[suffix];
  return mult === undefined ? undefined : value * mult;
}

/**
 * A decimal for status: rounded to `places` decimals, trailing zeros dropped ("11.58", "12.4",
 * "3"), always a valid quantity string. Integers stay integers.
 */
export function formatDecimal(value: number, places = 2): string {
  if (!Number.isFinite(value)) throw new Error(`cannot format ${value} as a quantity`);
  let s = value.toFixed(places);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}
