import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Plan } from '../operator/planner/types.ts';
import { diamondConfig } from '../runtime/executor/fixtures.test-support.ts';
import { ingestCapacityVps, predictCapacity, predictFromParts, predictLatencyMsOf } from './prediction.ts';
import { saturatedBatch, withSaturatedBatches } from './saturated-batch.ts';

function planWith(capacities: Record<string, number>): Plan {
  return {
    gpus: 1,
    gpuShare: 1,
    gpusAlone: 1,
    sharedWith: [],
    gpuProduct: 'cpu',
    lowerBoundGpus: 1,
    backends: [],
    ingest: { replicas: 1 },
    explanation: '',
    stages: Object.entries(capacities).map(([name, capacityVps]) => ({
      name,
      session: name,
      latencyBudgetMs: 10,
      rateVps: 1,
      capacityVps,
      gpuShare: 1,
      replicas: 1,
      batchSize: 1,
    })),
  };
}

test('predicted capacity is the slower of ingest and the slowest stage, and says which', () => {
  const plan = planWith({ scene: 60, motion: 40, fusion: 500 });
  assert.deepEqual(
    { ...predictCapacity(plan, ingestCapacityVps(2, 400)), stageCapacityVps: undefined },
    { capacityVps: 5, ingestCapacityVps: 5, boundBy: 'ingest', stageCapacityVps: undefined },
  );
  const stageBound = predictCapacity(plan, 100);
  assert.equal(stageBound.capacityVps, 40);
  assert.equal(stageBound.boundBy, 'motion');
  assert.equal(predictCapacity(plan).boundBy, 'motion');
  assert.equal(ingestCapacityVps(2, 0), 0);
});

test('predicted latency is decode plus 2ℓ(b) along the longest path through the join', () => {
  const config = diamondConfig();
  const [scene, motion, fusion] = config.stages;
  scene!.profile = [{ batchSize: 1, latencyMicros: 10_000 }];
  motion!.profile = [
    { batchSize: 1, latencyMicros: 20_000 },
    { batchSize: 8, latencyMicros: 90_000 },
  ];
  fusion!.profile = [{ batchSize: 1, latencyMicros: 1_000 }];
  for (const s of config.stages) s.batchSize = 1;
  motion!.batchSize = 8;
  // motion at batch 8: ℓ = 90 ms, worst case 180; fusion (1 ms per item, batch 1): 2.
  assert.equal(Math.round(predictLatencyMsOf(config, 300)), 300 + 180 + 2);
  // A long wait for a batch to fill outweighs one batch: motion 200 + 90.
  motion!.maxQueueDelayMs = 200;
  assert.equal(Math.round(predictLatencyMsOf(config, 300)), 300 + 290 + 2);
});

test('the saturated batch is the best throughput within the budget and the profiled range', () => {
  const pays = [
    { batchSize: 1, latencyMicros: 1000 },
    { batchSize: 8, latencyMicros: 2000 },
    { batchSize: 32, latencyMicros: 6000 },
  ];
  assert.equal(saturatedBatch(pays, 100, 64), 32);
  assert.equal(saturatedBatch(pays, 100, 16), 16);
  // 2ℓ(b) ≤ 8 ms: ℓ(b) ≤ 4 ms, b ≤ 20 on the line from (8, 2 ms) to (32, 6 ms).
  assert.equal(saturatedBatch(pays, 8, 64), 20);
  assert.equal(saturatedBatch(pays, 1, 64), 1);
  const doesNotPay = [
    { batchSize: 1, latencyMicros: 100 },
    { batchSize: 8, latencyMicros: 900 },
  ];
  assert.equal(saturatedBatch(doesNotPay, 100, 64), 1);
});

test('batch caps are raised to the saturated batch in stages and backends, never lowered', () => {
  const config = diamondConfig({
    backends: [
      {
        name: 'b0',
        gpuProduct: 'cpu',
        replicas: 1,
        dutyCycleMicros: 1000,
        occupancy: 0.5,
        planGeneration: 1,
        sessions: config0Sessions(),
      },
    ],
  });
  const [scene, motion] = config.stages;
  scene!.profile = [
    { batchSize: 1, latencyMicros: 1000 },
    { batchSize: 8, latencyMicros: 2000 },
  ];
  motion!.profile = [
    { batchSize: 1, latencyMicros: 100 },
    { batchSize: 8, latencyMicros: 900 },
  ];
  const { config: raised, raised: notes } = withSaturatedBatches(config, () => 64);
  assert.deepEqual(
    raised.stages.map((s) => [s.name, s.batchSize]),
    [
      ['scene', 8],
      ['motion', 4],
      ['fusion', 4],
    ],
  );
  assert.deepEqual(
    raised.backends[0]!.sessions.map((s) => s.batchSize),
    [8, 4, 4],
  );
  assert.deepEqual(notes, ['scene 4→8']);
  assert.equal(config.stages[0]!.batchSize, 4, 'the input config is not changed');
});

function config0Sessions() {
  return ['scene', 'motion', 'fusion'].map((stage) => ({
    stage,
    session: `${stage}-session`,
    batchSize: 4,
    rateVps: 1,
  }));
}

test('from parts: the cores bound the summed CPU, one core the summed main-thread time', () => {
  const parts = {
    ingest: { cpuMs: 4, mainMs: 1 },
    stages: { scene: { cpuMs: 3, mainMs: 2 }, fusion: { cpuMs: 0.5, mainMs: 0.5 } },
    plumbing: { cpuMs: 0.5, mainMs: 0.5 },
  };
  // 8 CPU ms per video: 250/s on 2 cores; 4 main-thread ms: 250/s on any number of cores.
  const two = predictFromParts(parts, 2);
  assert.equal(two.cpuMsPerVideo, 8);
  assert.equal(two.mainMsPerVideo, 4);
  assert.equal(two.cpuBoundVps, 250);
  assert.equal(two.mainThreadBoundVps, 250);
  const one = predictFromParts(parts, 1);
  assert.deepEqual([one.capacityVps, one.boundBy], [125, 'cpu']);
  const four = predictFromParts(parts, 4);
  assert.deepEqual(
    [four.capacityVps, four.boundBy],
    [250, 'main thread'],
    'more cores do not speed the main thread',
  );
  assert.equal(four.stageCapacityVps.scene, 4000 / 3);
  assert.equal(four.ingestCapacityVps, 1000);
});
