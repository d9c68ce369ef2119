// The CRDs in crds/ are the one source of truth for the API: the generated types, the manifest
// validation of `vpo plan` and the CEL tests all read the schemas from these files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

/** The subset of OpenAPI v3 (JSONSchemaProps) the vpo CRDs use. */
export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

export interface CrdInfo {
  file: string;
  group: string;
  version: string;
  kind: string;
  plural: string;
  schema: Schema;
}

export const crdDir: string = new URL('../../crds/', import.meta.url).pathname;

interface CrdDoc {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string; plural: string };
    versions: { name: string; storage?: boolean; schema: { openAPIV3Schema: Schema } }[];
  };
}

/** Every CRD in `dir`, sorted by kind, with the schema of its storage version. */
export function loadCrds(dir: string = crdDir): CrdInfo[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const out: CrdInfo[] = [];
  for (const f of files) {
    const file = join(dir, f);
    const doc = yaml.load(readFileSync(file, 'utf8')) as CrdDoc;
    if (doc?.kind !== 'CustomResourceDefinition' || !doc.spec) continue;
    const version = doc.spec.versions.find((v) => v.storage) ?? doc.spec.versions[0];
    if (!version) throw new Error(`${file}: no versions`);
    out.push({
      file,
      group: doc.spec.group,
      version: version.name,
      kind: doc.spec.names.kind,
      plural: doc.spec.names.plural,
      schema: version.schema.openAPIV3Schema,
    });
  }
  return out.sort((a, b) => a.kind.localeCompare(b.kind));
}
