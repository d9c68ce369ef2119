// Validates and defaults an object against a CRD's structural schema the way the API server does
// (defaults, then types, required fields, unknown fields, enums, patterns, bounds, then the CEL
// rules through their TypeScript twins). Returns the first problem, as `path: message`.
import type { Schema } from './crds.ts';
import { ruleChecks } from './rules.ts';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `"${v}"`;
  return `${typeof v} ${String(v)}`;
}

/** Fills in schema defaults where a field is absent (as the API server does on create). */
export function applyDefaults(schema: Schema, value: unknown): void {
  if (isObject(value) && schema.properties) {
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (value[key] === undefined && prop.default !== undefined) value[key] = structuredClone(prop.default);
      if (value[key] !== undefined) applyDefaults(prop, value[key]);
    }
  } else if (Array.isArray(value) && schema.items) {
    for (const item of value) applyDefaults(schema.items, item);
  }
}

const isQuantityField = (s: Schema): boolean =>
  (s['x-kubernetes-validations'] ?? []).some((r) => r.rule.startsWith('isQuantity('));

function typeError(schema: Schema, value: unknown): string | undefined {
  switch (schema.type) {
    case 'object':
      return isObject(value) ? undefined : `must be an object, got ${describe(value)}`;
    case 'array':
      return Array.isArray(value) ? undefined : `must be a list, got ${describe(value)}`;
    case 'string':
      if (typeof value === 'string') return undefined;
      return isQuantityField(schema)
        ? `must be a quantity string (e.g. "5.79"), got ${typeof value}`
        : `must be a string, got ${describe(value)}`;
    case 'integer':
      return Number.isInteger(value) ? undefined : `must be an integer, got ${describe(value)}`;
    case 'number':
      return typeof value === 'number' ? undefined : `must be a number, got ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${describe(value)}`;
    default:
      return undefined;
  }
}

function boundsError(s: Schema, v: unknown): string | undefined {
  if (s.enum && !s.enum.includes(v)) return `must be one of ${s.enum.join(', ')}, got ${describe(v)}`;
  if (typeof v === 'number') {
    if (s.minimum !== undefined && v < s.minimum) return `must be at least ${s.minimum}, got ${v}`;
    if (s.maximum !== undefined && v > s.maximum) return `must be at most ${s.maximum}, got ${v}`;
  }
  if (typeof v === 'string') {
    if (s.minLength !== undefined && v.length < s.minLength) return `must not be empty`;
    if (s.maxLength !== undefined && v.length > s.maxLength)
      return `must be at most ${s.maxLength} characters`;
    if (s.pattern && !new RegExp(s.pattern).test(v)) return `must match ${s.pattern}, got ${describe(v)}`;
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) return `must have at least ${s.minItems} item(s)`;
    if (s.maxItems !== undefined && v.length > s.maxItems) return `must have at most ${s.maxItems} items`;
  }
  if (isObject(v) && s.maxProperties !== undefined && Object.keys(v).length > s.maxProperties) {
    return `must have at most ${s.maxProperties} entries`;
  }
  return undefined;
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** The first schema violation in `value`, as `path: message`, or undefined when it is valid. */
export function validateSchema(schema: Schema, value: unknown, path = ''): string | undefined {
  const at = (msg: string) => `${path || '(root)'}: ${msg}`;
  const bad = typeError(schema, value) ?? boundsError(schema, value);
  if (bad) return at(bad);
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (value[key] === undefined) return `${join(path, key)}: required field is missing`;
    }
    for (const [key, child] of Object.entries(value)) {
      const prop = schema.properties?.[key] ?? schema.additionalProperties;
      if (!prop) {
        if (schema.properties) return `${join(path, key)}: unknown field`;
        continue;
      }
      if (child === undefined) continue;
      const err = validateSchema(prop, child, join(path, key));
      if (err) return err;
    }
  } else if (Array.isArray(value) && schema.items) {
    for (const [i, item] of value.entries()) {
      const err = validateSchema(schema.items, item, `${path}[${i}]`);
      if (err) return err;
    }
  }
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    const check = ruleChecks[rule];
    if (check && !check(value)) return at(message);
  }
  return undefined;
}
