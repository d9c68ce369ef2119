// When videos arrive at a pipeline's source (pure, seeded):
// - poisson: independent arrivals, exponential gaps (the planner's steady load, with its noise);
// - uniform: evenly spaced (the rate and nothing else);
// - bursty: an on/off modulated Poisson process with the same mean: bursts at 2.5× the rate for
//   a fifth of the time (mean 10 s each), 0.625× in between (mean 40 s), the shape of traffic that
//   comes in waves. Asks "does the plan's headroom absorb a wave?"
import { exponential, type Random } from './random.ts';

export type ArrivalPattern = 'poisson' | 'uniform' | 'bursty';
export const ARRIVAL_PATTERNS: readonly ArrivalPattern[] = ['poisson', 'uniform', 'bursty'];

const BURST = { factor: 2.5, meanMs: 10_000 };
const CALM = { factor: 0.625, meanMs: 40_000 };

export interface ArrivalProcess {
  /** Time of the next arrival after `nowMs`. */
  next(nowMs: number): number;
}

export function arrivalProcess(pattern: ArrivalPattern, rateVps: number, random: Random): ArrivalProcess {
  const meanGapMs = 1000 / rateVps;
  if (!(rateVps > 0)) return { next: () => Number.POSITIVE_INFINITY };
  if (pattern === 'uniform') return { next: (nowMs) => nowMs + meanGapMs };
  if (pattern === 'poisson') return { next: (nowMs) => nowMs + exponential(random, meanGapMs) };
  // Bursty: the phase switches at exponential times; within a phase arrivals are Poisson. A gap
  // that crosses a switch is redrawn from the switch (memorylessness keeps this exact).
  let burst = random() < 0.2;
  let switchAtMs = exponential(random, burst ? BURST.meanMs : CALM.meanMs);
  return {
    next(nowMs) {
      let t = nowMs;
      for (;;) {
        const phase = burst ? BURST : CALM;
        const gap = exponential(random, meanGapMs / phase.factor);
        if (t + gap <= switchAtMs) return t + gap;
        t = switchAtMs;
        burst = !burst;
        switchAtMs = t + exponential(random, burst ? BURST.meanMs : CALM.meanMs);
      }
    },
  };
}
