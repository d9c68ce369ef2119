import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gpuNode, linearSession, pipeline, request, stage } from './fixtures.test-support.ts';
import { poissonArrivals, usableItems } from './headroom.ts';
import { planPipeline } from './plan.ts';
import type { PlannerSession } from './types.ts';

function unbatched(name: string, seconds: number): PlannerSession {
  return {
    name,
    maxBatchSize: 1,
    gpuMemoryMiB: 2000,
    profiles: [{ gpuProduct: 'V100', points: [{ batchSize: 1, latencyMicros: seconds * 1e6 }] }],
  };
}

function okPlan(outcome: ReturnType<typeof planPipeline>) {
  assert.ok(outcome.ok, outcome.ok ? '' : `${outcome.reason}: ${outcome.message}`);
  return outcome.plan;
}

describe('planPipeline: the unbatched classifier', () => {
  // scene (4 s) ∥ motion (6 s) → fusion (5 s), batch 1 only, 500,000 videos/day. Each stage must
  // carry the whole rate: 5.787/s × 4 s = 23.1 GPUs, × 6 s = 34.7, × 5 s = 28.9, ≈ 87 in all —
  // not 15:10:12 (a split by inverse latency) and not 37 GPUs.
  const p = pipeline(
    'video-classifier',
    [stage('scene'), stage('motion'), stage('fusion', ['scene', 'motion'])],
    {
      videosPerSecond: 500_000 / 86_400,
      sloMs: 120_000,
    },
  );
  const sessions = [unbatched('scene', 4), unbatched('motion', 6), unbatched('fusion', 5)];
  const plan = okPlan(planPipeline(request(p, sessions, [gpuNode('n1', 'V100', 200, 32_000)])));

  it('gives each stage GPUs in proportion to its latency, shares adding up to the GPUs', () => {
    // A stage's share: its saturated GPUs plus its part of the busy time of the GPU its residual
    // shares, so at least rate × ℓ (23.1, 34.7, 28.9) and at most one GPU more.
    const busy: Record<string, number> = { scene: 23.15, motion: 34.72, fusion: 28.94 };
    for (const s of plan.stages) {
      assert.ok(
        s.gpuShare >= busy[s.name]! - 0.01 && s.gpuShare <= busy[s.name]! + 1,
        `${s.name} ${s.gpuShare}`,
      );
    }
    const total = plan.stages.reduce((n, s) => n + s.gpuShare, 0);
    assert.ok(Math.abs(total - plan.gpus) < 1e-9, `Σ share ${total} = ${plan.gpus} GPUs`);
    assert.ok(Math.abs(plan.gpuShare - plan.gpus) < 1e-9);
    const replicas = Object.fromEntries(plan.stages.map((s) => [s.name, s.replicas]));
    assert.ok(replicas.scene! >= 23 && replicas.scene! <= 25);
    assert.ok(replicas.motion! >= 34 && replicas.motion! <= 36);
    assert.ok(replicas.fusion! >= 28 && replicas.fusion! <= 30);
  });

  it('uses 87–89 GPUs against a lower bound of 86.8', () => {
    assert.ok(plan.gpus >= 87 && plan.gpus <= 89, `gpus ${plan.gpus}`);
    assert.ok(Math.abs(plan.lowerBoundGpus - 86.8) < 0.01);
    assert.equal(
      plan.gpus,
      plan.backends.reduce((s, b) => s + b.replicas, 0),
    );
  });

  it('gives the parallel branches budgets that fit the SLO on both paths', () => {
    const budget = Object.fromEntries(plan.stages.map((s) => [s.name, s.latencyBudgetMs]));
    assert.ok(budget.scene! + budget.fusion! <= 120_000);
    assert.ok(budget.motion! + budget.fusion! <= 120_000);
    assert.ok(budget.motion! >= 12_000, 'motion needs 2 × 6 s');
  });
});

