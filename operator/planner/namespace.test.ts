import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  gameNamespace,
  gpuNode,
  linearSession,
  pipeline,
  previousOf,
  stage,
  T4,
  T4_MIB,
} from './fixtures.test-support.ts';
import { planNamespace } from './namespace.ts';
import type { NamespacePlan, NamespacePlanRequest, Plan } from './types.ts';

const nodes = [gpuNode('t4', T4, 64, T4_MIB)];

function planOf(ns: NamespacePlan, name: string): Plan {
  const entry = ns.pipelines.find((p) => p.name === name);
  assert.ok(entry?.outcome.ok, JSON.stringify(entry?.outcome));
  return entry.outcome.plan;
}

describe('planNamespace: 20 game pipelines (Nexus Zipf-0.9 mix)', () => {
  const { pipelines, sessions } = gameNamespace(314);
  const ns = planNamespace({ namespace: 'media', pipelines, sessions, nodes });

  it('shares 7 GPUs where each pipeline alone takes 21 (lower bound 5.96)', () => {
    assert.equal(ns.totals.pipelines, 20);
    assert.equal(ns.totals.gpusAlone, 21);
    assert.equal(ns.totals.gpus, 7);
    assert.ok(Math.abs(ns.totals.lowerBoundGpus - 5.96) < 0.01, String(ns.totals.lowerBoundGpus));
    assert.equal(
      ns.backends.reduce((n, b) => n + b.replicas, 0),
      7,
    );
    assert.match(ns.explanation, /20 pipeline\(s\) on 7 GPU\(s\) shared; alone: 21 GPUs \(14 saved\)/);
  });

  it('gives each pipeline its own stages, the groups hosting them, and shares that add up', () => {
    let shares = 0;
    for (const { name, outcome } of ns.pipelines) {
      assert.ok(outcome.ok);
      const plan = outcome.plan;
      assert.deepEqual(
        plan.stages.map((s) => s.name),
        ['infer'],
      );
      assert.ok(plan.backends.every((b) => b.pipelines.includes(name)));
      assert.equal(
        plan.gpus,
        plan.backends.reduce((n, b) => n + b.replicas, 0),
      );
      assert.deepEqual(plan.namespace, ns.totals);
      for (const other of plan.sharedWith) assert.ok(plan.backends.some((b) => b.pipelines.includes(other)));
      shares += plan.gpuShare;
    }
    assert.ok(Math.abs(shares - ns.totals.gpus) < 1e-9, `Σ gpuShare ${shares}`);
    assert.match(planOf(ns, 'game-7').explanation, /share 1 backend group\(s\) with other pipelines/);
  });

  it('is deterministic, and a re-plan of the same inputs keeps every group', () => {
    const request: NamespacePlanRequest = { namespace: 'media', pipelines, sessions, nodes };
    assert.deepEqual(planNamespace(request), ns);
    const again = planNamespace({ ...request, previous: previousOf(ns) });
    assert.deepEqual(again.backends, ns.backends);
  });
});

describe('planNamespace: stability', () => {
  const { pipelines, sessions } = gameNamespace(314);
  const first = planNamespace({ namespace: 'media', pipelines, sessions, nodes });
  const extraSession = linearSession('extra', T4, 30, 10, 32, { baseMiB: 800, perItemMiB: 60 });

  it('adding a pipeline leaves every existing group as it was', () => {
    const extra = pipeline('extra', [stage('infer', ['source'], 1, 'extra')], {
      videosPerSecond: 3,
      sloMs: 1500,
    });
    const next = planNamespace({
      namespace: 'media',
      pipelines: [...pipelines, extra],
      sessions: [...sessions, extraSession],
      nodes,
      previous: previousOf(first),
    });
    for (const group of first.backends) {
      assert.deepEqual(
        next.backends.find((b) => b.name === group.name),
        group,
        `${group.name} changed`,
      );
    }
    assert.ok(planOf(next, 'extra').gpus >= 1);
  });

  it('a load change of one pipeline keeps the groups that do not host it', () => {
    const changed = pipelines.map((p) =>
      p.name === 'game-12' ? { ...p, videosPerSecond: p.videosPerSecond * 1.5 } : p,
    );
    const next = planNamespace({
      namespace: 'media',
      pipelines: changed,
      sessions,
      nodes,
      previous: previousOf(first),
    });
    for (const group of first.backends.filter((b) => !b.pipelines.includes('game-12'))) {
      assert.deepEqual(
        next.backends.find((b) => b.name === group.name),
        group,
      );
    }
    const hosting = first.backends.find((b) => b.pipelines.includes('game-12'))!;
    const after = next.backends.find((b) => b.name === hosting.name);
    assert.ok(after, 'the group hosting game-12 keeps its name');
    assert.deepEqual(after.pipelines, hosting.pipelines, 'and its sessions');
  });

  it('deleting a pipeline keeps the groups it shared, less its session', () => {
    const hosting = first.backends.find((b) => b.pipelines.length > 2 && !b.saturated)!;
    const gone = hosting.pipelines[0]!;
    const next = planNamespace({
      namespace: 'media',
      pipelines: pipelines.filter((p) => p.name !== gone),
      sessions,
      nodes,
      previous: previousOf(first),
    });
    const after = next.backends.find((b) => b.name === hosting.name)!;
    assert.deepEqual(
      after.pipelines,
      hosting.pipelines.filter((p) => p !== gone),
    );
    for (const group of first.backends.filter((b) => !b.pipelines.includes(gone))) {
      assert.deepEqual(
        next.backends.find((b) => b.name === group.name),
        group,
      );
    }
  });
});

