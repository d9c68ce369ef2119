// A stage's cost at every step of the SLO split's budget grid (slo-split.ts), made non-increasing
// (a stage given more budget can act as if it had less), which the min-plus DP's step-start
// shortcut relies on. The cost is computed once per distinct whole-millisecond budget. Pure.

export function gridCosts(
  steps: number,
  msAt: (k: number) => number,
  costAtMs: (ms: number) => number,
): Float64Array {
  const c = new Float64Array(steps + 1);
  let best = Number.POSITIVE_INFINITY;
  let lastMs = -1;
  let last = Number.POSITIVE_INFINITY;
  for (let k = 0; k <= steps; k++) {
    const ms = msAt(k);
    if (ms !== lastMs) {
      last = costAtMs(ms);
      lastMs = ms;
    }
    best = Math.min(best, last);
    c[k] = best;
  }
  return c;
}