describe('planPipeline: one batched stage, by hand', () => {
  // ℓ(b) = 10 ms + 5 ms·b up to 16. Budget 200 ms: 2ℓ(b) ≤ 200 ⇒ b ≤ 18, capped at 16:
  // ℓ(16) = 90 ms, TP = 177.8/s. 1000/s ⇒ 5 saturated GPUs (888.9/s), residual 111.1/s.
  // Alone: largest b with b/r + ℓ(b) ≤ 200 ms: 9b + 10 + 5b ≤ 200 ⇒ b = 13, ℓ = 75 ms, duty 117 ms.
  const sessions = [linearSession('detect', 'T4', 10, 5, 16)];
  const p = pipeline('one', [stage('detect')], { videosPerSecond: 1000, sloMs: 200 });
  const plan = okPlan(planPipeline(request(p, sessions, [gpuNode('n', 'T4', 8, 16_000)])));

  it('saturates five GPUs at batch 16 and packs the residual at batch 13', () => {
    assert.equal(plan.gpus, 6);
    assert.equal(plan.backends.length, 2);
    const [saturated, packed] = plan.backends;
    assert.equal(saturated!.replicas, 5);
    assert.equal(saturated!.sessions[0]!.batchSize, 16);
    assert.equal(saturated!.dutyCycleMicros, 90_000);
    assert.equal(packed!.sessions[0]!.batchSize, 13);
    assert.equal(packed!.dutyCycleMicros, 117_000);
    assert.ok(Math.abs(packed!.occupancy - 75 / 117) < 1e-9);
    assert.ok(Math.abs(plan.lowerBoundGpus - 1000 / (16 / 0.09)) < 1e-9);
    assert.equal(plan.stages[0]!.latencyBudgetMs, 200);
    assert.ok(plan.stages[0]!.capacityVps >= 1000 - 1e-6);
  });

  it('names backends after the pipeline, in order', () => {
    assert.deepEqual(
      plan.backends.map((b) => b.name),
      ['one-b0', 'one-b1'],
    );
  });

  it('reports InsufficientGPUs with the plan when the nodes are too few', () => {
    const outcome = planPipeline(request(p, sessions, [gpuNode('n', 'T4', 4, 16_000)]));
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && outcome.reason === 'InsufficientGPUs');
    assert.match(outcome.message, /needs 6 GPU\(s\), 4 available/);
    assert.equal(outcome.plan?.gpus, 6);
  });

  it('subtracts GPUs other plans use', () => {
    const outcome = planPipeline({
      ...request(p, sessions, [gpuNode('n', 'T4', 8, 16_000)]),
      usedGpus: { T4: 3 },
    });
    assert.ok(!outcome.ok && outcome.reason === 'InsufficientGPUs');
  });
});

describe('planPipeline: planned for Poisson arrivals', () => {
  // The stage above (ℓ(b) = 10 + 5b ms, budget 200 ms, 1000/s), videos arriving at random: a
  // batch of b carries n*(b) < b per cycle on average (headroom.ts), and a budget of k·ℓ(b) lets a
  // request wait k − 1 cycles, so the best batch is the one of highest n*(b, k − 1)/ℓ(b).
  const sessions = [linearSession('detect', 'T4', 10, 5, 16)];
  const steady = pipeline('one', [stage('detect')], { videosPerSecond: 1000, sloMs: 200 });
  const poisson = { ...steady, arrivals: 'poisson' as const };
  const nodes = [gpuNode('n', 'T4', 16, 16_000)];
  const plan = okPlan(planPipeline(request(poisson, sessions, nodes)));

  it('runs each saturated GPU at the best rate any batch carries under random arrivals', () => {
    const [saturated] = plan.backends;
    const { batchSize, rateVps } = saturated!.sessions[0]!;
    let best = 0;
    for (let b = 1; b <= 16; b++) {
      const l = 10 + 5 * b;
      const rounds = Math.floor(200 / l) - 1;
      if (rounds >= 1) best = Math.max(best, (usableItems(b, rounds, poissonArrivals(1, 1)) * 1000) / l);
    }
    assert.ok(Math.abs(rateVps - best) < 1e-6, `${rateVps} vs ${best}`);
    assert.ok(rateVps < (batchSize * 1000) / (10 + 5 * batchSize));
    assert.equal(saturated!.replicas, Math.floor(1000 / best));
  });

  it('leaves every pod headroom, and costs more GPUs than the steady plan', () => {
    for (const b of plan.backends)
      for (const s of b.sessions) assert.ok(s.rateVps < (s.batchSize * 1e6) / b.dutyCycleMicros, b.name);
    const steadyPlan = okPlan(planPipeline(request(steady, sessions, nodes)));
    assert.ok(plan.gpus > steadyPlan.gpus, `${plan.gpus} vs ${steadyPlan.gpus}`);
    assert.ok(plan.stages[0]!.capacityVps >= 1000 - 1e-6);
  });
});

