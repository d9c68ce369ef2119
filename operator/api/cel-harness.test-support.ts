// Test-only: evaluates the CRDs' CEL rules (x-kubernetes-validations) with @marcbachmann/cel-js,
// plus the minimal Kubernetes quantity library the rules use (isQuantity, quantity,
// Quantity.isGreaterThan, Quantity.isLessThan), at the schema positions the API server evaluates them.
import { Environment } from '@marcbachmann/cel-js';
import type { Schema } from './crds.ts';
import { isQuantity, parseQuantity } from './quantity.ts';

class Quantity {
  value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export const celEnv: Environment = new Environment({ unlistedVariablesAreDyn: true })
  .registerType('Quantity', Quantity)
  .registerFunction('isQuantity(string): bool', (s: string) => isQuantity(s))
  .registerFunction('quantity(string): Quantity', (s: string) => {
    const v = parseQuantity(s);
    if (v === undefined) throw new Error(`quantities must match the regular expression, got ${s}`);
    return new Quantity(v);
  })
  .registerFunction({
    name: 'isGreaterThan',
    receiverType: 'Quantity',
    returnType: 'bool',
    params: [{ name: 'other', type: 'Quantity' }],
    handler: (a: Quantity, b: Quantity) => a.value > b.value,
  })
  .registerFunction({
    name: 'isLessThan',
    receiverType: 'Quantity',
    returnType: 'bool',
    params: [{ name: 'other', type: 'Quantity' }],
    handler: (a: Quantity, b: Quantity) => a.value < b.value,
  });

export interface RuleSite {
  path: string;
  rule: string;
  message: string;
}

/** Every rule in a schema with the (wildcarded) path it applies at, e.g. `spec.stages[*]`. */
export function collectRules(schema: Schema, path = ''): RuleSite[] {
  const here = (schema['x-kubernetes-validations'] ?? []).map((r) => ({ path, ...r }));
  const kids = Object.entries(schema.properties ?? {}).flatMap(([k, s]) =>
    collectRules(s, path ? `${path}.${k}` : k),
  );
  const items = schema.items ? collectRules(schema.items, `${path}[*]`) : [];
  return [...here, ...kids, ...items];
}

/** The value as CEL sees it: integers become int (bigint), lists and maps recursively. */
function toCel(schema: Schema, value: unknown): unknown {
  if (schema.type === 'integer' && typeof value === 'number') return BigInt(value);
  if (Array.isArray(value)) return value.map((v) => (schema.items ? toCel(schema.items, v) : v));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const s = schema.properties?.[k] ?? schema.additionalProperties;
      out[k] = s ? toCel(s, v) : v;
    }
    return out;
  }
  return value;
}

export interface RuleResult extends RuleSite {
  /** Concrete path, e.g. `spec.stages[1]`. */
  at: string;
  self: unknown;
  passed: boolean;
}

/** Evaluates every rule that applies to `value`, depth first, like the API server does. */
export function evaluateRules(schema: Schema, value: unknown, path = '', site = ''): RuleResult[] {
  if (value === undefined || value === null) return [];
  const results: RuleResult[] = [];
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      const s = schema.properties?.[k] ?? schema.additionalProperties;
      const p = path ? `${path}.${k}` : k;
      if (s) results.push(...evaluateRules(s, v, p, site ? `${site}.${k}` : k));
    }
  } else if (Array.isArray(value) && schema.items) {
    for (const [i, v] of value.entries())
      results.push(...evaluateRules(schema.items, v, `${path}[${i}]`, `${site}[*]`));
  }
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    const passed = celEnv.evaluate(rule, { self: toCel(schema, value) }) === true;
    results.push({ path: site, at: path, rule, message, self: value, passed });
  }
  return results;
}
