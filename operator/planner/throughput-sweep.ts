// TP*(t), the best usable throughput within a budget (profile.ts bestThroughputVps), and the batch
// that gives it (saturatedBatch), at every step of the SLO split's budget grid, for random
// arrivals. Scanning every batch at every step made planning for Poisson arrivals 8× slower than
// for steady ones. Instead one sweep: a batch's usable throughput only grows with the rounds its
// budget allows (headroom.ts backToBackRounds), so each (batch, rounds) is an event at the budget
// where those rounds start, and TP* is the running maximum of the events up to each step. A batch
// whose steady throughput b/ℓ(b) (what its usable throughput approaches) cannot beat the running
// maximum has no more events: only the few batches near the top of the curve are followed.
// Ties go to the larger batch, as in saturatedBatch. Pure.

import { EventHeap } from './event-heap.ts';
import { type Arrivals, backToBackRounds, nextBackToBackRounds, usableItems } from './headroom.ts';
import type { BatchProfile } from './profile.ts';

const MICROS_PER_SECOND = 1e6;

export interface ThroughputGrid {
  /** Best usable throughput at each step, videos/s (0: no batch fits). */
  throughputVps: Float64Array;
  /** The batch that gives it (0: none). */
  batch: Int32Array;
}

interface BatchEvent {
  /** Budget at which `rounds` start, ms (µs ÷ 1000, as the steps' budgets are compared). */
  atMs: number;
  batch: number;
  rounds: number;
}

/** TP* and its batch at budgets msAt(0) ≤ msAt(1) ≤ … ≤ msAt(steps), milliseconds. */
export function throughputGrid(
  profile: BatchProfile,
  arrivals: Arrivals,
  steps: number,
  msAt: (k: number) => number,
): ThroughputGrid {
  const latency = profile.latencyMicros;
  const steadyVps = (b: number) => (b * MICROS_PER_SECOND) / latency[b]!;
  const heap = new EventHeap<BatchEvent>();
  // Every batch's first event: where 2ℓ(b) fits (one round).
  for (let b = 1; b <= profile.maxBatch; b++)
    heap.push({ atMs: (2 * latency[b]!) / 1000, batch: b, rounds: 1 });
  const throughputVps = new Float64Array(steps + 1);
  const batchAt = new Int32Array(steps + 1);
  let best = 0;
  let bestBatch = 0;
  for (let k = 0; k <= steps; k++) {
    const budgetMicros = msAt(k) * 1000;
    const budgetMs = budgetMicros / 1000;
    while (heap.size > 0 && heap.peek()!.atMs <= budgetMs) {
      const event = heap.pop()!;
      const b = event.batch;
      // Its usable throughput stays below b/ℓ(b): past the best, it can never win again.
      if (steadyVps(b) <= best) continue;
      // The rounds this budget really allows (the event's budget is where they start, up to float
      // rounding): as usableThroughputVps computes them.
      const rounds = backToBackRounds(b, budgetMicros, latency[b]!);
      if (rounds > 0) {
        const tp = (usableItems(b, rounds, arrivals) * MICROS_PER_SECOND) / latency[b]!;
        if (tp > best || (tp === best && b > bestBatch)) {
          best = tp;
          bestBatch = b;
        }
      }
      // Its next rounds; or, where rounding left this budget just short of the event's, these again.
      const next = rounds >= event.rounds ? nextBackToBackRounds(b, rounds) : event.rounds;
      if (!Number.isFinite(next)) continue;
      // Next event strictly later than this budget (by 1 µs at least), so a step never sees the
      // same event twice.
      const atMicros = Math.max((next + 1) * latency[b]!, budgetMicros + 1);
      heap.push({ atMs: atMicros / 1000, batch: b, rounds: next });
    }
    throughputVps[k] = best;
    batchAt[k] = bestBatch;
  }
  return { throughputVps, batch: batchAt };
}
