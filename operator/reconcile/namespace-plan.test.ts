// Storage in a namespace's plan: a pipeline whose pods would share no frame store is refused
// before planning (it takes no GPUs); pipelines share a backend group only when their backend pods
// agree on the object store and the frames volume, and a shared group's runtime file gives each
// pipeline its own s3 frame store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuntimeFile, filePipelines } from '../../contract/runtime-file.ts';
import { loadManifests } from '../api/manifests.ts';
import type { KubeObject } from '../kube/types.ts';
import { namespaceBackends } from '../render/backend-group.ts';
import { sampleNamespace } from '../render/fixtures.test-support.ts';
import { backendConfigName } from '../render/names.ts';
import type { RenderOptions } from '../render/options.ts';
import type { Caches } from './context.ts';
import { planNamespaceRound } from './namespace-plan.ts';

const sampleNodes = loadManifests([
  new URL('../../samples/video-classifier/cluster/nodes.yaml', import.meta.url).pathname,
]).nodes;
const store = { endpoint: 'http://seaweedfs.storage:8333', region: 'eu-1', forcePathStyle: true };
const render: RenderOptions = {
  image: 'vpo:test',
  kafkaBootstrap: 'k:9092',
  objectStore: store,
  frameStoreBucket: 'frames',
};

/** Four light copies of the sample (vc-0 … vc-3); `spec` adds to some pipelines' specs. */
function caches(spec: Record<string, Record<string, unknown>> = {}): Caches {
  const { pipelines, sessions } = sampleNamespace(4);
  const byKey = (objs: { metadata: { namespace?: string; name: string } }[]) =>
    new Map(objs.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o as unknown as KubeObject]));
  const withSpec = pipelines.map((p) => ({
    ...p,
    metadata: { ...p.metadata, generation: 1 },
    spec: { ...p.spec, ...(spec[p.metadata.name] ?? {}) },
  }));
  return {
    pipelines: byKey(withSpec),
    sessions: byKey(sessions),
    nodes: new Map(sampleNodes.map((n) => [(n as KubeObject).metadata.name, n as KubeObject])),
    jobs: new Map(),
    deployments: new Map(),
  };
}

function round(c: Caches, storage: RenderOptions = render) {
  return planNamespaceRound({
    namespace: 'media',
    caches: c,
    rateOf: () => 0.2,
    previous: undefined,
    usedGpus: {},
    storage,
  });
}

const sharedWith = (r: ReturnType<typeof round>, name: string) =>
  new Set(r.plan.backends.filter((b) => b.pipelines.includes(name)).flatMap((b) => b.pipelines));

test('no frame store the pods share: refused before planning (FrameStoreNotShared), no GPUs taken', () => {
  const r = round(caches(), { image: 'vpo:test', kafkaBootstrap: 'k:9092' });
  for (const name of ['vc-0', 'vc-1', 'vc-2', 'vc-3']) {
    const outcome = r.outcomes.get(name);
    assert.equal(outcome?.ok, false);
    assert.equal(outcome?.ok === false && outcome.reason, 'FrameStoreNotShared');
  }
  assert.deepEqual(r.plan.backends, []);
  assert.deepEqual(r.usedGpus, {});
});

test('pipelines on one object store share groups; each keeps its own s3 frame prefix in the group file', () => {
  const r = round(caches());
  const shared = r.plan.backends.filter((b) => b.pipelines.length === 4);
  assert.ok(shared.length > 0, r.plan.explanation);
  const byName = new Map([...r.pipelines].map((p) => [p.metadata.name, p]));
  const hosted = r.plan.pipelines.flatMap(({ name, outcome }) =>
    outcome.ok ? [{ pipeline: byName.get(name)!, plan: outcome.plan }] : [],
  );
  const { objects } = namespaceBackends(r.plan.backends, hosted, r.sessions, render);
  const cm = objects.find((o) => o.metadata.name === backendConfigName(shared[0]!.name)) as unknown as {
    data: Record<string, string>;
  };
  const file = checkRuntimeFile(JSON.parse(cm.data['config.json']!), 'config.json');
  assert.deepEqual(
    filePipelines(file).map((p) => [p.runtime.pipeline.name, p.frameStore]),
    ['vc-0', 'vc-1', 'vc-2', 'vc-3'].map((n) => [n, { kind: 's3', bucket: 'frames', prefix: `media/${n}/` }]),
  );
  assert.deepEqual(file.objectStore, store);
});

test('a pipeline on another object store (or frames volume) never shares a group with the others', () => {
  const own = {
    objectStore: { endpoint: 'https://s3.example.com', region: 'us-west-2' },
    frameStore: { kind: 's3', s3: { bucket: 'elsewhere' } },
  };
  const claim = {
    frameStore: { kind: 'persistentVolumeClaim', persistentVolumeClaim: { claimName: 'rwx' } },
  };
  const r = round(caches({ 'vc-1': own, 'vc-3': claim }));
  for (const name of ['vc-0', 'vc-1', 'vc-2', 'vc-3']) assert.equal(r.outcomes.get(name)?.ok, true, name);
  assert.deepEqual(sharedWith(r, 'vc-1'), new Set(['vc-1']));
  assert.deepEqual(sharedWith(r, 'vc-3'), new Set(['vc-3']));
  assert.deepEqual(sharedWith(r, 'vc-0'), new Set(['vc-0', 'vc-2']));
});

test('--plan-for poisson: the same namespace planned with the headroom random arrivals need', () => {
  const planFor = (planFor: 'steady' | 'poisson') =>
    planNamespaceRound({
      namespace: 'media',
      caches: caches(),
      rateOf: () => 2,
      previous: undefined,
      usedGpus: {},
      storage: render,
      planFor,
    });
  const poisson = planFor('poisson');
  const steady = planFor('steady');
  assert.ok(poisson.plan.backends.length > 0);
  // Every pod of the Poisson plan is planned below what its batches carry at occupancy 1.
  for (const b of poisson.plan.backends)
    for (const s of b.sessions) assert.ok(s.rateVps < (s.batchSize * 1e6) / b.dutyCycleMicros, b.name);
  assert.ok(
    poisson.plan.totals.gpus > steady.plan.totals.gpus,
    `${poisson.plan.totals.gpus} vs ${steady.plan.totals.gpus}`,
  );
});
