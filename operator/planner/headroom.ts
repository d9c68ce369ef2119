// Headroom for random arrivals (DESIGN.md "The planner"; docs/sizing.md "Random arrivals need
// headroom"). A batch of cap b that runs once per cycle carries on average fewer than b items when
// they arrive at random: a cycle with more arrivals than b leaves a backlog, and a request behind
// it waits a cycle more than its worst case. The planner sizes GPUs, batches and duty cycles by
// n*(b, r), the expected arrivals per cycle a cap of b keeps up with so that a request waits more
// than the r cycles its budget allows with probability at most ε; the runtime's cap stays b.
// - Videos arrive as a Poisson process, and a stage behind a fan-out receives each video's items
//   together (a burst of c = items per video, on the video's partition).
// - ε is the pipeline's chance that a video misses the SLO, split evenly over the stages a video
//   passes (a union bound: a video is late only if some stage made it wait).
// - b ≥ 2, or bursts: the backlog a cycle starts with exceeds x items with probability at most
//   z0^(−x) (Kingman's bound), z0 > 1 the root of z^b = e^((n/c)(z^c − 1)) (the bulk-service
//   queue M^X/D^b/1). With x = r·b that is at most ε exactly when
//   n ≤ (c·L/r) / (e^(c·L/(r·b)) − 1), L = ln(1/ε): about b − c·L/2 for large b.
// - b = 1 without bursts is the M/D/1 queue; the bound is loose there, so the exact waiting-time
//   distribution (Erlang's formula) gives the utilisation at which P(wait > r·ℓ) = ε. A GPU that
//   runs batch 1 back to back serves continuously, so r need not be whole: a request may wait
//   budget − ℓ, r = budget/ℓ − 1 (flooring it cost up to one service time of allowance: 788 GPUs
//   instead of 300 for a 6 s model with 15.9 s of budget).
// Pure.

/** How a stage's requests arrive, as the plan assumes. */
export interface Arrivals {
  /** Items arriving together per video (≥ 1); 0: steady arrivals, a batch carries its cap. */
  burst: number;
  /** Chance a request may wait longer than its stage's budget. */
  lateProbability: number;
}

/** Evenly spaced arrivals: Nexus's deterministic model, no headroom. */
export const STEADY: Arrivals = { burst: 0, lateProbability: 0 };

/** Chance a video misses its SLO that a plan for Poisson arrivals allows. */
export const LATE_VIDEO_PROBABILITY = 0.003;

/** Poisson arrivals at a stage of a pipeline of `stages` stages, `itemsPerVideo` arriving together. */
export function poissonArrivals(itemsPerVideo: number, stages: number): Arrivals {
  return { burst: Math.max(1, itemsPerVideo), lateProbability: LATE_VIDEO_PROBABILITY / Math.max(1, stages) };
}

/** Rounds past which more budget buys a batch-1 stage nothing measurable. */
const MAX_EXACT_ROUNDS = 12;
/** Rounds past which more budget buys a batch nothing measurable (b − n* < c·L/128). */
export const MAX_ROUNDS = 64;

/** P(W ≤ r·D) in an M/D/1 queue at utilisation ρ (Erlang, 1909); r ≥ 0 need not be whole. */
export function mdOneWithin(rho: number, rounds: number): number {
  let sum = 0;
  for (let k = 0; k <= Math.floor(rounds); k++) {
    const x = rho * (k - rounds);
    let term = Math.exp(-x);
    for (let i = 1; i <= k; i++) term *= x / i;
    sum += term;
  }
  return (1 - rho) * sum;
}

/** By ε: ρ per r in steps of 1/ROUND_STEPS (NaN: not computed yet). */
const mdOneMemo = new Map<number, Float64Array>();

/** Steps per service a fractional r is rounded down to, so the memo stays small. */
export const ROUND_STEPS = 64;

/**
 * Largest ρ with P(W > r·D) ≤ ε in M/D/1 (bisection). Memoised per r and ε, with r rounded down
 * to 1/64 of a service (a little less allowance, never more): the operator plans for as long as
 * it runs, and budgets vary, so an exact key would grow the memo without bound.
 */
function mdOneUtilisation(rounds: number, late: number): number {
  const step = Math.floor(Math.min(rounds, MAX_EXACT_ROUNDS) * ROUND_STEPS);
  const r = step / ROUND_STEPS;
  let memo = mdOneMemo.get(late);
  if (!memo) {
    memo = new Float64Array(MAX_EXACT_ROUNDS * ROUND_STEPS + 1).fill(Number.NaN);
    mdOneMemo.set(late, memo);
  }
  const known = memo[step]!;
  if (!Number.isNaN(known)) return known;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (1 - mdOneWithin(mid, r) <= late) lo = mid;
    else hi = mid;
  }
  memo[step] = lo;
  return lo;
}

