import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linearSession, pipeline, stage } from './fixtures.test-support.ts';
import { STEADY } from './headroom.ts';
import type { BatchProfile } from './profile.ts';
import { buildProfile } from './profile.ts';
import { analyseGraph, longestPathBudget } from './rates.ts';
import { splitSlo, stageCostGpus } from './slo-split.ts';
import type { PlannerStage } from './types.ts';

function setUp(stages: PlannerStage[], shapes: [number, number, number][], videosPerSecond = 100) {
  const p = pipeline('t', stages, { videosPerSecond, sloMs: 300 });
  const result = analyseGraph(p);
  assert.ok(result.ok);
  const profiles = shapes.map(([fixedMs, perItemMs, maxBatch], i) => {
    const built = buildProfile(linearSession(`s${i}`, 'T4', fixedMs, perItemMs, maxBatch), 'T4', 16_000);
    assert.ok(built.ok);
    return built.profile;
  });
  return { graph: result.graph, profiles };
}

function cost(profiles: BatchProfile[], rates: number[], budgets: number[]): number {
  return budgets.reduce((s, ms, v) => s + stageCostGpus(profiles[v]!, rates[v]!, ms, STEADY), 0);
}

describe('splitSlo', () => {
  it('finds the optimum of a two-stage chain (checked against every whole-ms split)', () => {
    // A gains a lot from batching (large fixed cost), B little: the optimum is far from even.
    const { graph, profiles } = setUp(
      [stage('a'), stage('b', ['a'])],
      [
        [40, 1, 64],
        [2, 3, 64],
      ],
    );
    const split = splitSlo(graph, profiles, 300);
    let best = Number.POSITIVE_INFINITY;
    for (let a = 0; a <= 300; a++) best = Math.min(best, cost(profiles, graph.rateVps, [a, 300 - a]));
    assert.ok(Math.abs(split.lowerBoundGpus - best) < 1e-9, `${split.lowerBoundGpus} vs ${best}`);
    assert.equal(split.method, 'series-parallel');
    const even = splitSlo(graph, profiles, 300, true);
    assert.ok(split.lowerBoundGpus < even.lowerBoundGpus);
  });

  it('gives parallel branches of a join the same budget and fits every path', () => {
    const { graph, profiles } = setUp(
      [stage('a'), stage('b'), stage('c', ['a', 'b'])],
      [
        [10, 1, 32],
        [30, 2, 32],
        [5, 1, 32],
      ],
    );
    const split = splitSlo(graph, profiles, 300);
    assert.equal(split.method, 'series-parallel');
    assert.ok(longestPathBudget(graph, split.budgetMs) <= 300);
    assert.equal(split.budgetMs[0]! + split.budgetMs[2]!, 300);
    assert.equal(split.budgetMs[1]! + split.budgetMs[2]!, 300);
  });

  it('handles fan-out: one stage feeding two sinks', () => {
    const { graph, profiles } = setUp(
      [stage('a'), stage('b', ['a'], 10), stage('c', ['a'])],
      [
        [10, 1, 32],
        [10, 1, 32],
        [10, 1, 32],
      ],
    );
    assert.deepEqual(graph.rateVps, [100, 100, 100]);
    const split = splitSlo(graph, profiles, 300);
    assert.equal(split.method, 'series-parallel');
    assert.ok(longestPathBudget(graph, split.budgetMs) <= 300);
  });

  it('splits a non-series-parallel DAG within the SLO, no worse than an even split', () => {
    // A→C, A→D, B→D: the "N" graph, which no series/parallel reduction can collapse.
    const { graph, profiles } = setUp(
      [stage('a'), stage('b'), stage('c', ['a']), stage('d', ['a', 'b'])],
      [
        [40, 1, 64],
        [2, 3, 64],
        [10, 1, 64],
        [20, 2, 64],
      ],
    );
    const split = splitSlo(graph, profiles, 300);
    assert.notEqual(split.method, 'series-parallel');
    assert.ok(longestPathBudget(graph, split.budgetMs) <= 300);
    assert.ok(split.lowerBoundGpus <= splitSlo(graph, profiles, 300, true).lowerBoundGpus);
    // Every path uses the whole SLO: slack is never left on the table.
    assert.equal(split.budgetMs[0]! + split.budgetMs[2]!, 300);
  });
});