describe('planPipeline: failures come back as reasons', () => {
  const sessions = [linearSession('a', 'T4', 10, 5, 16), linearSession('b', 'T4', 10, 5, 16)];
  const nodes = [gpuNode('n', 'T4', 8, 16_000)];

  it('MissingSession', () => {
    const p = pipeline('x', [stage('a'), stage('c', ['a'])], { videosPerSecond: 1, sloMs: 1000 });
    const outcome = planPipeline(request(p, sessions, nodes));
    assert.ok(!outcome.ok && outcome.reason === 'MissingSession');
    assert.match(outcome.message, /\bc\b/);
  });

  it('CyclicGraph', () => {
    const p = pipeline('x', [stage('a', ['b']), stage('b', ['a'])], { videosPerSecond: 1, sloMs: 1000 });
    const outcome = planPipeline(request(p, sessions, nodes));
    assert.ok(!outcome.ok && outcome.reason === 'CyclicGraph');
  });

  it('MissingProfile', () => {
    const p = pipeline('x', [stage('a')], { videosPerSecond: 1, sloMs: 1000 }, { gpuProducts: ['H100'] });
    const outcome = planPipeline(request(p, sessions, nodes));
    assert.ok(!outcome.ok && outcome.reason === 'MissingProfile');
  });

  it('Infeasible says which stages and by how much', () => {
    // ℓ(1) = 15 ms, so a → b needs 2×15 + 2×15 = 60 ms; 100 − 50 ingest − 2×10 hops = 30 ms usable.
    const p = pipeline(
      'x',
      [stage('a'), stage('b', ['a'])],
      { videosPerSecond: 1, sloMs: 100 },
      { ingestAllowanceMs: 50, hopAllowanceMs: 10 },
    );
    const outcome = planPipeline(request(p, sessions, nodes));
    assert.ok(!outcome.ok && outcome.reason === 'Infeasible');
    assert.match(
      outcome.message,
      /a \(2×ℓ = 30 ms\) → b \(2×ℓ = 30 ms\) needs 60 ms of the 30 ms usable: short by 30 ms/,
    );
  });

  it('Infeasible when one session alone does not fit GPU memory', () => {
    const big = linearSession('a', 'T4', 10, 5, 16, { baseMiB: 20_000, perItemMiB: 100 });
    const p = pipeline('x', [stage('a')], { videosPerSecond: 1, sloMs: 1000 });
    const outcome = planPipeline(request(p, [big], nodes));
    assert.ok(!outcome.ok && outcome.reason === 'Infeasible');
    assert.match(outcome.message, /needs 20100 MiB at batch 1 but T4 has 16000 MiB/);
  });

  it('never throws on junk', () => {
    const outcome = planPipeline({ pipeline: { stages: 7 }, sessions: [], nodes: [] } as never);
    assert.equal(outcome.ok, false);
  });
});

describe('planPipeline: memory and products', () => {
  it('caps the batch where memory runs out', () => {
    // m(b) = 4000 + 1000·b MiB on a 16000 MiB GPU: batch ≤ 12 although 32 would fit the budget.
    const s = linearSession('a', 'T4', 10, 1, 32, { baseMiB: 4000, perItemMiB: 1000 });
    const p = pipeline('m', [stage('a')], { videosPerSecond: 2000, sloMs: 1000 });
    const plan = okPlan(planPipeline(request(p, [s], [gpuNode('n', 'T4', 100, 16_000)])));
    assert.equal(plan.stages[0]!.batchSize, 12);
    for (const b of plan.backends) assert.ok(b.memoryMiB <= 16_000);
  });

  it('keeps the product needing fewer GPUs, then the one listed first', () => {
    const s: PlannerSession = {
      ...linearSession('a', 'T4', 10, 5, 16),
      profiles: [
        ...linearSession('a', 'T4', 10, 5, 16).profiles,
        ...linearSession('a', 'H100', 2, 1, 16).profiles,
      ],
    };
    const nodes = [gpuNode('t', 'T4', 50, 16_000), gpuNode('h', 'H100', 50, 80_000)];
    const p = pipeline('m', [stage('a')], { videosPerSecond: 1000, sloMs: 200 });
    assert.equal(okPlan(planPipeline(request(p, [s], nodes))).gpuProduct, 'H100');
    const light = pipeline(
      'm',
      [stage('a')],
      { videosPerSecond: 1, sloMs: 200 },
      { gpuProducts: ['T4', 'H100'] },
    );
    assert.equal(okPlan(planPipeline(request(light, [s], nodes))).gpuProduct, 'T4');
  });
});
