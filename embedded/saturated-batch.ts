// Batch caps for the embedded mode. The planner sizes a stage's batch for its planned rate, and a
// session sharing a device gets ⌈duty cycle × rate⌉, often 1: right for the planned rate, but in
// one process a burst (several decodes finishing together, the source flooded) then queues
// behind batch 1. The batcher never forms a batch larger than the queue or than meets the oldest
// deadline, so raising the cap only matters when a queue fills, and then it should be the batch
// a saturated device runs: the most throughput b/ℓ(b) whose worst case 2ℓ(b) fits the stage's
// budget (DESIGN.md "The planner", step 4), within the profiled range (no extrapolation). Where
// the profile shows batching does not pay (ℓ(b)/b never below ℓ(1)), the cap stays as planned.
import type { RuntimeConfig } from '../contract/runtime-config.ts';

type Point = { batchSize: number; latencyMicros: number };

/** ℓ(b) interpolated linearly between profile points; undefined outside them. */
export function interpolateMicros(points: readonly Point[], b: number): number | undefined {
  const sorted = [...points].sort((x, y) => x.batchSize - y.batchSize);
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i]!;
    if (p.batchSize === b) return p.latencyMicros;
    const next = sorted[i + 1];
    if (next && p.batchSize < b && b < next.batchSize) {
      const t = (b - p.batchSize) / (next.batchSize - p.batchSize);
      return p.latencyMicros + t * (next.latencyMicros - p.latencyMicros);
    }
  }
  return undefined;
}

/** The batch with the best throughput whose 2ℓ(b) fits `budgetMs`, at most `maxBatch`; 1 if none. */
export function saturatedBatch(points: readonly Point[], budgetMs: number, maxBatch: number): number {
  let best = 1;
  let bestVps = 0;
  for (let b = 1; b <= maxBatch; b++) {
    const micros = interpolateMicros(points, b);
    if (micros === undefined || 2 * micros > budgetMs * 1000) continue;
    const vps = micros > 0 ? b / micros : Number.POSITIVE_INFINITY;
    // Strictly better only: a larger batch must raise throughput to be worth its latency.
    if (vps > bestVps * 1.0001) {
      best = b;
      bestVps = vps;
    }
  }
  return best;
}

/**
 * The config with each stage's batch cap raised to its saturated batch (never lowered). Queue
 * limits stay as planned: memory stays bounded, and a batch is then at most one queue's worth.
 * Duty cycles are dropped (plain round robin): they hold only for the planned batches, and one
 * process serving bursts should never idle a device that has work.
 */
export function withSaturatedBatches(
  config: RuntimeConfig,
  maxBatchOf: (session: string) => number,
): { config: RuntimeConfig; raised: string[] } {
  const raised: string[] = [];
  const caps = new Map<string, number>();
  for (const s of config.stages) {
    const b = Math.max(s.batchSize, saturatedBatch(s.profile, s.latencyBudgetMs, maxBatchOf(s.session)));
    caps.set(s.name, b);
    if (b > s.batchSize) raised.push(`${s.name} ${s.batchSize}→${b}`);
  }
  return {
    config: {
      ...config,
      stages: config.stages.map((s) => ({ ...s, batchSize: caps.get(s.name) ?? s.batchSize })),
      backends: config.backends.map((g) => ({
        ...g,
        dutyCycleMicros: 0,
        sessions: g.sessions.map((h) => ({ ...h, batchSize: caps.get(h.stage) ?? h.batchSize })),
      })),
    },
    raised,
  };
}