describe('planNamespace: placement', () => {
  const { pipelines, sessions } = gameNamespace(314, 6);

  it('keeps a pipeline with dedicatedGpus on GPUs of its own', () => {
    const dedicated = pipelines.map((p) => (p.name === 'game-3' ? { ...p, dedicatedGpus: true } : p));
    const ns = planNamespace({ namespace: 'media', pipelines: dedicated, sessions, nodes });
    const plan = planOf(ns, 'game-3');
    assert.deepEqual(plan.sharedWith, []);
    assert.ok(plan.backends.every((b) => b.pipelines.length === 1 && b.name.startsWith('game-3-b')));
    for (const b of ns.backends.filter((x) => x.pipelines.length > 1))
      assert.ok(!b.pipelines.includes('game-3'));
  });

  it('shares only between pipelines with the same node selector', () => {
    const split = pipelines.map((p, i) => ({ ...p, nodeSelector: { pool: i % 2 === 0 ? 'a' : 'b' } }));
    const labelled = [
      { ...gpuNode('a', T4, 8, T4_MIB), labels: { 'nvidia.com/gpu.product': T4, pool: 'a' } },
      { ...gpuNode('b', T4, 8, T4_MIB), labels: { 'nvidia.com/gpu.product': T4, pool: 'b' } },
    ];
    const ns = planNamespace({ namespace: 'media', pipelines: split, sessions, nodes: labelled });
    for (const b of ns.backends) {
      const pools = new Set(b.pipelines.map((p) => Number(p.split('-')[1]) % 2));
      assert.equal(pools.size, 1, `${b.name} mixes node selectors: ${b.pipelines.join(', ')}`);
    }
  });

  it('when GPUs run out, pipelines planned before keep theirs and the newcomer is left out', () => {
    const first = planNamespace({ namespace: 'media', pipelines: pipelines.slice(1), sessions, nodes });
    const small = [gpuNode('t4', T4, first.totals.gpus, T4_MIB)];
    const next = planNamespace({
      namespace: 'media',
      pipelines,
      sessions,
      nodes: small,
      previous: previousOf(first),
    });
    const newcomer = next.pipelines.find((p) => p.name === 'game-0')!.outcome;
    assert.equal(newcomer.ok, false);
    assert.ok(
      !newcomer.ok && newcomer.reason === 'InsufficientGPUs' && newcomer.plan,
      JSON.stringify(newcomer),
    );
    assert.match(newcomer.message, /not enough GPUs: NVIDIA-T4 needs \d+ GPU\(s\)/);
    for (const p of pipelines.slice(1)) assert.ok(planOf(next, p.name));
    assert.deepEqual(next.backends, first.backends);
  });

  it('when its best product runs out, a pipeline moves to its next one', () => {
    const both = sessions.map((s) => ({
      ...s,
      profiles: [...s.profiles, { ...s.profiles[0]!, gpuProduct: 'V100' }],
    }));
    const few = [gpuNode('t4', T4, 2, T4_MIB), gpuNode('v100', 'V100', 4, 32_768)];
    const ns = planNamespace({ namespace: 'media', pipelines, sessions: both, nodes: few });
    const used = (product: string) =>
      ns.backends.filter((b) => b.gpuProduct === product).reduce((n, b) => n + b.replicas, 0);
    assert.ok(used(T4) <= 2 && used('V100') <= 4, `${used(T4)} T4, ${used('V100')} V100`);
    assert.ok(used(T4) > 0 && used('V100') > 0, 'both products used');
    for (const { outcome } of ns.pipelines) assert.ok(outcome.ok || outcome.reason === 'InsufficientGPUs');
    assert.ok(ns.totals.pipelines >= 4, `${ns.totals.pipelines} planned`);
  });

  it('puts pipelines that could share on one product when that needs fewer GPUs', () => {
    const both = sessions.map((s) => ({
      ...s,
      profiles: [...s.profiles, { ...s.profiles[0]!, gpuProduct: 'V100' }],
    }));
    const many = [gpuNode('t4', T4, 64, T4_MIB), gpuNode('v100', 'V100', 64, 32_768)];
    const ns = planNamespace({ namespace: 'media', pipelines, sessions: both, nodes: many });
    assert.equal(new Set(ns.backends.map((b) => b.gpuProduct)).size, 1, ns.explanation);
  });

  it('reports a pipeline that cannot be planned and plans the others', () => {
    const broken = [
      ...pipelines,
      pipeline('broken', [stage('x', ['source'], 1, 'missing')], { videosPerSecond: 1, sloMs: 1000 }),
    ];
    const ns = planNamespace({ namespace: 'media', pipelines: broken, sessions, nodes });
    const outcome = ns.pipelines.find((p) => p.name === 'broken')!.outcome;
    assert.ok(!outcome.ok && outcome.reason === 'MissingSession');
    assert.equal(ns.totals.pipelines, pipelines.length);
  });
});
