import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ModelSession } from '../contract/crd-types.generated.ts';
import { loadManifests } from '../operator/api/manifests.ts';
import { planLocally } from './local-plan.ts';

const sample = fileURLToPath(new URL('../samples/video-classifier', import.meta.url));
const { pipelines, sessions } = loadManifests([
  path.join(sample, 'pipeline.yaml'),
  path.join(sample, 'sessions.yaml'),
]);
const pipeline = pipelines[0]!;
const decode = { decodeMs: 400, cpuMs: 400, concurrency: 2, capacityVps: 5 };

function fakeMeasure(measured: string[]) {
  return async (s: ModelSession) => {
    measured.push(s.metadata.name);
    return [
      { batchSize: 1, latencyMicros: 1000 },
      { batchSize: 8, latencyMicros: 2000 },
    ];
  };
}

test('an ingest-bound machine is planned at its predicted capacity, not the manifest target', async () => {
  const measured: string[] = [];
  const local = await planLocally({
    pipeline,
    sessions,
    provider: 'cpu',
    product: 'cpu',
    devices: 2,
    measure: fakeMeasure(measured),
    probeIngest: async () => decode,
  });
  assert.deepEqual(measured, [], 'the sample has cpu profiles: nothing measured without --profile');
  assert.equal(local.prediction.boundBy, 'ingest');
  assert.equal(local.prediction.capacityVps, 5);
  assert.ok(Math.abs(local.plannedVps - 5) < 1e-9, `planned ${local.plannedVps}`);
  assert.deepEqual(local.decode, decode);
  assert.ok(local.notes.some((n) => /planned at the predicted capacity 5\.00/.test(n)));
  for (const s of local.plan.stages) assert.ok(s.capacityVps >= 5, `${s.name} ${s.capacityVps}`);
});

test('--profile measures every session and plans with the measured profiles', async () => {
  const measured: string[] = [];
  const local = await planLocally({
    pipeline,
    sessions,
    provider: 'cpu',
    product: 'cpu',
    devices: 2,
    remeasure: true,
    measure: fakeMeasure(measured),
  });
  assert.deepEqual(measured.sort(), ['fusion-classifier', 'motion-detector', 'scene-classifier']);
  for (const stage of local.config.stages) {
    assert.deepEqual(stage.profile, [
      { batchSize: 1, latencyMicros: 1000 },
      { batchSize: 8, latencyMicros: 2000 },
    ]);
  }
  // No ingest measured: only the stages bound the prediction.
  assert.equal(local.prediction.ingestCapacityVps, undefined);
  assert.notEqual(local.prediction.boundBy, 'ingest');
});
