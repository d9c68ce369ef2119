// The packing-aware SLO split on the video-classifier sample: scene ∥ motion → fusion, A100
// profiles as in samples/video-classifier/sessions.yaml, 500,000 videos/day × peak 2, SLO 10 s.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A100, A100_MIB, a100Session, gpuNode, pipeline, stage } from './fixtures.test-support.ts';
import { STEADY } from './headroom.ts';
import { aloneOccupancy, packingCostGpus } from './packing-cost.ts';
import { planPipeline, planPipelines } from './plan.ts';
import { buildProfile, throughputVps } from './profile.ts';
import type { PlannerSession } from './types.ts';

const session = a100Session;

const sessions = [
  session('scene-classifier', 32, [
    [1, 150_000, 1200],
    [8, 480_000, 2000],
    [16, 1_100_000, 3000],
    [32, 2_000_000, 5000],
  ]),
  session('motion-detector', 32, [
    [1, 250_000, 1600],
    [8, 800_000, 2600],
    [16, 1_800_000, 4200],
    [32, 3_400_000, 7000],
  ]),
  session('fusion-classifier', 64, [
    [1, 2000, 200],
    [64, 10_000, 300],
  ]),
];
const classifier = pipeline(
  'video-classifier',
  [
    stage('scene', ['source'], 1, 'scene-classifier'),
    stage('motion', ['source'], 1, 'motion-detector'),
    stage('fusion', ['scene', 'motion'], 1, 'fusion-classifier'),
  ],
  { videosPerSecond: 500_000 / 86_400, peakFactor: 2, sloMs: 10_000 },
  { ingestAllowanceMs: 1000, hopAllowanceMs: 50 },
);
const nodes = [gpuNode('a100', A100, 8, A100_MIB)];
const rateVps = (2 * 500_000) / 86_400;

function profileOf(s: PlannerSession) {
  const built = buildProfile(s, A100, A100_MIB);
  assert.ok(built.ok);
  return built.profile;
}

describe('packing-aware split: the video-classifier sample', () => {
  const outcome = planPipeline({ pipeline: classifier, sessions, nodes });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  const { plan } = outcome;

  it('reaches the optimum: 2 GPUs, where no split can need fewer', () => {
    // Whatever the split, each stage needs at least R / (best throughput at ANY batch) GPUs:
    // scene 11.57 / 16.67 (b = 8) + motion 11.57 / 10 (b = 8) = 1.85 > 1, so 2 is optimal.
    let bound = 0;
    for (const s of sessions) {
      const p = profileOf(s);
      let best = 0;
      for (let b = 1; b <= p.maxBatch; b++) best = Math.max(best, throughputVps(p, b));
      bound += rateVps / best;
    }
    assert.ok(Math.abs(bound - 1.85) < 0.01, `bound ${bound}`);
    assert.equal(Math.ceil(bound), 2);
    assert.equal(plan.gpus, 2);
    assert.ok(Math.abs(plan.lowerBoundGpus - 1.85) < 0.01, `LB ${plan.lowerBoundGpus}`);
  });

  it('gives fusion a budget long enough to share the scene GPU', () => {
    const budget = Object.fromEntries(plan.stages.map((s) => [s.name, s.latencyBudgetMs]));
    assert.ok(budget.scene! + budget.fusion! <= 8900 && budget.motion! + budget.fusion! <= 8900);
    const shared = plan.backends.find((b) => b.sessions.some((s) => s.stage === 'fusion'))!;
    assert.deepEqual(shared.sessions.map((s) => s.stage).sort(), ['fusion', 'motion', 'scene']);
    // Duty cycle ⌊32 / 11.57/s⌋ ≈ 2764.8 ms; fusion waits at most that and runs ℓ(32) ≈ 5.9 ms.
    assert.equal(shared.dutyCycleMicros, Math.floor((32 / rateVps) * 1e6));
    assert.ok(budget.fusion! * 1000 >= shared.dutyCycleMicros + 5937);
    assert.match(plan.explanation, /GPUs: fractional 3, packing 2/);
  });

  it('improves on the fractional-optimal split, which strands fusion on a GPU of its own', () => {
    const baseline = planPipelines({ pipelines: [classifier], sessions, nodes }, { fractionalSplit: true });
    assert.ok(baseline.ok);
    assert.equal(baseline.plan.gpus, 3);
    const fusion = baseline.plan.stages.find((s) => s.name === 'fusion')!;
    assert.ok(fusion.latencyBudgetMs < 100, `fusion ${fusion.latencyBudgetMs} ms`);
  });
});

describe('packingCostGpus', () => {
  const fusion = profileOf(sessions[2]!);
  it('charges a light stage its occupancy alone, which falls as its budget grows', () => {
    // 35 ms: batch 1 (86 ms to fill) cannot wait for a full batch: d = 35 − 2 = 33 ms, ℓ/d = 0.061.
    assert.ok(Math.abs(packingCostGpus(fusion, rateVps, 35, STEADY) - 2 / 33) < 1e-9);
    // 3 s: b = 34 fills in 2.94 s, ℓ(34) ≈ 6.1 ms: about 0.002 of a GPU.
    assert.ok(packingCostGpus(fusion, rateVps, 3000, STEADY) < 0.0025);
    assert.equal(aloneOccupancy(fusion, rateVps, 1, STEADY), Number.POSITIVE_INFINITY);
  });

  it('counts whole saturated GPUs, then the residual', () => {
    const motion = profileOf(sessions[1]!);
    // Budget 5.9 s: saturated b = 8 (10/s) → 1 GPU; residual 1.57/s alone at b = 8 fills in 5.08 s: ℓ/d = 0.8 / (8 / r).
    const cost = packingCostGpus(motion, rateVps, 5900, STEADY);
    assert.ok(Math.abs(cost - (1 + (rateVps - 10) * 0.1)) < 0.01, `cost ${cost}`);
  });
});
