// Reads the manifests a user would `kubectl apply` (files or directories, multi-document YAML or
// JSON) and turns them into validated, defaulted objects. Every problem is ONE line naming the
// file, the object and the field: `pipeline.yaml: VideoPipeline/foo: spec.load: ...`.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import * as yaml from 'js-yaml';
import type { ModelSession, VideoPipeline } from '../../contract/crd-types.generated.ts';
import type { KubeObject } from '../kube/types.ts';
import { type CrdInfo, loadCrds } from './crds.ts';
import { asModelSession, asVideoPipeline } from './objects.ts';
import { applyDefaults, validateSchema } from './schema-validate.ts';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export interface Manifests {
  pipelines: VideoPipeline[];
  sessions: ModelSession[];
  /** Node objects as the API server returns them; the planner's inventory reads them. */
  nodes: unknown[];
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);
/** Larger than any manifest a person writes; a guard against reading a huge file into memory. */
const MAX_MANIFEST_BYTES = 16 * 2 ** 20;
const nameRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The files under `paths`: files as given, directories recursively (*.yaml, *.yml, *.json), sorted. */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let info: ReturnType<typeof statSync>;
    try {
      info = statSync(p);
    } catch {
      throw new ManifestError(`${p}: no such file or directory`);
    }
    if (!info.isDirectory()) {
      // A device, FIFO or socket never ends (/dev/zero, a pipe): refuse it instead of reading.
      if (!info.isFile()) throw new ManifestError(`${p}: not a regular file or directory`);
      if (info.size > MAX_MANIFEST_BYTES)
        throw new ManifestError(
          `${p}: ${info.size} bytes is larger than ${MAX_MANIFEST_BYTES} for a manifest`,
        );
      out.push(p);
      continue;
    }
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && manifestExtensions.has(extname(entry.name))) out.push(full);
      }
    };
    walk(p);
  }
  return out;
}

/** The documents of one file, `List` items flattened, empty documents dropped. */
export function readDocuments(file: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ManifestError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, null, { filename: file });
  } catch (err) {
    const e = err as { mark?: { line: number }; reason?: string; message: string };
    const line = e.mark ? `:${e.mark.line + 1}` : '';
    throw new ManifestError(`${file}${line}: cannot parse YAML: ${e.reason ?? e.message}`);
  }
  const out: unknown[] = [];
  for (const [i, doc] of docs.entries()) {
    if (doc === null || doc === undefined) continue;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new ManifestError(`${file}: document ${i + 1}: not a Kubernetes object (no kind)`);
    }
    const o = doc as { kind?: unknown; items?: unknown };
    if (
      o.kind === 'List' ||
      (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items))
    ) {
      if (!Array.isArray(o.items)) throw new ManifestError(`${file}: ${o.kind}: items must be a list`);
      out.push(...o.items);
    } else {
      out.push(doc);
    }
  }
  return out;
}

function label(obj: Record<string, unknown>): string {
  const meta = obj.metadata as { name?: unknown } | undefined;
  return `${String(obj.kind)}/${typeof meta?.name === 'string' ? meta.name : '(no name)'}`;
}

function checkMetadata(file: string, obj: Record<string, unknown>): asserts obj is KubeObject {
  const meta = obj.metadata as { name?: unknown; namespace?: unknown } | undefined;
  const where = `${file}: ${label(obj)}`;
  if (typeof meta !== 'object' || meta === null)
    throw new ManifestError(`${where}: metadata: required field is missing`);
  if (typeof meta.name !== 'string' || !nameRe.test(meta.name) || meta.name.length > 253) {
    throw new ManifestError(
      `${where}: metadata.name: must be a DNS subdomain name, got ${JSON.stringify(meta.name)}`,
    );
  }
  if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || !nameRe.test(meta.namespace))) {
    throw new ManifestError(
      `${where}: metadata.namespace: must be a DNS label, got ${JSON.stringify(meta.namespace)}`,
    );
  }
}

/** Loads, defaults and validates every object under `paths`. */
export function loadManifests(paths: string[], crds: CrdInfo[] = loadCrds()): Manifests {
  const result: Manifests = { pipelines: [], sessions: [], nodes: [] };
  const seen = new Map<string, string>();
  for (const file of expandPaths(paths)) {
    for (const doc of readDocuments(file)) {
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
        throw new ManifestError(`${file}: a List item is not a Kubernetes object`);
      }
      const obj = doc as Record<string, unknown>;
      if (typeof obj.kind !== 'string') throw new ManifestError(`${file}: an object has no kind`);
      if (obj.kind === 'Node') {
        checkMetadata(file, obj);
        result.nodes.push(obj);
        continue;
      }
      const crd = crds.find((c) => c.kind === obj.kind);
      if (!crd) {
        throw new ManifestError(
          `${file}: ${label(obj)}: unknown kind ${obj.kind} (vpo plan reads VideoPipeline, ModelSession, Node and List)`,
        );
      }
      const apiVersion = `${crd.group}/${crd.version}`;
      if (obj.apiVersion !== apiVersion) {
        throw new ManifestError(
          `${file}: ${label(obj)}: apiVersion: must be ${apiVersion}, got ${JSON.stringify(obj.apiVersion)}`,
        );
      }
      checkMetadata(file, obj);
      const copy = structuredClone(obj);
      applyDefaults(crd.schema, copy);
      const err = validateSchema(crd.schema, copy);
      if (err) throw new ManifestError(`${file}: ${label(obj)}: ${err}`);
      const meta = copy.metadata as { name: string; namespace?: string };
      const key = `${obj.kind}/${meta.namespace ?? 'default'}/${meta.name}`;
      const first = seen.get(key);
      if (first) throw new ManifestError(`${file}: ${label(obj)}: defined twice (first in ${first})`);
      seen.set(key, file);
      checkMetadata(file, copy);
      // The schema checked the spec; the guards only tell the two kinds apart.
      if (obj.kind === 'VideoPipeline') result.pipelines.push(asVideoPipeline(copy));
      else result.sessions.push(asModelSession(copy));
    }
  }
  return result;
}

/**
 * The Node objects a plan is made against: those in `nodesFile` (`--nodes`, Node objects only), else
 * those among the manifests; none is an error naming both ways to give them.
 */
export function clusterNodes(manifests: Manifests, nodesFile: string | undefined): unknown[] {
  const nodes = nodesFile ? readDocuments(nodesFile) : manifests.nodes;
  if (nodesFile)
    for (const d of nodes) {
      const kind = (d as { kind?: unknown })?.kind;
      if (kind !== 'Node')
        throw new ManifestError(`${nodesFile}: --nodes expects Node objects, found kind ${String(kind)}`);
    }
  if (nodes.length === 0)
    throw new ManifestError(
      'no Node objects found: pass --nodes NODES.yaml (from `kubectl get nodes -o yaml`) or include Node objects in the -f files',
    );
  return nodes;
}
