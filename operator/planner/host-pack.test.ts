// The traffic sample (samples/traffic/*.yaml), worked by hand: vehicles (fanOut 8) → plates and
// vehicles → counts, 50 videos/s × peak 2, SLO 5000 ms − ingest 1000 − 2 hops × 50 = 3900 ms
// usable, A100 profiles as in sessions.yaml.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A100, A100_MIB, a100Session, gpuNode, pipeline, stage } from './fixtures.test-support.ts';
import { STEADY } from './headroom.ts';
import { packWithHosts } from './host-pack.ts';
import { planPipeline } from './plan.ts';
import { buildProfile, throughputVps } from './profile.ts';
import type { StageTask } from './saturate.ts';
import { saturate } from './saturate.ts';
import { squishyPack } from './squishy-pack.ts';
import type { PlannerSession } from './types.ts';

const session = a100Session;

const sessions = [
  session('vehicle-detector', 32, [
    [1, 20_000, 1500],
    [8, 60_000, 2500],
    [32, 200_000, 6000],
  ]),
  session('plate-reader', 64, [
    [1, 8000, 800],
    [16, 30_000, 1400],
    [64, 100_000, 3000],
  ]),
  session('vehicle-counter', 64, [
    [1, 1000, 200],
    [64, 4000, 300],
  ]),
];
const traffic = pipeline(
  'traffic',
  [
    stage('vehicles', ['source'], 8, 'vehicle-detector'),
    stage('plates', ['vehicles'], 1, 'plate-reader'),
    stage('counts', ['vehicles'], 1, 'vehicle-counter'),
  ],
  { videosPerSecond: 50, peakFactor: 2, sloMs: 5000 },
  { ingestAllowanceMs: 1000, hopAllowanceMs: 50 },
);
const nodes = [gpuNode('gpu-a100-0', A100, 4, A100_MIB)];
const rates = { vehicles: 100, plates: 800, counts: 800 } as Record<string, number>;

function profileOf(s: PlannerSession) {
  const built = buildProfile(s, A100, A100_MIB);
  assert.ok(built.ok);
  return built.profile;
}

describe('traffic sample: a light sink on a saturated GPU', () => {
  const outcome = planPipeline({ pipeline: traffic, sessions, nodes });
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
  const { plan } = outcome;

  it('needs 2 GPUs, the optimum: no split or packing can need fewer', () => {
    // Any plan needs ≥ Σ R / (best throughput at ANY batch): vehicles 100 / 160 (b = 32) +
    // plates 800 / 640 (b = 64) + counts 800 / 16000 (b = 64) = 1.925 > 1, so 2 GPUs is optimal.
    let bound = 0;
    for (const [i, s] of sessions.entries()) {
      const p = profileOf(s);
      let best = 0;
      for (let b = 1; b <= p.maxBatch; b++) best = Math.max(best, throughputVps(p, b));
      bound += Object.values(rates)[i]! / best;
    }
    assert.ok(Math.abs(bound - 1.925) < 1e-9, `bound ${bound}`);
    assert.equal(plan.gpus, 2);
    assert.match(plan.explanation, /shares a saturated GPU instead: one saturated GPU of plates/);
  });

  it('hosts counts beside plates at counts’ 80 ms duty cycle, every constraint checked by hand', () => {
    const profiles = new Map(sessions.map((s) => [s.name, profileOf(s)]));
    const budget = Object.fromEntries(plan.stages.map((s) => [s.name, s.latencyBudgetMs]));
    assert.ok(budget.vehicles! + budget.plates! <= 3900 && budget.vehicles! + budget.counts! <= 3900);
    const served: Record<string, number> = {};
    for (const b of plan.backends) {
      let busy = 0;
      for (const s of b.sessions) {
        const l = profiles.get(s.session)!.latencyMicros[s.batchSize]!;
        busy += l;
        assert.ok(b.dutyCycleMicros + l <= budget[s.stage]! * 1000, `${s.stage} misses its budget`);
        assert.ok(s.batchSize >= (s.rateVps * b.dutyCycleMicros) / 1e6 - 1e-9, `${s.stage} falls behind`);
        served[s.stage] = (served[s.stage] ?? 0) + s.rateVps * b.replicas;
      }
      assert.ok(busy <= b.dutyCycleMicros, `Σℓ ${busy} > d ${b.dutyCycleMicros}`);
    }
    for (const [name, r] of Object.entries(rates)) assert.ok(Math.abs(served[name]! - r) < 1e-6, name);
    // counts can batch at most 64: at 800/s it cannot wait longer than 64 / 800 s = 80 ms. plates
    // keeps the largest batch with ℓ(b) ≤ 80 − ℓ_counts(64) = 76 ms: b = 47 (75.2 ms), 587.5/s.
    const shared = plan.backends.find((b) => b.sessions.some((s) => s.stage === 'counts'))!;
    assert.equal(shared.dutyCycleMicros, 80_000);
    assert.deepEqual(
      shared.sessions.map((s) => [s.stage, s.batchSize, s.rateVps]),
      [
        ['plates', 47, 587.5],
        ['counts', 64, 800],
      ],
    );
  });

  it('why Nexus packing alone needs 3: counts’ short duty cycle merges with nothing', () => {
    // The same budgets, saturated GPUs then squishy packing: plates fills one GPU at b = 64
    // (640/s); residuals vehicles 100/s (d = 320 ms), plates 160/s, counts 800/s (d = 80 ms).
    // Joining counts forces d = 80 ms on the others: vehicles b = 8 (60 ms) + plates b = 13
    // (25.6 ms) + counts 4 ms = 89.6 ms > 80 ms. So counts sits alone at occupancy 0.05.
    const tasks = plan.stages.map(
      (s): StageTask => ({
        key: s.name,
        arrivals: STEADY,
        pipeline: 'traffic',
        stage: s.name,
        session: s.session,
        profile: profileOf(sessions.find((x) => x.name === s.session)!),
        rateVps: s.rateVps,
        budgetMs: s.latencyBudgetMs,
      }),
    );
    const saturated = tasks.map((t) => saturate(t)!);
    const residuals = tasks.map((task, i) => ({ task, rateVps: saturated[i]!.residualVps }));
    const plain = squishyPack(residuals, A100_MIB);
    assert.ok(plain.ok);
    const satGpus = saturated.flatMap((s) => s.gpus);
    assert.equal(satGpus.length + plain.gpus.length, 3);
    const alone = plain.gpus.find((g) => g.placements.some((p) => p.task.stage === 'counts'))!;
    assert.equal(alone.placements.length, 1);
    assert.equal(alone.dutyCycleMicros, 80_000);
    const hosted = packWithHosts(satGpus, residuals, A100_MIB, 2);
    assert.ok(hosted.ok);
    assert.equal(hosted.saturatedGpus.length + hosted.packedGpus.length, 2);
  });
});
