import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toPlanRequest } from '../operator/api/to-planner.ts';
import { a100Session, linearSession, pipeline, stage } from '../operator/planner/fixtures.test-support.ts';
import type { Plan, PlannerPipeline, PlannerSession } from '../operator/planner/types.ts';
import { samplePipeline } from '../operator/render/fixtures.test-support.ts';
import { runtimeConfigFromPlan } from '../operator/render/runtime-config.ts';
import { simulate } from './engine.ts';
import { buildModel } from './model.ts';

const GPU = 'NVIDIA-A100-SXM4-80GB';

/** A plan by hand: one stage on `pods` backends of one group (or the groups given). */
function onePlan(
  rateVps: number,
  groups: { replicas: number; rateVps: number; batch: number; dutyMicros: number }[],
): Plan {
  const gpus = groups.reduce((a, g) => a + g.replicas, 0);
  return {
    gpus,
    gpuShare: gpus,
    gpusAlone: gpus,
    sharedWith: [],
    gpuProduct: GPU,
    lowerBoundGpus: 1,
    stages: [
      {
        name: 'infer',
        session: 'model',
        latencyBudgetMs: 400,
        rateVps,
        capacityVps: rateVps,
        gpuShare: 1,
        replicas: groups.reduce((a, g) => a + g.replicas, 0),
        batchSize: Math.max(...groups.map((g) => g.batch)),
      },
    ],
    backends: groups.map((g, i) => ({
      name: `p-b${i}`,
      gpuProduct: GPU,
      replicas: g.replicas,
      dutyCycleMicros: g.dutyMicros,
      occupancy: 0.9,
      memoryMiB: 1000,
      saturated: false,
      pipelines: ['p'],
      sessions: [{ pipeline: 'p', stage: 'infer', session: 'model', batchSize: g.batch, rateVps: g.rateVps }],
    })),
    ingest: { replicas: 1 },
    explanation: '',
  };
}

// ℓ(b) = 20 + 10·b ms: batch 8 takes 100 ms (80 videos/s), batch 2 takes 40 ms.
const sessions: PlannerSession[] = [linearSession('model', GPU, 20, 10, 8)];
const single = (rateVps: number, sloMs = 400): PlannerPipeline =>
  pipeline('p', [stage('infer', ['source'], 1, 'model')], { videosPerSecond: rateVps, sloMs });

test('a light load meets the SLO; the same plan offered twice its capacity does not', () => {
  const plan = onePlan(40, [{ replicas: 1, rateVps: 40, batch: 8, dutyMicros: 100_000 }]);
  const model = buildModel([{ pipelines: [single(40)], plan, sessions }]);
  const light = simulate(model, { durationS: 60, arrivals: 'poisson', loadFactor: 1, seed: 3 }).pipelines[0]!;
  assert.equal(light.sloAttainment, 1);
  assert.equal(light.completed, light.videos);
  assert.ok(light.p99Ms < 400 && light.p50Ms > 20, JSON.stringify(light));
  assert.ok(Math.abs(light.throughputVps / light.targetVps - 1) < 0.05);
  // Batches stay within the plan's cap, and fill as the load needs.
  assert.ok(light.backends[0]!.batchFill <= 1);
  const heavy = simulate(model, { durationS: 60, arrivals: 'poisson', loadFactor: 4, seed: 3 }).pipelines[0]!;
  assert.ok(heavy.sloAttainment < 0.5, `160/s on an 80/s pod: ${heavy.sloAttainment}`);
  assert.ok(heavy.throughputVps < 85, `the pod does at most its capacity: ${heavy.throughputVps}`);
  assert.ok(heavy.backends[0]!.utilisation > 0.95);
});

test('a seed replays exactly; another seed differs', () => {
  const plan = onePlan(40, [{ replicas: 1, rateVps: 40, batch: 8, dutyMicros: 100_000 }]);
  const model = () => buildModel([{ pipelines: [single(40)], plan, sessions }]);
  const run = (seed: number) => simulate(model(), { durationS: 30, arrivals: 'bursty', loadFactor: 1, seed });
  assert.deepEqual(run(5), run(5));
  assert.notDeepEqual(run(5).pipelines[0]!.p99Ms, run(6).pipelines[0]!.p99Ms);
});