let lastLate = Number.NaN;
let lastLog = Number.NaN;

/** ln(1/ε), remembered for the last ε (a plan asks for a few, many times each). */
function logInverse(late: number): number {
  if (late !== lastLate) {
    lastLate = late;
    lastLog = Math.log(1 / late);
  }
  return lastLog;
}

/**
 * Expected items per cycle a batch cap of `batch` keeps up with when a request may wait `rounds`
 * cycles behind others (1: the planner's worst case, d + ℓ(b)). Whole cycles for batches; batch 1
 * served back to back (M/D/1) may pass a fraction.
 */
export function usableItems(batch: number, rounds: number, arrivals: Arrivals): number {
  if (batch <= 0) return 0;
  if (arrivals.burst <= 0) return batch;
  const r = Math.min(MAX_ROUNDS, Math.max(1, rounds));
  const c = Math.max(1, arrivals.burst);
  if (batch === 1 && c === 1) return mdOneUtilisation(r, arrivals.lateProbability);
  const L = logInverse(arrivals.lateProbability);
  return (c * L) / r / Math.expm1((c * L) / (r * batch));
}

/**
 * The rounds a batch of b run back to back may wait within `budgetMicros` (its ℓ(b) included): a
 * request that just missed a batch waits one, then runs in the next, so 2ℓ(b) must fit (else 0);
 * each further ℓ(b) is a round. Whole rounds for batches, up to MAX_ROUNDS; batch 1 is served
 * continuously (M/D/1) and may wait budget − ℓ, in steps of 1/ROUND_STEPS of a service, up to
 * the rounds past which it gains nothing measurable.
 */
export function backToBackRounds(batch: number, budgetMicros: number, latencyMicros: number): number {
  const rounds = budgetMicros / latencyMicros - 1;
  if (rounds < 1) return 0;
  if (batch === 1) return Math.floor(Math.min(rounds, MAX_EXACT_ROUNDS) * ROUND_STEPS) / ROUND_STEPS;
  return Math.min(MAX_ROUNDS, Math.floor(rounds));
}

/** The next value backToBackRounds of `batch` takes above `rounds` (Infinity past the last). */
export function nextBackToBackRounds(batch: number, rounds: number): number {
  if (batch === 1) return rounds >= MAX_EXACT_ROUNDS ? Number.POSITIVE_INFINITY : rounds + 1 / ROUND_STEPS;
  return rounds >= MAX_ROUNDS ? Number.POSITIVE_INFINITY : rounds + 1;
}

/**
 * Whole duty cycles a request of a packed session may wait behind a backlog and still finish
 * within `budgetMicros`: its turn comes every d, then its batch takes ℓ (≥ 1 when d + ℓ fits).
 */
export function roundsWithin(budgetMicros: number, latencyMicros: number, dutyMicros: number): number {
  return Math.floor((budgetMicros - latencyMicros) / dutyMicros);
}

/**
 * The duty cycle, µs (whole: floored, a shorter cycle only adds capacity), at which a batch of b
 * alone serves `perMicro` items per µs: the cycle fills with n*(b, rounds), and the rounds the
 * budget then allows are at least those assumed. 0 when even one round does not fit.
 */
export function fillMicros(
  batch: number,
  latencyMicros: number,
  perMicro: number,
  budgetMicros: number,
  arrivals: Arrivals,
): number {
  let fill = Math.floor(usableItems(batch, 1, arrivals) / perMicro);
  if (roundsWithin(budgetMicros, latencyMicros, fill) < 1) return 0;
  if (arrivals.burst <= 0) return fill;
  // More rounds carry more per cycle, which lengthens the cycle and may cost a round: keep the
  // longer cycle only while the rounds it assumed still fit.
  for (let i = 0; i < 4; i++) {
    const rounds = roundsWithin(budgetMicros, latencyMicros, fill);
    const longer = Math.floor(usableItems(batch, rounds, arrivals) / perMicro);
    if (longer <= fill || roundsWithin(budgetMicros, latencyMicros, longer) < rounds) break;
    fill = longer;
  }
  return fill;
}

/** Smallest batch cap whose usable items per cycle (one round) reach `items`. */
export function batchForItems(items: number, arrivals: Arrivals): number {
  if (items <= 0) return 1;
  if (arrivals.burst <= 0) return Math.max(1, Math.ceil(items));
  // n*(b) ≈ b − c·L/2: start below that and step up to the exact answer.
  const half = (Math.max(1, arrivals.burst) * Math.log(1 / arrivals.lateProbability)) / 2;
  let b = Math.max(1, Math.floor(items + half) - 2);
  while (b > 1 && usableItems(b - 1, 1, arrivals) >= items) b--;
  while (usableItems(b, 1, arrivals) < items) b++;
  return b;
}
