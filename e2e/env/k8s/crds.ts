// Installs the CRDs from a directory (every *.yaml in it) and waits until the API server serves them.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubeConfig,
  loadYaml,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { waitUntil } from './probes.ts';

export async function readCrds(dir: string): Promise<V1CustomResourceDefinition[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    for (const doc of loadAll(await readFile(join(dir, file), 'utf8'))) {
      if (!doc) continue;
      const kind = (doc as { kind?: unknown }).kind;
      if (kind !== 'CustomResourceDefinition')
        throw new Error(`${file}: expected a CustomResourceDefinition, got ${String(kind)}`);
      // Through the client's own model: its serializer sends only fields it knows by their model
      // names (e.g. _enum, xKubernetesValidations), so a plain YAML object would lose enum and CEL rules.
      const crd = loadYaml<V1CustomResourceDefinition>(JSON.stringify(doc));
      crds.push(crd);
    }
  }
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${dir}`);
  return crds;
}

const apiMessage = (error: unknown) => {
  const body = (error as { body?: unknown }).body;
  return typeof body === 'string' ? body : (error as Error).message;
};

/** Creates or replaces each CRD, then waits until each is Established and its resource can be listed. */
export async function installCrds(
  config: KubeConfig,
  dir: string,
  timeoutMs = 60_000,
): Promise<V1CustomResourceDefinition[]> {
  const api = config.makeApiClient(ApiextensionsV1Api);
  const custom = config.makeApiClient(CustomObjectsApi);
  const crds = await readCrds(dir);
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (error) {
      if ((error as { code?: number }).code !== 409)
        throw new Error(`installing CRD ${name} failed: ${apiMessage(error)}`, { cause: error });
      const current = await api.readCustomResourceDefinition({ name });
      const body = {
        ...crd,
        metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion },
      };
      await api.replaceCustomResourceDefinition({ name, body });
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    await waitUntil(`CRD ${name} Established`, deadline, async () => {
      const current = await api.readCustomResourceDefinition({ name });
      const conditions = current.status?.conditions ?? [];
      const bad = conditions.find((c) => c.type === 'NonStructuralSchema' && c.status === 'True');
      if (bad) throw new Error(`CRD ${name} is not structural: ${bad.message}`);
      return conditions.some((c) => c.type === 'Established' && c.status === 'True');
    });
    const version = crd.spec.versions.find((v) => v.served)?.name ?? '';
    await waitUntil(`${crd.spec.names.plural}.${crd.spec.group} served`, deadline, async () => {
      await custom.listClusterCustomObject({ group: crd.spec.group, version, plural: crd.spec.names.plural });
      return true;
    });
  }
  return crds;
}