test('pods receive their planned rates; the even-split baseline gives the small pod seven times more', () => {
  // Two saturated pods at 60/s and a packed pod at 6/s of one stage.
  const plan = onePlan(126, [
    { replicas: 2, rateVps: 60, batch: 8, dutyMicros: 100_000 },
    { replicas: 1, rateVps: 6, batch: 2, dutyMicros: 300_000 },
  ]);
  const units = [{ pipelines: [single(126)], plan, sessions }];
  const follow = simulate(buildModel(units), { durationS: 120, arrivals: 'poisson', loadFactor: 1, seed: 1 });
  const even = simulate(buildModel(units, { followPlan: false }), {
    durationS: 120,
    arrivals: 'poisson',
    loadFactor: 1,
    seed: 1,
  });
  const small = (r: typeof follow) => r.pipelines[0]!.backends.find((b) => b.name === 'p-b1')!;
  assert.ok(small(follow).maxRateError <= 0.1, `planned: ${JSON.stringify(small(follow))}`);
  assert.ok(small(even).maxRateError > 3, `even split: 42/s instead of 6/s: ${JSON.stringify(small(even))}`);
});

test('deadlines are those the runtime config sets (sample pipeline), and the sample runs end to end', () => {
  const { pipeline: manifest, sessions: manifests, plan } = samplePipeline();
  const request = toPlanRequest(manifest, manifests, []);
  const model = buildModel([{ pipelines: [request.pipeline], plan, sessions: request.sessions }]);
  const config = runtimeConfigFromPlan(manifest, manifests, plan);
  for (const s of config.stages) {
    const sim = model.pipelines[0]!.stages.find((x) => x.name === s.name)!;
    assert.equal(sim.deadlineOffsetMs, s.deadlineOffsetMs, s.name);
  }
  const result = simulate(model, { durationS: 120, arrivals: 'uniform', loadFactor: 0.5, seed: 1 })
    .pipelines[0]!;
  assert.equal(result.completed, result.videos);
  assert.equal(result.sloAttainment, 1);
});

test('fan-out multiplies the items downstream; a join runs once per item of its busiest input', () => {
  const shared: PlannerSession[] = [
    a100Session('detect', 8, [
      [1, 10_000, 100],
      [8, 40_000, 200],
    ]),
    a100Session('crop', 32, [
      [1, 2000, 100],
      [32, 20_000, 200],
    ]),
  ];
  const p = pipeline(
    'dag',
    [
      stage('detect', ['source'], 4, 'detect'),
      stage('crop', ['detect'], 1, 'crop'),
      stage('join', ['detect', 'crop'], 1, 'crop'),
    ],
    { videosPerSecond: 10, sloMs: 2000 },
  );
  const plan: Plan = {
    ...onePlan(10, []),
    gpus: 2,
    stages: ['detect', 'crop', 'join'].map((name) => ({
      name,
      session: name === 'detect' ? 'detect' : 'crop',
      latencyBudgetMs: 600,
      rateVps: name === 'detect' ? 10 : 40,
      capacityVps: 100,
      gpuShare: 0.5,
      replicas: 1,
      batchSize: 8,
    })),
    backends: [
      {
        name: 'dag-b0',
        gpuProduct: GPU,
        replicas: 1,
        dutyCycleMicros: 0,
        occupancy: 0.5,
        memoryMiB: 500,
        saturated: false,
        pipelines: ['dag'],
        sessions: [
          { pipeline: 'dag', stage: 'detect', session: 'detect', batchSize: 8, rateVps: 10 },
          { pipeline: 'dag', stage: 'crop', session: 'crop', batchSize: 32, rateVps: 40 },
          { pipeline: 'dag', stage: 'join', session: 'crop', batchSize: 32, rateVps: 40 },
        ],
      },
    ],
  };
  const model = buildModel([{ pipelines: [p], plan, sessions: shared }]);
  const r = simulate(model, { durationS: 60, arrivals: 'uniform', loadFactor: 1, seed: 1 }).pipelines[0]!;
  assert.equal(r.completed, r.videos);
  assert.equal(r.sloAttainment, 1);
  // 4 crops per video, and the join (detect ∥ crop) runs per crop: 10 + 40 + 40 items/s.
  assert.ok(Math.abs(r.backends[0]!.meanRateError) < 0.05, JSON.stringify(r.backends[0]));
});
